// Reads texture files into 8-bit RGBA arrays for upload to the GPU (OpenImageIO stays in
// host-compiled code, away from nvcc).
#pragma once

#include <cstdint>
#include <vector>

#include "scene_build.h"

namespace farm::render {

struct BakedTexture {
    std::vector<std::uint8_t> rgba;
    int width = 0, height = 0;
};

// Throws RenderError naming the file when it cannot be read.
BakedTexture bake_texture(const TextureSource& source);

}  // namespace farm::render
