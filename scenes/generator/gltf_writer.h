// A minimal glTF 2.0 writer for the sample-scene generator: one .bin buffer, accessors
// with min/max, and raw JSON for everything else.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace farm::scene::gen {

struct MeshData {
    std::vector<float> positions, normals, uvs, tangents;
    std::vector<std::uint32_t> indices;
};

class GltfWriter {
  public:
    nlohmann::json doc;

    GltfWriter();
    // Appends float data (width components per element) and returns the accessor index.
    int add_floats(const std::vector<float>& data, int width, bool with_bounds);
    int add_indices(const std::vector<std::uint32_t>& data);
    int add_u16(const std::vector<std::uint16_t>& data, int width);  // e.g. JOINTS_0
    // Writes the vertex and index data once; returns a primitive without a material.
    nlohmann::json add_primitive(const MeshData& m);
    int add_mesh(const std::string& name, nlohmann::json primitive, int material);
    int add_mesh(const std::string& name, const MeshData& m, int material) {
        return add_mesh(name, add_primitive(m), material);
    }
    int add_node(nlohmann::json node);  // returns the node index
    int add_texture(const std::string& uri, bool clamp = false);
    int add(const char* array, nlohmann::json value);  // appends to doc[array]

    // Writes NAME.gltf and NAME.bin into dir.
    void write(const std::filesystem::path& dir, const std::string& name);

  private:
    std::vector<unsigned char> bin_;
    int add_view(const void* data, std::size_t bytes, int target);
};

}  // namespace farm::scene::gen
