#include "farm/render/render.h"

#include "backends.h"
#include "core/integrator.h"

namespace farm::render {

Image make_image(const Region& r, int width, int height) {
    Image img;
    img.region = r;
    img.full_width = width;
    img.full_height = height;
    const std::size_t n = static_cast<std::size_t>(r.width()) * r.height();
    img.rgba.assign(n * 4, 0.0f);
    img.albedo.assign(n * 3, 0.0f);
    img.normal.assign(n * 3, 0.0f);
    img.depth.assign(n, 0.0f);
    return img;
}

void store_pixel(Image& img, int x, int y, const PixelResult& p) {
    const std::size_t i =
        static_cast<std::size_t>(y - img.region.y0) * img.width() + (x - img.region.x0);
    float* c = &img.rgba[i * 4];
    c[0] = p.color.x;
    c[1] = p.color.y;
    c[2] = p.color.z;
    c[3] = p.alpha;
    for (int k = 0; k < 3; ++k) {
        img.albedo[i * 3 + k] = p.albedo[k];
        img.normal[i * 3 + k] = p.normal[k];
    }
    img.depth[i] = p.depth;
}

Device parse_device(const std::string& name) {
    if (name == "auto") return Device::automatic;
    if (name == "cpu") return Device::cpu;
    if (name == "cuda") return Device::cuda;
    throw RenderError("unknown device '" + name + "' (expected auto, cpu or cuda)");
}

#ifndef FARM_HAVE_CUDA
bool cuda_device_present() { return false; }
Image render_cuda(const RenderScene&, const RenderOptions&, const Region&, RenderStats&) {
    throw RenderError(
        "this build has no CUDA backend (nvcc was not found at build time)");
}
#endif

bool cuda_available() { return cuda_device_present(); }

Image render(const scene::Scene& scene, const RenderOptions& options,
             RenderStats* stats) {
    validate_options(options);
    Region region = options.region;
    if (region.x0 == 0 && region.y0 == 0 && region.x1 == 0 && region.y1 == 0)
        region = Region{0, 0, options.width, options.height};
    const RenderScene rs(scene, options);
    RenderStats local;
    RenderStats& st = stats ? *stats : local;
    bool use_cuda = options.device == Device::cuda;
    if (options.device == Device::automatic) use_cuda = cuda_device_present();
    if (use_cuda && !cuda_device_present())
        throw RenderError("--device cuda: no CUDA device is available" + std::string(
#ifdef FARM_HAVE_CUDA
                                                                             ""
#else
                                                                             " (this "
                                                                             "build has "
                                                                             "no CUDA "
                                                                             "backend)"
#endif
                                                                             ));
    return use_cuda ? render_cuda(rs, options, region, st)
                    : render_cpu(rs, options, region, st);
}

}  // namespace farm::render
