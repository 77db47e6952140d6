// Light sampling for next-event estimation, and the matching pdfs for MIS. Lights are
// chosen from one CDF built on the host from each light's approximate power.
#pragma once

#include "core/scene_view.h"

namespace farm::render {

struct LightSample {
    V3 wi;        // direction from the shading point toward the light
    float dist;   // distance to the light (1e30 for directional / environment)
    V3 radiance;  // incident radiance (intensity / d^2 for delta lights); 0 = none
    float pdf;    // solid-angle pdf of wi given this light (1 for delta lights)
    bool delta;
    Hit point;  // triangle lights: where on the triangle (emission may be textured)
};

FARM_HD FARM_INLINE float light_select_pdf(const SceneView& s, int i) {
    return s.light_cdf[i + 1] - s.light_cdf[i];
}

// Finds i with cdf[i] <= u < cdf[i+1] in a CDF of n+1 entries.
FARM_HD FARM_INLINE int find_interval(const float* cdf, int n, float u) {
    int lo = 0, hi = n;
    while (lo + 1 < hi) {
        const int mid = (lo + hi) / 2;
        if (cdf[mid] <= u)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

FARM_HD FARM_INLINE V3 env_direction(float u, float v) {  // u, v in [0,1)
    const float phi = 2.0f * kPi * u, theta = kPi * v;
    return V3(sinf(theta) * cosf(phi), cosf(theta), sinf(theta) * sinf(phi));
}

FARM_HD FARM_INLINE void env_pixel(const EnvView& e, V3 d, int* x, int* y) {
    float phi = atan2f(d.z, d.x);
    if (phi < 0) phi += 2.0f * kPi;
    const float theta = acosf(clampf(d.y, -1.0f, 1.0f));
    *x = static_cast<int>(phi / (2.0f * kPi) * e.width);
    *x = *x < e.width - 1 ? *x : e.width - 1;
    *y = static_cast<int>(theta / kPi * e.height);
    *y = *y < e.height - 1 ? *y : e.height - 1;
}

FARM_HD inline V3 env_radiance(const EnvView& e, V3 d) {
    if (!e.map) return e.color * e.intensity;
    int x, y;
    env_pixel(e, d, &x, &y);
    const float* p = e.map + 3 * (static_cast<long>(y) * e.width + x);
    return V3(p[0], p[1], p[2]) * e.intensity;
}

// Solid-angle pdf of sampling direction d from the environment (given it was chosen).
FARM_HD inline float env_pdf(const EnvView& e, V3 d) {
    if (!e.map) return 1.0f / (4.0f * kPi);
    if (!(e.integral > 0)) return 0.0f;
    int x, y;
    env_pixel(e, d, &x, &y);
    const float* row = e.conditional_cdf + static_cast<long>(y) * (e.width + 1);
    const float p_row = e.marginal_cdf[y + 1] - e.marginal_cdf[y];
    const float p_col = row[x + 1] - row[x];
    const float sin_theta = sqrtf(fmaxf(0.0f, 1.0f - d.y * d.y));
    if (sin_theta <= 1e-6f) return 0.0f;
    return p_row * p_col * e.width * e.height / (2.0f * kPi * kPi * sin_theta);
}

FARM_HD inline LightSample sample_light(const SceneView& s, int li, V3 p, float u1,
                                        float u2) {
    const LightView& l = s.lights[li];
    LightSample ls;
    ls.delta = true;
    ls.pdf = 1.0f;
    ls.point = Hit{0, 0, 0, -1, -1};
    switch (l.type) {
        case LightType::point:
        case LightType::spot: {
            const V3 d = l.position - p;
            const float d2 = fmaxf(dot(d, d), 1e-12f);
            ls.dist = sqrtf(d2);
            ls.wi = d / ls.dist;
            float att = 1.0f;
            if (l.type == LightType::spot) {  // glTF spot falloff: a squared linear ramp
                const float c = dot(-ls.wi, l.direction);
                att = clampf((c - l.cos_outer) / fmaxf(l.cos_inner - l.cos_outer, 1e-4f),
                             0.0f, 1.0f);
                att *= att;
            }
            ls.radiance = l.radiance * (att / d2);
            return ls;
        }
        case LightType::directional:
            ls.wi = -l.direction;
            ls.dist = 1e30f;
            ls.radiance = l.radiance;
            return ls;
        case LightType::triangle: {
            const InstanceView& inst = s.instances[l.instance];
            const MeshView& m = s.meshes[inst.mesh];
            const std::uint32_t* idx = m.indices + 3 * l.primitive;
            auto pos = [&](std::uint32_t i) {
                return inst.to_world.point(V3(m.positions[3 * i], m.positions[3 * i + 1],
                                              m.positions[3 * i + 2]));
            };
            const V3 p0 = pos(idx[0]), p1 = pos(idx[1]), p2 = pos(idx[2]);
            const float su = sqrtf(u1), b1 = 1.0f - su,
                        bu = u2 * su;  // uniform on the triangle
            const float bv = 1.0f - b1 - bu;
            // Barycentrics as Hit stores them: p = (1-u-v) p0 + u p1 + v p2.
            const V3 q = p0 * b1 + p1 * bu + p2 * bv;
            const V3 d = q - p;
            const float d2 = dot(d, d);
            ls.dist = sqrtf(d2);
            ls.wi = d / fmaxf(ls.dist, 1e-12f);
            const V3 n = normalize(cross(p1 - p0, p2 - p0));
            const float cos_l = -dot(ls.wi, n);
            ls.delta = false;
            ls.point = Hit{ls.dist, bu, bv, l.instance, l.primitive};
            const bool two_sided = s.materials[m.material].double_sided;
            if ((cos_l <= 0.0f && !two_sided) || fabsf(cos_l) < 1e-7f || l.area <= 0.0f) {
                ls.radiance = V3(0.0f);
                ls.pdf = 0.0f;
                return ls;
            }
            ls.pdf = d2 / (fabsf(cos_l) * l.area);
            ls.radiance =
                V3(1.0f);  // the caller evaluates the (textured) emission at point
            return ls;
        }
        case LightType::environment: {
            ls.delta = false;
            ls.dist = 1e30f;
            const EnvView& e = s.env;
            if (!e.map) {  // uniform sphere
                const float z = 1.0f - 2.0f * u1, r = sqrtf(fmaxf(0.0f, 1.0f - z * z)),
                            phi = 2.0f * kPi * u2;
                ls.wi = V3(r * cosf(phi), z, r * sinf(phi));
                ls.pdf = 1.0f / (4.0f * kPi);
                ls.radiance = e.color * e.intensity;
                return ls;
            }
            const int y =
                find_interval(e.marginal_cdf, e.height, u1 * e.marginal_cdf[e.height]);
            const float* row = e.conditional_cdf + static_cast<long>(y) * (e.width + 1);
            const int x = find_interval(row, e.width, u2 * row[e.width]);
            // Continuous position inside the chosen texel keeps the estimate unbiased.
            const float fy = (u1 * e.marginal_cdf[e.height] - e.marginal_cdf[y]) /
                             fmaxf(e.marginal_cdf[y + 1] - e.marginal_cdf[y], 1e-20f);
            const float fx =
                (u2 * row[e.width] - row[x]) / fmaxf(row[x + 1] - row[x], 1e-20f);
            ls.wi = env_direction((x + clampf(fx, 0.0f, 0.999f)) / e.width,
                                  (y + clampf(fy, 0.0f, 0.999f)) / e.height);
            ls.pdf = env_pdf(e, ls.wi);
            ls.radiance = ls.pdf > 0 ? env_radiance(e, ls.wi) : V3(0.0f);
            return ls;
        }
    }
    ls.radiance = V3(0.0f);
    return ls;
}

}  // namespace farm::render
