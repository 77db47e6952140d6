#include "scene_build.h"

#include <OpenImageIO/imagebuf.h>

#include <cmath>

#include "farm/scene/settings.h"

namespace farm::render {
namespace {

constexpr long long kMaxTaskPixels = 1LL << 26;   // 8192 x 8192
constexpr long long kMaxTaskSamples = 1LL << 38;  // ~2.7e11: 8K at 4096 spp

V3 col(const scene::Mat4& m, int c) { return {m[c * 4], m[c * 4 + 1], m[c * 4 + 2]}; }

Xform to_xform(const scene::Mat4& m) {
    Xform x;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c) x.m[r * 4 + c] = m[c * 4 + r];
    return x;
}

// Inverse transpose of the upper 3x3 (normals), as an Xform with zero translation.
Xform normal_xform(const Xform& x) {
    const float* m = x.m;
    const float a = m[0], b = m[1], c = m[2], d = m[4], e = m[5], f = m[6], g = m[8],
                h = m[9], i = m[10];
    const float A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
    const float det = a * A + b * B + c * C;
    const float s = 1.0f / det;
    // inverse = adj / det; its transpose has the cofactors in place.
    Xform n{};
    n.m[0] = A * s;
    n.m[1] = B * s;
    n.m[2] = C * s;
    n.m[4] = -(b * i - c * h) * s;
    n.m[5] = (a * i - c * g) * s;
    n.m[6] = -(a * h - b * g) * s;
    n.m[8] = (b * f - c * e) * s;
    n.m[9] = -(a * f - c * d) * s;
    n.m[10] = (a * e - b * d) * s;
    return n;
}

}  // namespace

void validate_options(const RenderOptions& o) {
    auto fail = [](const std::string& why) {
        throw RenderError("render options: " + why);
    };
    if (o.width < 1 || o.height < 1 || o.width > scene::kMaxResolution ||
        o.height > scene::kMaxResolution)
        fail("resolution " + std::to_string(o.width) + "x" + std::to_string(o.height) +
             " is outside 1.." + std::to_string(scene::kMaxResolution));
    if (o.spp < 1 || o.spp > scene::kMaxSpp)
        fail("spp " + std::to_string(o.spp) + " is outside 1.." +
             std::to_string(scene::kMaxSpp));
    if (o.max_depth < 1 || o.max_depth > scene::kMaxDepth)
        fail("max depth " + std::to_string(o.max_depth) + " is outside 1.." +
             std::to_string(scene::kMaxDepth));
    if (!(o.clamp_indirect >= 0 && o.clamp_indirect <= 1e6f))
        fail("clamp_indirect must be in 0..1e6 (0 = off)");
    if (!(o.filter_glossy >= 0 && o.filter_glossy <= 100))
        fail("filter_glossy must be in 0..100 (0 = off)");
    if (!std::isfinite(o.time)) fail("time is not finite");
    const Region& r = o.region;
    if (!(r.x0 == 0 && r.y0 == 0 && r.x1 == 0 && r.y1 == 0) &&
        (r.empty() || r.x0 < 0 || r.y0 < 0 || r.x1 > o.width || r.y1 > o.height))
        fail("tile " + std::to_string(r.x0) + "," + std::to_string(r.y0) + "," +
             std::to_string(r.x1) + "," + std::to_string(r.y1) +
             " is empty or outside the " + std::to_string(o.width) + "x" +
             std::to_string(o.height) + " frame");
    // Whole-task limits: memory for the pixel buffers (44 bytes a pixel) and total work,
    // so a request cannot exhaust the worker or run for years.
    const bool full = r.x0 == 0 && r.y0 == 0 && r.x1 == 0 && r.y1 == 0;
    const long long pixels =
        full ? 1LL * o.width * o.height : 1LL * r.width() * r.height();
    if (pixels > kMaxTaskPixels)
        fail(std::to_string(pixels) + " pixels in one task (limit " +
             std::to_string(kMaxTaskPixels) + "): split the frame into tiles");
    if (pixels * o.spp > kMaxTaskSamples)
        fail(std::to_string(pixels) + " pixels x " + std::to_string(o.spp) +
             " spp exceeds " + std::to_string(kMaxTaskSamples) + " samples in one task");
}

