#include "router.h"

#include <boost/json.hpp>
#include <exception>

#include "farm/api.h"
#include "farm/transfer/store.h"
#include "log.h"

namespace farm::gateway {

namespace json = boost::json;

namespace {

constexpr std::string_view kHealthz = "/healthz";

// The path without its query: routes match on the path alone.
std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

bool is_health(std::string_view target) { return path_of(target) == kHealthz; }

Response json_response(const Request& request, http::status status,
                       const json::value& body) {
    Response res{status, request.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(request.keep_alive());
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
}

}  // namespace

Router::Router(transfer::Store& store, TokenTable tokens)
    : tokens_(std::move(tokens)), sync_(store) {}

bool Router::accepts(http::verb method, std::string_view target) {
    if (is_health(target)) return method == http::verb::get;
    // SyncService answers every method on its own routes (405 for the wrong one), so the
    // path is what decides whether a handler exists.
    if (FarmApi::owns(target)) return FarmApi::accepts(method, target);
    return transfer::SyncService::owns(target);
}

std::size_t Router::body_limit(http::verb method, std::string_view target) {
    if (transfer::SyncService::owns(target)) {
        return transfer::SyncService::body_limit(method, target);
    }
    if (FarmApi::owns(target)) return FarmApi::body_limit(method, target);
    // Unknown routes and /healthz still get their (small) body read, so the 404 can keep
    // the connection alive for the next pipelined request.
    return transfer::kMaxSmallBody;
}

Admission Router::admit(const Request& header) const {
    Admission verdict;
    const std::string_view target = header.target();
    if (is_health(target)) {
        verdict.tenant = std::string(kOpenTenant);
    } else {
        auto tenant = tokens_.tenant_for(header[http::field::authorization]);
        if (!tenant) {
            const bool absent = header.find(http::field::authorization) == header.end();
            Response res = error(header, http::status::unauthorized,
                                 absent ? "missing Authorization: Bearer <token> header"
                                        : "invalid or unknown bearer token");
            res.set(http::field::www_authenticate, "Bearer realm=\"farm-gateway\"");
            verdict.reject = std::move(res);
            return verdict;
        }
        verdict.tenant = std::move(*tenant);
        const bool worker = verdict.tenant == kWorkerRole;
        // Worker routes need the worker role once tokens are in use: a studio token must
        // not lease (and so read) other studios' tasks.
        if (!worker && !open() && FarmApi::is_worker_route(header.method(), target)) {
            verdict.reject = error(header, http::status::forbidden,
                                   "this route needs a token with the worker role");
            return verdict;
        }
        // Operator routes need the operator role once tokens are in use: a studio must not
        // drain another's sites or rewrite prices; and an operator token is only that.
        const bool op_route = FarmApi::is_operator_route(header.method(), target);
        const bool op = verdict.tenant == kOperatorRole;
        if (!open() && op_route && !op) {
            verdict.reject = error(header, http::status::forbidden,
                                   "this route needs a token with the operator role");
            return verdict;
        }
        if (!open() && op && !op_route && header.method() != http::verb::get) {
            verdict.reject = error(header, http::status::forbidden,
                                   "an operator token may only read and run operator routes");
            return verdict;
        }
        // A worker (or anyone, when open) fetches a job's chunks as the job's tenant.
        if (worker || open()) {
            const std::string named(header["X-Farm-Tenant"]);
            if (!named.empty()) {
                try {
                    transfer::validate_name(named, "X-Farm-Tenant");
                    verdict.tenant = named;
                } catch (const std::exception& e) {
                    verdict.reject = error(header, http::status::bad_request, e.what());
                    return verdict;
                }
            } else if (worker) {
                verdict.tenant = std::string(kOpenTenant);
            }
        }
    }
    verdict.body_limit = body_limit(header.method(), target);
    // Checked here, not by the parser: Beast would only report a bare error, and the
    // client deserves to know the limit it ran into.
    if (header.has_content_length()) {
        const auto declared = header[http::field::content_length];
        std::uint64_t length = 0;
        try {
            length = std::stoull(std::string(declared));
        } catch (const std::exception&) {
            length = UINT64_MAX;  // the parser already refused malformed lengths
        }
        if (length > verdict.body_limit) {
            verdict.reject = error(header, http::status::payload_too_large,
                                   "request body of " + std::to_string(length) +
                                       " bytes exceeds the limit of " +
                                       std::to_string(verdict.body_limit) +
                                       " bytes for " + std::string(path_of(target)));
        }
    }
    return verdict;
}

Response Router::handle(const Request& request, const std::string& tenant) {
    const std::string_view target = request.target();
    try {
        if (is_health(target)) {
            if (request.method() != http::verb::get) {
                Response res = error(request, http::status::method_not_allowed,
                                     "/healthz only answers GET");
                res.set(http::field::allow, "GET");
                return res;
            }
            return json_response(request, http::status::ok, {{"status", "ok"}});
        }
        if (transfer::SyncService::owns(target)) return sync_.handle(request, tenant);
        if (farm_ && FarmApi::owns(target)) return farm_->handle(request, tenant);
        return error(request, http::status::not_found,
                     "no route " + std::string(request.method_string()) + " " +
                         std::string(path_of(target)));
    } catch (const std::exception& e) {
        // SyncService promises not to throw; this keeps one bad handler from taking the
        // connection (or, uncaught on an io thread, the whole gateway) down.
        log_line(std::string("handler threw: ") + e.what());
        return error(request, http::status::internal_server_error,
                     std::string("internal error: ") + e.what());
    }
}

bool Router::handle_async(const Request& request, const std::string& tenant,
                          std::function<void(Response)> done) {
    if (!farm_ || !FarmApi::is_async(request.method(), request.target())) return false;
    farm_->handle_async(request, tenant, std::move(done));
    return true;
}

Response Router::error(const Request& request, http::status status,
                       std::string_view message) {
    // The sync routes' own helper, so every error the gateway sends looks the same.
    return transfer::error_response(request, status, message);
}

}  // namespace farm::gateway
