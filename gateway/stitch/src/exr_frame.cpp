#include "exr_frame.h"

#include <OpenImageIO/filesystem.h>
#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "durable.h"

namespace farm::gateway::detail {
namespace fs = std::filesystem;
namespace {

Layout layout_of(const OIIO::ImageSpec& spec) {
    Layout l;
    for (int c = 0; c < spec.nchannels; ++c) {
        l.channels.emplace_back(spec.channel_name(c));
        l.formats.push_back(spec.channelformat(c).c_str());
    }
    return l;
}

std::string rect_text(const TileRect& r) {
    return "[" + std::to_string(r.x0) + "," + std::to_string(r.y0) + ")-[" +
           std::to_string(r.x1) + "," + std::to_string(r.y1) + ")";
}

// Reads the whole first subimage in its native per-channel formats: no conversion, so a
// half stays the same 16 bits (NaN payloads included) all the way into the frame.
std::vector<unsigned char> read_native(OIIO::ImageInput& in, const std::string& what) {
    const OIIO::ImageSpec& spec = in.spec();
    std::vector<unsigned char> px(spec.image_bytes(true));
    if (!in.read_image(0, 0, 0, spec.nchannels, OIIO::TypeUnknown, px.data()) ||
        in.has_error())
        throw StitchError(what + ": cannot decode the pixels: " + in.geterror());
    return px;
}

float aces(float x) {  // Narkowicz's fit of the ACES filmic curve, as farm-render uses
    x = std::max(0.0f, x) * 0.6f;
    return std::clamp((x * (2.51f * x + 0.03f)) / (x * (2.43f * x + 0.59f) + 0.14f), 0.0f,
                      1.0f);
}

float linear_to_srgb(float c) {  // the sRGB OETF
    return c <= 0.0031308f ? 12.92f * c : 1.055f * std::pow(c, 1.0f / 2.4f) - 0.055f;
}

// Writes through OIIO to `tmp` (which keeps the real extension so OIIO picks the right
// writer), fsyncs it and renames it onto `path`.
void write_image(const fs::path& path, const fs::path& tmp, const OIIO::ImageSpec& spec,
                 OIIO::TypeDesc format, const void* pixels) {
    auto out = OIIO::ImageOutput::create(path.string());
    if (!out)
        throw std::runtime_error(path.string() +
                                 ": no image writer: " + OIIO::geterror());
    if (!out->open(tmp.string(), spec) || !out->write_image(format, pixels) ||
        !out->close() || out->has_error()) {
        const std::string err = out->geterror();
        std::error_code ec;
        fs::remove(tmp, ec);
        throw std::runtime_error(path.string() + ": cannot write: " + err);
    }
    fsync_path(tmp);
    commit_rename(tmp, path);
}

// 8-bit preview of the colour: the same ACES fit + sRGB OETF as farm-render's own PNG, so
// a stitched frame's preview looks like a single-process render's. RGB is premultiplied,
// so ignoring alpha composites over black.
void write_png(const std::vector<unsigned char>& frame, const OIIO::ImageSpec& spec,
               const fs::path& path, const fs::path& tmp) {
    const int w = spec.width, h = spec.height;
    const std::size_t pb = spec.pixel_bytes(true);
    std::vector<float> rgb(static_cast<std::size_t>(w) * h * 3);
    for (int k = 0; k < 3; ++k) {
        // R, G, B by name; a frame without them previews its first channel as grey.
        const char* names[] = {"R", "G", "B"};
        int c = spec.channelindex(names[k]);
        if (c < 0) c = 0;
        const std::size_t offset = spec.pixel_bytes(0, c, true);
        if (!OIIO::convert_image(1, w, h, 1, frame.data() + offset, spec.channelformat(c),
                                 pb, pb * w, OIIO::AutoStride, rgb.data() + k,
                                 OIIO::TypeFloat, 3 * sizeof(float),
                                 3 * sizeof(float) * w, OIIO::AutoStride))
            throw std::runtime_error(path.string() + ": cannot convert channel " +
                                     std::string(spec.channel_name(c)) + ": " +
                                     OIIO::geterror());
    }
    std::vector<unsigned char> px(rgb.size());
    for (std::size_t i = 0; i < rgb.size(); ++i)
        px[i] = static_cast<unsigned char>(
            std::lround(linear_to_srgb(aces(rgb[i])) * 255.0f));
    write_image(path, tmp, OIIO::ImageSpec(w, h, 3, OIIO::TypeUInt8), OIIO::TypeUInt8,
                px.data());
}

}  // namespace

std::string Layout::describe() const {
    std::string s;
    for (std::size_t c = 0; c < channels.size(); ++c)
        s += (c ? "," : "") + channels[c] + ":" + formats[c];
    return s;
}

Layout check_tile(std::string_view bytes, const TileRect& rect) {
    const std::string what = "tile " + rect_text(rect);
    if (bytes.size() < 4 || std::memcmp(bytes.data(), "\x76\x2f\x31\x01", 4) != 0)
        throw StitchError(what + ": not an OpenEXR file");
    OIIO::Filesystem::IOMemReader mem(bytes.data(), bytes.size());
    // Ask for the OpenEXR reader by name: opening by file name would fall back to trying
    // every other format on a file that fails, and those may not read from memory.
    auto in = OIIO::ImageInput::create("openexr");
    if (!in) throw std::runtime_error("no OpenEXR reader: " + OIIO::geterror());
    OIIO::ImageSpec spec;
    if (!in->set_ioproxy(&mem) || !in->open("tile.exr", spec) || in->has_error())
        throw StitchError(what + ": unreadable EXR: " + in->geterror());
    if (spec.deep) throw StitchError(what + ": deep EXR tiles are not supported");
    if (spec.nchannels < 1 || spec.nchannels > kMaxChannels)
        throw StitchError(what + ": " + std::to_string(spec.nchannels) +
                          " channels (1.." + std::to_string(kMaxChannels) + " accepted)");
    const int w = rect.x1 - rect.x0, h = rect.y1 - rect.y0;
    if (spec.width != w || spec.height != h || spec.depth != 1)
        throw StitchError(what + ": image is " + std::to_string(spec.width) + "x" +
                          std::to_string(spec.height) + ", the tile is " +
                          std::to_string(w) + "x" + std::to_string(h));
    // farm-render puts a tile's data window at its place in the frame; a bare tile at
    // (0,0) is accepted too. Anything else is a tile of some other place.
    if (!(spec.x == 0 && spec.y == 0) && !(spec.x == rect.x0 && spec.y == rect.y0))
        throw StitchError(what + ": data window starts at (" + std::to_string(spec.x) +
                          "," + std::to_string(spec.y) + ")");
    read_native(*in, what);  // a truncated or corrupt file fails here, not at assembly
    return layout_of(spec);
}

Layout read_layout(const fs::path& tile) {
    auto in = OIIO::ImageInput::open(tile.string());
    if (!in)
        throw std::runtime_error(tile.string() + ": cannot open: " + OIIO::geterror());
    return layout_of(in->spec());
}

void write_frame(const std::vector<StoredTile>& tiles, int width, int height,
                 const FrameFiles& files, const FrameFiles& tmp) {
    if (tiles.empty()) throw StitchError("a frame needs at least one tile");
    OIIO::ImageSpec spec;
    Layout layout;
    std::vector<unsigned char> frame;
    std::size_t pb = 0;
    for (const StoredTile& t : tiles) {
        auto in = OIIO::ImageInput::open(t.path.string());
        if (!in)
            throw std::runtime_error(t.path.string() +
                                     ": cannot open: " + OIIO::geterror());
        const OIIO::ImageSpec& ts = in->spec();
        const int w = t.rect.x1 - t.rect.x0, h = t.rect.y1 - t.rect.y0;
        if (ts.width != w || ts.height != h)
            throw StitchError(t.path.string() + ": stored tile has the wrong size");
        if (frame.empty()) {
            // The frame takes the first tile's channels, pixel types and compression.
            layout = layout_of(ts);
            spec = OIIO::ImageSpec(width, height, ts.nchannels, ts.format);
            spec.channelnames = ts.channelnames;
            spec.channelformats = ts.channelformats;
            spec.alpha_channel = ts.alpha_channel;
            spec.z_channel = ts.z_channel;
            spec.attribute("compression", ts.get_string_attribute("compression", "zip"));
            if (auto sw = ts.get_string_attribute("Software"); !sw.empty())
                spec.attribute("Software", sw);
            pb = spec.pixel_bytes(true);
            frame.assign(spec.image_bytes(true), 0);
        } else if (layout_of(ts) != layout) {
            throw StitchError(t.path.string() + ": channels " + layout_of(ts).describe() +
                              " differ from the frame's " + layout.describe());
        }
        const std::vector<unsigned char> px = read_native(*in, t.path.string());
        for (int y = 0; y < h; ++y)
            std::memcpy(
                &frame[(static_cast<std::size_t>(t.rect.y0 + y) * width + t.rect.x0) *
                       pb],
                &px[static_cast<std::size_t>(y) * w * pb], w * pb);
    }
    write_image(files.exr, tmp.exr, spec, OIIO::TypeUnknown, frame.data());
    write_png(frame, spec, files.png, tmp.png);
}

}  // namespace farm::gateway::detail
