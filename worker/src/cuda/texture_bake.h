// Reads texture files into 8-bit RGBA MIP pyramids for upload to the GPU (OpenImageIO
// stays in host-compiled code, away from nvcc).
#pragma once

#include <cstdint>
#include <vector>

#include "core/array_textures.h"
#include "scene_build.h"

namespace farm::render {

struct BakedTexture {
    std::vector<std::uint8_t> rgba;  // every level, finest first
    int width = 0, height = 0;       // level 0
    int levels = 0;
    std::uint32_t offset[kMaxTextureLevels] = {};  // first texel of each level
};

// Throws RenderError naming the file when it cannot be read.
BakedTexture bake_texture(const TextureSource& source);

// The view of a baked texture whose pixels (b.rgba, or its copy on the device) are at
// pixels.
ArrayTexture array_texture(const BakedTexture& b, const TextureSource& source,
                           const std::uint8_t* pixels);

}  // namespace farm::render
