// Pinhole camera: the ray through a pixel depends only on the full-frame resolution, so
// tiles and full frames agree.
#pragma once

#include "core/vecmath.h"

namespace farm::render {

struct CameraView {
    V3 origin, right, up, forward;  // orthonormal, forward = view direction
    float tan_half_fov_y = 0.4f;
    float aspect = 1.0f;  // width / height
    int width = 1, height = 1;

    // (px + jx, py + jy) with jitter in [0,1); py = 0 is the top row.
    FARM_HD Ray generate(int px, int py, float jx, float jy) const {
        const float sx = (2.0f * (px + jx) / width - 1.0f) * tan_half_fov_y * aspect;
        const float sy = (1.0f - 2.0f * (py + jy) / height) * tan_half_fov_y;
        Ray r;
        r.o = origin;
        r.d = normalize(forward + right * sx + up * sy);
        r.tmax = 1e30f;
        return r;
    }
};

}  // namespace farm::render
