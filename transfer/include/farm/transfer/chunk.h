// Chunk ids (SHA-256 of the raw bytes) and the on-disk / on-wire chunk encoding.
//
// An encoded chunk is one flag byte followed by the payload: flag 0 = raw bytes, flag 1 = a
// single zstd frame whose header declares the raw size. A chunk that zstd does not shrink is
// kept raw so incompressible textures cost no decode time and no expansion.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace farm::transfer {

struct ChunkId {
    std::array<std::uint8_t, 32> bytes{};

    std::string hex() const;
    // Parses 64 lowercase or uppercase hex digits; nullopt on anything else.
    static std::optional<ChunkId> from_hex(std::string_view text);

    auto operator<=>(const ChunkId&) const = default;
};

struct ChunkIdHash {
    std::size_t operator()(const ChunkId& id) const noexcept {
        std::size_t h;
        static_assert(sizeof(h) <= sizeof(id.bytes));
        __builtin_memcpy(&h, id.bytes.data(), sizeof(h));
        return h;
    }
};

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// SHA-256 through OpenSSL EVP (uses the CPU's SHA extensions where present).
ChunkId sha256(ByteView data);

// Largest raw chunk any encoded chunk may decode to; a frame declaring more is refused
// before any memory is allocated (decompression-bomb guard).
inline constexpr std::size_t kMaxChunkSize = 16u << 20;

enum class ChunkEncoding : std::uint8_t { raw = 0, zstd = 1 };

// Compresses with zstd at `level`; falls back to raw when the frame would not be smaller.
Bytes encode_chunk(ByteView raw, int level);

// Decodes an encoded chunk. Throws Error(bad_input) on an unknown flag, a frame without a
// declared size, a declared size past `max_raw`, or a frame that does not decode exactly.
Bytes decode_chunk(ByteView encoded, std::size_t max_raw = kMaxChunkSize);

// Checks an encoded chunk against `id` without keeping the decoded bytes (raw chunks are
// hashed in place, zstd ones decoded into a reused per-thread buffer). Throws like
// decode_and_verify.
void verify_chunk(const ChunkId& id, ByteView encoded, std::size_t max_raw = kMaxChunkSize);

// Decodes and checks the SHA-256 against `id`; throws Error(bad_input) on mismatch.
Bytes decode_and_verify(const ChunkId& id, ByteView encoded,
                        std::size_t max_raw = kMaxChunkSize);

}  // namespace farm::transfer
