// Worker routes: register, heartbeat, the lease long-poll, drain, list; lease results and
// failures.
#include <boost/beast/core/string.hpp>

#include <cmath>

#include "farm/api.h"
#include "log.h"

namespace farm::gateway {

FarmResponse FarmApi::workers(const FarmRequest& request, const std::vector<std::string>& p) {
    if (p.size() == 1 && request.method() == bhttp::verb::post)
        return json_reply(request, bhttp::status::created, engine_.register_worker(parse_body(request)));
    if (p.size() == 1) return json_reply(request, bhttp::status::ok, engine_.list_workers());
    if (p[2] == "heartbeat")
        return json_reply(request, bhttp::status::ok, engine_.heartbeat(p[1], parse_body(request)));
    if (p[2] == "drain" || p[2] == "disable" || p[2] == "enable")
        return json_reply(request, bhttp::status::ok, engine_.admin_worker(p[1], p[2]));
    throw ApiError(bhttp::status::not_found, "no route");
}

FarmResponse FarmApi::leases(const FarmRequest& request, const std::vector<std::string>& p) {
    const std::string& lease = p[1];
    if (p[2] == "fail")
        return json_reply(request, bhttp::status::ok, engine_.fail_lease(lease, parse_body(request)));
    const bool zstd = boost::beast::iequals(request[bhttp::field::content_encoding], "zstd");
    auto number = [&](const char* header) {
        const std::string s(request[header]);
        if (s.empty()) return 0.0;
        try {
            std::size_t used = 0;
            const double v = std::stod(s, &used);
            if (used == s.size() && std::isfinite(v) && v >= 0) return v;
        } catch (const std::exception&) {
        }
        throw ApiError(bhttp::status::bad_request, std::string(header) + " is not a number >= 0");
    };
    Engine::ResultInfo info;
    info.render_seconds = number("X-Farm-Render-Seconds");
    info.trace_seconds = number("X-Farm-Trace-Seconds");
    info.rays = number("X-Farm-Rays");
    info.fetched_bytes = number("X-Farm-Fetched-Bytes");
    info.device = std::string(request["X-Farm-Device"]);
    return json_reply(request, bhttp::status::ok,
                      engine_.put_result(lease, std::string(request["X-Farm-Worker"]),
                                         request.body(), zstd, info));
}

void FarmApi::handle_async(const FarmRequest& request, const std::string& tenant,
                           std::function<void(FarmResponse)> done) {
    const auto p = route_parts(request.target());
    double wait_s = 20;
    try {
        const std::string w = query_param(request.target(), "wait_s");
        if (!w.empty()) wait_s = std::stod(w);
        if (!(wait_s >= 0 && wait_s <= 60)) throw std::invalid_argument("range");
    } catch (const std::exception&) {
        return done(transfer::error_response(request, bhttp::status::bad_request,
                                             "wait_s must be a number of seconds in [0, 60]"));
    }
    // The reply needs only the request's version and keep-alive, copied here because the
    // request is gone by the time a lease arrives.
    FarmRequest head{request.method(), request.target(), request.version()};
    head.keep_alive(request.keep_alive());
    engine_.poll_lease(p[1], wait_s,
                       [head = std::move(head), done = std::move(done)](
                           bhttp::status status, std::optional<json::object> lease) {
                           if (status == bhttp::status::ok)
                               return done(json_reply(head, status, *lease));
                           if (status == bhttp::status::no_content) {
                               FarmResponse res{status, head.version()};
                               res.keep_alive(head.keep_alive());
                               res.prepare_payload();
                               return done(std::move(res));
                           }
                           done(transfer::error_response(
                               head, status,
                               status == bhttp::status::not_found ? "no such worker" : "lease failed"));
                       });
}

}  // namespace farm::gateway
