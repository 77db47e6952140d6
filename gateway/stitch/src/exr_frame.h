// The OpenImageIO side of stitching: checking uploaded tiles and assembling a frame from
// them without ever converting a pixel (native per-channel formats, bytes copied as is).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "farm/gateway/stitcher.h"

namespace farm::gateway::detail {

// What must agree between the tiles of one frame: channel names and pixel types.
struct Layout {
    std::vector<std::string> channels;
    std::vector<std::string> formats;  // per channel, e.g. "half", "float"
    bool operator==(const Layout&) const = default;
    std::string describe() const;  // "R:half,G:half,...,Z:float"
};

// Checks an uploaded tile in memory, before anything touches the disk: a flat EXR that
// decodes completely, exactly rect's size, data window at (0,0) or at the rect's origin,
// 1..kMaxChannels channels. Returns its layout. Throws StitchError naming the problem.
constexpr int kMaxChannels = 64;
Layout check_tile(std::string_view bytes, const TileRect& rect);

// The layout of a stored tile (header only). Throws std::runtime_error.
Layout read_layout(const std::filesystem::path& tile);

struct StoredTile {
    TileRect rect;
    std::filesystem::path path;
};

// Places every tile into a width x height frame and writes the EXR (the tiles' channels
// and pixel types, bytes copied unchanged) and the 8-bit sRGB PNG preview, each to its
// temporary name, fsynced, then renamed onto `files`. Throws StitchError when the tiles
// disagree, std::runtime_error on I/O failure.
void write_frame(const std::vector<StoredTile>& tiles, int width, int height,
                 const FrameFiles& files, const FrameFiles& tmp);

}  // namespace farm::gateway::detail
