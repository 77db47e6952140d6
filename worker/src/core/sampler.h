// Deterministic random numbers: every value is a hash of (frame, pixel, sample index,
// dimension) and nothing else, so a pixel comes out the same whether it is rendered in a
// tile, in a full frame, on another thread or on another machine.
#pragma once

#include <cstdint>

#include "core/hd.h"

namespace farm::render {

// A 32-bit integer finaliser with good avalanche (the "lowbias32" hash, C. Wellons).
FARM_HD FARM_INLINE std::uint32_t hash32(std::uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

class Sampler {
  public:
    FARM_HD Sampler(std::uint32_t frame, std::uint32_t px, std::uint32_t py,
                    std::uint32_t sample)
        : seed_(hash32(
              hash32(hash32(hash32(frame * 0x9e3779b9U) ^ px) ^ (py * 0x85ebca6bU)) ^
              sample)),
          dim_(0) {}
    // Uniform in [0, 1): 24 random bits, so the result is never 1.0f.
    FARM_HD float next() {
        const std::uint32_t h =
            hash32(seed_ ^ hash32(dim_++ * 0x27d4eb2dU + 0x165667b1U));
        return static_cast<float>(h >> 8) * (1.0f / 16777216.0f);
    }

  private:
    std::uint32_t seed_, dim_;
};

}  // namespace farm::render
