// Studio routes: jobs (submit, list, inspect, control, tasks, frames and their files),
// sites (prices and cost so far), /metrics; plus the dispatcher and shared helpers.
#include <fstream>
#include <sstream>

#include "farm/api.h"
#include "log.h"

namespace farm::gateway {

namespace {

constexpr std::string_view kPrefix = "/api/v1/";
constexpr std::size_t kMaxResultBytes = std::size_t{512} << 20;

std::string_view path_of(std::string_view t) { return t.substr(0, t.find('?')); }

std::string content_type_for(const std::string& file) {
    auto ends = [&](std::string_view s) { return file.size() >= s.size() && file.ends_with(s); };
    if (ends(".png")) return "image/png";
    if (ends(".exr")) return "image/x-exr";
    if (ends(".mp4")) return "video/mp4";
    return "application/octet-stream";
}

}  // namespace

std::vector<std::string> route_parts(std::string_view target) {
    std::string_view p = path_of(target);
    std::vector<std::string> parts;
    if (!p.starts_with(kPrefix)) return parts;
    p.remove_prefix(kPrefix.size());
    while (!p.empty()) {
        const auto slash = p.find('/');
        parts.emplace_back(p.substr(0, slash));
        if (slash == std::string_view::npos) break;
        p.remove_prefix(slash + 1);
    }
    return parts;
}

std::string query_param(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        std::string_view kv = rest.substr(0, amp);
        const auto eq = kv.find('=');
        if (kv.substr(0, eq) == name) return eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return {};
}

FarmResponse json_reply(const FarmRequest& request, bhttp::status status, const json::value& body) {
    FarmResponse res{status, request.version()};
    res.set(bhttp::field::content_type, "application/json");
    res.keep_alive(request.keep_alive());
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
}

json::value parse_body(const FarmRequest& request) {
    if (request.body().empty()) return json::object{};
    boost::system::error_code ec;
    json::value v = json::parse(request.body(), ec);
    if (ec) throw ApiError(bhttp::status::bad_request, "body is not JSON: " + ec.message());
    return v;
}

void method_not_allowed(const char* allow) {
    throw ApiError(bhttp::status::method_not_allowed, std::string("this route answers ") + allow);
}

bool FarmApi::owns(std::string_view target) {
    if (path_of(target) == "/metrics") return true;
    const auto parts = route_parts(target);
    if (parts.empty()) return false;
    const auto& f = parts[0];
    return f == "jobs" || f == "workers" || f == "leases" || f == "sites" || f == "events" ||
           f == "quotes";
}

bool FarmApi::accepts(bhttp::verb m, std::string_view target) {
    if (path_of(target) == "/metrics") return m == bhttp::verb::get;
    const auto p = route_parts(target);
    if (p.empty()) return false;
    using v = bhttp::verb;
    if (p[0] == "jobs") {
        if (p.size() == 1) return m == v::get || m == v::post;
        if (p.size() == 2) return m == v::get;
        if (p.size() == 3 && (p[2] == "tasks" || p[2] == "frames" || p[2] == "plan" ||
                              p[2] == "ledger"))
            return m == v::get;
        if (p.size() == 3) return m == v::post && (p[2] == "pause" || p[2] == "resume" ||
                                                   p[2] == "cancel" || p[2] == "rerun");
        return p.size() == 4 && p[2] == "frames" && m == v::get;
    }
    if (p[0] == "workers") {
        if (p.size() == 1) return m == v::get || m == v::post;
        return p.size() == 3 && m == v::post &&
               (p[2] == "lease" || p[2] == "heartbeat" || p[2] == "drain" || p[2] == "disable" ||
                p[2] == "enable");
    }
    if (p[0] == "leases")
        return p.size() == 3 && ((p[2] == "result" && m == v::put) || (p[2] == "fail" && m == v::post));
    if (p[0] == "sites") {
        if (p.size() == 1) return m == v::get;
        if (p.size() == 2) return p[1] == "reload" && m == v::post;
        return p.size() == 3 && m == v::post &&
               (p[2] == "drain" || p[2] == "disable" || p[2] == "enable");
    }
    if (p[0] == "quotes") return (p.size() == 1 && m == v::post) || (p.size() == 2 && m == v::get);
    if (p[0] == "events") return p.size() == 1 && m == v::get;
    return false;
}

std::size_t FarmApi::body_limit(bhttp::verb m, std::string_view target) {
    const auto p = route_parts(target);
    if (p.size() == 3 && p[0] == "leases" && p[2] == "result") return kMaxResultBytes;
    return transfer::kMaxSmallBody;
}

bool FarmApi::is_worker_route(bhttp::verb m, std::string_view target) {
    const auto p = route_parts(target);
    if (p.empty()) return false;
    if (p[0] == "leases") return true;
    if (p[0] != "workers") return false;
    // GET /workers (the operator's list) and drain stay open to studio tokens.
    if (p.size() == 1) return m == bhttp::verb::post;
    return p.size() == 3 && (p[2] == "lease" || p[2] == "heartbeat");
}

bool FarmApi::is_operator_route(bhttp::verb m, std::string_view target) {
    if (m != bhttp::verb::post) return false;
    const auto p = route_parts(target);
    if (p.size() == 2 && p[0] == "sites") return p[1] == "reload";
    if (p.size() == 3 && (p[0] == "sites" || p[0] == "workers"))
        return p[2] == "drain" || p[2] == "disable" || p[2] == "enable";
    return false;
}

bool FarmApi::is_async(bhttp::verb m, std::string_view target) {
    const auto p = route_parts(target);
    return m == bhttp::verb::post && p.size() == 3 && p[0] == "workers" && p[2] == "lease";
}

FarmResponse FarmApi::handle(const FarmRequest& request, const std::string& tenant) {
    try {
        if (!accepts(request.method(), request.target()))
            throw ApiError(bhttp::status::method_not_allowed,
                           "no " + std::string(request.method_string()) + " on " +
                               std::string(path_of(request.target())));
        if (path_of(request.target()) == "/metrics") {
            FarmResponse res{bhttp::status::ok, request.version()};
            res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
            res.keep_alive(request.keep_alive());
            res.body() = engine_.metrics();
            res.prepare_payload();
            return res;
        }
        const auto parts = route_parts(request.target());
        if (parts[0] == "jobs") return jobs(request, tenant, parts);
        if (parts[0] == "workers") return workers(request, parts);
        if (parts[0] == "leases") return leases(request, parts);
        if (parts[0] == "sites") {
            if (parts.size() == 1) return json_reply(request, bhttp::status::ok, engine_.list_sites());
            if (parts.size() == 2) return json_reply(request, bhttp::status::ok, engine_.reload_sites());
            return json_reply(request, bhttp::status::ok, engine_.admin_site(parts[1], parts[2]));
        }
        if (parts[0] == "quotes") {
            if (parts.size() == 1)
                return json_reply(request, bhttp::status::created,
                                  engine_.create_quote(tenant, parse_body(request)));
            return json_reply(request, bhttp::status::ok, engine_.get_quote(tenant, parts[1]));
        }
        // events without an Upgrade header: the stream is WebSocket only.
        FarmResponse res = transfer::error_response(request, bhttp::status::upgrade_required,
                                                    "/api/v1/events is a WebSocket stream");
        res.set(bhttp::field::upgrade, "websocket");
        return res;
    } catch (const ApiError& e) {
        return transfer::error_response(request, e.status, e.what());
    } catch (const std::exception& e) {
        log_line(std::string("farm handler: ") + e.what());
        return transfer::error_response(request, bhttp::status::internal_server_error,
                                        std::string("internal error: ") + e.what());
    }
}

FarmResponse FarmApi::jobs(const FarmRequest& request, const std::string& tenant,
                           const std::vector<std::string>& p) {
    using v = bhttp::verb;
    if (p.size() == 1 && request.method() == v::post)
        return json_reply(request, bhttp::status::created, engine_.create_job(tenant, parse_body(request)));
    if (p.size() == 1) return json_reply(request, bhttp::status::ok, engine_.list_jobs(tenant));
    const std::string& id = p[1];
    if (p.size() == 2) return json_reply(request, bhttp::status::ok, engine_.get_job(tenant, id));
    if (p[2] == "tasks") return json_reply(request, bhttp::status::ok, engine_.job_tasks(tenant, id));
    if (p[2] == "plan") return json_reply(request, bhttp::status::ok, engine_.job_plan(tenant, id));
    if (p[2] == "ledger") return json_reply(request, bhttp::status::ok, engine_.job_ledger(tenant, id));
    if (p[2] == "frames" && p.size() == 3)
        return json_reply(request, bhttp::status::ok, engine_.job_frames(tenant, id));
    if (p[2] == "frames") {
        const auto path = engine_.frame_file(tenant, id, p[3]);
        std::ifstream in(path, std::ios::binary);
        std::ostringstream data;
        data << in.rdbuf();
        FarmResponse res{bhttp::status::ok, request.version()};
        res.set(bhttp::field::content_type, content_type_for(p[3]));
        res.keep_alive(request.keep_alive());
        res.body() = data.str();
        res.prepare_payload();
        engine_.count_bytes_out(res.body().size());
        return res;
    }
    return json_reply(request, bhttp::status::ok,
                      engine_.control_job(tenant, id, p[2], parse_body(request)));
}

}  // namespace farm::gateway
