// The per-backend frame loops; render.cpp picks one. Internal to worker/.
#pragma once

#include "farm/render/render.h"
#include "scene_build.h"

namespace farm::render {

struct PixelResult;

// Allocates an Image for region r of a width x height frame.
Image make_image(const Region& r, int width, int height);

// Stores one pixel's result into the image (x, y are full-frame coordinates).
void store_pixel(Image& img, int x, int y, const PixelResult& p);

Image render_cpu(const RenderScene& scene, const RenderOptions& options,
                 const Region& region, RenderStats& stats);

// Defined only in builds with the CUDA backend (FARM_HAVE_CUDA).
bool cuda_device_present();
Image render_cuda(const RenderScene& scene, const RenderOptions& options,
                  const Region& region, RenderStats& stats);

}  // namespace farm::render
