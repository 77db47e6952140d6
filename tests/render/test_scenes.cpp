#include "test_scenes.h"

#include <cmath>

namespace farm::test {
using namespace farm::scene;

namespace {
Mesh uv_sphere(int seg, int rings, float r) {
    Mesh m;
    for (int j = 0; j <= rings; ++j)
        for (int i = 0; i <= seg; ++i) {
            const float th = M_PI * j / rings, ph = 2 * M_PI * i / seg;
            const float n[3] = {std::sin(th) * std::cos(ph), std::cos(th),
                                -std::sin(th) * std::sin(ph)};
            for (int k = 0; k < 3; ++k) {
                m.positions.push_back(r * n[k]);
                m.normals.push_back(n[k]);
            }
        }
    for (int j = 0; j < rings; ++j)
        for (int i = 0; i < seg; ++i) {
            std::uint32_t a = j * (seg + 1) + i, b = a + 1, c = a + seg + 1, d = c + 1;
            m.indices.insert(m.indices.end(), {a, c, b, b, c, d});
        }
    return m;
}

Node camera_node(Vec3 pos, Vec4 rot) {
    Node n;
    n.name = "cam";
    n.translation = pos;
    n.rotation = rot;
    n.camera = 0;
    return n;
}
}  // namespace

Scene furnace_scene() {
    Scene s;
    s.source = "furnace (test scene)";
    Material white;
    white.base_color = {1, 1, 1, 1};
    white.metallic = 0;
    white.roughness = 1;
    white.specular = 0;  // pure Lambert: KHR_materials_specular specularFactor 0
    s.materials.push_back(white);
    Mesh sphere = uv_sphere(48, 24, 1.0f);
    sphere.material = 0;
    s.meshes.push_back(sphere);
    Node ball;
    ball.meshes = {0};
    s.nodes.push_back(ball);
    s.nodes.push_back(camera_node({0, 0, 3}, {0, 0, 0, 1}));
    s.roots = {0, 1};
    s.cameras.push_back(Camera{"cam", false, 0.8f, 0, 0.01f});
    s.environment.color = {1, 1, 1};
    return s;
}

Scene lit_plane_scene(float albedo, float irradiance, float theta) {
    Scene s;
    s.source = "lit plane (test scene)";
    Material m;
    m.base_color = {albedo, albedo, albedo, 1};
    m.metallic = 0;
    m.roughness = 1;
    m.specular = 0;
    s.materials.push_back(m);
    Mesh plane;
    const float h = 100;
    plane.positions = {-h, 0, -h, h, 0, -h, -h, 0, h, h, 0, h};
    plane.normals = {0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0};
    plane.indices = {0, 2, 1, 1, 2, 3};
    plane.material = 0;
    s.meshes.push_back(plane);
    Node ground;
    ground.meshes = {0};
    s.nodes.push_back(ground);
    // Camera 2 units up looking straight down (-Z rotated onto -Y: 90 deg about X).
    const float a = -M_PI / 4;
    s.nodes.push_back(camera_node({0, 2, 0}, {std::sin(a), 0, 0, std::cos(a)}));
    // Light travels along its -Z; tilt it theta away from straight down (about Z).
    Node sun;
    sun.light = 0;
    const float q[4] = {std::sin(a), 0, 0, std::cos(a)};  // -Z -> -Y
    const float b = theta / 2;                            // then rotate about Z by theta
    const float r[4] = {0, 0, std::sin(b), std::cos(b)};
    sun.rotation = {r[3] * q[0] + r[0] * q[3] + r[1] * q[2] - r[2] * q[1],
                    r[3] * q[1] - r[0] * q[2] + r[1] * q[3] + r[2] * q[0],
                    r[3] * q[2] + r[0] * q[1] - r[1] * q[0] + r[2] * q[3],
                    r[3] * q[3] - r[0] * q[0] - r[1] * q[1] - r[2] * q[2]};
    s.nodes.push_back(sun);
    s.roots = {0, 1, 2};
    s.cameras.push_back(Camera{"cam", false, 0.6f, 0, 0.01f});
    Light l;
    l.type = Light::Type::directional;
    l.intensity = irradiance;
    s.lights.push_back(l);
    return s;
}

}  // namespace farm::test
