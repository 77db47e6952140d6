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
    // Defaults chosen by measurement (tests/bench/README.md): re-pushing an edited 1.5 GB
    // animation project sent 13.5 MB at a 64 KiB average against 17.4 MB at 256 KiB and
    // 20.9 MB at 1 MiB, because frame caches that change a little per frame dedup in small
    // pieces; 64 KiB is where we send fewer bytes than casync, rsync, borg and restic.
    // The price is index size: ~16 chunks per MiB, i.e. ~4e9 chunk ids for a 250 TB
    // project, which a per-tenant store with 256-way fan-out still holds. max = 4 x avg
    // bounds one chunk's memory and retry; min = avg / 4 lets the hash skip a quarter.
    std::size_t min_size = 16 * 1024;
    std::size_t avg_size = 64 * 1024;
    std::size_t max_size = 256 * 1024;

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
