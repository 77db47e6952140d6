// The worker side of docs/farm-protocol.md: register, long-poll for a lease, heartbeat,
// upload a result, report a failure. Transient trouble (no connection, 5xx) is thrown as
// TransportError so every caller retries it the same way.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "hardware.h"
#include "http_client.h"

namespace farm::worker {

// The gateway does not know this worker (it restarted without our registration, or
// forgot us): register again.
class UnknownWorker : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};
// A 4xx other than the ones the protocol gives a meaning to.
class GatewayError : public std::runtime_error {
  public:
    GatewayError(unsigned status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    unsigned status() const { return status_; }

  private:
    unsigned status_;
};

struct Lease {
    std::string lease_id, task_id, job_id, tenant, project, snapshot, settings, camera;
    int frame = 1, width = 0, height = 0, spp = 0, max_depth = 0, attempt = 0;
    std::optional<std::array<int, 4>> tile;  // x0,y0,x1,y1; absent = the whole frame

    // Throws std::invalid_argument naming a missing or mistyped field.
    static Lease from_json(const std::string& text);
};

struct Registration {
    std::string worker_id;
    double heartbeat_interval_s = 2;
    double lease_timeout_s = 30;
};

struct LeaseReport {
    std::string lease_id;
    std::string state;  // rendering | uploading
    double progress = 0;
};

// What travels with a result besides the image: the scheduler learns from it and the
// gateway bills it.
struct ResultMeta {
    double render_seconds = 0;  // the renderer process, start to end (billed)
    double trace_seconds = 0;   // of which tracing (from farm-render's summary)
    double rays = 0;
    double fetched_bytes = 0;  // snapshot bytes fetched for this lease
    std::string device, worker_id;
};

class GatewayApi {
  public:
    GatewayApi(GatewayAddress address, const std::atomic<bool>* abort)
        : http_(std::move(address), abort) {}

    Registration register_worker(const WorkerInfo& info);
    // nullopt when no task came within wait_s. Throws UnknownWorker on 404.
    std::optional<Lease> poll_lease(const std::string& worker_id, int wait_s);
    // Returns the leases the gateway wants abandoned. Throws UnknownWorker on 404.
    std::vector<std::string> heartbeat(const std::string& worker_id,
                                       const std::vector<LeaseReport>& leases);
    // The raw reply: the caller decides what 409 and 4xx mean for a stored result.
    Reply upload_result(const std::string& lease_id, const std::filesystem::path& exr_zst,
                        const ResultMeta& meta);
    Reply report_failure(const std::string& lease_id, const std::string& reason,
                         bool retryable);

    HttpClient& http() { return http_; }

  private:
    HttpClient http_;
};

// Throws TransportError for 5xx (the gateway is there but unwell: retry later).
void throw_if_server_error(const Reply& reply, const std::string& what);

}  // namespace farm::worker
