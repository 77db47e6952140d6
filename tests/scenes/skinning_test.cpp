// Linear-blend skinning against positions computed by hand for the skinned sample
// (scenes/generator/skinned_scene.inc): joints at y = 0 and y = 1, the upper one turning
// 90 degrees about Z over one second; a vertex above y = 1.2 follows the upper joint:
//   p' = T(0,1,0) Rz(angle) T(0,-1,0) p
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "farm/scene/animation.h"
#include "farm/scene/load.h"

namespace fs = std::filesystem;
using namespace farm::scene;

namespace {
const fs::path kDir = fs::path(FARM_SOURCE_DIR) / "scenes/samples/skinned";

std::size_t find_vertex(const Mesh& m, float x, float y, float z) {
    for (std::size_t v = 0; v < m.vertex_count(); ++v)
        if (std::abs(m.positions[3 * v] - x) < 1e-4f &&
            std::abs(m.positions[3 * v + 1] - y) < 1e-4f &&
            std::abs(m.positions[3 * v + 2] - z) < 1e-4f)
            return v;
    FAIL("no vertex at " << x << "," << y << "," << z);
    return 0;
}
}  // namespace

TEST_CASE("skinned sample loads its skin, joints and weights", "[skin]") {
    const Scene s = load_gltf(kDir / "skinned.gltf");
    REQUIRE(s.skins.size() == 1);
    CHECK(s.skins[0].joints == std::vector<int>{3, 4});
    CHECK(s.skins[0].inverse_bind[1][13] == Approx(-1.0f));  // translation y of joint 1
    const Mesh& m = s.meshes.at(0);
    REQUIRE(m.joints.size() == 4 * m.vertex_count());
    REQUIRE(m.weights.size() == 4 * m.vertex_count());
    CHECK(s.nodes[2].skin == 0);
    const FrameState f = evaluate(s, 0.0f);
    REQUIRE(f.meshes.size() == 1);
    CHECK(f.meshes[0].skin == 0);
}

TEST_CASE("skinning bends the tube by hand-computed amounts", "[skin]") {
    const Scene s = load_gltf(kDir / "skinned.gltf");
    const Mesh& m = s.meshes.at(0);
    const std::size_t top = find_vertex(m, 0.2f, 2.0f, 0.0f),
                      mid = find_vertex(m, 0.2f, 1.0f, 0.0f),
                      base = find_vertex(m, 0.2f, 0.0f, 0.0f);
    std::vector<float> p, n, t;
    SECTION("t = 1: 90 degrees") {
        skin_mesh(m, evaluate(s, 1.0f).skins[0], p, n, t);
        // top: (0.2,2,0) -> (0.2,1,0) -> Rz90 (-1,0.2,0) -> (-1,1.2,0)
        CHECK(p[3 * top] == Approx(-1.0f));
        CHECK(p[3 * top + 1] == Approx(1.2f));
        CHECK(n[3 * top + 1] == Approx(1.0f));  // the +X normal now points up
        // y = 1 blends both joints 50/50: 0.5 (0.2,1,0) + 0.5 (0,1.2,0)
        CHECK(p[3 * mid] == Approx(0.1f));
        CHECK(p[3 * mid + 1] == Approx(1.1f));
        // the base follows the root joint: unchanged
        CHECK(p[3 * base] == Approx(0.2f));
        CHECK(p[3 * base + 1] == Approx(0.0f).margin(1e-6));
    }
    SECTION("t = 0.5: 45 degrees by slerp") {
        skin_mesh(m, evaluate(s, 0.5f).skins[0], p, n, t);
        const float c = std::cos(M_PI / 4), sn = std::sin(M_PI / 4);
        CHECK(p[3 * top] == Approx(0.2f * c - sn));
        CHECK(p[3 * top + 1] == Approx(1 + 0.2f * sn + c));
    }
}

TEST_CASE("a skin that lacks a joint the mesh uses is refused", "[skin][bad]") {
    const fs::path dir =
        fs::temp_directory_path() / ("farm_skin_bad_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(kDir, dir);
    nlohmann::json j = nlohmann::json::parse(std::ifstream(dir / "skinned.gltf"));
    j["skins"][0]["joints"] = {3};
    j["accessors"][j["skins"][0]["inverseBindMatrices"].get<int>()]["count"] = 1;
    std::ofstream(dir / "skinned.gltf") << j.dump();
    CHECK_THROWS_WITH(load_gltf(dir / "skinned.gltf"),
                      Catch::Contains("skinned.gltf") &&
                          Catch::Contains("uses joint 1 but its skin has 1"));
}
