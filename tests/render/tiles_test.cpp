// Deterministic sampling: tiles equal the same region of a full frame bit for bit, and
// the same task rendered twice (with any thread count) gives the same bits.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "farm/render/render.h"
#include "farm/scene/load.h"

using namespace farm;

namespace {
const scene::Scene& tiny() {
    static const scene::Scene s = scene::load_gltf(
        std::filesystem::path(FARM_SOURCE_DIR) / "scenes/samples/tiny/tiny.gltf");
    return s;
}

render::RenderOptions options() {
    render::RenderOptions o;
    o.width = 48;
    o.height = 36;
    o.spp = 4;
    o.max_depth = 4;
    o.frame = 9;
    o.time = 9 / 24.0;
    o.device = render::Device::cpu;
    return o;
}

// Compares a tile with the same pixels of a full frame; counts differing floats.
std::size_t diff_count(const render::Image& full, const render::Image& tile) {
    std::size_t bad = 0;
    for (int y = tile.region.y0; y < tile.region.y1; ++y)
        for (int x = tile.region.x0; x < tile.region.x1; ++x) {
            const std::size_t f = static_cast<std::size_t>(y) * full.width() + x;
            const std::size_t t =
                static_cast<std::size_t>(y - tile.region.y0) * tile.width() +
                (x - tile.region.x0);
            bad += std::memcmp(&full.rgba[f * 4], &tile.rgba[t * 4], 16) != 0;
            bad += std::memcmp(&full.albedo[f * 3], &tile.albedo[t * 3], 12) != 0;
            bad += std::memcmp(&full.normal[f * 3], &tile.normal[t * 3], 12) != 0;
            bad += std::memcmp(&full.depth[f], &tile.depth[t], 4) != 0;
        }
    return bad;
}
}  // namespace

TEST_CASE("tiles equal the same region of a full-frame render, bit for bit",
          "[render][tiles]") {
    const render::Image full = render::render(tiny(), options());
    // A 3x2 grid of uneven tiles covering the frame, plus an odd single pixel.
    const int xs[] = {0, 17, 30, 48}, ys[] = {0, 13, 36};
    for (int j = 0; j < 2; ++j)
        for (int i = 0; i < 3; ++i) {
            render::RenderOptions o = options();
            o.region = {xs[i], ys[j], xs[i + 1], ys[j + 1]};
            const render::Image tile = render::render(tiny(), o);
            REQUIRE(tile.width() == xs[i + 1] - xs[i]);
            CHECK(diff_count(full, tile) == 0);
        }
    render::RenderOptions o = options();
    o.region = {47, 35, 48, 36};
    CHECK(diff_count(full, render::render(tiny(), o)) == 0);
}

TEST_CASE("rendering twice, with one thread or many, gives identical bits",
          "[render][determinism]") {
    const render::Image a = render::render(tiny(), options());
    render::Image b;
    {
        tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        b = render::render(tiny(), options());
    }
    REQUIRE(a.rgba.size() == b.rgba.size());
    CHECK(std::memcmp(a.rgba.data(), b.rgba.data(), a.rgba.size() * 4) == 0);
    CHECK(std::memcmp(a.depth.data(), b.depth.data(), a.depth.size() * 4) == 0);
    // ...and the sampler really depends on the frame number: frame 10 differs.
    render::RenderOptions o = options();
    o.frame = 10;  // same scene time, different random stream
    const render::Image c = render::render(tiny(), o);
    CHECK(std::memcmp(a.rgba.data(), c.rgba.data(), a.rgba.size() * 4) != 0);
}

TEST_CASE("skinned meshes are deformed per frame, and still tile exactly",
          "[render][skin]") {
    const scene::Scene s = scene::load_gltf(std::filesystem::path(FARM_SOURCE_DIR) /
                                            "scenes/samples/skinned/skinned.gltf");
    render::RenderOptions o;
    o.width = o.height = 48;
    o.spp = 1;
    o.max_depth = 1;
    o.device = render::Device::cpu;
    auto left_coverage = [&](const render::Image& img) {  // tube pixels in the left third
        int n = 0;
        for (int y = 0; y < 48; ++y)
            for (int x = 0; x < 16; ++x) n += img.rgba[(y * 48 + x) * 4 + 3] > 0;
        return n;
    };
    o.time = 0;
    CHECK(left_coverage(render::render(s, o)) == 0);  // straight up at t = 0
    o.time = 1;                                       // bent 90 degrees toward -X
    const render::Image bent = render::render(s, o);
    CHECK(left_coverage(bent) > 20);
    o.region = {5, 10, 30, 40};
    CHECK(diff_count(bent, render::render(s, o)) == 0);
}
