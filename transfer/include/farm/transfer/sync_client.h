// Client side of the chunk sync protocol: push a project folder as a new snapshot, pull a
// snapshot into a folder, list projects. Transfers run over several keep-alive HTTP
// connections at once; see transfer/PROTOCOL.md.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "farm/transfer/chunker.h"
#include "farm/transfer/manifest.h"
#include "farm/transfer/store.h"

namespace farm::transfer {

struct Endpoint {
    std::string host = "127.0.0.1";
    std::string port = "8080";
    std::string token;  // sent as "Authorization: Bearer <token>" when not empty

    // Accepts "http://host:port" or "host:port"; throws Error(bad_input) otherwise.
    static Endpoint parse(std::string_view url, std::string token = {});
};

// Counters updated live by push and pull; a progress display reads them from another
// thread.
struct TransferProgress {
    std::atomic<std::uint64_t> files_total{0};
    std::atomic<std::uint64_t> files_done{0};
    std::atomic<std::uint64_t> bytes_total{0};    // logical bytes of the tree
    std::atomic<std::uint64_t> bytes_scanned{0};  // logical bytes read or reused
    std::atomic<std::uint64_t> bytes_new{0};      // raw bytes of chunks the far side lacked
    std::atomic<std::uint64_t> bytes_sent{0};     // bytes on the wire, request bodies
    std::atomic<std::uint64_t> bytes_received{0};
    std::atomic<bool> scanning_done{false};
};

struct PushOptions {
    std::string project;
    ChunkerParams chunker;
    int zstd_level = 3;
    unsigned connections = 4;
    std::size_t batch_bytes = 16u << 20;  // encoded bytes per upload request
    unsigned threads = 0;                 // hash/compress threads; 0 = all cores
    // Client cache of manifests already pushed or pulled: lets a re-push reuse the chunk
    // lists of unchanged files (same path, size, mtime, mode) and send the manifest as a
    // delta. Empty disables it.
    std::filesystem::path cache_dir;
    bool rehash = false;  // read every file even when its stat matches the parent
    // Caps the upload rate over all connections (bytes per second, 0 = no cap), so a push
    // can share a studio's long-haul link with other traffic.
    double max_bytes_per_second = 0;
    TransferProgress* progress = nullptr;
};

struct PushResult {
    ChunkId snapshot;
    std::optional<ChunkId> parent;
    std::uint64_t files = 0;
    std::uint64_t logical_bytes = 0;
    std::uint64_t chunks = 0;          // chunk references in the manifest
    std::uint64_t unique_chunks = 0;   // distinct ids in the manifest
    std::uint64_t bytes_read = 0;      // file bytes actually read (not reused by stat)
    std::uint64_t new_chunks = 0;      // chunks the gateway lacked
    std::uint64_t new_raw_bytes = 0;
    std::uint64_t new_encoded_bytes = 0;
    std::uint64_t manifest_bytes = 0;  // full manifest size
    std::uint64_t bytes_sent = 0;      // all request bodies, manifest included
    std::uint64_t bytes_received = 0;
    std::uint64_t requests = 0;
    double seconds = 0;
};

PushResult push(const std::filesystem::path& dir, const Endpoint& endpoint,
                const PushOptions& options);

struct PullOptions {
    unsigned connections = 4;
    std::filesystem::path cache_dir;  // local chunk cache; empty = no cache
    TransferProgress* progress = nullptr;
};

struct PullResult {
    ChunkId snapshot;
    std::uint64_t files = 0;
    std::uint64_t logical_bytes = 0;
    std::uint64_t chunks_fetched = 0;
    std::uint64_t chunks_from_cache = 0;
    std::uint64_t bytes_received = 0;
    double seconds = 0;
};

// `spec` is "PROJECT" (latest snapshot) or "PROJECT@SNAPSHOT" (a full id or a unique
// prefix of at least 8 hex digits). Materializes into `dest`, which must be empty or absent.
PullResult pull(const Endpoint& endpoint, const std::string& spec,
                const std::filesystem::path& dest, const PullOptions& options);

struct ProjectSummary {
    std::string name;
    std::size_t snapshot_count = 0;
    ChunkId latest;
    std::int64_t latest_unix_ns = 0;
};
std::vector<ProjectSummary> list_projects(const Endpoint& endpoint);
std::vector<SnapshotInfo> list_snapshots(const Endpoint& endpoint, const std::string& project);
Manifest fetch_manifest(const Endpoint& endpoint, const ChunkId& snapshot);

// Builds a manifest of `dir` without talking to anyone (used by tests and benchmarks),
// storing new chunks into `store` when given.
Manifest snapshot_folder(const std::filesystem::path& dir, const PushOptions& options,
                         TenantStore* store);

// Writes the tree of `manifest` into `dest` (absent or empty) from chunks in `chunks`,
// verifying each: folders first, files, then symlinks (never written through), then
// folder modes and times.
void restore_folder(const Manifest& manifest, const TenantStore& chunks,
                    const std::filesystem::path& dest);

}  // namespace farm::transfer
