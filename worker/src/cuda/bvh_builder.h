// Host-side binned-SAH BVH builder for the CUDA backend (instances are flattened into
// world-space triangles: the GPU traverses one level).
#pragma once

#include <vector>

#include "core/bvh.h"
#include "scene_build.h"

namespace farm::render {

struct FlatBvh {
    std::vector<BvhNode> nodes;
    std::vector<float> tris;
    std::vector<int> tri_instance, tri_primitive;
    BvhView view() const {
        return {nodes.data(), tris.data(), tri_instance.data(), tri_primitive.data()};
    }
};

FlatBvh build_bvh(const RenderScene& scene);

}  // namespace farm::render
