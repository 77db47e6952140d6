// farm::worker — the agent a western site runs: registers with the gateway, pulls
// leases, fetches only the chunks its host cache lacks, renders each task with a
// farm-render child process, heartbeats, and delivers results (kept on disk until the
// gateway has them). Protocol: docs/farm-protocol.md and transfer/PROTOCOL.md.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace farm::worker {

struct AgentOptions {
    std::string gateway_url;  // http://host:port
    std::string site;
    std::string name;   // empty: the host name
    std::string token;  // Bearer token of the worker role; empty in open mode
    std::filesystem::path cache_dir;  // may be shared by every agent on the host
    std::filesystem::path work_dir;   // this agent's own: task scratch and the outbox
    std::filesystem::path renderer;   // farm-render binary
    std::string device = "auto";      // auto | cpu | cuda, passed to farm-render
    int slots = 1;                    // tasks rendered at once
    bool once = false;                // handle one lease, deliver it, exit
    int lease_wait_s = 20;            // long-poll length
    double retry_max_s = 15;          // backoff cap while the gateway is unreachable
    double shutdown_grace_s = 10;     // time to deliver queued results when stopping
    // Speed score (Mrays/s) reported at registration; 0: measure it at start with
    // `farm-render --benchmark` on the render device.
    double speed_score = 0;
};

class Agent {
  public:
    // Validates the options and prepares the work and cache folders; throws
    // std::invalid_argument or std::runtime_error with a message naming the problem.
    explicit Agent(AgentOptions options);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    // Runs until stop() (or, with `once`, until the first lease is delivered). Returns
    // the process exit status.
    int run();
    // Stops taking leases, abandons a running render (reported as a retryable failure so
    // the task is re-queued at once), delivers what it can within the grace period.
    // Thread-safe; returns at once.
    void stop();

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace farm::worker
