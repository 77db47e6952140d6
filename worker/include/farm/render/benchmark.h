// The worker's speed score: a fixed tile of a built-in reference scene, the same on every
// machine, so scores compare across workers, sites and GPU classes. The scheduler
// predicts a task's time as the rays it needs over (score x a factor it learns per
// scene and class).
#pragma once

#include <cstdint>
#include <string>

#include "farm/render/render.h"

namespace farm::render {

// Spheres of diffuse, glossy and metal materials over a ground plane, under a sun and a
// sky: a few thousand triangles, fully procedural (no files).
scene::Scene benchmark_scene();

struct BenchmarkResult {
    double mrays_per_s = 0;
    double seconds = 0;  // tracing time measured
    std::uint64_t rays = 0;
    std::string device;
};

// Renders the reference tile on `device` until at least `min_seconds` of tracing and
// returns the rate. Throws RenderError when the device cannot render.
BenchmarkResult run_benchmark(Device device, double min_seconds = 0.5);

}  // namespace farm::render
