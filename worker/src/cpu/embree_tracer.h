// The CPU intersector: Embree 3, one BVH per mesh and an instance per placement, so a
// mesh repeated a hundred times is built once.
#pragma once

#include <embree3/rtcore.h>

#include <string>
#include <vector>

#include "core/scene_view.h"
#include "scene_build.h"

namespace farm::render {

class EmbreeTracer {
  public:
    explicit EmbreeTracer(const RenderScene& scene);
    ~EmbreeTracer();
    EmbreeTracer(const EmbreeTracer&) = delete;
    EmbreeTracer& operator=(const EmbreeTracer&) = delete;

    bool intersect(const Ray& ray, Hit& hit) const {
        RTCIntersectContext ctx;
        rtcInitIntersectContext(&ctx);
        RTCRayHit rh;
        rh.ray.org_x = ray.o.x;
        rh.ray.org_y = ray.o.y;
        rh.ray.org_z = ray.o.z;
        rh.ray.dir_x = ray.d.x;
        rh.ray.dir_y = ray.d.y;
        rh.ray.dir_z = ray.d.z;
        rh.ray.tnear = 0.0f;
        rh.ray.tfar = ray.tmax;
        rh.ray.time = 0.0f;
        rh.ray.mask = 0xFFFFFFFFu;
        rh.ray.id = 0;
        rh.ray.flags = 0;
        rh.hit.geomID = RTC_INVALID_GEOMETRY_ID;
        rh.hit.instID[0] = RTC_INVALID_GEOMETRY_ID;
        rtcIntersect1(top_, &ctx, &rh);
        if (rh.hit.geomID == RTC_INVALID_GEOMETRY_ID) return false;
        hit = Hit{rh.ray.tfar, rh.hit.u, rh.hit.v, static_cast<int>(rh.hit.instID[0]),
                  static_cast<int>(rh.hit.primID)};
        return true;
    }

    bool occluded(const Ray& ray) const {
        RTCIntersectContext ctx;
        rtcInitIntersectContext(&ctx);
        RTCRay r;
        r.org_x = ray.o.x;
        r.org_y = ray.o.y;
        r.org_z = ray.o.z;
        r.dir_x = ray.d.x;
        r.dir_y = ray.d.y;
        r.dir_z = ray.d.z;
        r.tnear = 0.0f;
        r.tfar = ray.tmax;
        r.time = 0.0f;
        r.mask = 0xFFFFFFFFu;
        r.id = 0;
        r.flags = 0;
        rtcOccluded1(top_, &ctx, &r);
        return r.tfar < 0.0f;  // Embree sets tfar to -inf on a hit
    }

  private:
    RTCDevice device_ = nullptr;
    RTCScene top_ = nullptr;
    std::vector<RTCScene> mesh_scenes_;
    std::string error_;  // filled by Embree's error callback
};

}  // namespace farm::render