RenderScene::RenderScene(const scene::Scene& scene, const RenderOptions& options) {
    const scene::FrameState frame =
        scene::evaluate(scene, static_cast<float>(options.time));
    for (const auto& t : scene.textures)
        textures.push_back({t.path.string(), t.repeat_s, t.repeat_t});
    for (const auto& m : scene.materials) {
        MaterialView v{};
        v.base_color = V3(m.base_color[0], m.base_color[1], m.base_color[2]);
        v.alpha = m.base_color[3];
        v.metallic = m.metallic;
        v.roughness = m.roughness;
        v.specular = m.specular;
        v.normal_scale = m.normal_scale;
        v.emissive = V3(m.emissive[0], m.emissive[1], m.emissive[2]);
        v.base_color_tex = m.base_color_tex.texture;
        v.metallic_roughness_tex = m.metallic_roughness_tex.texture;
        v.normal_tex = m.normal_tex.texture;
        v.emissive_tex = m.emissive_tex.texture;
        v.double_sided = m.double_sided;
        materials.push_back(v);
    }
    for (const auto& m : scene.meshes)
        meshes.push_back(
            MeshView{m.positions.data(), m.normals.empty() ? nullptr : m.normals.data(),
                     m.uvs.empty() ? nullptr : m.uvs.data(),
                     m.tangents.empty() ? nullptr : m.tangents.data(), m.indices.data(),
                     static_cast<std::uint32_t>(m.triangle_count()), m.material});
    build_instances(scene, frame);
    build_camera(scene, frame, options);
    build_lights(scene, frame);
    build_environment(scene);
    // One CDF over all lights, by approximate power.
    float total = 0;
    std::vector<float> weight;
    for (const auto& l : lights) {
        const float lum = std::max(0.0f, luminance(l.radiance));
        float w = 0;
        switch (l.type) {
            case LightType::point:
                w = 4 * kPi * lum;
                break;
            case LightType::spot:
                w = 2 * kPi * (1 - 0.5f * (l.cos_inner + l.cos_outer)) * lum;
                break;
            case LightType::directional:
                w = kPi * radius * radius * lum;
                break;
            case LightType::triangle:
                w = kPi * l.area * lum;
                break;
            case LightType::environment:
                w = 4 * kPi * kPi * radius * radius * lum;
                break;
        }
        weight.push_back(std::isfinite(w) ? w : 0.0f);
        total += weight.back();
    }
    // Power alone starves small lights: the sun's and the sky's "power" grow with the scene
    // radius, so a spot that lights half the shot was picked once in thousands of samples
    // and showed as bright speckles. Half the probability goes by power, half evenly to
    // each light source (all triangles of one emissive instance are one source, split
    // among themselves by power).
    std::vector<float> source_power;  // per light: total power of its source
    std::vector<int> source_of(lights.size());
    std::vector<int> instance_source;
    int sources = 0;
    for (std::size_t i = 0; i < lights.size(); ++i) {
        const auto& l = lights[i];
        int src = -1;
        if (l.type == LightType::triangle) {
            if (l.instance >= static_cast<int>(instance_source.size()))
                instance_source.resize(l.instance + 1, -1);
            if (instance_source[l.instance] < 0) instance_source[l.instance] = sources++;
            src = instance_source[l.instance];
        } else {
            src = sources++;
        }
        source_of[i] = src;
    }
    source_power.assign(sources, 0.0f);
    std::vector<int> source_size(sources, 0);
    for (std::size_t i = 0; i < lights.size(); ++i) {
        source_power[source_of[i]] += weight[i];
        ++source_size[source_of[i]];
    }
    light_cdf.assign(1, 0.0f);
    if (total > 0) {
        double run = 0;
        for (std::size_t i = 0; i < lights.size(); ++i) {
            const float sp = source_power[source_of[i]];
            const double even = sp > 0 ? weight[i] / sp : 1.0 / source_size[source_of[i]];
            run += 0.5 * weight[i] / total + 0.5 * even / sources;
            light_cdf.push_back(static_cast<float>(run));
        }
        light_cdf.back() = 1.0f;
    }
}

