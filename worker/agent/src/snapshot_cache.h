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

// The snapshot cannot be had (unknown to the gateway, corrupt, bad id): retrying the
// same task on this worker will not help.
class SnapshotError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
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
                                 const std::string& snapshot, FetchStats* stats = nullptr);

    std::filesystem::path folder(const std::string& tenant, const std::string& snapshot) const {
        return dir_ / "snapshots" / tenant / snapshot;
    }

private:
    std::filesystem::path dir_;
    farm::transfer::Store chunks_;
};

}  // namespace farm::worker
