// glTF metallic-roughness BSDF (glTF 2.0 spec Appendix B, with KHR_materials_specular's
// factor): Lambert diffuse + GGX/Smith specular, mixed by a Schlick Fresnel. Works in a
// local frame where +Z is the shading normal. Specular directions are drawn from the
// distribution of visible normals (Heitz 2018), which keeps rough-surface variance low.
#pragma once

#include "core/vecmath.h"

namespace farm::render {

struct BsdfParams {
    V3 base;         // linear base colour
    float metallic;  // 0..1
    float alpha;     // GGX alpha = roughness^2, clamped away from 0
    float specular;  // 0 = pure Lambert (no dielectric reflection)
};

FARM_HD FARM_INLINE float ggx_d(float alpha, float cos_h) {
    const float a2 = alpha * alpha, c2 = cos_h * cos_h;
    const float d = c2 * (a2 - 1.0f) + 1.0f;
    return a2 / (kPi * d * d);
}

FARM_HD FARM_INLINE float ggx_lambda(float alpha, V3 w) {
    const float c2 = w.z * w.z;
    if (c2 >= 1.0f) return 0.0f;
    const float t2 = (1.0f - c2) / c2;
    return 0.5f * (-1.0f + sqrtf(1.0f + alpha * alpha * t2));
}

FARM_HD FARM_INLINE float schlick_weight(float c) {
    const float m = clampf(1.0f - c, 0.0f, 1.0f), m2 = m * m;
    return m2 * m2 * m;
}

// Probability of choosing the specular lobe when sampling, from each lobe's albedo guess.
FARM_HD FARM_INLINE float specular_probability(const BsdfParams& b, float cos_o) {
    const float fw = schlick_weight(cos_o);
    const float dielectric = (1.0f - b.metallic) * b.specular * (0.04f + 0.96f * fw);
    const float metal = b.metallic * luminance(b.base + (V3(1.0f) - b.base) * fw);
    const float diffuse =
        (1.0f - b.metallic) * luminance(b.base) * (1.0f - 0.04f * b.specular);
    const float spec = dielectric + metal;
    if (spec <= 0.0f) return 0.0f;
    if (diffuse <= 0.0f) return 1.0f;
    return clampf(spec / (spec + diffuse), 0.1f, 0.9f);
}

// f(wo, wi) * cos(wi) and the sampling pdf (solid angle) of wi.
FARM_HD inline V3 bsdf_eval(const BsdfParams& b, V3 wo, V3 wi, float* pdf) {
    *pdf = 0.0f;
    if (wo.z <= 0.0f || wi.z <= 0.0f) return V3(0.0f);
    const V3 h = normalize(wo + wi);
    const float voh = fmaxf(dot(wo, h), 0.0f);
    const float fw = schlick_weight(voh);
    const float fd = b.specular * (0.04f + 0.96f * fw);  // dielectric Fresnel
    const V3 fm = b.base + (V3(1.0f) - b.base) * fw;     // metal Fresnel
    const float d = ggx_d(b.alpha, h.z);
    const float g2 = 1.0f / (1.0f + ggx_lambda(b.alpha, wo) + ggx_lambda(b.alpha, wi));
    const float spec = d * g2 / (4.0f * wo.z * wi.z);
    const V3 diffuse = b.base * ((1.0f - b.metallic) * (1.0f - fd) * kInvPi);
    const V3 f = diffuse + (V3((1.0f - b.metallic) * fd) + fm * b.metallic) * spec;
    const float ps = specular_probability(b, wo.z);
    const float g1 = 1.0f / (1.0f + ggx_lambda(b.alpha, wo));
    *pdf = (1.0f - ps) * wi.z * kInvPi + ps * g1 * d / (4.0f * wo.z);
    return f * wi.z;
}

// Samples wi; returns false when the sample is below the surface. weight = f cos / pdf.
FARM_HD inline bool bsdf_sample(const BsdfParams& b, V3 wo, float u0, float u1, float u2,
                                V3* wi, V3* weight, float* pdf) {
    if (wo.z <= 0.0f) return false;
    const float ps = specular_probability(b, wo.z);
    if (u0 < ps) {
        // Visible-normal sampling in the stretched (alpha = 1) configuration.
        const V3 vh = normalize(V3(b.alpha * wo.x, b.alpha * wo.y, wo.z));
        const float lensq = vh.x * vh.x + vh.y * vh.y;
        const V3 t1 = lensq > 0 ? V3(-vh.y, vh.x, 0.0f) / sqrtf(lensq) : V3(1, 0, 0);
        const V3 t2 = cross(vh, t1);
        const float r = sqrtf(u1), phi = 2.0f * kPi * u2;
        const float p1 = r * cosf(phi);
        float p2 = r * sinf(phi);
        const float s = 0.5f * (1.0f + vh.z);
        p2 = (1.0f - s) * sqrtf(fmaxf(0.0f, 1.0f - p1 * p1)) + s * p2;
        const V3 nh =
            t1 * p1 + t2 * p2 + vh * sqrtf(fmaxf(0.0f, 1.0f - p1 * p1 - p2 * p2));
        const V3 m = normalize(V3(b.alpha * nh.x, b.alpha * nh.y, fmaxf(1e-6f, nh.z)));
        *wi = m * (2.0f * dot(wo, m)) - wo;
    } else {
        const float r = sqrtf(u1), phi = 2.0f * kPi * u2;
        *wi = V3(r * cosf(phi), r * sinf(phi), sqrtf(fmaxf(0.0f, 1.0f - u1)));
    }
    if (wi->z <= 0.0f) return false;
    const V3 fc = bsdf_eval(b, wo, *wi, pdf);
    if (!(*pdf > 0.0f)) return false;
    *weight = fc / *pdf;
    return true;
}

}  // namespace farm::render
