// Minimal float vector math shared by host and device.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"

namespace farm::render {

constexpr float kPi = 3.14159265358979323846f;
constexpr float kInvPi = 0.31830988618379067154f;

struct V3 {
    float x = 0, y = 0, z = 0;
    FARM_HD V3() = default;
    FARM_HD constexpr V3(float a, float b, float c) : x(a), y(b), z(c) {}
    FARM_HD explicit constexpr V3(float a) : x(a), y(a), z(a) {}
    FARM_HD float operator[](int i) const { return i == 0 ? x : (i == 1 ? y : z); }
};

FARM_HD FARM_INLINE V3 operator+(V3 a, V3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
FARM_HD FARM_INLINE V3 operator-(V3 a, V3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
FARM_HD FARM_INLINE V3 operator-(V3 a) { return {-a.x, -a.y, -a.z}; }
FARM_HD FARM_INLINE V3 operator*(V3 a, V3 b) { return {a.x * b.x, a.y * b.y, a.z * b.z}; }
FARM_HD FARM_INLINE V3 operator*(V3 a, float s) { return {a.x * s, a.y * s, a.z * s}; }
FARM_HD FARM_INLINE V3 operator*(float s, V3 a) { return a * s; }
FARM_HD FARM_INLINE V3 operator/(V3 a, float s) { return a * (1.0f / s); }
FARM_HD FARM_INLINE V3& operator+=(V3& a, V3 b) { return a = a + b; }
FARM_HD FARM_INLINE V3& operator*=(V3& a, V3 b) { return a = a * b; }
FARM_HD FARM_INLINE V3& operator*=(V3& a, float s) { return a = a * s; }
FARM_HD FARM_INLINE float dot(V3 a, V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
FARM_HD FARM_INLINE V3 cross(V3 a, V3 b) {
    return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
FARM_HD FARM_INLINE float length(V3 a) { return sqrtf(dot(a, a)); }
FARM_HD FARM_INLINE V3 normalize(V3 a) {
    const float l = length(a);
    return l > 0 ? a / l : V3(0, 0, 1);
}
FARM_HD FARM_INLINE float max_comp(V3 a) { return fmaxf(a.x, fmaxf(a.y, a.z)); }
FARM_HD FARM_INLINE float luminance(V3 c) {
    return 0.2126f * c.x + 0.7152f * c.y + 0.0722f * c.z;
}
FARM_HD FARM_INLINE V3 lerp(V3 a, V3 b, float t) { return a + (b - a) * t; }
FARM_HD FARM_INLINE float clampf(float v, float lo, float hi) {
    return fminf(fmaxf(v, lo), hi);
}
FARM_HD FARM_INLINE V3 vmin(V3 a, V3 b) {
    return {fminf(a.x, b.x), fminf(a.y, b.y), fminf(a.z, b.z)};
}
FARM_HD FARM_INLINE V3 vmax(V3 a, V3 b) {
    return {fmaxf(a.x, b.x), fmaxf(a.y, b.y), fmaxf(a.z, b.z)};
}
FARM_HD FARM_INLINE bool is_black(V3 c) { return c.x <= 0 && c.y <= 0 && c.z <= 0; }

// Orthonormal basis around n (Duff et al. 2017, branchless).
struct Frame {
    V3 t, b, n;
    FARM_HD static Frame from(V3 n) {
        const float s = copysignf(1.0f, n.z);
        const float a = -1.0f / (s + n.z), bb = n.x * n.y * a;
        return {V3(1 + s * n.x * n.x * a, s * bb, -s * n.x),
                V3(bb, s + n.y * n.y * a, -n.y), n};
    }
    FARM_HD V3 to_local(V3 v) const { return {dot(v, t), dot(v, b), dot(v, n)}; }
    FARM_HD V3 to_world(V3 v) const { return t * v.x + b * v.y + n * v.z; }
};

// Affine 3x4 transform, row-major rows (for points: r0·(p,1) ...).
struct Xform {
    float m[12];
    FARM_HD V3 point(V3 p) const {
        return {m[0] * p.x + m[1] * p.y + m[2] * p.z + m[3],
                m[4] * p.x + m[5] * p.y + m[6] * p.z + m[7],
                m[8] * p.x + m[9] * p.y + m[10] * p.z + m[11]};
    }
    FARM_HD V3 vector(V3 v) const {
        return {m[0] * v.x + m[1] * v.y + m[2] * v.z,
                m[4] * v.x + m[5] * v.y + m[6] * v.z,
                m[8] * v.x + m[9] * v.y + m[10] * v.z};
    }
};

struct Ray {
    V3 o, d;
    float tmax;
};

}  // namespace farm::render
