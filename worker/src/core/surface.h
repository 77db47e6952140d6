// Surface attributes at a hit, computed from object-space mesh data and the instance
// transform: the same code serves Embree and the CUDA BVH.
#pragma once

#include "core/scene_view.h"

namespace farm::render {

struct Surface {
    V3 p;     // world position
    V3 ng;    // geometric normal, facing the incoming ray
    V3 ns;    // shading normal (interpolated, normal-mapped later), same hemisphere as ng
    V3 dpdu;  // tangent for normal mapping
    float tangent_sign;
    float world_per_uv;  // sqrt(|dp/du| |dp/dv|): converts a footprint to texture space
    float u, v;          // texture coordinates
    int material;
    int light;   // index of this triangle's light, -1 if not emissive
    bool front;  // hit the side the triangle's winding faces
    float area;  // world-space triangle area
};

FARM_HD inline Surface surface_at(const SceneView& s, const Hit& h, V3 ray_dir) {
    const InstanceView& inst = s.instances[h.instance];
    const MeshView& m = s.meshes[inst.mesh];
    const std::uint32_t i0 = m.indices[3 * h.primitive],
                        i1 = m.indices[3 * h.primitive + 1],
                        i2 = m.indices[3 * h.primitive + 2];
    auto pos = [&](std::uint32_t i) {
        return V3(m.positions[3 * i], m.positions[3 * i + 1], m.positions[3 * i + 2]);
    };
    const float w = 1.0f - h.u - h.v;
    const V3 p0 = inst.to_world.point(pos(i0)), p1 = inst.to_world.point(pos(i1)),
             p2 = inst.to_world.point(pos(i2));
    Surface sf;
    sf.p = p0 * w + p1 * h.u + p2 * h.v;
    const V3 e1 = p1 - p0, e2 = p2 - p0, n = cross(e1, e2);
    sf.area = 0.5f * length(n);
    V3 ng = normalize(n);
    sf.front = dot(ng, ray_dir) < 0;
    V3 ns = ng;
    if (m.normals) {
        auto nrm = [&](std::uint32_t i) {
            return V3(m.normals[3 * i], m.normals[3 * i + 1], m.normals[3 * i + 2]);
        };
        const V3 on = nrm(i0) * w + nrm(i1) * h.u + nrm(i2) * h.v;
        const V3 wn = inst.normal_to_world.vector(on);
        if (dot(wn, wn) > 1e-20f) ns = normalize(wn);
    }
    sf.u = sf.v = 0;
    sf.dpdu = normalize(e1);
    sf.tangent_sign = 1;
    sf.world_per_uv = 0;
    if (m.uvs) {
        const float u0 = m.uvs[2 * i0], v0 = m.uvs[2 * i0 + 1], u1 = m.uvs[2 * i1],
                    v1 = m.uvs[2 * i1 + 1], u2 = m.uvs[2 * i2], v2 = m.uvs[2 * i2 + 1];
        sf.u = u0 * w + u1 * h.u + u2 * h.v;
        sf.v = v0 * w + v1 * h.u + v2 * h.v;
        // Tangent from UV derivatives when the mesh has none.
        const float du1 = u1 - u0, du2 = u2 - u0, dv1 = v1 - v0, dv2 = v2 - v0;
        const float det = du1 * dv2 - du2 * dv1;
        if (fabsf(det) > 1e-12f) {
            const V3 dpdu = (e1 * dv2 - e2 * dv1) * (1.0f / det);
            const V3 dpdv = (e2 * du1 - e1 * du2) * (1.0f / det);
            sf.dpdu = normalize(dpdu);
            sf.world_per_uv = sqrtf(length(dpdu) * length(dpdv));
            // glTF normal maps have +Y up the image, i.e. toward decreasing v, and the
            // bitangent is cross(n, t) * sign: pick the sign that makes it point there.
            sf.tangent_sign = dot(cross(ns, dpdu), dpdv) < 0 ? 1.0f : -1.0f;
        }
    }
    if (m.tangents) {
        auto tg = [&](std::uint32_t i) {
            return V3(m.tangents[4 * i], m.tangents[4 * i + 1], m.tangents[4 * i + 2]);
        };
        const V3 t = inst.to_world.vector(tg(i0) * w + tg(i1) * h.u + tg(i2) * h.v);
        if (dot(t, t) > 1e-20f) {
            sf.dpdu = normalize(t);
            sf.tangent_sign = m.tangents[4 * i0 + 3] < 0 ? -1.0f : 1.0f;
        }
    }
    // Both normals face the viewer; the shading normal must agree with the geometric one.
    if (!sf.front) ng = -ng;
    if (dot(ns, ng) < 0) ns = -ns;
    sf.ng = ng;
    sf.ns = ns;
    sf.material = m.material;
    sf.light = inst.light_offset >= 0 ? inst.light_offset + h.primitive : -1;
    return sf;
}

}  // namespace farm::render
