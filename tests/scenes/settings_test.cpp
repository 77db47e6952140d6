#include "farm/scene/settings.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "farm/scene/scene.h"

namespace fs = std::filesystem;
using namespace farm::scene;

namespace {
fs::path write_settings(const std::string& body) {
    fs::path dir =
        fs::temp_directory_path() / ("farm_settings_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "render.json") << body;
    return dir / "render.json";
}
std::string error_of(const std::string& body) {
    try {
        load_settings(write_settings(body));
    } catch (const SceneError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("the tiny sample's settings load and resolve the scene path", "[settings]") {
    const fs::path dir = fs::path(FARM_SOURCE_DIR) / "scenes/samples/tiny";
    const RenderSettings s = resolve_project(dir);
    CHECK(s.scene == fs::absolute(dir / "tiny.gltf").lexically_normal());
    CHECK(s.frame_start == 1);
    CHECK(s.frame_end == 24);
    CHECK(s.width == 160);
    CHECK(s.height == 120);
    CHECK(s.spp == 16);
    CHECK(s.max_depth == 4);
    CHECK(s.camera == "main");
    CHECK(output_name(s, 7) == "tiny.0007.exr");
    CHECK(s.time_of(12) == Approx(0.5));
}

TEST_CASE("a scene file as project gets default settings", "[settings]") {
    const RenderSettings s =
        resolve_project(fs::path(FARM_SOURCE_DIR) / "scenes/samples/tiny/tiny.gltf");
    CHECK(s.spp == RenderSettings{}.spp);
}

TEST_CASE("bad settings name the file and the field", "[settings][bad]") {
    CHECK_THAT(error_of("{\"scene\": \"a.gltf\", \"resolution\": [100000000000, 10]}"),
               Catch::Contains("render.json") && Catch::Contains("resolution"));
    CHECK_THAT(error_of("{\"scene\": \"a.gltf\", \"spp\": 0}"), Catch::Contains("spp 0"));
    CHECK_THAT(error_of("{\"scene\": \"a.gltf\", \"spp\": 99999999}"),
               Catch::Contains("spp"));
    CHECK_THAT(error_of("{\"scene\": \"a.gltf\", \"max_depth\": -4}"),
               Catch::Contains("max_depth"));
    CHECK_THAT(error_of("{\"scene\": \"a.gltf\", \"frames\": [5, 1]}"),
               Catch::Contains("frame range"));
    CHECK_THAT(error_of("{\"scene\": \"a.gltf\", \"fps\": 0}"), Catch::Contains("fps"));
    CHECK_THAT(error_of("{\"resolution\": [10, 10]}"),
               Catch::Contains("missing field 'scene'"));
    CHECK_THAT(error_of("{\"scene\": 3}"), Catch::Contains("wrong type"));
    CHECK_THAT(error_of("{\"scene\": "), Catch::Contains("not valid JSON"));
    CHECK_THAT(error_of("[1,2]"), Catch::Contains("expected a JSON object"));
}

TEST_CASE("output names pad the frame number to the run of #", "[settings]") {
    RenderSettings s;
    s.output = "shot_##.exr";
    CHECK(output_name(s, 3) == "shot_03.exr");
    CHECK(output_name(s, 123) == "shot_123.exr");
    s.output = "still.exr";
    CHECK(output_name(s, 3) == "still.exr");
}
