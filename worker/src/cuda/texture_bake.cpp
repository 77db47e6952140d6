#include "cuda/texture_bake.h"

#include <OpenImageIO/imagebuf.h>

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
    return t;
}

}  // namespace farm::render
