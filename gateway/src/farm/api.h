// The farm REST routes (docs/farm-protocol.md), split by domain: api_jobs.cpp for the
// studio's jobs, sites and metrics, api_workers.cpp for workers and leases. Each turns
// HTTP into Engine calls and ApiError into {"error"} with its status.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "farm/engine.h"
#include "farm/transfer/sync_server.h"

namespace farm::gateway {

using FarmRequest = transfer::Request;
using FarmResponse = transfer::Response;

class FarmApi {
  public:
    explicit FarmApi(Engine& engine) : engine_(engine) {}

    // True for paths this API serves (jobs, workers, leases, sites, events, /metrics).
    static bool owns(std::string_view target);
    static bool accepts(bhttp::verb method, std::string_view target);
    static std::size_t body_limit(bhttp::verb method, std::string_view target);
    // Routes only workers call (register, lease, heartbeat, results, failures).
    static bool is_worker_route(bhttp::verb method, std::string_view target);
    // Routes only pool operators call: sites reload, drain/disable/enable of sites and
    // workers.
    static bool is_operator_route(bhttp::verb method, std::string_view target);
    // True for the one route answered later (the lease long-poll).
    static bool is_async(bhttp::verb method, std::string_view target);

    FarmResponse handle(const FarmRequest& request, const std::string& tenant);
    // Answers through `done`, possibly on another thread, possibly before returning.
    void handle_async(const FarmRequest& request, const std::string& tenant,
                      std::function<void(FarmResponse)> done);

    Engine& engine() { return engine_; }

  private:
    FarmResponse jobs(const FarmRequest& request, const std::string& tenant,
                      const std::vector<std::string>& parts);
    FarmResponse workers(const FarmRequest& request, const std::vector<std::string>& parts);
    FarmResponse leases(const FarmRequest& request, const std::vector<std::string>& parts);

    Engine& engine_;
};

// Helpers shared by the api_*.cpp files.
std::vector<std::string> route_parts(std::string_view target);  // after /api/v1/
std::string query_param(std::string_view target, std::string_view name);
FarmResponse json_reply(const FarmRequest& request, bhttp::status status, const json::value& body);
json::value parse_body(const FarmRequest& request);  // {} when empty; 400 when not JSON
[[noreturn]] void method_not_allowed(const char* allow);

}  // namespace farm::gateway
