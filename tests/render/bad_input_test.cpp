#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "farm/render/render.h"
#include "farm/scene/load.h"

using namespace farm;
namespace fs = std::filesystem;

namespace {
const fs::path kTinyDir = fs::path(FARM_SOURCE_DIR) / "scenes/samples/tiny";

std::string error_of(const scene::Scene& s, const render::RenderOptions& o) {
    try {
        render::render(s, o);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}
render::RenderOptions ok() {
    render::RenderOptions o;
    o.width = 8;
    o.height = 8;
    o.spp = 1;
    o.max_depth = 1;
    o.device = render::Device::cpu;
    return o;
}
}  // namespace

TEST_CASE("absurd render options are refused before any work", "[render][bad]") {
    const scene::Scene s = scene::load_gltf(kTinyDir / "tiny.gltf");
    auto o = ok();
    o.width = 1000000;
    CHECK_THAT(error_of(s, o), Catch::Contains("resolution 1000000x8"));
    o = ok();
    o.height = 0;
    CHECK_THAT(error_of(s, o), Catch::Contains("resolution"));
    o = ok();
    o.spp = 1 << 30;
    CHECK_THAT(error_of(s, o), Catch::Contains("spp"));
    o = ok();
    o.max_depth = 0;
    CHECK_THAT(error_of(s, o), Catch::Contains("max depth"));
    o = ok();
    o.region = {4, 4, 20, 20};
    CHECK_THAT(error_of(s, o), Catch::Contains("outside the 8x8 frame"));
    o = ok();
    o.region = {5, 5, 5, 6};
    CHECK_THAT(error_of(s, o), Catch::Contains("empty"));
    o = ok();
    o.width = o.height = 16384;  // each side allowed, but 1 GiB+ of buffers in one task
    CHECK_THAT(error_of(s, o), Catch::Contains("split the frame into tiles"));
    o.region = {0, 0, 4096, 4096};  // a tile of it is fine in size...
    o.spp = 65536;                  // ...but not with this much work
    CHECK_THAT(error_of(s, o), Catch::Contains("samples in one task"));
    o = ok();
    o.time = std::nan("");
    CHECK_THAT(error_of(s, o), Catch::Contains("time"));
    o = ok();
    o.camera = "nope";
    CHECK_THAT(error_of(s, o),
               Catch::Contains("tiny.gltf") && Catch::Contains("no camera named 'nope'"));
}

TEST_CASE("asking for CUDA without a device is a clear error", "[render][bad]") {
    if (render::cuda_available()) return;  // the GPU tests cover this machine
    const scene::Scene s = scene::load_gltf(kTinyDir / "tiny.gltf");
    auto o = ok();
    o.device = render::Device::cuda;
    CHECK_THAT(error_of(s, o), Catch::Contains("no CUDA device"));
    CHECK_THROWS_WITH(render::parse_device("gpu"),
                      Catch::Contains("unknown device 'gpu'"));
}

TEST_CASE("a corrupt texture is reported by name", "[render][bad]") {
    const fs::path dir =
        fs::temp_directory_path() / ("farm_render_badtex_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(kTinyDir, dir);
    std::ofstream(dir / "checker.png", std::ios::trunc) << "this is not a png";
    const scene::Scene s = scene::load_gltf(dir / "tiny.gltf");
    CHECK_THAT(error_of(s, ok()), Catch::Contains("checker.png"));
}

TEST_CASE("a scene without a camera or with NaN-free but degenerate camera is refused",
          "[render][bad]") {
    scene::Scene s = scene::load_gltf(kTinyDir / "tiny.gltf");
    for (auto& n : s.nodes)
        if (n.camera >= 0) n.scale = {0, 0, 0};  // collapses the camera's frame
    CHECK_THAT(error_of(s, ok()), Catch::Contains("degenerate"));
    for (auto& n : s.nodes) n.camera = -1;
    CHECK_THAT(error_of(s, ok()), Catch::Contains("has no camera"));
}
