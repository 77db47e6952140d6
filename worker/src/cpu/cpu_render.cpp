// CPU frame loop: 16x16 pixel blocks over TBB; each pixel is computed by the shared
// integrator with the Embree tracer and OpenImageIO textures.
#include <tbb/blocked_range2d.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include "backends.h"
#include "core/integrator.h"
#include "cpu/embree_tracer.h"
#include "cpu/oiio_textures.h"

namespace farm::render {

Image render_cpu(const RenderScene& scene, const RenderOptions& options,
                 const Region& region, RenderStats& stats) {
    const auto t0 = std::chrono::steady_clock::now();
    EmbreeTracer tracer(scene);
    OiioTextures textures(scene.textures);
    const SceneView view = scene.view();
    Image img = make_image(region, options.width, options.height);
    const auto t1 = std::chrono::steady_clock::now();
    stats.setup_seconds = std::chrono::duration<double>(t1 - t0).count();

    constexpr int kBlock = 16;
    const int bx = (region.width() + kBlock - 1) / kBlock,
              by = (region.height() + kBlock - 1) / kBlock;
    const PathOptions path{options.max_depth, options.clamp_indirect, options.filter_glossy};
    std::atomic<std::uint64_t> rays{0};
    std::atomic<int> done{0};
    std::mutex progress_mutex;
    tbb::parallel_for(
        tbb::blocked_range2d<int>(0, by, 1, 0, bx, 1),
        [&](const tbb::blocked_range2d<int>& r) {
            unsigned long long local = 0;
            for (int j = r.rows().begin(); j < r.rows().end(); ++j)
                for (int i = r.cols().begin(); i < r.cols().end(); ++i) {
                    const int x0 = region.x0 + i * kBlock, y0 = region.y0 + j * kBlock;
                    const int x1 = std::min(x0 + kBlock, region.x1),
                              y1 = std::min(y0 + kBlock, region.y1);
                    for (int y = y0; y < y1; ++y)
                        for (int x = x0; x < x1; ++x)
                            store_pixel(
                                img, x, y,
                                render_pixel(view, tracer, textures, scene.camera,
                                             static_cast<unsigned>(options.frame), x, y,
                                             options.spp, path, local));
                    const int n = ++done;
                    if (options.progress) {
                        std::lock_guard<std::mutex> lock(progress_mutex);
                        options.progress(static_cast<double>(n) / (bx * by));
                    }
                }
            rays += local;
        });
    stats.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    stats.rays = rays.load();
    stats.device = "cpu (embree " + std::to_string(RTC_VERSION_MAJOR) + "." +
                   std::to_string(RTC_VERSION_MINOR) + ", " +
                   std::to_string(tbb::this_task_arena::max_concurrency()) + " threads)";
    return img;
}

}  // namespace farm::render
