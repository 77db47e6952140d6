// The host's snapshot cache, shared by every agent on the host that names the same
// folder:
//
//   <cache>/chunks/<tenant>/...          farm::transfer::TenantStore (verified chunks)
//   <cache>/snapshots/<tenant>/<id>/     a snapshot's files, materialized once per host
//   <cache>/snapshots/<tenant>/.build-*  a materialization in progress (pid in the name)
//
// A snapshot folder is built under a temp name and renamed into place, so another agent
// sees it whole or not at all; when two agents race, the loser drops its copy.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "farm/transfer/store.h"
#include "http_client.h"

namespace farm::worker {

// The snapshot cannot be had. `retryable` is false when the lease itself is bad (an id
// that is no snapshot id, a hostile tenant name): no worker could ever render it. A
// refusal by the gateway (404, 401) may be this worker's configuration, so another
// attempt elsewhere is worth it; the gateway's attempt limit bounds the retries.
class SnapshotError : public std::runtime_error {
  public:
    SnapshotError(const std::string& message, bool retryable)
        : std::runtime_error(message), retryable_(retryable) {}
    bool retryable() const { return retryable_; }

  private:
    bool retryable_;
};

struct FetchStats {
    std::size_t chunks_needed = 0, chunks_fetched = 0;
    std::uint64_t bytes_received = 0;
    bool materialized = false;  // false: the folder was already there
};

class SnapshotCache {
  public:
    // Creates the folders and removes builds left by agents that died.
    explicit SnapshotCache(std::filesystem::path cache_dir);

    // Folder holding the snapshot's files, fetching the chunks this host lacks through
    // `http` (sync routes, X-Farm-Tenant: tenant). Throws TransportError (retry later),
    // Aborted, or SnapshotError.
    std::filesystem::path ensure(HttpClient& http, const std::string& tenant,
                                 const std::string& snapshot,
                                 FetchStats* stats = nullptr);

    std::filesystem::path folder(const std::string& tenant,
                                 const std::string& snapshot) const {
        return dir_ / "snapshots" / tenant / snapshot;
    }

  private:
    std::filesystem::path dir_;
    farm::transfer::Store chunks_;
};

}  // namespace farm::worker
