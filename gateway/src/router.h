// Decides what happens to each request: first from its header alone (may the body be
// read, by whom, and how much of it), then, with the body, which handler answers. Sync
// routes go to transfer::SyncService; the gateway itself answers /healthz and 404 for the
// rest.
//
// Issue 4 adds REST handlers for jobs, workers and sites here, split by domain as
// separate files the router dispatches to; WebSocket upgrades are taken by HttpSession
// before the router sees them (see the seam in http_session.cpp).
#pragma once

#include <boost/beast/http.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth.h"
#include "farm/transfer/store.h"
#include "farm/transfer/sync_server.h"

namespace farm::gateway {

class FarmApi;  // farm/api.h: jobs, workers, leases, sites, events, /metrics

namespace http = boost::beast::http;
using Request = transfer::Request;
using Response = transfer::Response;

// The verdict on a request header, reached before any body byte is read.
struct Admission {
    std::optional<Response> reject;  // answer this now, without reading the body
    std::string tenant;              // set when admitted
    std::size_t body_limit = 0;      // largest body this route accepts
};

class Router {
  public:
    Router(transfer::Store& store, TokenTable tokens);

    // Authenticates (401), finds the body limit and refuses a declared Content-Length
    // past it (413). /healthz needs no token so load balancers can probe it.
    Admission admit(const Request& header) const;

    // Answers an admitted request. Never throws: a handler's exception becomes a 500.
    Response handle(const Request& request, const std::string& tenant);

    // The farm routes (issue 4); set once before serving. Without it they answer 404.
    void attach_farm(FarmApi* farm) { farm_ = farm; }
    FarmApi* farm() const { return farm_; }
    // Routes answered later (the lease long-poll): when this returns true, `done` gets
    // the response, possibly on another thread, instead of handle() answering now.
    bool handle_async(const Request& request, const std::string& tenant,
                      std::function<void(Response)> done);

    // True without a tokens file: every request is tenant "default".
    bool open() const { return tokens_.open(); }

    // True when some handler serves `method` on `target` (the OpenAPI test asks this).
    static bool accepts(http::verb method, std::string_view target);

    // The gateway's JSON error body {"error": message}, shaped like the sync routes' own.
    static Response error(const Request& request, http::status status,
                          std::string_view message);

  private:
    static std::size_t body_limit(http::verb method, std::string_view target);

    TokenTable tokens_;
    transfer::SyncService sync_;
    FarmApi* farm_ = nullptr;
};

}  // namespace farm::gateway
