#include "farm/transfer/chunker.h"

#include <algorithm>
#include <array>
#include <bit>
#include <string>

#include "farm/transfer/chunk.h"
#include "farm/transfer/error.h"

namespace farm::transfer {

namespace {

// Gear table: 256 fixed pseudo-random 64-bit values. It is part of the chunk format:
// changing it changes every boundary, and so every chunk id of every project.
constexpr std::array<std::uint64_t, 256> make_gear() {
    std::array<std::uint64_t, 256> table{};
    std::uint64_t state = 0x58695875616e2021ull;  // "XiXuan !"
    for (auto& value : table) {
        state += 0x9e3779b97f4a7c15ull;  // splitmix64
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        value = z ^ (z >> 31);
    }
    return table;
}
constexpr auto kGear = make_gear();

// The gear hash shifts left, so its high bits depend on the most recent ~64 bytes; the
// masks test high bits for that reason.
constexpr std::uint64_t top_bits(int count) {
    return count <= 0 ? 0 : ~0ull << (64 - count);
}

}  // namespace

void ChunkerParams::validate() const {
    auto fail = [&](const std::string& why) {
        throw Error(ErrorKind::bad_input,
                    "chunker sizes min=" + std::to_string(min_size) +
                        " avg=" + std::to_string(avg_size) +
                        " max=" + std::to_string(max_size) + ": " + why);
    };
    if (min_size < 64) fail("min must be at least 64 bytes");
    if (!(min_size < avg_size && avg_size < max_size)) fail("need min < avg < max");
    if (max_size > kMaxChunkSize) fail("max exceeds the 16 MiB chunk limit");
    if (!std::has_single_bit(avg_size)) fail("avg must be a power of two");
}

Chunker::Chunker(ChunkerParams params) : params_(params) {
    params_.validate();
    // Normalization level 2 (FastCDC): two more mask bits before the average, two fewer
    // after, which narrows the size distribution around avg.
    int bits = std::countr_zero(params_.avg_size);
    mask_small_ = top_bits(bits + 2);
    mask_large_ = top_bits(bits - 2);
}

std::size_t Chunker::next_cut(std::span<const std::uint8_t> data, bool at_eof) const {
    const std::size_t n = data.size();
    if (n <= params_.min_size) return at_eof ? n : 0;
    const std::size_t limit = std::min(n, params_.max_size);
    const std::size_t normal = std::min(params_.avg_size, limit);
    const std::uint8_t* p = data.data();
    std::uint64_t hash = 0;
    std::size_t i = params_.min_size;
    for (; i < normal; ++i) {
        hash = (hash << 1) + kGear[p[i]];
        if (!(hash & mask_small_)) return i + 1;
    }
    for (; i < limit; ++i) {
        hash = (hash << 1) + kGear[p[i]];
        if (!(hash & mask_large_)) return i + 1;
    }
    if (limit == params_.max_size) return limit;
    return at_eof ? n : 0;
}

}  // namespace farm::transfer
