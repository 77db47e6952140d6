// Loading glTF 2.0 files (.gltf with external or embedded buffers, and .glb).
#pragma once

#include <filesystem>

#include "farm/scene/scene.h"

namespace farm::scene {

// Loads the default scene of a glTF file. Buffers and images are resolved relative to
// the file. Throws SceneError naming the file and the problem on anything malformed,
// truncated, missing, non-finite or unsupported; never returns a half-loaded scene.
Scene load_gltf(const std::filesystem::path& file);

}  // namespace farm::scene