void RenderScene::build_instances(const scene::Scene& scene,
                                  const scene::FrameState& frame) {
    V3 lo(1e30f), hi(-1e30f);
    for (const auto& mi : frame.meshes) {
        const scene::Mesh& m = scene.meshes[mi.mesh];
        if (m.triangle_count() == 0) continue;
        InstanceView inst{};
        inst.to_world = to_xform(mi.world);
        inst.normal_to_world = normal_xform(inst.to_world);
        inst.mesh = mi.mesh;
        if (mi.skin >= 0) {
            // A skinned mesh becomes its own world-space copy for this frame (identity
            // instance); UVs and indices stay shared with the source mesh.
            auto& p = deformed_.emplace_back();
            auto& n = deformed_.emplace_back();
            auto& t = deformed_.emplace_back();
            scene::skin_mesh(m, frame.skins[mi.skin], p, n, t);
            MeshView v = meshes[mi.mesh];
            v.positions = p.data();
            v.normals = n.empty() ? nullptr : n.data();
            v.tangents = t.empty() ? nullptr : t.data();
            inst.mesh = static_cast<int>(meshes.size());
            meshes.push_back(v);
        }
        const MeshView& mv = meshes[inst.mesh];
        inst.light_offset = -1;
        for (std::size_t v = 0; v < m.vertex_count(); ++v) {
            const V3 p = inst.to_world.point(V3(
                mv.positions[3 * v], mv.positions[3 * v + 1], mv.positions[3 * v + 2]));
            lo = vmin(lo, p);
            hi = vmax(hi, p);
        }
        triangle_count += m.triangle_count();
        instances.push_back(inst);
    }
    if (instances.empty()) {
        lo = V3(-1.0f);
        hi = V3(1.0f);
    }
    center = (lo + hi) * 0.5f;
    radius = std::max(length(hi - lo) * 0.5f, 1e-3f);
}

void RenderScene::build_camera(const scene::Scene& scene, const scene::FrameState& frame,
                               const RenderOptions& options) {
    const auto& ci = scene::find_camera(scene, frame, options.camera);
    const scene::Camera& c = scene.cameras[ci.camera];
    camera.origin = col(ci.world, 3);
    camera.forward = normalize(-col(ci.world, 2));
    const V3 up = col(ci.world, 1);
    camera.right = normalize(cross(camera.forward, up));
    camera.up = cross(camera.right, camera.forward);
    if (!(std::isfinite(camera.right.x) && length(cross(camera.forward, up)) > 1e-8f))
        throw RenderError(scene.source.string() + ": camera '" + c.name +
                          "' has a degenerate transform");
    camera.tan_half_fov_y = std::tan(0.5f * c.yfov);
    camera.aspect = static_cast<float>(options.width) / options.height;
    camera.width = options.width;
    camera.height = options.height;
}

void RenderScene::build_lights(const scene::Scene& scene,
                               const scene::FrameState& frame) {
    for (const auto& li : frame.lights) {
        const scene::Light& l = scene.lights[li.light];
        LightView v{};
        v.position = col(li.world, 3);
        v.direction = normalize(-col(li.world, 2));
        v.radiance = V3(l.color[0], l.color[1], l.color[2]) * l.intensity;
        v.instance = v.primitive = -1;
        v.cos_inner = std::cos(l.inner_cone);
        v.cos_outer = std::cos(l.outer_cone);
        v.type = l.type == scene::Light::Type::point  ? LightType::point
                 : l.type == scene::Light::Type::spot ? LightType::spot
                                                      : LightType::directional;
        lights.push_back(v);
    }
    // Every triangle of an emissive instance is an area light.
    for (std::size_t i = 0; i < instances.size(); ++i) {
        InstanceView& inst = instances[i];
        const MeshView& m = meshes[inst.mesh];
        if (m.material < 0 || is_black(materials[m.material].emissive)) continue;
        inst.light_offset = static_cast<int>(lights.size());
        for (std::uint32_t t = 0; t < m.triangle_count; ++t) {
            auto p = [&](int k) {
                const std::uint32_t idx = m.indices[3 * t + k];
                return inst.to_world.point(V3(m.positions[3 * idx],
                                              m.positions[3 * idx + 1],
                                              m.positions[3 * idx + 2]));
            };
            LightView v{};
            v.type = LightType::triangle;
            v.instance = static_cast<int>(i);
            v.primitive = static_cast<int>(t);
            v.area = 0.5f * length(cross(p(1) - p(0), p(2) - p(0)));
            v.radiance = materials[m.material].emissive;
            lights.push_back(v);
        }
    }
}

