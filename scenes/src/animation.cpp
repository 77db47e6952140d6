// Keyframe sampling (glTF 2.0 spec, Appendix C) and hierarchy evaluation.
#include "farm/scene/animation.h"

#include <algorithm>
#include <cmath>

#include "xform.h"

namespace farm::scene {
namespace {
using Interp = AnimationChannel::Interpolation;

Vec4 key(const AnimationChannel& c, std::size_t k, int which /* 0 in, 1 value, 2 out */) {
    const int w = c.width();
    const std::size_t per = c.interpolation == Interp::cubic_spline ? 3 : 1;
    const std::size_t base = (k * per + (per == 3 ? which : 0)) * w;
    Vec4 v{0, 0, 0, 0};
    for (int i = 0; i < w; ++i) v[i] = c.values[base + i];
    return v;
}

}  // namespace

Vec4 sample_channel(const AnimationChannel& c, float t) {
    const bool rot = c.path == AnimationChannel::Path::rotation;
    const std::size_t n = c.times.size();
    auto finish = [&](Vec4 v) { return rot ? detail::normalize(v) : v; };
    if (n == 1 || !(t > c.times.front())) return finish(key(c, 0, 1));
    if (t >= c.times.back()) return finish(key(c, n - 1, 1));
    // First key strictly after t; the interval is [k0, k1].
    const std::size_t k1 =
        std::upper_bound(c.times.begin(), c.times.end(), t) - c.times.begin();
    const std::size_t k0 = k1 - 1;
    const float t0 = c.times[k0], t1 = c.times[k1], dt = t1 - t0;
    const float u = (t - t0) / dt;
    switch (c.interpolation) {
        case Interp::step:
            return finish(key(c, k0, 1));
        case Interp::linear: {
            const Vec4 a = key(c, k0, 1), b = key(c, k1, 1);
            if (rot) return detail::slerp(a, b, u);
            return {a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u,
                    a[2] + (b[2] - a[2]) * u, 0};
        }
        case Interp::cubic_spline: {
            // Hermite with tangents scaled by the interval length (spec: out_k * dt,
            // in_k+1 * dt).
            const Vec4 p0 = key(c, k0, 1), m0 = key(c, k0, 2), p1 = key(c, k1, 1),
                       m1 = key(c, k1, 0);
            const float u2 = u * u, u3 = u2 * u;
            const float h00 = 2 * u3 - 3 * u2 + 1, h10 = u3 - 2 * u2 + u,
                        h01 = -2 * u3 + 3 * u2, h11 = u3 - u2;
            Vec4 r{};
            for (int i = 0; i < 4; ++i)
                r[i] = h00 * p0[i] + h10 * dt * m0[i] + h01 * p1[i] + h11 * dt * m1[i];
            return finish(r);
        }
    }
    return finish(key(c, k0, 1));
}

FrameState evaluate(const Scene& scene, float time) {
    if (!std::isfinite(time))
        throw SceneError(scene.source.string() + ": evaluation time is not finite");
    // Local TRS per node, overridden by animation channels.
    std::vector<Vec3> t(scene.nodes.size()), s(scene.nodes.size());
    std::vector<Vec4> r(scene.nodes.size());
    for (std::size_t i = 0; i < scene.nodes.size(); ++i) {
        t[i] = scene.nodes[i].translation;
        r[i] = scene.nodes[i].rotation;
        s[i] = scene.nodes[i].scale;
    }
    for (const auto& a : scene.animations)
        for (const auto& c : a.channels) {
            const Vec4 v = sample_channel(c, time);
            if (!detail::finite(v.data(), 4))
                throw SceneError(scene.source.string() + ": animation '" + a.name +
                                 "' produced a non-finite value");
            switch (c.path) {
                case AnimationChannel::Path::translation:
                    t[c.node] = {v[0], v[1], v[2]};
                    break;
                case AnimationChannel::Path::rotation:
                    r[c.node] = v;
                    break;
                case AnimationChannel::Path::scale:
                    s[c.node] = {v[0], v[1], v[2]};
                    break;
            }
        }
    FrameState out;
    out.time = time;
    std::vector<Mat4> world_of(scene.nodes.size(), detail::identity());
    // Iterative depth-first walk: deep hierarchies must not overflow the stack.
    std::vector<std::pair<int, Mat4>> stack;
    for (int root : scene.roots) stack.push_back({root, detail::identity()});
    while (!stack.empty()) {
        auto [ni, parent] = stack.back();
        stack.pop_back();
        const Node& n = scene.nodes[ni];
        const Mat4 local = n.has_matrix ? n.matrix : detail::compose(t[ni], r[ni], s[ni]);
        const Mat4 world = detail::mul(parent, local);
        world_of[ni] = world;
        for (int m : n.meshes) {
            if (n.skin >= 0 && !scene.meshes[m].joints.empty())
                out.meshes.push_back(
                    {m, ni, detail::identity(), n.skin});  // joints place it
            else if (std::abs(detail::det3(world)) >
                     1e-24f)  // zero scale: the object vanishes
                out.meshes.push_back({m, ni, world, -1});
        }
        if (n.camera >= 0) out.cameras.push_back({n.camera, ni, world});
        if (n.light >= 0) out.lights.push_back({n.light, ni, world});
        for (int c : n.children) stack.push_back({c, world});
    }
    for (const Skin& skin : scene.skins) {
        std::vector<Mat4> joints;
        for (std::size_t j = 0; j < skin.joints.size(); ++j)
            joints.push_back(detail::mul(world_of[skin.joints[j]], skin.inverse_bind[j]));
        out.skins.push_back(std::move(joints));
    }
    // Deterministic order regardless of traversal details.
    auto by_node = [](const auto& a, const auto& b) { return a.node < b.node; };
    std::stable_sort(out.meshes.begin(), out.meshes.end(), by_node);
    std::stable_sort(out.cameras.begin(), out.cameras.end(), by_node);
    std::stable_sort(out.lights.begin(), out.lights.end(), by_node);
    return out;
}

void skin_mesh(const Mesh& mesh, const std::vector<Mat4>& jm,
               std::vector<float>& positions, std::vector<float>& normals,
               std::vector<float>& tangents) {
    const std::size_t nv = mesh.vertex_count();
    if (mesh.joints.size() != 4 * nv || mesh.weights.size() != 4 * nv)
        throw SceneError("mesh '" + mesh.name +
                         "' is not skinned (no JOINTS_0/WEIGHTS_0)");
    positions.resize(3 * nv);
    normals.resize(mesh.normals.empty() ? 0 : 3 * nv);
    tangents.resize(mesh.tangents.empty() ? 0 : 4 * nv);
    for (std::size_t v = 0; v < nv; ++v) {
        Mat4 m{};
        for (int k = 0; k < 4; ++k) {
            const std::size_t j = mesh.joints[4 * v + k];
            const float w = mesh.weights[4 * v + k];
            if (w == 0) continue;
            if (j >= jm.size())
                throw SceneError("mesh '" + mesh.name + "' uses joint " +
                                 std::to_string(j) + " of " + std::to_string(jm.size()));
            for (int e = 0; e < 16; ++e) m[e] += w * jm[j][e];
        }
        const float* p = &mesh.positions[3 * v];
        for (int r = 0; r < 3; ++r)
            positions[3 * v + r] =
                m[r] * p[0] + m[4 + r] * p[1] + m[8 + r] * p[2] + m[12 + r];
        if (!normals.empty()) {
            // Cofactor matrix = inverse transpose times det: right for non-uniform scale.
            const float c[9] = {m[5] * m[10] - m[6] * m[9], m[6] * m[8] - m[4] * m[10],
                                m[4] * m[9] - m[5] * m[8],  m[9] * m[2] - m[10] * m[1],
                                m[10] * m[0] - m[8] * m[2], m[8] * m[1] - m[9] * m[0],
                                m[1] * m[6] - m[2] * m[5],  m[2] * m[4] - m[0] * m[6],
                                m[0] * m[5] - m[1] * m[4]};
            const float* n = &mesh.normals[3 * v];
            float o[3];
            for (int r = 0; r < 3; ++r)
                o[r] = c[r] * n[0] + c[3 + r] * n[1] + c[6 + r] * n[2];
            const float len = std::sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2]);
            for (int r = 0; r < 3; ++r) normals[3 * v + r] = len > 0 ? o[r] / len : n[r];
        }
        if (!tangents.empty()) {
            const float* t = &mesh.tangents[4 * v];
            float o[3];
            for (int r = 0; r < 3; ++r)
                o[r] = m[r] * t[0] + m[4 + r] * t[1] + m[8 + r] * t[2];
            const float len = std::sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2]);
            for (int r = 0; r < 3; ++r) tangents[4 * v + r] = len > 0 ? o[r] / len : t[r];
            tangents[4 * v + 3] = t[3];
        }
    }
}

const CameraInstance& find_camera(const Scene& scene, const FrameState& frame,
                                  const std::string& name) {
    const std::string file = scene.source.string();
    for (const auto& c : frame.cameras) {
        if (!name.empty() && scene.cameras[c.camera].name != name &&
            scene.nodes[c.node].name != name)
            continue;
        if (scene.cameras[c.camera].orthographic)
            throw SceneError(file + ": camera '" + scene.cameras[c.camera].name +
                             "' is orthographic; only perspective cameras are supported");
        return c;
    }
    if (name.empty()) throw SceneError(file + ": the scene has no camera");
    throw SceneError(file + ": no camera named '" + name + "'");
}

}  // namespace farm::scene
