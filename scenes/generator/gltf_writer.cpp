#include "gltf_writer.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace farm::scene::gen {

GltfWriter::GltfWriter() {
    doc["asset"] = {{"version", "2.0"}, {"generator", "farm-make-samples"}};
    for (const char* a : {"accessors", "bufferViews", "meshes", "nodes", "materials",
                          "textures", "images", "samplers", "cameras", "animations"})
        doc[a] = nlohmann::json::array();
}

int GltfWriter::add(const char* array, nlohmann::json value) {
    doc[array].push_back(std::move(value));
    return static_cast<int>(doc[array].size()) - 1;
}

int GltfWriter::add_view(const void* data, std::size_t bytes, int target) {
    while (bin_.size() % 4) bin_.push_back(0);  // accessors must be 4-byte aligned
    nlohmann::json v = {
        {"buffer", 0}, {"byteOffset", bin_.size()}, {"byteLength", bytes}};
    if (target) v["target"] = target;
    const auto* p = static_cast<const unsigned char*>(data);
    bin_.insert(bin_.end(), p, p + bytes);
    return add("bufferViews", v);
}

int GltfWriter::add_floats(const std::vector<float>& data, int width, bool with_bounds) {
    static const char* kTypes[] = {"", "SCALAR", "VEC2", "VEC3", "VEC4"};
    const char* type = width == 16 ? "MAT4" : kTypes[width];
    const int view = add_view(data.data(), data.size() * sizeof(float), 0);
    nlohmann::json a = {{"bufferView", view},
                        {"componentType", 5126},
                        {"count", data.size() / width},
                        {"type", type}};
    if (with_bounds) {
        std::vector<float> lo(width, std::numeric_limits<float>::max()),
            hi(width, -lo[0]);
        for (std::size_t i = 0; i < data.size(); ++i) {
            lo[i % width] = std::min(lo[i % width], data[i]);
            hi[i % width] = std::max(hi[i % width], data[i]);
        }
        a["min"] = lo;
        a["max"] = hi;
    }
    return add("accessors", a);
}

int GltfWriter::add_u16(const std::vector<std::uint16_t>& data, int width) {
    static const char* kTypes[] = {"", "SCALAR", "VEC2", "VEC3", "VEC4"};
    const int view = add_view(data.data(), data.size() * 2, 0);
    return add("accessors", {{"bufferView", view},
                             {"componentType", 5123},
                             {"count", data.size() / width},
                             {"type", kTypes[width]}});
}

int GltfWriter::add_indices(const std::vector<std::uint32_t>& data) {
    const int view = add_view(data.data(), data.size() * 4, 34963);
    return add("accessors", {{"bufferView", view},
                             {"componentType", 5125},
                             {"count", data.size()},
                             {"type", "SCALAR"}});
}

nlohmann::json GltfWriter::add_primitive(const MeshData& m) {
    nlohmann::json attrs = {{"POSITION", add_floats(m.positions, 3, true)}};
    if (!m.normals.empty()) attrs["NORMAL"] = add_floats(m.normals, 3, false);
    if (!m.uvs.empty()) attrs["TEXCOORD_0"] = add_floats(m.uvs, 2, false);
    if (!m.tangents.empty()) attrs["TANGENT"] = add_floats(m.tangents, 4, false);
    return {{"attributes", attrs}, {"indices", add_indices(m.indices)}};
}

int GltfWriter::add_mesh(const std::string& name, nlohmann::json prim, int material) {
    if (material >= 0) prim["material"] = material;
    return add("meshes", {{"name", name}, {"primitives", {prim}}});
}

int GltfWriter::add_node(nlohmann::json node) { return add("nodes", std::move(node)); }

int GltfWriter::add_texture(const std::string& uri, bool clamp) {
    const int img = add("images", {{"uri", uri}});
    const int wrap = clamp ? 33071 : 10497;
    const int smp =
        add("samplers",
            {{"magFilter", 9729}, {"minFilter", 9987}, {"wrapS", wrap}, {"wrapT", wrap}});
    return add("textures", {{"source", img}, {"sampler", smp}});
}

void GltfWriter::write(const std::filesystem::path& dir, const std::string& name) {
    std::filesystem::create_directories(dir);
    doc["buffers"] = {{{"uri", name + ".bin"}, {"byteLength", bin_.size()}}};
    for (auto it = doc.begin(); it != doc.end();)  // glTF forbids empty top-level arrays
        it = (it->is_array() && it->empty()) ? doc.erase(it) : std::next(it);
    std::ofstream bin(dir / (name + ".bin"), std::ios::binary);
    bin.write(reinterpret_cast<const char*>(bin_.data()), bin_.size());
    std::ofstream js(dir / (name + ".gltf"));
    js << doc.dump(1) << "\n";
    if (!bin || !js) throw std::runtime_error("cannot write " + (dir / name).string());
}

}  // namespace farm::scene::gen
