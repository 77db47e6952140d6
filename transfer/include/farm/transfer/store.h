// The content-addressed chunk store and snapshot registry on local disk, one folder tree
// per tenant so dedup (and any existence probe) never crosses tenants.
//
//   <root>/<tenant>/chunks/ab/abcdef....      encoded chunk (flag byte + payload)
//   <root>/<tenant>/snapshots/<id>            canonical manifest bytes
//   <root>/<tenant>/projects/<name>           one line per snapshot: "<unix_ns> <id>"
//   <root>/<tenant>/tmp/                      in-progress writes, emptied at open
//
// Every write goes to tmp/, is fsynced, then renamed into place, so a crash leaves either
// the old state or the new, never a torn file. Every read re-hashes the chunk.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "farm/transfer/chunk.h"
#include "farm/transfer/manifest.h"

namespace farm::transfer {

// Thrown by commit_snapshot while chunks are absent; carries (up to 1000 of) their ids.
class MissingChunksError : public std::runtime_error {
public:
    MissingChunksError(std::vector<ChunkId> ids, std::size_t total);
    const std::vector<ChunkId>& ids() const { return ids_; }
    std::size_t total() const { return total_; }

private:
    std::vector<ChunkId> ids_;
    std::size_t total_;
};

struct SnapshotInfo {
    ChunkId id;
    std::int64_t created_unix_ns = 0;
};

struct GcResult {
    std::size_t chunks_kept = 0;
    std::size_t chunks_removed = 0;
    std::uint64_t bytes_removed = 0;
};

// Tenant and project names: 1-64 characters of [A-Za-z0-9._-], not starting with '.'.
void validate_name(std::string_view name, std::string_view what);

class TenantStore {
public:
    // Creates the tenant's folders if needed and removes leftovers in tmp/.
    TenantStore(const std::filesystem::path& root, const std::string& tenant);

    bool has_chunk(const ChunkId& id) const;
    // Like has_chunk, and refreshes the chunk's mtime so garbage collection's grace period
    // protects it until the push that asked about it commits.
    bool freshen_chunk(const ChunkId& id);
    // Verifies the encoded chunk against id, then stores it durably. Returns false when it
    // was already present. Throws Error(bad_input) when the content does not match.
    bool put_chunk(const ChunkId& id, ByteView encoded);
    // Stores many chunks with one durability barrier instead of one fsync each: all are
    // verified and written to tmp/, the file system is synced once, then all are renamed
    // into place and synced again. On the first chunk that fails verification, the
    // chunks before it are stored and Error(bad_input) names the failing index.
    // Returns how many were new.
    std::size_t put_chunks(std::span<const std::pair<ChunkId, ByteView>> chunks);
    // Encoded bytes as stored, after checking them against id. Throws not_found / corrupt.
    Bytes get_chunk_encoded(const ChunkId& id) const;
    // Raw bytes, verified.
    Bytes get_chunk(const ChunkId& id) const;
    std::uint64_t chunk_count() const;

    // Stores a snapshot of `project`. Throws conflict (listing the first missing ids) if
    // any chunk is absent. Returns the snapshot id; committing the same bytes twice is a
    // no-op for the snapshot file but records the project entry again.
    ChunkId commit_snapshot(const std::string& project, ByteView manifest_bytes);
    Bytes get_snapshot(const ChunkId& id) const;  // throws not_found
    bool has_snapshot(const ChunkId& id) const;

    std::vector<std::string> projects() const;
    std::vector<SnapshotInfo> snapshots(const std::string& project) const;  // oldest first

    // Removes chunks that no stored snapshot references and that are older than `grace`
    // (so chunks of a push still in progress survive).
    GcResult collect_garbage(std::chrono::seconds grace = std::chrono::seconds(3600));

    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path chunk_path(const ChunkId& id) const;
    // Moves a chunk that failed its hash check aside so a later upload can replace it.
    void quarantine(const ChunkId& id) const;

    std::filesystem::path dir_;
    mutable std::mutex refs_mutex_;
    std::atomic<std::uint64_t> batch_counter_{0};  // serializes project-log appends and gc
};

// Holds one TenantStore per tenant, created on first use.
class Store {
public:
    explicit Store(std::filesystem::path root);
    TenantStore& tenant(const std::string& name);  // validates the name
    const std::filesystem::path& root() const { return root_; }

private:
    std::filesystem::path root_;
    std::mutex mutex_;
    std::vector<std::pair<std::string, std::unique_ptr<TenantStore>>> tenants_;
};

}  // namespace farm::transfer
