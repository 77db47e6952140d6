// The agent's shared state: registration, leases in progress, the outbox and the host
// snapshot cache. Threads: one per slot (lease, fetch, render), one heartbeat, one
// outbox.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "farm/worker/agent.h"
#include "gateway_api.h"
#include "log.h"
#include "outbox.h"
#include "snapshot_cache.h"

namespace farm::worker {

struct ActiveLease {
    Lease lease;
    std::atomic<bool> cancel{false};
    std::atomic<double> progress{0};
};

class Agent::Impl {
  public:
    explicit Impl(AgentOptions options);
    ~Impl();
    int run();
    void stop() { stop_ = true; }

  private:
    // Registers when there is no current registration (one thread does it, the others
    // wait), retrying with backoff. Throws Aborted when stopping.
    std::string ensure_registered(GatewayApi& api);
    // The gateway no longer knows `worker_id`: the next ensure_registered registers anew.
    void forget_registration(const std::string& worker_id);
    double heartbeat_interval_s();

    void slot_loop(int slot);
    void heartbeat_loop();
    void run_task(GatewayApi& api, const Lease& lease, const std::string& worker_id);
    // Also returns the bytes fetched from the gateway (0 when the cache had it all).
    std::filesystem::path fetch_snapshot(GatewayApi& api, const Lease& lease,
                                         const ActiveLease& active, double* fetched_bytes);
    // The speed score: --speed-score, or farm-render --benchmark on the render device.
    void measure_speed();
    void report_failure(const Lease& lease, const std::string& reason, bool retryable);

    AgentOptions o_;
    GatewayAddress gateway_;
    WorkerInfo info_;
    int lock_fd_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<bool> stop_heartbeat_{false};
    SnapshotCache cache_;
    Outbox outbox_;

    std::mutex reg_mutex_;
    std::condition_variable reg_cv_;
    Registration reg_;
    bool registering_ = false;

    std::mutex active_mutex_;
    std::map<std::string, std::shared_ptr<ActiveLease>> active_;
};

}  // namespace farm::worker
