// Evaluating a scene at a time t: animated node transforms resolved to world matrices.
#pragma once

#include <string>
#include <vector>

#include "farm/scene/scene.h"

namespace farm::scene {

struct MeshInstance {
    int mesh = -1;
    int node = -1;
    Mat4 world{};   // identity for skinned meshes (glTF: the joints place them)
    int skin = -1;  // index into FrameState::skins, -1 = rigid
};

struct CameraInstance {
    int camera = -1;
    int node = -1;
    Mat4 world{};  // camera looks down its local -Z, +Y up (glTF convention)
};

struct LightInstance {
    int light = -1;
    int node = -1;
    Mat4 world{};  // lights shine down their local -Z
};

struct FrameState {
    float time = 0.0f;
    std::vector<MeshInstance>
        meshes;  // instances with a singular world matrix are dropped
    std::vector<CameraInstance> cameras;
    std::vector<LightInstance> lights;
    // Per skin, per joint: world(joint) * inverse_bind, the matrices vertices blend.
    std::vector<std::vector<Mat4>> skins;
};

// Deforms a skinned mesh with a skin's joint matrices: world-space positions, and
// normals and tangents (xyz) transformed by the blended matrix' inverse transpose.
// Throws SceneError when the mesh has no joints/weights or names a joint out of range.
void skin_mesh(const Mesh& mesh, const std::vector<Mat4>& joint_matrices,
               std::vector<float>& positions, std::vector<float>& normals,
               std::vector<float>& tangents);

// Applies every animation at time t (seconds; clamped to each channel's key range) and
// walks the hierarchy. Throws SceneError if an animated value turns non-finite.
FrameState evaluate(const Scene& scene, float time);

// One channel's value at time t: xyz (w = 0) for translation/scale, a unit quaternion
// xyzw for rotation (slerp for LINEAR, normalized Hermite for CUBICSPLINE).
Vec4 sample_channel(const AnimationChannel& channel, float time);

// Finds the camera to render: by camera or node name, or the first camera when name is
// empty. Throws SceneError when it is missing or orthographic.
const CameraInstance& find_camera(const Scene& scene, const FrameState& frame,
                                  const std::string& name);

}  // namespace farm::scene