void RenderScene::build_environment(const scene::Scene& scene) {
    const scene::Environment& e = scene.environment;
    env.color = V3(e.color[0], e.color[1], e.color[2]);
    env.intensity = e.intensity;
    V3 average = env.color;
    if (!e.map.empty()) {
        OIIO::ImageBuf buf(e.map.string());
        if (!buf.read(0, 0, true, OIIO::TypeDesc::FLOAT) || buf.has_error())
            throw RenderError(scene.source.string() + ": cannot read environment map " +
                              e.map.string() + ": " + buf.geterror());
        const int w = buf.spec().width, h = buf.spec().height, nc = buf.spec().nchannels;
        if (w < 1 || h < 1 || static_cast<long long>(w) * h > (1LL << 28))
            throw RenderError(e.map.string() + ": environment map size is unusable");
        std::vector<float> px(static_cast<std::size_t>(w) * h * nc);
        buf.get_pixels(OIIO::ROI(0, w, 0, h, 0, 1, 0, nc), OIIO::TypeDesc::FLOAT,
                       px.data());
        env_map.resize(static_cast<std::size_t>(w) * h * 3);
        for (std::size_t i = 0; i < static_cast<std::size_t>(w) * h; ++i)
            for (int c = 0; c < 3; ++c) {
                const float v = px[i * nc + std::min(c, nc - 1)];
                env_map[i * 3 + c] = std::isfinite(v) ? std::max(v, 0.0f) : 0.0f;
            }
        // Sampling CDFs over luminance * sin(theta) (the equirect texel's solid angle).
        env_conditional.assign(static_cast<std::size_t>(h) * (w + 1), 0.0f);
        env_marginal.assign(h + 1, 0.0f);
        double total = 0, lum_sum = 0;
        std::vector<double> row_sum(h);
        for (int y = 0; y < h; ++y) {
            const double s = std::sin(kPi * (y + 0.5) / h);
            float* row = &env_conditional[static_cast<std::size_t>(y) * (w + 1)];
            double acc = 0;
            for (int x = 0; x < w; ++x) {
                const float* p = &env_map[(static_cast<std::size_t>(y) * w + x) * 3];
                const double l = luminance(V3(p[0], p[1], p[2]));
                lum_sum += l * s;
                acc += l * s;
                row[x + 1] = static_cast<float>(acc);
            }
            for (int x = 1; x <= w; ++x)
                row[x] = acc > 0 ? static_cast<float>(row[x] / acc) : float(x) / w;
            row[w] = 1.0f;
            row_sum[y] = acc;
            total += acc;
        }
        double run = 0;
        for (int y = 0; y < h; ++y)
            env_marginal[y + 1] = total > 0
                                      ? static_cast<float>((run += row_sum[y]) / total)
                                      : float(y + 1) / h;
        env_marginal[h] = 1.0f;
        env.map = env_map.data();
        env.width = w;
        env.height = h;
        env.marginal_cdf = env_marginal.data();
        env.conditional_cdf = env_conditional.data();
        env.integral = static_cast<float>(total);
        // Average radiance over the sphere: sum(L sin) * (2 pi^2 / (w h)) / (4 pi).
        const float avg = static_cast<float>(
            lum_sum * (2.0 * kPi * kPi / (double(w) * h)) / (4.0 * kPi));
        average = V3(avg);
    }
    if (is_black(average * e.intensity)) return;
    LightView v{};
    v.type = LightType::environment;
    v.radiance = average * e.intensity;
    v.instance = v.primitive = -1;
    environment_light = static_cast<int>(lights.size());
    lights.push_back(v);
}

SceneView RenderScene::view() const {
    SceneView v{};
    v.meshes = meshes.data();
    v.instances = instances.data();
    v.instance_count = static_cast<int>(instances.size());
    v.materials = materials.data();
    v.lights = lights.data();
    v.light_cdf = light_cdf.data();
    v.light_count = light_cdf.back() > 0 ? static_cast<int>(lights.size()) : 0;
    v.environment_light = environment_light;
    v.env = env;
    v.scene_radius = radius;
    v.scene_center = center;
    return v;
}

}  // namespace farm::render
