// CPU texture lookups through OpenImageIO's TextureSystem: files are opened lazily,
// cached within a memory budget and shared by all render threads.
#pragma once

#include <OpenImageIO/texture.h>

#include <vector>

#include "scene_build.h"

namespace farm::render {

class OiioTextures {
  public:
    // Opens every texture once up front so a missing or corrupt file is reported by
    // name before rendering starts. Throws RenderError.
    explicit OiioTextures(const std::vector<TextureSource>& textures);
    ~OiioTextures();
    OiioTextures(const OiioTextures&) = delete;
    OiioTextures& operator=(const OiioTextures&) = delete;

    // RGBA in [0,1] as stored (sRGB decoding is the caller's job); 3-channel files get
    // alpha 1. width is the filter footprint in uv units (from the ray cone); MIP levels
    // are built on demand. A failed lookup returns white rather than stopping the frame.
    void lookup(int texture, float u, float v, float width, float* rgba) const;

  private:
    OIIO::TextureSystem* ts_;
    std::vector<OIIO::TextureSystem::TextureHandle*> handles_;
    std::vector<OIIO::TextureOpt> options_;
    std::vector<int> channels_;  // 1 = grey, 2 = grey + alpha: expanded to RGBA
};

}  // namespace farm::render
