#include "accessor.h"

#include <cstring>

#include "farm/scene/scene.h"

namespace farm::scene::detail {
namespace {

struct View {
    const unsigned char* data;
    std::size_t count, stride, elem_size;
    int component_type;
};

int component_size(int type) {
    switch (type) {
        case TINYGLTF_COMPONENT_TYPE_BYTE:
        case TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE:
            return 1;
        case TINYGLTF_COMPONENT_TYPE_SHORT:
        case TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT:
            return 2;
        case TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT:
        case TINYGLTF_COMPONENT_TYPE_FLOAT:
            return 4;
        default:
            return 0;
    }
}

View locate(const tinygltf::Model& model, int index, int components,
            const std::string& what) {
    auto fail = [&](const std::string& why) {
        throw SceneError(what + " (accessor " + std::to_string(index) + "): " + why);
    };
    if (index < 0 || index >= static_cast<int>(model.accessors.size()))
        fail("accessor index out of range");
    const auto& acc = model.accessors[index];
    if (acc.sparse.isSparse) fail("sparse accessors are not supported");
    const int csize = component_size(acc.componentType);
    if (csize == 0) fail("unknown component type " + std::to_string(acc.componentType));
    const int ncomp = tinygltf::GetNumComponentsInType(acc.type);
    if (ncomp != components)
        fail("expected " + std::to_string(components) + " components, found " +
             std::to_string(ncomp));
    if (acc.bufferView < 0 ||
        acc.bufferView >= static_cast<int>(model.bufferViews.size()))
        fail("missing or invalid bufferView");
    const auto& bv = model.bufferViews[acc.bufferView];
    if (bv.buffer < 0 || bv.buffer >= static_cast<int>(model.buffers.size()))
        fail("bufferView names a missing buffer");
    const auto& buf = model.buffers[bv.buffer].data;
    const std::size_t elem = static_cast<std::size_t>(csize) * ncomp;
    const std::size_t stride = bv.byteStride ? bv.byteStride : elem;
    if (stride < elem) fail("byteStride smaller than an element");
    if (bv.byteOffset > buf.size() || bv.byteLength > buf.size() - bv.byteOffset)
        fail("bufferView runs past the end of its buffer (truncated .bin?)");
    if (acc.count > 0) {
        const std::size_t need = acc.byteOffset + stride * (acc.count - 1) + elem;
        if (acc.byteOffset > bv.byteLength || need > bv.byteLength ||
            acc.count > (1u << 30))
            fail("accessor runs past the end of its bufferView");
    }
    return {buf.data() + bv.byteOffset + acc.byteOffset, acc.count, stride, elem,
            acc.componentType};
}

template <typename T>
T load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

float to_float(const unsigned char* p, int type, bool normalized) {
    switch (type) {
        case TINYGLTF_COMPONENT_TYPE_FLOAT:
            return load<float>(p);
        case TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE: {
            float v = load<std::uint8_t>(p);
            return normalized ? v / 255.0f : v;
        }
        case TINYGLTF_COMPONENT_TYPE_BYTE: {
            float v = load<std::int8_t>(p);
            return normalized ? std::max(v / 127.0f, -1.0f) : v;
        }
        case TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT: {
            float v = load<std::uint16_t>(p);
            return normalized ? v / 65535.0f : v;
        }
        case TINYGLTF_COMPONENT_TYPE_SHORT: {
            float v = load<std::int16_t>(p);
            return normalized ? std::max(v / 32767.0f, -1.0f) : v;
        }
        default:
            return static_cast<float>(load<std::uint32_t>(p));
    }
}

}  // namespace

std::vector<float> read_floats(const tinygltf::Model& model, int index, int width,
                               const std::string& what) {
    const View v = locate(model, index, width, what);
    const bool normalized = model.accessors[index].normalized;
    const int csize = component_size(v.component_type);
    std::vector<float> out(v.count * width);
    for (std::size_t i = 0; i < v.count; ++i)
        for (int c = 0; c < width; ++c)
            out[i * width + c] =
                to_float(v.data + i * v.stride + c * csize, v.component_type, normalized);
    return out;
}

std::vector<std::uint32_t> read_indices(const tinygltf::Model& model, int index,
                                        const std::string& what) {
    const View v = locate(model, index, 1, what);
    std::vector<std::uint32_t> out(v.count);
    for (std::size_t i = 0; i < v.count; ++i) {
        const unsigned char* p = v.data + i * v.stride;
        switch (v.component_type) {
            case TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE:
                out[i] = load<std::uint8_t>(p);
                break;
            case TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT:
                out[i] = load<std::uint16_t>(p);
                break;
            case TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT:
                out[i] = load<std::uint32_t>(p);
                break;
            default:
                throw SceneError(what + " (accessor " + std::to_string(index) +
                                 "): indices must be unsigned byte, short or int");
        }
    }
    return out;
}

}  // namespace farm::scene::detail
