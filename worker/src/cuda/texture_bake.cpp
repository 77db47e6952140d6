#include "cuda/texture_bake.h"

#include <OpenImageIO/imagebuf.h>

#include <algorithm>

namespace farm::render {

BakedTexture bake_texture(const TextureSource& source) {
    OIIO::ImageBuf buf(source.path);
    if (!buf.read(0, 0, true, OIIO::TypeDesc::UINT8) || buf.has_error())
        throw RenderError("texture " + source.path + ": cannot read: " + buf.geterror());
    const OIIO::ImageSpec& spec = buf.spec();
    if (spec.width < 1 || spec.height < 1 ||
        static_cast<long long>(spec.width) * spec.height > (1LL << 28))
        throw RenderError("texture " + source.path + ": unusable size");
    BakedTexture t;
    t.width = spec.width;
    t.height = spec.height;
    const int nc = spec.nchannels;
    std::vector<std::uint8_t> px(static_cast<std::size_t>(t.width) * t.height * nc);
    buf.get_pixels(OIIO::ROI(0, t.width, 0, t.height, 0, 1, 0, nc), OIIO::TypeDesc::UINT8,
                   px.data());
    t.rgba.resize(static_cast<std::size_t>(t.width) * t.height * 4);
    for (std::size_t i = 0; i < static_cast<std::size_t>(t.width) * t.height; ++i)
        for (int c = 0; c < 4; ++c) {  // same rules as the CPU path: grey → rgb, alpha 1
            const std::uint8_t* p = &px[i * nc];
            t.rgba[i * 4 + c] =
                nc >= 3 ? (c < nc ? p[c] : 255) : (c < 3 ? p[0] : (nc == 2 ? p[1] : 255));
        }
    // Coarser levels: each texel the rounded mean of the (up to) 2x2 texels above it.
    t.levels = 1;
    int w = t.width, h = t.height;
    while ((w > 1 || h > 1) && t.levels < kMaxTextureLevels) {
        const std::uint32_t src = t.offset[t.levels - 1];
        const int w2 = std::max(1, w / 2), h2 = std::max(1, h / 2);
        const std::uint32_t dst = src + static_cast<std::uint32_t>(w) * h;
        t.offset[t.levels++] = dst;
        t.rgba.resize(4 * (static_cast<std::size_t>(dst) + static_cast<std::size_t>(w2) * h2));
        for (int y = 0; y < h2; ++y) {
            const int ya = std::min(2 * y, h - 1), yb = std::min(2 * y + 1, h - 1);
            for (int x = 0; x < w2; ++x) {
                const int xa = std::min(2 * x, w - 1), xb = std::min(2 * x + 1, w - 1);
                auto at = [&](int i, int j, int c) {
                    return static_cast<int>(t.rgba[4 * (src + static_cast<std::size_t>(j) * w + i) + c]);
                };
                for (int c = 0; c < 4; ++c)
                    t.rgba[4 * (dst + static_cast<std::size_t>(y) * w2 + x) + c] = static_cast<std::uint8_t>(
                        (at(xa, ya, c) + at(xb, ya, c) + at(xa, yb, c) + at(xb, yb, c) + 2) / 4);
            }
        }
        w = w2;
        h = h2;
    }
    return t;
}

ArrayTexture array_texture(const BakedTexture& b, const TextureSource& source,
                           const std::uint8_t* pixels) {
    ArrayTexture a{pixels, b.width, b.height, source.repeat_s, source.repeat_t, b.levels, {}};
    for (int l = 0; l < b.levels; ++l) a.offset[l] = b.offset[l];
    return a;
}

}  // namespace farm::render
