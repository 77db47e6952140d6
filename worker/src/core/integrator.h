// The path tracer, written once for both backends. Tracer supplies intersect/occluded
// (Embree on the CPU, our BVH on the GPU); Tex supplies texture lookups (OpenImageIO's
// TextureSystem on the CPU, plain arrays on the GPU). Everything else is shared.
#pragma once

#include "core/bsdf.h"
#include "core/camera.h"
#include "core/lights.h"
#include "core/sampler.h"
#include "core/surface.h"

namespace farm::render {

struct PixelResult {
    V3 color;
    float alpha;
    V3 albedo, normal;
    float depth;
};

// Path-space controls, as production renderers have them (Cycles' "Clamp Indirect" and
// "Filter Glossy", with the same defaults). Both trade a little bias for far fewer
// fireflies: caustic paths such as diffuse -> sharp gloss -> sun are rare and very bright,
// and at studio sample counts they show as isolated white pixels, not as light.
struct PathOptions {
    int max_depth = 8;
    // Largest r+g+b one sample's indirect light (two or more bounces) may add; 0 = off.
    float clamp_indirect = 10.0f;
    // After a blurry bounce, sharper lobes are widened (GGX alpha raised to
    // sqrt(1 - min_pdf / filter_glossy) / 2, Cycles' rule); 0 = off.
    float filter_glossy = 1.0f;
};

FARM_HD FARM_INLINE V3 clamp_sum(V3 c, float limit) {
    const float sum = fabsf(c.x) + fabsf(c.y) + fabsf(c.z);
    return limit > 0 && sum > limit ? c * (limit / sum) : c;
}

struct Shading {
    BsdfParams bsdf;
    V3 n;         // shading normal after normal mapping
    V3 emission;  // emitted radiance
};

FARM_HD FARM_INLINE float srgb_to_linear(float c) {
    return c <= 0.04045f ? c / 12.92f : powf((c + 0.055f) / 1.055f, 2.4f);
}

FARM_HD FARM_INLINE float power_heuristic(float a, float b) {
    const float a2 = a * a, b2 = b * b;
    return a2 + b2 > 0 ? a2 / (a2 + b2) : 0.0f;
}

// footprint: width of the ray cone at the hit, in world units (0 = finest texels).
template <class Tex>
FARM_HD Shading shade(const SceneView& s, const Tex& tex, const Surface& sf,
                      float footprint) {
    Shading sh;
    const float uv_width = sf.world_per_uv > 0 ? footprint / sf.world_per_uv : 0.0f;
    MaterialView m;
    if (sf.material >= 0) {
        m = s.materials[sf.material];
    } else {  // glTF default material: white, fully metallic and rough (per the spec)
        m = MaterialView{V3(1.0f), 1.0f, 1.0f, 1.0f, 1.0f, 1.0f,
                         V3(0.0f), -1,   -1,   -1,   -1,   0};
    }
    V3 base = m.base_color;
    float metallic = m.metallic, roughness = m.roughness;
    if (m.base_color_tex >= 0) {
        float c[4];
        tex.lookup(m.base_color_tex, sf.u, sf.v, uv_width, c);
        base =
            base * V3(srgb_to_linear(c[0]), srgb_to_linear(c[1]), srgb_to_linear(c[2]));
    }
    if (m.metallic_roughness_tex >= 0) {  // glTF: G = roughness, B = metallic (linear)
        float c[4];
        tex.lookup(m.metallic_roughness_tex, sf.u, sf.v, uv_width, c);
        roughness *= c[1];
        metallic *= c[2];
    }
    sh.emission = m.emissive;
    if (m.emissive_tex >= 0 && !is_black(m.emissive)) {
        float c[4];
        tex.lookup(m.emissive_tex, sf.u, sf.v, uv_width, c);
        sh.emission = sh.emission * V3(srgb_to_linear(c[0]), srgb_to_linear(c[1]),
                                       srgb_to_linear(c[2]));
    }
    sh.n = sf.ns;
    if (m.normal_tex >= 0) {
        float c[4];
        tex.lookup(m.normal_tex, sf.u, sf.v, uv_width, c);
        const V3 t = normalize(sf.dpdu - sf.ns * dot(sf.ns, sf.dpdu));
        const V3 b = cross(sf.ns, t) * sf.tangent_sign;
        const V3 tn((c[0] * 2 - 1) * m.normal_scale, (c[1] * 2 - 1) * m.normal_scale,
                    c[2] * 2 - 1);
        const V3 n = normalize(t * tn.x + b * tn.y + sf.ns * tn.z);
        if (dot(n, sf.ng) > 0.05f) sh.n = n;  // a map that flips the normal is ignored
    }
    const float r = clampf(roughness, 0.0f, 1.0f);
    sh.bsdf =
        BsdfParams{base, clampf(metallic, 0.0f, 1.0f), fmaxf(r * r, 2e-3f), m.specular};
    return sh;
}

// Emitted radiance at a point on a triangle light, seen from direction wo (toward
// viewer).
template <class Tex>
FARM_HD V3 emission_at(const SceneView& s, const Tex& tex, const Hit& h, V3 ray_dir) {
    const Surface sf = surface_at(s, h, ray_dir);
    if (!sf.front && !(sf.material >= 0 && s.materials[sf.material].double_sided))
        return V3(0.0f);
    return shade(s, tex, sf, 0.0f).emission;
}

FARM_HD FARM_INLINE V3 offset_origin(V3 p, V3 ng, V3 dir) {
    const float eps = 1e-4f * (1.0f + fmaxf(fabsf(p.x), fmaxf(fabsf(p.y), fabsf(p.z))));
    return p + ng * (dot(dir, ng) > 0 ? eps : -eps);
}

// Ray cones (Akenine-Möller et al. 2019, simplified): the footprint of a path grows with
// distance by `spread` radians, set by the pixel size for camera rays and widened by each
// scattering lobe, and chooses the texture filter width.
template <class Tracer, class Tex>
FARM_HD PixelResult trace_path(const SceneView& s, const Tracer& tr, const Tex& tex,
                               Ray ray, float pixel_spread, Sampler& rng,
                               const PathOptions& po, unsigned long long& rays) {
    float cone_width = 0.0f, cone_spread = pixel_spread;
    PixelResult out{V3(0.0f), 0.0f, V3(0.0f), V3(0.0f), 0.0f};
    V3 L(0.0f), beta(1.0f);
    float prev_pdf = 0.0f;
    float min_pdf = 3e38f;      // smallest BSDF pdf along the path, for filter_glossy
    bool prev_specular = true;  // camera rays and delta lobes get no MIS weight
    for (int depth = 0;; ++depth) {
        Hit h;
        ++rays;
        if (!tr.intersect(ray, h)) {
            if (s.environment_light >= 0) {
                const V3 le = env_radiance(s.env, ray.d);
                float w = 1.0f;
                if (!prev_specular)
                    w = power_heuristic(
                        prev_pdf,
                        light_select_pdf(s, s.environment_light) * env_pdf(s.env, ray.d));
                L += depth >= 2 ? clamp_sum(beta * le * w, po.clamp_indirect)
                                : beta * le * w;
            }
            break;
        }
        const Surface sf = surface_at(s, h, ray.d);
        cone_width += cone_spread * h.t;
        const float footprint = cone_width / fmaxf(fabsf(dot(ray.d, sf.ng)), 0.25f);
        Shading sh = shade(s, tex, sf, footprint);
        if (po.filter_glossy > 0 && min_pdf < 3e38f) {
            const float blur_pdf = min_pdf / po.filter_glossy;
            if (blur_pdf < 1.0f)
                sh.bsdf.alpha = fmaxf(sh.bsdf.alpha, 0.5f * sqrtf(1.0f - blur_pdf));
        }
        if (depth == 0) {
            out.alpha = 1.0f;
            out.albedo = sh.bsdf.base;
            out.normal = sh.n;
            out.depth = h.t;
        }
        if (sf.light >= 0 && !is_black(sh.emission) &&
            (sf.front || s.materials[sf.material].double_sided)) {
            float w = 1.0f;
            if (!prev_specular) {
                const float cos_l = fabsf(dot(ray.d, sf.ng));
                const float lp = light_select_pdf(s, sf.light) * h.t * h.t /
                                 fmaxf(cos_l * sf.area, 1e-20f);
                w = power_heuristic(prev_pdf, lp);
            }
            L += depth >= 2 ? clamp_sum(beta * sh.emission * w, po.clamp_indirect)
                            : beta * sh.emission * w;
        }
        if (depth >= po.max_depth) break;

        const Frame frame = Frame::from(sh.n);
        const V3 wo = frame.to_local(-ray.d);
        // Next-event estimation: one light, chosen by power.
        if (s.light_count > 0) {
            const float ul = rng.next(), u1 = rng.next(), u2 = rng.next();
            const int li = find_interval(s.light_cdf, s.light_count, ul);
            const float psel = light_select_pdf(s, li);
            LightSample ls = sample_light(s, li, sf.p, u1, u2);
            if (ls.pdf > 0 && psel > 0 && dot(ls.wi, sf.ng) > 0) {
                V3 le = ls.radiance;
                if (s.lights[li].type == LightType::triangle)
                    le = emission_at(s, tex, ls.point, ls.wi);
                float bpdf;
                const V3 fc = bsdf_eval(sh.bsdf, wo, frame.to_local(ls.wi), &bpdf);
                if (!is_black(le) && !is_black(fc)) {
                    const V3 o = offset_origin(sf.p, sf.ng, ls.wi);
                    const float tmax =
                        ls.dist >= 1e29f ? 1e30f : ls.dist * (1.0f - 1e-3f);
                    ++rays;
                    if (!tr.occluded(Ray{o, ls.wi, tmax})) {
                        const float lpdf = psel * ls.pdf;
                        const float w = ls.delta ? 1.0f : power_heuristic(lpdf, bpdf);
                        const V3 c = beta * fc * le * (w / lpdf);
                        L += depth >= 1 ? clamp_sum(c, po.clamp_indirect) : c;
                    }
                }
            }
        }
        // Continue the path by sampling the BSDF.
        const float u0 = rng.next(), u1 = rng.next(), u2 = rng.next();
        V3 wi_l, weight;
        float pdf;
        if (!bsdf_sample(sh.bsdf, wo, u0, u1, u2, &wi_l, &weight, &pdf)) break;
        const V3 wi = frame.to_world(wi_l);
        if (dot(wi, sf.ng) <= 0) break;  // shading normal sent it into the surface
        beta *= weight;
        cone_spread += sh.bsdf.alpha;  // rough lobes blur what follows
        prev_pdf = pdf;
        min_pdf = fminf(min_pdf, pdf);
        prev_specular = false;
        if (depth >= 2) {  // Russian roulette, unbiased: survivors are re-weighted
            const float q = clampf(1.0f - max_comp(beta), 0.0f, 0.95f);
            if (rng.next() < q) break;
            beta *= 1.0f / (1.0f - q);
        }
        ray = Ray{offset_origin(sf.p, sf.ng, wi), wi, 1e30f};
    }
    out.color = L;
    return out;
}

// All samples of one pixel, accumulated in a fixed order (so results are bit-exact).
template <class Tracer, class Tex>
FARM_HD PixelResult render_pixel(const SceneView& s, const Tracer& tr, const Tex& tex,
                                 const CameraView& cam, unsigned frame, int x, int y,
                                 int spp, const PathOptions& po,
                                 unsigned long long& rays) {
    PixelResult acc{V3(0.0f), 0.0f, V3(0.0f), V3(0.0f), 0.0f};
    float depth_hits = 0;
    const float pixel_spread = 2.0f * cam.tan_half_fov_y / cam.height;
    for (int i = 0; i < spp; ++i) {
        Sampler rng(frame, static_cast<unsigned>(x), static_cast<unsigned>(y),
                    static_cast<unsigned>(i));
        const float jx = rng.next(), jy = rng.next();
        const PixelResult r = trace_path(s, tr, tex, cam.generate(x, y, jx, jy),
                                         pixel_spread, rng, po, rays);
        // A NaN or infinite sample would poison the pixel; drop it instead.
        if (fabsf(r.color.x) + fabsf(r.color.y) + fabsf(r.color.z) <= 3e38f)
            acc.color += r.color;
        acc.alpha += r.alpha;
        acc.albedo += r.albedo;
        acc.normal += r.normal;
        if (r.alpha > 0) {
            acc.depth += r.depth;
            depth_hits += 1;
        }
    }
    const float inv = 1.0f / spp;
    acc.color *= inv;
    acc.alpha *= inv;
    acc.albedo *= inv;
    acc.normal = dot(acc.normal, acc.normal) > 0 ? normalize(acc.normal) : V3(0.0f);
    acc.depth = depth_hits > 0 ? acc.depth / depth_hits : 0.0f;
    return acc;
}

}  // namespace farm::render
