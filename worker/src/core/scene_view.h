// The scene as the integrator sees it: flat arrays behind raw pointers, so the same
// struct describes host memory (CPU backend) or device memory (CUDA backend).
#pragma once

#include <cstdint>

#include "core/camera.h"
#include "core/vecmath.h"

namespace farm::render {

struct MeshView {
    const float* positions;  // xyz, object space
    const float* normals;    // xyz or null
    const float* uvs;        // uv or null
    const float* tangents;   // xyzw or null
    const std::uint32_t* indices;
    std::uint32_t triangle_count;
    int material;
};

struct InstanceView {
    Xform to_world;
    Xform normal_to_world;  // inverse transpose (translation unused)
    int mesh;
    int light_offset;  // index of this instance's first triangle light, -1 if not
                       // emissive
};

struct MaterialView {
    V3 base_color;
    float alpha;
    float metallic, roughness, specular, normal_scale;
    V3 emissive;
    int base_color_tex, metallic_roughness_tex, normal_tex, emissive_tex;  // -1 = none
    int double_sided;
};

enum class LightType : int { point, spot, directional, triangle, environment };

struct LightView {
    LightType type;
    V3 position;   // point/spot
    V3 direction;  // spot/directional: the direction light travels
    V3 radiance;   // colour * intensity (emitted radiance for triangles)
    float cos_inner, cos_outer;
    int instance, primitive;  // triangle lights
    float area;               // triangle lights, world space
};

// Equirectangular environment (+Y up, u = 0 at -X going toward +Z... see lights.h) with
// a 2D sampling distribution over luminance * sin(theta).
struct EnvView {
    V3 color;  // used when map is null
    float intensity;
    const float* map;  // rgb, width * height
    int width, height;
    const float* marginal_cdf;     // height + 1 entries
    const float* conditional_cdf;  // height * (width + 1)
    float integral;                // sum of luminance * sin(theta) weights (for pdfs)
};

struct SceneView {
    const MeshView* meshes;
    const InstanceView* instances;
    int instance_count;
    const MaterialView* materials;
    const LightView* lights;
    const float* light_cdf;  // light_count + 1 entries
    int light_count;
    int environment_light;  // index into lights, -1 = black environment
    EnvView env;
    float scene_radius;  // for directional/environment shadow rays and offsets
    V3 scene_center;
};

// What the intersector reports; everything else is computed from the arrays above.
struct Hit {
    float t, u, v;  // barycentrics: p = (1-u-v) p0 + u p1 + v p2
    int instance, primitive;
};

}  // namespace farm::render
