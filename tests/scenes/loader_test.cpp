#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "farm/scene/animation.h"
#include "farm/scene/load.h"
#include "farm/scene/settings.h"

namespace fs = std::filesystem;
using namespace farm::scene;

namespace {
const fs::path kRoot = FARM_SOURCE_DIR;
const fs::path kTiny = kRoot / "scenes/samples/tiny/tiny.gltf";
const fs::path kDemo = kRoot / "scenes/samples/demo/demo.gltf";
const fs::path kBad = kRoot / "tests/scenes/bad";

// A scratch copy of the tiny scene that a test may damage.
fs::path copy_tiny(const std::string& name) {
    fs::path dir = fs::temp_directory_path() /
                   ("farm_scene_test_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(kTiny.parent_path(), dir);
    return dir;
}

std::string load_error(const fs::path& file) {
    try {
        load_gltf(file);
    } catch (const SceneError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("tiny sample scene loads completely", "[scene]") {
    const Scene s = load_gltf(kTiny);
    CHECK(s.meshes.size() == 4);
    CHECK(s.materials.size() == 4);
    REQUIRE(s.textures.size() == 1);
    CHECK(fs::exists(s.textures[0].path));
    CHECK(s.lights.size() == 2);
    CHECK(s.lights[0].type == Light::Type::directional);
    REQUIRE(s.cameras.size() == 1);
    CHECK(s.cameras[0].yfov == Approx(0.8f));
    REQUIRE(s.animations.size() == 1);
    CHECK(s.animations[0].channels.size() == 4);
    CHECK(s.duration() == Approx(2.0f));
    // emissiveFactor (1, 0.9, 0.75) times KHR_materials_emissive_strength 5
    CHECK(s.materials[3].emissive[1] == Approx(4.5f));
    CHECK(s.environment.color[2] == Approx(0.3f));
    for (const auto& m : s.meshes) {
        CHECK(m.indices.size() % 3 == 0);
        CHECK(m.normals.size() == m.positions.size());
    }
    const FrameState f = evaluate(s, 0.0f);
    CHECK(f.meshes.size() == 4);
    CHECK(f.lights.size() == 2);
    CHECK(find_camera(s, f, "main").camera == 0);
    CHECK_THROWS_WITH(find_camera(s, f, "nope"),
                      Catch::Contains("no camera named 'nope'"));
}

TEST_CASE("demo sample scene loads with a few hundred thousand triangles", "[scene]") {
    const Scene s = load_gltf(kDemo);
    CHECK(s.textures.size() == 4);
    CHECK(fs::exists(s.environment.map));
    CHECK(s.duration() >= 119 / 24.0f);
    std::size_t tris = 0;
    for (const auto& inst : evaluate(s, 2.5f).meshes)
        tris += s.meshes[inst.mesh].triangle_count();
    CHECK(tris > 200000);
    CHECK(tris < 1000000);
    // The camera moves between frames 1 and 120.
    const auto a = find_camera(s, evaluate(s, 1 / 24.0f), "shot").world;
    const auto b = find_camera(s, evaluate(s, 120 / 24.0f), "shot").world;
    CHECK(std::abs(a[12] - b[12]) + std::abs(a[14] - b[14]) > 1.0f);
}

TEST_CASE(".glb container loads like the .gltf it was packed from", "[scene]") {
    // Pack tiny.gltf + tiny.bin into a GLB (JSON chunk + BIN chunk) right here.
    fs::path dir = copy_tiny("glb");
    nlohmann::json j = nlohmann::json::parse(std::ifstream(dir / "tiny.gltf"));
    std::ifstream binf(dir / "tiny.bin", std::ios::binary);
    std::string bin((std::istreambuf_iterator<char>(binf)), {});
    j["buffers"][0].erase("uri");
    std::string js = j.dump();
    while (js.size() % 4) js += ' ';
    while (bin.size() % 4) bin += '\0';
    auto u32 = [](std::string& out, std::uint32_t v) {
        out.append(reinterpret_cast<char*>(&v), 4);
    };
    std::string glb = "glTF";
    u32(glb, 2);
    u32(glb, static_cast<std::uint32_t>(12 + 8 + js.size() + 8 + bin.size()));
    u32(glb, static_cast<std::uint32_t>(js.size()));
    u32(glb, 0x4E4F534A);
    glb += js;
    u32(glb, static_cast<std::uint32_t>(bin.size()));
    u32(glb, 0x004E4942);
    glb += bin;
    std::ofstream(dir / "tiny.glb", std::ios::binary) << glb;
    const Scene a = load_gltf(kTiny), b = load_gltf(dir / "tiny.glb");
    REQUIRE(a.meshes.size() == b.meshes.size());
    for (std::size_t i = 0; i < a.meshes.size(); ++i) {
        CHECK(a.meshes[i].positions == b.meshes[i].positions);
        CHECK(a.meshes[i].indices == b.meshes[i].indices);
    }
    // Truncating the container must be refused, not read past the end.
    std::ofstream(dir / "cut.glb", std::ios::binary) << glb.substr(0, glb.size() - 100);
    CHECK_THROWS_AS(load_gltf(dir / "cut.glb"), SceneError);
}

TEST_CASE("known-bad files are refused with a message naming file and problem",
          "[scene][bad]") {
    struct Case {
        const char* file;
        const char* problem;
    };
    const Case cases[] = {
        {"malformed.gltf", "not a valid glTF file"},
        {"nan_transform.gltf", "translation holds NaN or infinite values"},
        {"degenerate_matrix.gltf", "degenerate"},
        {"draco_required.gltf",
         "unsupported required extension KHR_draco_mesh_compression"},
        {"cycle.gltf", "cycle"},
        {"missing_buffer.gltf", "does_not_exist.bin"},
    };
    for (const auto& c : cases) {
        INFO(c.file);
        const std::string err = load_error(kBad / c.file);
        CHECK_THAT(err, Catch::Contains(c.file) && Catch::Contains(c.problem));
    }
    CHECK_THAT(load_error(kBad / "no_such.gltf"), Catch::Contains("no such file"));
}

TEST_CASE("damaged copies of the tiny scene are refused", "[scene][bad]") {
    SECTION("truncated .bin") {
        fs::path dir = copy_tiny("trunc");
        fs::resize_file(dir / "tiny.bin", fs::file_size(dir / "tiny.bin") / 2);
        const std::string err = load_error(dir / "tiny.gltf");
        CHECK_THAT(err, Catch::Contains("tiny.gltf"));
        CHECK_FALSE(err.empty());
    }
    SECTION("missing texture") {
        fs::path dir = copy_tiny("notex");
        fs::remove(dir / "checker.png");
        CHECK_THAT(load_error(dir / "tiny.gltf"),
                   Catch::Contains("tiny.gltf") &&
                       Catch::Contains("missing texture image 'checker.png'"));
    }
    SECTION("index past the vertex count, NaN vertex, bad animation") {
        fs::path dir = copy_tiny("edit");
        nlohmann::json j = nlohmann::json::parse(std::ifstream(dir / "tiny.gltf"));
        SECTION("accessor count larger than its buffer view") {
            j["accessors"][0]["count"] = 100000;
            std::ofstream(dir / "tiny.gltf") << j.dump();
            CHECK_THAT(load_error(dir / "tiny.gltf"),
                       Catch::Contains("runs past the end"));
        }
        SECTION("NaN in vertex data") {
            std::fstream bin(dir / "tiny.bin",
                             std::ios::in | std::ios::out | std::ios::binary);
            const float nan = std::numeric_limits<float>::quiet_NaN();
            bin.write(reinterpret_cast<const char*>(&nan), 4);
            bin.close();
            CHECK_THAT(load_error(dir / "tiny.gltf"),
                       Catch::Contains("POSITION holds NaN"));
        }
        SECTION("animation key times out of order") {
            j["animations"][0]["samplers"][0]["input"] =
                j["animations"][0]["samplers"][0]["output"];
            std::ofstream(dir / "tiny.gltf") << j.dump();
            CHECK_THAT(load_error(dir / "tiny.gltf"),
                       Catch::Contains("animation 0 channel 0"));
        }
        SECTION("material index out of range") {
            j["meshes"][0]["primitives"][0]["material"] = 42;
            std::ofstream(dir / "tiny.gltf") << j.dump();
            CHECK_THAT(load_error(dir / "tiny.gltf"),
                       Catch::Contains("material index 42 is out of range"));
        }
    }
}

TEST_CASE("every sample project loads and evaluates across its frame range", "[scene]") {
    int projects = 0;
    for (const auto& entry : fs::directory_iterator(kRoot / "scenes/samples")) {
        if (!fs::exists(entry.path() / "render.json")) continue;
        INFO(entry.path());
        const RenderSettings s = resolve_project(entry.path());
        const Scene scene = load_gltf(s.scene);
        CHECK(scene.warnings.empty());
        for (int f : {s.frame_start, (s.frame_start + s.frame_end) / 2, s.frame_end}) {
            const FrameState st = evaluate(scene, static_cast<float>(s.time_of(f)));
            CHECK_FALSE(st.meshes.empty());
            CHECK(find_camera(scene, st, s.camera).camera >= 0);
        }
        ++projects;
    }
    CHECK(projects == 3);
}
