// EXR and PNG output through OpenImageIO. Every write checks has_error()/geterror and
// goes to a temporary name first, so a crash never leaves a half-written frame behind.
#include "farm/render/output.h"

#include <OpenImageIO/imageio.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace farm::render {
namespace fs = std::filesystem;
namespace {

const char* kChannels[] = {"R",        "G",   "B",   "A",   "albedo.R", "albedo.G",
                           "albedo.B", "N.X", "N.Y", "N.Z", "Z"};
constexpr int kChannelCount = 11;

void write_atomically(const fs::path& path, const OIIO::ImageSpec& spec,
                      const void* pixels, OIIO::TypeDesc format) {
    // The temporary keeps the real extension so OIIO picks the right writer.
    const fs::path tmp =
        path.parent_path() / (path.stem().string() + ".tmp" + std::to_string(::getpid()) +
                              path.extension().string());
    auto out = OIIO::ImageOutput::create(path.string());
    if (!out) throw RenderError(path.string() + ": no image writer: " + OIIO::geterror());
    if (!out->open(tmp.string(), spec) || !out->write_image(format, pixels) ||
        !out->close()) {
        const std::string err = out->geterror();
        std::error_code ec;
        fs::remove(tmp, ec);
        throw RenderError(path.string() + ": cannot write: " + err);
    }
    // fsync before the rename so a crash leaves either the old file or the whole new one.
    if (const int fd = ::open(tmp.c_str(), O_RDONLY); fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec)
        throw RenderError(path.string() + ": cannot rename into place: " + ec.message());
}

float aces(float x) {  // Narkowicz's fit of the ACES filmic curve
    x = std::max(0.0f, x) * 0.6f;
    return std::clamp((x * (2.51f * x + 0.03f)) / (x * (2.43f * x + 0.59f) + 0.14f), 0.0f,
                      1.0f);
}

float linear_to_srgb(float c) {
    return c <= 0.0031308f ? 12.92f * c : 1.055f * std::pow(c, 1.0f / 2.4f) - 0.055f;
}

}  // namespace

void write_exr(const Image& img, const fs::path& path) {
    const int w = img.width(), h = img.height();
    OIIO::ImageSpec spec(w, h, kChannelCount, OIIO::TypeDesc::HALF);
    spec.x = img.region.x0;
    spec.y = img.region.y0;
    spec.full_x = spec.full_y = 0;
    spec.full_width = img.full_width;
    spec.full_height = img.full_height;
    spec.channelnames.assign(kChannels, kChannels + kChannelCount);
    spec.channelformats.assign(kChannelCount, OIIO::TypeDesc::HALF);
    spec.channelformats.back() = OIIO::TypeDesc::FLOAT;  // depth needs more than half
    spec.alpha_channel = 3;
    spec.z_channel = 10;
    spec.attribute("compression", "zip");
    spec.attribute("Software", "XiXuan farm-render");
    std::vector<float> px(static_cast<std::size_t>(w) * h * kChannelCount);
    for (std::size_t i = 0; i < static_cast<std::size_t>(w) * h; ++i) {
        float* p = &px[i * kChannelCount];
        for (int c = 0; c < 4; ++c) p[c] = img.rgba[i * 4 + c];
        for (int c = 0; c < 3; ++c) p[4 + c] = img.albedo[i * 3 + c];
        for (int c = 0; c < 3; ++c) p[7 + c] = img.normal[i * 3 + c];
        p[10] = img.depth[i];
    }
    write_atomically(path, spec, px.data(), OIIO::TypeDesc::FLOAT);
}

void write_png_preview(const Image& img, const fs::path& path) {
    const int w = img.width(), h = img.height();
    std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3);
    for (std::size_t i = 0; i < static_cast<std::size_t>(w) * h; ++i)
        for (int c = 0; c < 3; ++c)
            px[i * 3 + c] = static_cast<unsigned char>(
                std::lround(linear_to_srgb(aces(img.rgba[i * 4 + c])) * 255.0f));
    write_atomically(path, OIIO::ImageSpec(w, h, 3, OIIO::TypeDesc::UINT8), px.data(),
                     OIIO::TypeDesc::UINT8);
}

Image read_exr(const fs::path& path) {
    auto in = OIIO::ImageInput::open(path.string());
    if (!in) throw RenderError(path.string() + ": cannot open: " + OIIO::geterror());
    const OIIO::ImageSpec spec = in->spec();
    Image img;
    img.region = Region{spec.x, spec.y, spec.x + spec.width, spec.y + spec.height};
    img.full_width = spec.full_width;
    img.full_height = spec.full_height;
    const std::size_t n = static_cast<std::size_t>(spec.width) * spec.height;
    std::vector<float> px(n * spec.nchannels);
    if (!in->read_image(0, 0, 0, spec.nchannels, OIIO::TypeDesc::FLOAT, px.data()))
        throw RenderError(path.string() + ": cannot read: " + in->geterror());
    auto channel = [&](const char* name) {
        for (int c = 0; c < spec.nchannels; ++c)
            if (spec.channelnames[c] == name) return c;
        return -1;
    };
    img.rgba.assign(n * 4, 0.0f);
    img.albedo.assign(n * 3, 0.0f);
    img.normal.assign(n * 3, 0.0f);
    img.depth.assign(n, 0.0f);
    for (int k = 0; k < kChannelCount; ++k) {
        const int c = channel(kChannels[k]);
        if (c < 0) continue;
        for (std::size_t i = 0; i < n; ++i) {
            const float v = px[i * spec.nchannels + c];
            if (k < 4)
                img.rgba[i * 4 + k] = v;
            else if (k < 7)
                img.albedo[i * 3 + k - 4] = v;
            else if (k < 10)
                img.normal[i * 3 + k - 7] = v;
            else
                img.depth[i] = v;
        }
    }
    return img;
}

}  // namespace farm::render
