// Textures as plain 8-bit RGBA arrays with bilinear filtering: what the GPU backend
// samples (the CPU backend uses OpenImageIO's TextureSystem instead).
#pragma once

#include <cstdint>

#include "core/vecmath.h"

namespace farm::render {

struct ArrayTexture {
    const std::uint8_t* rgba;  // width * height * 4, top row first
    int width, height;
    int repeat_s, repeat_t;
};

struct ArrayTextures {
    const ArrayTexture* textures;

    FARM_HD static int wrap(int i, int n, int repeat) {
        if (repeat) {
            i %= n;
            return i < 0 ? i + n : i;
        }
        return i < 0 ? 0 : (i >= n ? n - 1 : i);
    }

    // width (the filter footprint in uv units) is ignored: the GPU samples the finest
    // level.
    FARM_HD void lookup(int id, float u, float v, float width, float* out) const {
        const ArrayTexture& t = textures[id];
        // Texel centres at half-integers, as OpenImageIO does.
        const float x = u * t.width - 0.5f, y = v * t.height - 0.5f;
        const float fx = floorf(x), fy = floorf(y);
        if (!(fabsf(fx) < 1e8f && fabsf(fy) < 1e8f)) {  // NaN or absurd coordinates
            out[0] = out[1] = out[2] = out[3] = 1.0f;
            return;
        }
        const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
        const float ax = x - fx, ay = y - fy;
        const int xs[2] = {wrap(x0, t.width, t.repeat_s),
                           wrap(x0 + 1, t.width, t.repeat_s)};
        const int ys[2] = {wrap(y0, t.height, t.repeat_t),
                           wrap(y0 + 1, t.height, t.repeat_t)};
        for (int c = 0; c < 4; ++c) {
            auto at = [&](int i, int j) {
                return t.rgba[(static_cast<long>(ys[j]) * t.width + xs[i]) * 4 + c] *
                       (1.0f / 255.0f);
            };
            out[c] = (at(0, 0) * (1 - ax) + at(1, 0) * ax) * (1 - ay) +
                     (at(0, 1) * (1 - ax) + at(1, 1) * ax) * ay;
        }
    }
};

}  // namespace farm::render
