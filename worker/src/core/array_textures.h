// Textures as plain 8-bit RGBA MIP pyramids with bilinear filtering: what the GPU backend
// samples (the CPU backend uses OpenImageIO's TextureSystem instead). The level is chosen
// from the filter width the way OpenImageIO's MipModeOneLevel does, so both backends
// average texels alike: sampling only the finest level made the GPU image 0.4-0.7%
// brighter than the CPU's (sRGB decoding after filtering is not linear).
#pragma once

#include <cstdint>

#include "core/vecmath.h"

namespace farm::render {

// A MIP pyramid in one buffer: level L is max(1, width >> L) x max(1, height >> L) texels
// starting at texel offset[L], each level the 2x2 box average of the one above, as
// OpenImageIO's automip builds them for the CPU path.
constexpr int kMaxTextureLevels = 16;

struct ArrayTexture {
    const std::uint8_t* rgba;  // all levels, RGBA, top row first
    int width, height;         // level 0
    int repeat_s, repeat_t;
    int levels;
    std::uint32_t offset[kMaxTextureLevels];
};

struct ArrayTextures {
    const ArrayTexture* textures;

    // Texels along one side of MIP level `level` (the baker halves, rounding down, to 1).
    FARM_HD static int level_size(int n, int level) { return n >> level > 0 ? n >> level : 1; }

    FARM_HD static int wrap(int i, int n, int repeat) {
        if (repeat) {
            i %= n;
            return i < 0 ? i + n : i;
        }
        return i < 0 ? 0 : (i >= n ? n - 1 : i);
    }

    // width is the filter footprint in uv units. Like OpenImageIO 2.4 (MipModeOneLevel):
    // the finest level at which the footprint covers at most one texel (the test checks
    // that both read the same level).
    FARM_HD static int level_for(const ArrayTexture& t, float width) {
        for (int m = 0; m < t.levels; ++m) {
            const int w = level_size(t.width, m), h = level_size(t.height, m);
            if (width * (w < h ? w : h) <= 1.0f) return m;
        }
        return t.levels - 1;  // NaN widths land here too
    }

    FARM_HD void lookup(int id, float u, float v, float width, float* out) const {
        const ArrayTexture& t = textures[id];
        const int level = level_for(t, width);
        const std::uint8_t* rgba = t.rgba + 4 * static_cast<long>(t.offset[level]);
        const int tw = level_size(t.width, level), th = level_size(t.height, level);
        // Texel centres at half-integers, as OpenImageIO does.
        const float x = u * tw - 0.5f, y = v * th - 0.5f;
        const float fx = floorf(x), fy = floorf(y);
        if (!(fabsf(fx) < 1e8f && fabsf(fy) < 1e8f)) {  // NaN or absurd coordinates
            out[0] = out[1] = out[2] = out[3] = 1.0f;
            return;
        }
        const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
        const float ax = x - fx, ay = y - fy;
        const int xs[2] = {wrap(x0, tw, t.repeat_s),
                           wrap(x0 + 1, tw, t.repeat_s)};
        const int ys[2] = {wrap(y0, th, t.repeat_t),
                           wrap(y0 + 1, th, t.repeat_t)};
        for (int c = 0; c < 4; ++c) {
            auto at = [&](int i, int j) {
                return rgba[(static_cast<long>(ys[j]) * tw + xs[i]) * 4 + c] *
                       (1.0f / 255.0f);
            };
            out[c] = (at(0, 0) * (1 - ax) + at(1, 0) * ax) * (1 - ay) +
                     (at(0, 1) * (1 - ax) + at(1, 1) * ax) * ay;
        }
    }
};

}  // namespace farm::render
