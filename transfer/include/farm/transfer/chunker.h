// FastCDC content-defined chunking (Xia et al., USENIX ATC'16 / TPDS'20): a gear rolling
// hash with normalized chunking (a stricter mask before the average size, a looser one
// after) so chunk sizes cluster near the average and an insertion moves at most a chunk
// or two of boundaries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace farm::transfer {

struct ChunkerParams {
    // Defaults suit large binary scene assets: 256 KiB average keeps a 250 TB project at
    // ~1e9 chunks (an index that fits on the gateway) while an edit re-sends only ~0.5 MB;
    // min 64 KiB skips the hash over most bytes, max 1 MiB bounds one chunk's memory and
    // upload retry.
    std::size_t min_size = 64 * 1024;
    std::size_t avg_size = 256 * 1024;
    std::size_t max_size = 1024 * 1024;

    // Throws Error(bad_input) unless 64 <= min < avg < max <= kMaxChunkSize and avg is a
    // power of two.
    void validate() const;
};

class Chunker {
public:
    explicit Chunker(ChunkerParams params = {});

    // Length of the next chunk at the start of `data`. When `at_eof` is false and no cut
    // was found before the end of `data` (and data is shorter than max_size), returns 0:
    // the caller must supply more bytes. At eof the remainder is always a chunk.
    std::size_t next_cut(std::span<const std::uint8_t> data, bool at_eof) const;

    const ChunkerParams& params() const { return params_; }

private:
    ChunkerParams params_;
    std::uint64_t mask_small_;  // more bits: harder to cut before avg
    std::uint64_t mask_large_;  // fewer bits: easier to cut after avg
};

}  // namespace farm::transfer
