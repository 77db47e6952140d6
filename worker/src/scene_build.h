// Host-side flattening of a scene at one instant into the arrays the integrator reads
// (core/scene_view.h). Backends copy these (CUDA) or point at them (CPU).
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "core/scene_view.h"
#include "farm/render/render.h"
#include "farm/scene/animation.h"

namespace farm::render {

struct TextureSource {
    std::string path;
    bool repeat_s = true, repeat_t = true;
};

class RenderScene {
  public:
    // Keeps pointers into `scene`, which must outlive this object.
    RenderScene(const scene::Scene& scene, const RenderOptions& options);

    std::vector<MeshView> meshes;
    std::vector<InstanceView> instances;
    std::vector<MaterialView> materials;
    std::vector<LightView> lights;
    std::vector<float> light_cdf;
    int environment_light = -1;
    std::vector<float> env_map, env_marginal, env_conditional;
    EnvView env{};
    std::vector<TextureSource> textures;
    CameraView camera;
    V3 center;
    float radius = 1.0f;
    std::size_t triangle_count = 0;  // over all instances

    // A view whose pointers refer to this object's (host) vectors.
    SceneView view() const;

  private:
    std::deque<std::vector<float>>
        deformed_;  // skinned vertex data; deque keeps addresses

    void build_instances(const scene::Scene& scene, const scene::FrameState& frame);
    void build_camera(const scene::Scene& scene, const scene::FrameState& frame,
                      const RenderOptions& options);
    void build_lights(const scene::Scene& scene, const scene::FrameState& frame);
    void build_environment(const scene::Scene& scene);
};

// Checks options against the limits in farm/scene/settings.h; throws RenderError.
void validate_options(const RenderOptions& options);

}  // namespace farm::render
