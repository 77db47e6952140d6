// A flat two-child BVH over world-space triangles and its traversal, shared by host and
// device: the CUDA backend traverses it in its kernel, and the CPU tests traverse the
// very same code to check it against Embree.
#pragma once

#include "core/scene_view.h"

namespace farm::render {

struct BvhNode {
    float lo[3], hi[3];
    int first;  // leaf: first triangle; inner: index of the left child (right = first +
                // 1)
    int count;  // leaf: triangle count (> 0); inner: 0
};

struct BvhView {
    const BvhNode* nodes;
    const float* tris;  // 9 floats per triangle (p0, p1, p2), world space, leaf order
    const int* tri_instance;  // per triangle, for Hit
    const int* tri_primitive;
};

// Möller–Trumbore; u, v weight p1 and p2 (Embree's convention).
FARM_HD FARM_INLINE bool intersect_triangle(const float* t, const Ray& r, float tmax,
                                            float* tt, float* uu, float* vv) {
    const V3 p0(t[0], t[1], t[2]), e1 = V3(t[3], t[4], t[5]) - p0,
                                   e2 = V3(t[6], t[7], t[8]) - p0;
    const V3 pv = cross(r.d, e2);
    const float det = dot(e1, pv);
    if (fabsf(det) < 1e-20f) return false;
    const float inv = 1.0f / det;
    const V3 tv = r.o - p0;
    const float u = dot(tv, pv) * inv;
    if (u < 0.0f || u > 1.0f) return false;
    const V3 qv = cross(tv, e1);
    const float v = dot(r.d, qv) * inv;
    if (v < 0.0f || u + v > 1.0f) return false;
    const float d = dot(e2, qv) * inv;
    if (!(d > 0.0f && d < tmax)) return false;
    *tt = d;
    *uu = u;
    *vv = v;
    return true;
}

FARM_HD FARM_INLINE bool slab(const BvhNode& n, V3 o, V3 inv, float tmax, float* tnear) {
    float t0 = 0.0f, t1 = tmax;
    for (int a = 0; a < 3; ++a) {
        float ta = (n.lo[a] - o[a]) * inv[a], tb = (n.hi[a] - o[a]) * inv[a];
        if (ta > tb) {
            const float s = ta;
            ta = tb;
            tb = s;
        }
        t0 = fmaxf(t0, ta);
        t1 = fminf(t1, tb * 1.00000024f);  // two ulps: robust for grazing rays
    }
    *tnear = t0;
    return t0 <= t1;
}

// any = true stops at the first hit (shadow rays).
FARM_HD inline bool bvh_trace(const BvhView& b, const Ray& r, Hit* hit, bool any) {
    const V3 inv(1.0f / r.d.x, 1.0f / r.d.y, 1.0f / r.d.z);
    int stack[64];
    int sp = 0;
    stack[sp++] = 0;
    float tmax = r.tmax;
    bool found = false;
    while (sp > 0) {
        const BvhNode& n = b.nodes[stack[--sp]];
        float tn;
        if (!slab(n, r.o, inv, tmax, &tn)) continue;
        if (n.count > 0) {
            for (int i = n.first; i < n.first + n.count; ++i) {
                float t, u, v;
                if (intersect_triangle(b.tris + 9 * i, r, tmax, &t, &u, &v)) {
                    found = true;
                    if (any) return true;
                    tmax = t;
                    *hit = Hit{t, u, v, b.tri_instance[i], b.tri_primitive[i]};
                }
            }
            continue;
        }
        // Visit the nearer child first (pushed last).
        const BvhNode& l = b.nodes[n.first];
        const BvhNode& rr = b.nodes[n.first + 1];
        float tl, tr;
        const bool hl = slab(l, r.o, inv, tmax, &tl), hr = slab(rr, r.o, inv, tmax, &tr);
        if (sp + 2 > 64) continue;  // cannot happen with the builder's depth limit
        if (hl && hr) {
            if (tl < tr) {
                stack[sp++] = n.first + 1;
                stack[sp++] = n.first;
            } else {
                stack[sp++] = n.first;
                stack[sp++] = n.first + 1;
            }
        } else if (hl) {
            stack[sp++] = n.first;
        } else if (hr) {
            stack[sp++] = n.first + 1;
        }
    }
    return found;
}

struct BvhTracer {
    BvhView bvh;
    FARM_HD bool intersect(const Ray& r, Hit& h) const {
        return bvh_trace(bvh, r, &h, false);
    }
    FARM_HD bool occluded(const Ray& r) const {
        Hit h;
        return bvh_trace(bvh, r, &h, true);
    }
};

}  // namespace farm::render
