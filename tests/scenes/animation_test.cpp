// Interpolation against values computed by hand from the keys in
// scenes/generator/tiny_scene.inc (glTF 2.0 spec, Appendix C).
#include "farm/scene/animation.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "farm/scene/load.h"

using namespace farm::scene;

namespace {
const Scene& tiny() {
    static const Scene s = load_gltf(std::filesystem::path(FARM_SOURCE_DIR) /
                                     "scenes/samples/tiny/tiny.gltf");
    return s;
}
const AnimationChannel& channel(int i) { return tiny().animations.at(0).channels.at(i); }
}  // namespace

TEST_CASE("LINEAR translation interpolates and clamps", "[animation]") {
    const auto& c = channel(0);  // mover: (-1,0.5,0) at t=0 to (1,0.5,0) at t=1
    REQUIRE(c.interpolation == AnimationChannel::Interpolation::linear);
    CHECK(sample_channel(c, 0.25f)[0] == Approx(-0.5f));
    CHECK(sample_channel(c, 0.25f)[1] == Approx(0.5f));
    CHECK(sample_channel(c, -3.0f)[0] == Approx(-1.0f));  // before the first key
    CHECK(sample_channel(c, 7.0f)[0] == Approx(1.0f));    // after the last key
}

TEST_CASE("CUBICSPLINE uses Hermite with tangents scaled by the key interval",
          "[animation]") {
    const auto& rot = channel(1);  // identity -> 90 deg about Y, zero tangents
    REQUIRE(rot.interpolation == AnimationChannel::Interpolation::cubic_spline);
    // u = 0.5: h00 = h01 = 0.5, so q = normalize(0.5 q0 + 0.5 q1)
    const float s45 = std::sin(M_PI / 4), c45 = std::cos(M_PI / 4);
    const float y = 0.5f * s45, w = 0.5f + 0.5f * c45, len = std::sqrt(y * y + w * w);
    const Vec4 q = sample_channel(rot, 0.5f);
    CHECK(q[1] == Approx(y / len));
    CHECK(q[3] == Approx(w / len));
    // u = 0.25: h00 = 0.84375, h01 = 0.15625
    const float y2 = 0.15625f * s45, w2 = 0.84375f + 0.15625f * c45,
                l2 = std::sqrt(y2 * y2 + w2 * w2);
    CHECK(sample_channel(rot, 0.25f)[1] == Approx(y2 / l2));

    const auto& tr = channel(2);  // x: 1 -> 2 over [0,2], out-tangent 1 at the first key
    // t = 1: u = 0.5, dt = 2: x = 0.5*1 + 0.125*2*1 + 0.5*2 - 0.125*2*0 = 1.75
    CHECK(sample_channel(tr, 1.0f)[0] == Approx(1.75f));
    CHECK(sample_channel(tr, 1.0f)[2] == Approx(0.6f));
    // t = 0.5: u = 0.25: 0.84375*1 + 0.140625*2*1 + 0.15625*2 = 1.4375
    CHECK(sample_channel(tr, 0.5f)[0] == Approx(1.4375f));
}

TEST_CASE("STEP holds the previous key", "[animation]") {
    const auto& c = channel(3);  // scale 1 at 0, 0.5 at 0.5, 1 at 1
    REQUIRE(c.interpolation == AnimationChannel::Interpolation::step);
    CHECK(sample_channel(c, 0.49f)[0] == Approx(1.0f));
    CHECK(sample_channel(c, 0.5f)[0] == Approx(0.5f));
    CHECK(sample_channel(c, 0.99f)[0] == Approx(0.5f));
    CHECK(sample_channel(c, 1.0f)[0] == Approx(1.0f));
}

TEST_CASE("LINEAR rotation is a slerp, not a component lerp", "[animation]") {
    AnimationChannel c;
    c.path = AnimationChannel::Path::rotation;
    c.times = {0, 1};
    c.values = {0, 0, 0, 1, 0, 1, 0, 0};     // identity -> 180 deg about Y
    const Vec4 q = sample_channel(c, 0.5f);  // 90 deg about Y
    CHECK(q[1] == Approx(std::sin(M_PI / 4)));
    CHECK(q[3] == Approx(std::cos(M_PI / 4)));
    CHECK(sample_channel(c, 1 / 3.0f)[1] == Approx(std::sin(M_PI / 6)));  // 60 deg
}

TEST_CASE("evaluate composes animated nodes into world matrices at t = frame / fps",
          "[animation]") {
    const FrameState f = evaluate(tiny(), 6 / 24.0f);  // frame 6 at 24 fps = 0.25 s
    bool found = false;
    for (const auto& m : f.meshes)
        if (tiny().nodes[m.node].name == "mover") {
            found = true;
            CHECK(m.world[12] == Approx(-0.5f));
            CHECK(m.world[13] == Approx(0.5f));
        }
    CHECK(found);
    CHECK_THROWS_AS(evaluate(tiny(), NAN), SceneError);
}
