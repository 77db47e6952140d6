// farm::render — renders one frame (or one tile of a frame) of a farm::scene::Scene.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "farm/scene/scene.h"

namespace farm::render {

// Bad render requests and scenes the renderer cannot handle (bad texture, no camera,
// ...).
class RenderError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class Device { automatic, cpu, cuda };

// Pixel rectangle [x0, x1) x [y0, y1) of the full frame; y = 0 is the top row.
struct Region {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    int width() const { return x1 - x0; }
    int height() const { return y1 - y0; }
    bool empty() const { return x1 <= x0 || y1 <= y0; }
};

struct RenderOptions {
    int width = 640, height = 360;  // full-frame resolution
    int spp = 16;
    int max_depth = 8;   // scattering events per path; 1 = direct light only
    // Firefly controls (see core/integrator.h PathOptions); 0 turns each off.
    float clamp_indirect = 10.0f;
    float filter_glossy = 1.0f;
    int frame = 1;       // seeds the sampler (with pixel and sample index)
    double time = 0;     // scene time in seconds (frame / fps)
    std::string camera;  // empty = first camera
    Region region;       // empty = the full frame
    Device device = Device::automatic;
    // Called from render threads with the fraction done (0..1); must be thread-safe.
    std::function<void(double)> progress;
};

// Planar float buffers of the rendered region, row-major from its top-left pixel.
struct Image {
    Region region;  // where the pixels sit in the full frame
    int full_width = 0, full_height = 0;
    std::vector<float> rgba;    // 4 per pixel, linear
    std::vector<float> albedo;  // 3 per pixel: first-hit base colour
    std::vector<float> normal;  // 3 per pixel: first-hit shading normal (world)
    std::vector<float> depth;   // 1 per pixel: distance to the first hit, 0 = none
    int width() const { return region.width(); }
    int height() const { return region.height(); }
};

struct RenderStats {
    double seconds = 0;        // render time, excluding scene loading
    double setup_seconds = 0;  // BVH and texture setup
    std::uint64_t rays = 0;    // camera, bounce and shadow rays
    std::string device;  // what actually ran ("cpu (embree, 8 threads)", "cuda (...)")
    double mrays_per_second() const { return seconds > 0 ? rays / seconds / 1e6 : 0; }
};

// Renders the scene at options.time. Throws RenderError (or scene::SceneError) with a
// message naming the problem; validates resolution, spp, depth and region first.
Image render(const scene::Scene& scene, const RenderOptions& options,
             RenderStats* stats = nullptr);

// True when this build has the CUDA backend and a CUDA device is present.
bool cuda_available();

// Parses "auto", "cpu" or "cuda".
Device parse_device(const std::string& name);

}  // namespace farm::render
