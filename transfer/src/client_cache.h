// What a client remembers between runs, per gateway, token and project: the manifests it
// pushed or pulled, so a re-push can reuse unchanged files' chunk lists and send its
// manifest as a delta, without downloading anything first.
#pragma once

#include <filesystem>
#include <optional>

#include "farm/transfer/chunk.h"
#include "farm/transfer/sync_client.h"

namespace farm::transfer::detail {

class ClientCache {
public:
    // An empty `root` disables the cache: every lookup misses, stores are dropped.
    ClientCache(std::filesystem::path root, const Endpoint& endpoint);

    std::optional<Bytes> manifest(const ChunkId& id) const;  // verified against id
    void remember_manifest(const ChunkId& id, ByteView bytes) const;
    std::filesystem::path chunk_dir() const;  // for a pull's chunk cache; empty if disabled

private:
    std::filesystem::path dir_;
};

}  // namespace farm::transfer::detail
