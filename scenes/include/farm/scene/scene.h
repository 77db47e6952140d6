// farm::scene — what a glTF 2.0 file holds once loaded: meshes, materials, textures, the
// node hierarchy, cameras, punctual lights, animations and an optional environment.
// Everything is plain data; evaluate() in animation.h turns it into a frame.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace farm::scene {

using Vec2 = std::array<float, 2>;
using Vec3 = std::array<float, 3>;
using Vec4 = std::array<float, 4>;
using Mat4 = std::array<float, 16>;  // column-major, as glTF stores it

// Every bad input (file, settings, scene content) is reported as a SceneError whose
// message names the file and the problem.
class SceneError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct TextureRef {
    int texture = -1;  // index into Scene::textures, -1 = none
    int texcoord = 0;  // which UV set (only 0 is loaded; others are rejected)
};

struct Texture {
    std::filesystem::path
        path;  // absolute; embedded images are extracted to a cache file
    bool repeat_s = true, repeat_t = true;
};

struct Material {
    std::string name;
    Vec4 base_color{1, 1, 1, 1};
    float metallic = 1.0f;
    float roughness = 1.0f;
    float specular = 1.0f;   // KHR_materials_specular specularFactor: 0 = pure Lambert
    Vec3 emissive{0, 0, 0};  // already multiplied by KHR_materials_emissive_strength
    float normal_scale = 1.0f;
    bool double_sided = false;
    TextureRef base_color_tex, metallic_roughness_tex, normal_tex, emissive_tex;
};

// One glTF primitive: a triangle list with a single material.
struct Mesh {
    std::string name;
    std::vector<float> positions;        // xyz per vertex
    std::vector<float> normals;          // xyz per vertex, empty = flat shading
    std::vector<float> uvs;              // uv per vertex, empty = none
    std::vector<float> tangents;         // xyzw per vertex, empty = none
    std::vector<std::uint32_t> indices;  // 3 per triangle, always present after loading
    std::vector<std::uint16_t>
        joints;                  // JOINTS_0: 4 per vertex (indices into a Skin), or empty
    std::vector<float> weights;  // WEIGHTS_0: 4 per vertex, summing to 1, or empty
    int material = -1;           // -1 = glTF default material
    std::size_t vertex_count() const { return positions.size() / 3; }
    std::size_t triangle_count() const { return indices.size() / 3; }
};

struct Node {
    std::string name;
    int parent = -1;
    std::vector<int> children;
    Vec3 translation{0, 0, 0};
    Vec4 rotation{0, 0, 0, 1};  // quaternion xyzw
    Vec3 scale{1, 1, 1};
    bool has_matrix = false;  // a node with a matrix is not animated (glTF rule)
    Mat4 matrix{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    std::vector<int> meshes;  // indices into Scene::meshes (one per glTF primitive)
    int camera = -1;
    int light = -1;
    int skin = -1;  // the node's meshes are deformed by Scene::skins[skin]
};

// Linear-blend skinning: a vertex moves with sum_i w_i * world(joint_i) * inverse_bind_i.
struct Skin {
    std::string name;
    std::vector<int> joints;         // node indices
    std::vector<Mat4> inverse_bind;  // one per joint
};

struct Camera {
    std::string name;
    bool orthographic = false;  // loaded so files open, refused when chosen to render
    float yfov = 0.8f;          // radians
    float aspect = 0.0f;        // 0 = take it from the render resolution
    float znear = 0.01f;
};

struct Light {
    enum class Type { point, spot, directional };
    std::string name;
    Type type = Type::point;
    Vec3 color{1, 1, 1};
    float intensity = 1.0f;  // candela for point/spot, lux for directional
    float range = 0.0f;      // 0 = infinite
    float inner_cone = 0.0f, outer_cone = 0.7853982f;
};

struct AnimationChannel {
    enum class Path { translation, rotation, scale };
    enum class Interpolation { linear, step, cubic_spline };
    int node = -1;
    Path path = Path::translation;
    Interpolation interpolation = Interpolation::linear;
    std::vector<float> times;  // strictly increasing
    std::vector<float>
        values;  // width 3 (or 4 for rotation) per key; cubic: in, value, out
    int width() const { return path == Path::rotation ? 4 : 3; }
};

struct Animation {
    std::string name;
    std::vector<AnimationChannel> channels;
};

// Light from infinitely far away: a constant colour, or an equirectangular HDR map
// (latitude-longitude, +Y up) scaled by intensity.
struct Environment {
    Vec3 color{0, 0, 0};
    std::filesystem::path map;  // empty = constant colour
    float intensity = 1.0f;
};

struct Scene {
    std::filesystem::path source;  // the file it came from
    std::vector<Mesh> meshes;
    std::vector<Material> materials;
    std::vector<Texture> textures;
    std::vector<Node> nodes;
    std::vector<int> roots;  // nodes of the chosen glTF scene
    std::vector<Camera> cameras;
    std::vector<Light> lights;
    std::vector<Animation> animations;
    std::vector<Skin> skins;
    Environment environment;
    std::vector<std::string> warnings;  // things skipped on purpose (points, lines, ...)

    // Last key time over all animations, in seconds (0 when nothing is animated).
    float duration() const;
    std::size_t triangle_count() const;
};

}  // namespace farm::scene
