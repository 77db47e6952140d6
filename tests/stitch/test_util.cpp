#include "test_util.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace farm::test {
namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("farm-stitch-test-" + std::to_string(::getpid()) +
                                        "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
}

void pixel_bits(int x, int y, unsigned seed, unsigned char* out) {
    // splitmix-style hash of (x, y, seed): cheap and different in every bit.
    std::uint64_t h = (static_cast<std::uint64_t>(x) << 32) ^
                      (static_cast<std::uint64_t>(y) << 8) ^ seed;
    for (std::size_t i = 0; i < kPixelBytes; i += 8) {
        h += 0x9e3779b97f4a7c15ull;
        std::uint64_t z = h;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        std::memcpy(out + i, &z, std::min<std::size_t>(8, kPixelBytes - i));
    }
}

std::vector<unsigned char> region_bits(const gateway::TileRect& r, unsigned seed) {
    std::vector<unsigned char> px(static_cast<std::size_t>(r.x1 - r.x0) * (r.y1 - r.y0) *
                                  kPixelBytes);
    std::size_t i = 0;
    for (int y = r.y0; y < r.y1; ++y)
        for (int x = r.x0; x < r.x1; ++x, i += kPixelBytes)
            pixel_bits(x, y, seed, &px[i]);
    return px;
}

std::string tile_exr(const gateway::TileRect& r, int width, int height, unsigned seed,
                     bool at_origin) {
    static const char* names[] = {"R",        "G",   "B",   "A",   "albedo.R", "albedo.G",
                                  "albedo.B", "N.X", "N.Y", "N.Z", "Z"};
    OIIO::ImageSpec spec(r.x1 - r.x0, r.y1 - r.y0, kChannels, OIIO::TypeHalf);
    if (!at_origin) {
        spec.x = r.x0;
        spec.y = r.y0;
    }
    spec.full_width = width;
    spec.full_height = height;
    spec.channelnames.assign(names, names + kChannels);
    spec.channelformats.assign(kChannels, OIIO::TypeHalf);
    spec.channelformats.back() = OIIO::TypeFloat;
    spec.alpha_channel = 3;
    spec.z_channel = 10;
    spec.attribute("compression", "zip");
    ScratchDir dir;
    const fs::path file = dir.path / "tile.exr";
    auto out = OIIO::ImageOutput::create(file.string());
    const std::vector<unsigned char> px = region_bits(r, seed);
    if (!out || !out->open(file.string(), spec) ||
        !out->write_image(OIIO::TypeUnknown, px.data()) || !out->close())
        throw std::runtime_error("cannot write test tile: " +
                                 (out ? out->geterror() : OIIO::geterror()));
    return read_file(file);
}

std::vector<unsigned char> read_native(const fs::path& file, OIIO::ImageSpec* spec_out) {
    auto in = OIIO::ImageInput::open(file.string());
    if (!in) throw std::runtime_error(file.string() + ": " + OIIO::geterror());
    const OIIO::ImageSpec& spec = in->spec();
    std::vector<unsigned char> px(spec.image_bytes(true));
    if (!in->read_image(0, 0, 0, spec.nchannels, OIIO::TypeUnknown, px.data()))
        throw std::runtime_error(file.string() + ": " + in->geterror());
    if (spec_out) *spec_out = spec;
    return px;
}

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary) << bytes;
}

std::vector<std::string> list_files(const fs::path& dir) {
    std::vector<std::string> files;
    if (!fs::exists(dir)) return files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) files.push_back(fs::relative(e.path(), dir).string());
    std::sort(files.begin(), files.end());
    return files;
}

gateway::FrameSpec frame_spec(const std::string& job, int frame, int width, int height,
                              int tiles_x, int tiles_y, const fs::path& out) {
    gateway::FrameSpec f;
    f.job = job;
    f.frame = frame;
    f.width = width;
    f.height = height;
    f.tiles = gateway::tile_grid(width, height, tiles_x, tiles_y);
    f.output_dir = out;
    f.name = "shot";
    return f;
}

}  // namespace farm::test
