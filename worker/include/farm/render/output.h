// Writing and reading rendered images with OpenImageIO.
#pragma once

#include <filesystem>

#include "farm/render/render.h"

namespace farm::render {

// OpenEXR: half R,G,B,A plus albedo.{R,G,B}, N.{X,Y,Z} (half) and Z (float: depth needs
// the precision). A tile is written with its data window inside the full display window,
// so a stitcher can place it. Written to a temporary name, then renamed.
void write_exr(const Image& image, const std::filesystem::path& path);

// 8-bit sRGB PNG of the colour, tone-mapped (ACES fit) and composited over black.
void write_png_preview(const Image& image, const std::filesystem::path& path);

// Reads an EXR written by write_exr (any data window) back into an Image.
Image read_exr(const std::filesystem::path& path);

}  // namespace farm::render
