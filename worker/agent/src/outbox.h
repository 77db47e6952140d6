// Finished work waiting to reach the gateway: results (zstd-compressed EXR) and failure
// reports, kept on disk under <work>/outbox/ until the gateway has them, so nothing
// finished is lost while the link is down or across an agent restart (Flamenco's
// upstream_buffer). One thread delivers entries in order, backing off while the gateway
// is unreachable or answers 5xx. A 409 or 404 means the lease is gone: the entry is
// dropped. Any other 4xx moves a result to outbox/rejected/ for an operator to look at.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "gateway_api.h"

namespace farm::worker {

struct OutboxEntry {
    std::string lease_id;
    bool is_result = true;  // else a failure report
    double render_seconds = 0, trace_seconds = 0, rays = 0, fetched_bytes = 0;
    std::string device, worker_id;
    std::string reason;  // failure reports
    bool retryable = true;
};

class Outbox {
  public:
    // Loads entries a previous run left behind.
    Outbox(std::filesystem::path dir, GatewayAddress gateway, double retry_max_s);

    // Compresses `exr` into the outbox, durably, and queues it. Throws on disk errors.
    void add_result(OutboxEntry entry, const std::filesystem::path& exr);
    void add_failure(OutboxEntry entry);
    // Forgets a lease's entry (the gateway canceled it).
    void drop(const std::string& lease_id);
    std::vector<std::string> pending_results() const;
    bool contains(const std::string& lease_id) const;
    std::size_t size() const;

    // Delivery loop; returns when abort() was called, or when finish() was called and
    // nothing is left.
    void run();
    void finish();
    void abort();

  private:
    enum class Outcome { delivered, dropped, retry };
    Outcome deliver(GatewayApi& api, const OutboxEntry& entry);
    void remove_files(const std::string& lease_id);
    std::filesystem::path payload(const std::string& id) const {
        return dir_ / (id + ".exr.zst");
    }
    std::filesystem::path meta(const std::string& id) const {
        return dir_ / (id + ".json");
    }
    void write_meta(const OutboxEntry& entry);

    std::filesystem::path dir_;
    GatewayAddress gateway_;
    double retry_max_s_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<OutboxEntry> queue_;
    bool finishing_ = false;
    std::atomic<bool> aborted_{false};
};

// Lease ids become file names: only [A-Za-z0-9._-], not starting with '.'.
bool safe_lease_id(const std::string& id);

}  // namespace farm::worker
