// Helpers for the stitcher tests: scratch folders and EXR tiles with the renderer's
// channel layout whose every bit is known.
#pragma once

#include <OpenImageIO/imageio.h>

#include <filesystem>
#include <string>
#include <vector>

#include "farm/gateway/stitcher.h"

namespace farm::test {

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
struct ScratchDir {
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    std::filesystem::path path;
};

// farm-render's layout: half R,G,B,A, albedo.R/G/B, N.X/Y/Z, float Z (24 bytes a pixel).
constexpr int kChannels = 11;
constexpr std::size_t kPixelBytes = 10 * 2 + 4;

// The native bytes of pixel (x, y) of the frame `seed`: pseudo-random bit patterns, so
// NaN payloads, infinities, -0 and denormals all occur and any conversion shows.
void pixel_bits(int x, int y, unsigned seed, unsigned char* out);

// Native bytes of `rect` of a frame (row-major, kPixelBytes a pixel).
std::vector<unsigned char> region_bits(const gateway::TileRect& rect, unsigned seed);

// An EXR file's bytes holding `rect` of a width x height frame, as farm-render writes a
// tile (data window at the rect's origin) or, with at_origin, at (0,0).
std::string tile_exr(const gateway::TileRect& rect, int width, int height, unsigned seed,
                     bool at_origin = false);

// Reads an image's first subimage in native per-channel formats.
std::vector<unsigned char> read_native(const std::filesystem::path& file,
                                       OIIO::ImageSpec* spec = nullptr);

std::string read_file(const std::filesystem::path& file);
void write_file(const std::filesystem::path& file, const std::string& bytes);

// Every regular file under `dir`, recursively (relative paths), sorted.
std::vector<std::string> list_files(const std::filesystem::path& dir);

// A frame of `tiles_x` x `tiles_y` tiles written to `out`.
gateway::FrameSpec frame_spec(const std::string& job, int frame, int width, int height,
                              int tiles_x, int tiles_y, const std::filesystem::path& out);

}  // namespace farm::test
