#include "farm/render/benchmark.h"

#include <cmath>

namespace farm::render {

namespace {

using scene::Vec3;
using scene::Vec4;

// A UV sphere of radius r at c: `rings` x `segments` quads as triangles.
scene::Mesh sphere(Vec3 c, float r, int material, int rings = 24, int segments = 48) {
    scene::Mesh m;
    m.material = material;
    const float pi = 3.14159265f;
    for (int i = 0; i <= rings; ++i) {
        const float v = static_cast<float>(i) / rings, th = v * pi;
        for (int j = 0; j <= segments; ++j) {
            const float u = static_cast<float>(j) / segments, ph = u * 2 * pi;
            const float nx = std::sin(th) * std::cos(ph), ny = std::cos(th), nz = std::sin(th) * std::sin(ph);
            m.positions.insert(m.positions.end(), {c[0] + r * nx, c[1] + r * ny, c[2] + r * nz});
            m.normals.insert(m.normals.end(), {nx, ny, nz});
            m.uvs.insert(m.uvs.end(), {u, v});
        }
    }
    const auto row = static_cast<std::uint32_t>(segments + 1);
    for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(rings); ++i)
        for (std::uint32_t j = 0; j < static_cast<std::uint32_t>(segments); ++j) {
            const std::uint32_t a = i * row + j, b = a + row;
            m.indices.insert(m.indices.end(), {a, a + 1, b, a + 1, b + 1, b});
        }
    return m;
}

scene::Mesh ground(int material) {
    scene::Mesh m;
    m.material = material;
    const float s = 20;
    m.positions = {-s, 0, -s, s, 0, -s, s, 0, s, -s, 0, s};
    m.normals = {0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0};
    m.indices = {0, 2, 1, 0, 3, 2};
    return m;
}

scene::Material material(const char* name, Vec4 color, float metallic, float roughness) {
    scene::Material m;
    m.name = name;
    m.base_color = color;
    m.metallic = metallic;
    m.roughness = roughness;
    return m;
}

Vec4 axis_angle_x(float radians) { return {std::sin(radians / 2), 0, 0, std::cos(radians / 2)}; }

}  // namespace

scene::Scene benchmark_scene() {
    scene::Scene s;
    s.source = "(built-in benchmark scene)";
    s.materials = {material("ground", {0.6f, 0.6f, 0.55f, 1}, 0, 0.8f),
                   material("clay", {0.8f, 0.25f, 0.2f, 1}, 0, 0.6f),
                   material("gold", {1.0f, 0.78f, 0.34f, 1}, 1, 0.25f),
                   material("glossy", {0.2f, 0.35f, 0.8f, 1}, 0, 0.15f)};
    s.meshes.push_back(ground(0));
    s.meshes.push_back(sphere({-1.6f, 0.8f, 0}, 0.8f, 1));
    s.meshes.push_back(sphere({0, 1.0f, -0.6f}, 1.0f, 2));
    s.meshes.push_back(sphere({1.6f, 0.7f, 0.3f}, 0.7f, 3));
    for (int i = 0; i < 12; ++i) {
        const float a = 0.5236f * static_cast<float>(i);
        s.meshes.push_back(sphere({3.2f * std::cos(a), 0.25f, 3.2f * std::sin(a) - 0.5f}, 0.25f,
                                  i % 4, 12, 24));
    }
    scene::Node geo;
    geo.name = "geometry";
    for (int i = 0; i < static_cast<int>(s.meshes.size()); ++i) geo.meshes.push_back(i);
    scene::Node cam;
    cam.name = "camera";
    cam.translation = {0, 1.6f, 6.5f};
    cam.rotation = axis_angle_x(-0.17f);
    cam.camera = 0;
    scene::Node sun;
    sun.name = "sun";
    sun.rotation = axis_angle_x(-0.9f);
    sun.light = 0;
    s.nodes = {geo, cam, sun};
    s.roots = {0, 1, 2};
    scene::Camera c;
    c.name = "camera";
    c.yfov = 0.75f;
    s.cameras.push_back(c);
    scene::Light l;
    l.name = "sun";
    l.type = scene::Light::Type::directional;
    l.intensity = 3.0f;
    s.lights.push_back(l);
    s.environment.color = {0.35f, 0.45f, 0.6f};
    return s;
}

BenchmarkResult run_benchmark(Device device, double min_seconds) {
    const scene::Scene s = benchmark_scene();
    RenderOptions o;
    o.width = 256;
    o.height = 256;
    o.spp = 8;
    o.max_depth = 6;
    o.region = {64, 64, 192, 192};
    o.device = device;
    BenchmarkResult r;
    // Repeat (frame numbers change the samples, not the work) until the time is long
    // enough to measure; a fast GPU needs many rounds, a CPU one or two.
    for (int round = 0; round < 10000 && r.seconds < min_seconds; ++round) {
        o.frame = round + 1;
        RenderStats st;
        render(s, o, &st);
        r.seconds += st.seconds;
        r.rays += st.rays;
        r.device = st.device;
        if (round == 0 && st.seconds > 0 && st.seconds < min_seconds / 50) {
            o.region = {0, 0, 256, 256};  // tiny rounds: measure a larger tile
            o.spp = 32;
        }
    }
    r.mrays_per_s = r.seconds > 0 ? static_cast<double>(r.rays) / r.seconds / 1e6 : 0;
    return r;
}

}  // namespace farm::render
