// farm-make-samples OUT_DIR: writes the committed sample scenes.
//   tiny/  a few hundred triangles, one texture, every interpolation mode (unit tests)
//   skinned/  a tube bent by a two-joint skin (skinning tests)
//   demo/  a courtyard shot: ~300k instanced triangles, textures, sun + lamps + HDR sky,
//          120 frames of camera and object animation at 24 fps.
// Everything is procedural and seeded, so re-running gives identical files.
#include <OpenImageIO/imageio.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "gltf_writer.h"

using farm::scene::gen::GltfWriter;
using farm::scene::gen::MeshData;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
constexpr float kPi = 3.14159265358979f;
struct V3 {
    float x, y, z;
};
V3 operator-(V3 a, V3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
V3 cross(V3 a, V3 b) {
    return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
V3 norm(V3 a) {
    float l = std::sqrt(a.x * a.x + a.y * a.y + a.z * a.z);
    return {a.x / l, a.y / l, a.z / l};
}

// Parametric surface (u,v in [0,1]) → grid mesh; f returns the position, normals come
// from finite differences so every generator gets consistent smooth shading.
MeshData grid(int nu, int nv, const std::function<V3(float, float)>& f, float uv_u,
              float uv_v) {
    MeshData m;
    for (int j = 0; j <= nv; ++j)
        for (int i = 0; i <= nu; ++i) {
            const float u = float(i) / nu, v = float(j) / nv, e = 1e-3f;
            V3 p = f(u, v);
            V3 du = f(u + e, v) - f(u - e, v), dv = f(u, v + e) - f(u, v - e);
            V3 n = cross(du, dv);
            float len = std::sqrt(n.x * n.x + n.y * n.y + n.z * n.z);
            n = len > 1e-12f ? V3{n.x / len, n.y / len, n.z / len} : V3{0, 1, 0};
            m.positions.insert(m.positions.end(), {p.x, p.y, p.z});
            m.normals.insert(m.normals.end(), {n.x, n.y, n.z});
            m.uvs.insert(m.uvs.end(), {u * uv_u, v * uv_v});
        }
    for (int j = 0; j < nv; ++j)
        for (int i = 0; i < nu; ++i) {
            std::uint32_t a = j * (nu + 1) + i, b = a + 1, c = a + nu + 1, d = c + 1;
            m.indices.insert(m.indices.end(),
                             {a, b, c, b, d, c});  // CCW about cross(du, dv)
        }
    return m;
}

MeshData sphere(int seg, int rings, float r) {
    return grid(
        seg, rings,
        [r](float u, float v) {
            const float th = v * kPi,
                        ph = u * 2 * kPi;  // this direction makes cross(du, dv) point out
            return V3{r * std::sin(th) * std::cos(ph), r * std::cos(th),
                      r * std::sin(th) * std::sin(ph)};
        },
        2, 1);
}

MeshData plane(float half, float uv_repeat) {
    MeshData m;
    m.positions = {-half, 0, -half, half, 0, -half, -half, 0, half, half, 0, half};
    m.normals = {0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0};
    m.uvs = {0, 0, uv_repeat, 0, 0, uv_repeat, uv_repeat, uv_repeat};
    m.tangents = {1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1};
    m.indices = {0, 2, 1, 1, 2, 3};
    return m;
}

MeshData box(float h) {
    MeshData m;
    const float n[6][3] = {{1, 0, 0},  {-1, 0, 0}, {0, 1, 0},
                           {0, -1, 0}, {0, 0, 1},  {0, 0, -1}};
    for (int f = 0; f < 6; ++f) {
        V3 N{n[f][0], n[f][1], n[f][2]};
        V3 U = std::abs(N.y) > 0.5f ? V3{1, 0, 0} : V3{0, 1, 0};
        V3 T = cross(U, N), B = cross(N, T);
        const std::uint32_t base = static_cast<std::uint32_t>(m.positions.size() / 3);
        for (int k = 0; k < 4; ++k) {
            float s = (k & 1) ? 1.f : -1.f, t = (k & 2) ? 1.f : -1.f;
            m.positions.insert(m.positions.end(), {h * (N.x + s * T.x + t * B.x),
                                                   h * (N.y + s * T.y + t * B.y),
                                                   h * (N.z + s * T.z + t * B.z)});
            m.normals.insert(m.normals.end(), {N.x, N.y, N.z});
            m.uvs.insert(m.uvs.end(), {(s + 1) / 2, (t + 1) / 2});
        }
        m.indices.insert(m.indices.end(),
                         {base, base + 1, base + 2, base + 1, base + 3, base + 2});
    }
    return m;
}

// Torus knot (p,q) with a tube: the detailed hero object of the demo.
MeshData torus_knot(int nu, int nv, int p, int q, float R, float r) {
    auto curve = [=](float t) {
        const float a = t * 2 * kPi, rr = R * (2 + std::cos(q * a)) / 3;
        return V3{rr * std::cos(p * a), R * std::sin(q * a) / 3, rr * std::sin(p * a)};
    };
    return grid(
        nu, nv,
        [=](float u, float v) {
            V3 c = curve(u), d = norm(curve(u + 1e-3f) - curve(u - 1e-3f));
            V3 n = norm(cross(d, V3{0, 1, 0})), b = cross(d, n);
            float a = v * 2 * kPi;
            return V3{c.x + r * (std::cos(a) * n.x + std::sin(a) * b.x),
                      c.y + r * (std::cos(a) * n.y + std::sin(a) * b.y),
                      c.z + r * (std::cos(a) * n.z + std::sin(a) * b.z)};
        },
        8, 1);
}

// Fluted column: a cylinder whose radius dips in 20 grooves, with a wider base and top.
MeshData column(int nu, int nv, float height) {
    return grid(
        nu, nv,
        [=](float u, float v) {
            const float a = -u * 2 * kPi, y = v * height;
            float r = 0.3f - 0.012f * std::pow(std::abs(std::sin(a * 10)), 0.5f);
            if (v < 0.06f || v > 0.94f) r = 0.38f;
            return V3{r * std::cos(a), y, r * std::sin(a)};
        },
        1, 2);
}

void write_png(const fs::path& path, int w, int h, int ch,
               const std::function<void(int, int, float*)>& texel) {
    std::vector<unsigned char> pix(std::size_t(w) * h * ch);
    std::vector<float> c(ch);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            texel(x, y, c.data());
            for (int k = 0; k < ch; ++k)
                pix[(std::size_t(y) * w + x) * ch + k] =
                    static_cast<unsigned char>(std::clamp(c[k], 0.f, 1.f) * 255 + 0.5f);
        }
    auto out = OIIO::ImageOutput::create(path.string());
    if (!out ||
        !out->open(path.string(), OIIO::ImageSpec(w, h, ch, OIIO::TypeDesc::UINT8)) ||
        !out->write_image(OIIO::TypeDesc::UINT8, pix.data()))
        throw std::runtime_error("cannot write " + path.string());
    out->close();
}

float hash2(int x, int y) {
    std::uint32_t h = x * 374761393u + y * 668265263u;
    h = (h ^ (h >> 13)) * 1274126177u;
    return float(h ^ (h >> 16)) / 4294967296.0f;
}

json trs(V3 t, std::array<float, 4> q = {0, 0, 0, 1}, V3 s = {1, 1, 1}) {
    return {
        {"translation", {t.x, t.y, t.z}}, {"rotation", q}, {"scale", {s.x, s.y, s.z}}};
}

// Quaternion of a camera at `eye` looking at `at` (camera looks down local -Z, +Y up).
std::array<float, 4> look_at(V3 eye, V3 at) {
    V3 z = norm(eye - at), x = norm(cross(V3{0, 1, 0}, z)), y = cross(z, x);
    float m00 = x.x, m11 = y.y, m22 = z.z, tr = m00 + m11 + m22, qw, qx, qy, qz;
    if (tr > 0) {
        float s = std::sqrt(tr + 1) * 2;
        qw = s / 4;
        qx = (y.z - z.y) / s;
        qy = (z.x - x.z) / s;
        qz = (x.y - y.x) / s;
    } else if (m00 > m11 && m00 > m22) {
        float s = std::sqrt(1 + m00 - m11 - m22) * 2;
        qw = (y.z - z.y) / s;
        qx = s / 4;
        qy = (y.x + x.y) / s;
        qz = (z.x + x.z) / s;
    } else if (m11 > m22) {
        float s = std::sqrt(1 + m11 - m00 - m22) * 2;
        qw = (z.x - x.z) / s;
        qx = (y.x + x.y) / s;
        qy = s / 4;
        qz = (z.y + y.z) / s;
    } else {
        float s = std::sqrt(1 + m22 - m00 - m11) * 2;
        qw = (x.y - y.x) / s;
        qx = (z.x + x.z) / s;
        qy = (z.y + y.z) / s;
        qz = s / 4;
    }
    return {qx, qy, qz, qw};
}

// Adds an animation channel; values has width floats per key (x3 for CUBICSPLINE).
void channel(GltfWriter& g, json& anim, int node, const char* path, const char* interp,
             const std::vector<float>& times, const std::vector<float>& values,
             int width) {
    const int in = g.add_floats(times, 1, true), out = g.add_floats(values, width, false);
    anim["samplers"].push_back(
        {{"input", in}, {"output", out}, {"interpolation", interp}});
    anim["channels"].push_back({{"sampler", anim["samplers"].size() - 1},
                                {"target", {{"node", node}, {"path", path}}}});
}

json material(const std::string& name, std::array<float, 4> color, float metal,
              float rough) {
    return {{"name", name},
            {"pbrMetallicRoughness",
             {{"baseColorFactor", color},
              {"metallicFactor", metal},
              {"roughnessFactor", rough}}}};
}

void write_settings(const fs::path& dir, const json& j) {
    std::ofstream(dir / "render.json") << j.dump(2) << "\n";
}

#include "demo_scene.inc"
#include "skinned_scene.inc"
#include "tiny_scene.inc"

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr,
                     "usage: farm-make-samples OUT_DIR   (e.g. scenes/samples)\n");
        return 2;
    }
    try {
        make_tiny(fs::path(argv[1]) / "tiny");
        make_demo(fs::path(argv[1]) / "demo");
        make_skinned(fs::path(argv[1]) / "skinned");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "farm-make-samples: %s\n", e.what());
        return 1;
    }
    return 0;
}
