// Turns a project folder into a manifest: scans it, reuses the chunk lists of files
// unchanged since the parent snapshot, and runs the rest through a parallel pipeline
// (read -> cut -> hash + compress -> hand to a sink) on all cores.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include "farm/transfer/chunker.h"
#include "farm/transfer/manifest.h"
#include "farm/transfer/sync_client.h"

namespace farm::transfer::detail {

using ChunkIdSet = std::unordered_set<ChunkId, ChunkIdHash>;

// Receives each chunk not known to exist at the destination, once per push, in file
// order, from a single thread.
class ChunkSink {
public:
    virtual ~ChunkSink() = default;
    virtual void accept(const ChunkId& id, std::uint32_t raw_size, Bytes encoded) = 0;
};

struct BuildInput {
    std::filesystem::path dir;
    ChunkerParams chunker;
    int zstd_level = 3;
    unsigned threads = 0;
    bool rehash = false;
    const Manifest* parent = nullptr;   // for stat-based reuse
    const ChunkIdSet* known = nullptr;  // ids already at the destination: not encoded
    TransferProgress* progress = nullptr;
};

struct BuildOutput {
    Manifest manifest;
    std::uint64_t bytes_read = 0;
    std::uint64_t files_reused = 0;
    std::vector<std::string> warnings;  // skipped entries, e.g. escaping symlinks
};

BuildOutput build_snapshot(const BuildInput& input, ChunkSink& sink);

}  // namespace farm::transfer::detail
