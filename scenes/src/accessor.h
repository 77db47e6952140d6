// Bounds-checked reading of glTF accessors. tinygltf parses the JSON but does not check
// that an accessor's elements lie inside its buffer, so every read goes through here.
#pragma once

#include <tiny_gltf.h>

#include <cstdint>
#include <string>
#include <vector>

namespace farm::scene::detail {

// Reads accessor `index` as floats, `width` components per element (normalized integer
// types are mapped to [0,1] / [-1,1] as the spec says). Throws SceneError with `what`
// in the message when the accessor is out of range, sparse, or of the wrong type.
std::vector<float> read_floats(const tinygltf::Model& model, int index, int width,
                               const std::string& what);

// Reads an index accessor (unsigned byte, short or int scalars).
std::vector<std::uint32_t> read_indices(const tinygltf::Model& model, int index,
                                        const std::string& what);

}  // namespace farm::scene::detail
