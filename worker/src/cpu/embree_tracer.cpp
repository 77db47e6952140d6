#include "embree_tracer.h"

#include <cstring>

namespace farm::render {
namespace {
void on_error(void* user, RTCError code, const char* message) {
    auto* err = static_cast<std::string*>(user);
    if (err->empty())
        *err = "Embree error " + std::to_string(code) + ": " + (message ? message : "");
}
}  // namespace

EmbreeTracer::EmbreeTracer(const RenderScene& scene) {
    device_ = rtcNewDevice(nullptr);
    if (!device_) throw RenderError("cannot create an Embree device");
    rtcSetDeviceErrorFunction(device_, on_error, &error_);
    mesh_scenes_.assign(scene.meshes.size(), nullptr);
    top_ = rtcNewScene(device_);
    for (std::size_t i = 0; i < scene.instances.size(); ++i) {
        const InstanceView& inst = scene.instances[i];
        RTCScene& ms = mesh_scenes_[inst.mesh];
        if (!ms) {
            const MeshView& m = scene.meshes[inst.mesh];
            std::uint32_t nv = 0;
            for (std::uint32_t k = 0; k < 3 * m.triangle_count; ++k)
                nv = std::max(nv, m.indices[k] + 1);
            RTCGeometry g = rtcNewGeometry(device_, RTC_GEOMETRY_TYPE_TRIANGLE);
            // Copies (not shared buffers): Embree may read 16 bytes past the last vertex.
            auto* v = static_cast<float*>(rtcSetNewGeometryBuffer(
                g, RTC_BUFFER_TYPE_VERTEX, 0, RTC_FORMAT_FLOAT3, 12, nv));
            auto* ix = static_cast<std::uint32_t*>(rtcSetNewGeometryBuffer(
                g, RTC_BUFFER_TYPE_INDEX, 0, RTC_FORMAT_UINT3, 12, m.triangle_count));
            if (!v || !ix)
                throw RenderError("Embree could not allocate mesh buffers: " + error_);
            std::memcpy(v, m.positions, sizeof(float) * 3 * nv);
            std::memcpy(ix, m.indices, sizeof(std::uint32_t) * 3 * m.triangle_count);
            // Meshes are built once per frame and traced millions of times: spend on
            // quality.
            rtcSetGeometryBuildQuality(g, RTC_BUILD_QUALITY_HIGH);
            rtcCommitGeometry(g);
            ms = rtcNewScene(device_);
            rtcSetSceneBuildQuality(ms, RTC_BUILD_QUALITY_HIGH);
            rtcAttachGeometry(ms, g);
            rtcReleaseGeometry(g);
            rtcCommitScene(ms);
        }
        RTCGeometry g = rtcNewGeometry(device_, RTC_GEOMETRY_TYPE_INSTANCE);
        rtcSetGeometryInstancedScene(g, ms);
        rtcSetGeometryTransform(g, 0, RTC_FORMAT_FLOAT3X4_ROW_MAJOR, inst.to_world.m);
        rtcCommitGeometry(g);
        rtcAttachGeometryByID(top_, g, static_cast<unsigned>(i));
        rtcReleaseGeometry(g);
    }
    rtcCommitScene(top_);
    if (!error_.empty()) throw RenderError(error_);
}

EmbreeTracer::~EmbreeTracer() {
    if (top_) rtcReleaseScene(top_);
    for (RTCScene s : mesh_scenes_)
        if (s) rtcReleaseScene(s);
    if (device_) rtcReleaseDevice(device_);
}

}  // namespace farm::render
