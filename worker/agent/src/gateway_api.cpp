#include "gateway_api.h"

#include <boost/json.hpp>

namespace farm::worker {

namespace json = boost::json;

namespace {

std::string text(const json::object& o, const char* name, bool required = true) {
    const json::value* v = o.if_contains(name);
    if (!v || v->is_null()) {
        if (required)
            throw std::invalid_argument(std::string("lease has no '") + name + "'");
        return {};
    }
    if (!v->is_string())
        throw std::invalid_argument(std::string("lease '") + name + "' is not a string");
    return std::string(v->as_string());
}

int integer(const json::object& o, const char* name, int fallback) {
    const json::value* v = o.if_contains(name);
    if (!v || v->is_null()) return fallback;
    try {
        return v->to_number<int>();
    } catch (const std::exception&) {
        throw std::invalid_argument(std::string("lease '") + name +
                                    "' is not an integer");
    }
}

}  // namespace

void throw_if_server_error(const Reply& reply, const std::string& what) {
    if (reply.status >= 500)
        throw TransportError(what + ": gateway answered " + std::to_string(reply.status) +
                             ": " + reply.error_text());
}

Lease Lease::from_json(const std::string& body) {
    boost::system::error_code ec;
    json::value doc = json::parse(body, ec);
    if (ec || !doc.is_object()) throw std::invalid_argument("lease is not a JSON object");
    const json::object& o = doc.as_object();
    Lease l;
    l.lease_id = text(o, "lease_id");
    l.task_id = text(o, "task_id", false);
    l.job_id = text(o, "job_id", false);
    l.tenant = text(o, "tenant", false);
    if (l.tenant.empty()) l.tenant = "default";
    l.project = text(o, "project", false);
    l.snapshot = text(o, "snapshot");
    l.settings = text(o, "settings", false);
    if (l.settings.empty()) l.settings = "render.json";
    l.camera = text(o, "camera", false);
    l.frame = integer(o, "frame", 1);
    l.width = integer(o, "width", 0);
    l.height = integer(o, "height", 0);
    l.spp = integer(o, "spp", 0);
    l.max_depth = integer(o, "max_depth", 0);
    l.attempt = integer(o, "attempt", 0);
    if (const json::value* t = o.if_contains("tile"); t && !t->is_null()) {
        if (!t->is_array() || t->as_array().size() != 4)
            throw std::invalid_argument("lease 'tile' is not [x0,y0,x1,y1]");
        std::array<int, 4> r{};
        for (int i = 0; i < 4; ++i) r[i] = t->as_array()[i].to_number<int>();
        l.tile = r;
    }
    return l;
}

Registration GatewayApi::register_worker(const WorkerInfo& info) {
    json::array gpus;
    for (const GpuInfo& g : info.gpus)
        gpus.push_back(json::object{{"name", g.name}, {"memory_bytes", g.memory_bytes}});
    json::object body{
        {"name", info.name},           {"site", info.site},
        {"cpu_cores", info.cpu_cores}, {"memory_bytes", info.memory_bytes},
        {"gpus", std::move(gpus)},     {"renderer_version", info.renderer_version},
        {"slots", info.slots}};
    if (info.bench_mrays_per_s > 0)
        body["bench"] = json::object{{"mrays_per_s", info.bench_mrays_per_s},
                                     {"device", info.bench_device}};
    Reply r = http_.request(http::verb::post, "/api/v1/workers", json::serialize(body));
    throw_if_server_error(r, "registering");
    if (r.status != 200 && r.status != 201)
        throw GatewayError(r.status, "registering: gateway answered " +
                                         std::to_string(r.status) + ": " +
                                         r.error_text());
    json::value doc = json::parse(r.body);
    const json::object& o = doc.as_object();
    Registration reg;
    reg.worker_id = std::string(o.at("worker_id").as_string());
    if (auto* v = o.if_contains("heartbeat_interval_s"))
        reg.heartbeat_interval_s = v->to_number<double>();
    if (auto* v = o.if_contains("lease_timeout_s"))
        reg.lease_timeout_s = v->to_number<double>();
    return reg;
}

std::optional<Lease> GatewayApi::poll_lease(const std::string& worker_id, int wait_s) {
    Reply r = http_.request(
        http::verb::post,
        "/api/v1/workers/" + worker_id + "/lease?wait_s=" + std::to_string(wait_s), "{}",
        {}, std::chrono::seconds(wait_s + 30));
    throw_if_server_error(r, "polling for a lease");
    if (r.status == 204) return std::nullopt;
    if (r.status == 404) throw UnknownWorker("gateway does not know worker " + worker_id);
    if (r.status != 200)
        throw GatewayError(r.status, "polling for a lease: gateway answered " +
                                         std::to_string(r.status) + ": " +
                                         r.error_text());
    return Lease::from_json(r.body);
}

std::vector<std::string> GatewayApi::heartbeat(const std::string& worker_id,
                                               const std::vector<LeaseReport>& leases) {
    json::array list;
    for (const LeaseReport& l : leases)
        list.push_back(json::object{
            {"lease_id", l.lease_id}, {"state", l.state}, {"progress", l.progress}});
    Reply r =
        http_.request(http::verb::post, "/api/v1/workers/" + worker_id + "/heartbeat",
                      json::serialize(json::object{{"leases", std::move(list)}}), {},
                      std::chrono::seconds(30));
    throw_if_server_error(r, "heartbeat");
    if (r.status == 404) throw UnknownWorker("gateway does not know worker " + worker_id);
    if (r.status != 200)
        throw GatewayError(r.status, "heartbeat: gateway answered " +
                                         std::to_string(r.status) + ": " +
                                         r.error_text());
    std::vector<std::string> cancel;
    boost::system::error_code ec;
    json::value doc = json::parse(r.body, ec);
    if (!ec && doc.is_object()) {
        if (auto* c = doc.as_object().if_contains("cancel"); c && c->is_array())
            for (const auto& id : c->as_array())
                if (id.is_string()) cancel.emplace_back(id.as_string());
    }
    return cancel;
}

Reply GatewayApi::upload_result(const std::string& lease_id,
                                const std::filesystem::path& exr_zst, const ResultMeta& m) {
    http::fields h;
    h.set(http::field::content_type, "image/x-exr");
    h.set(http::field::content_encoding, "zstd");
    auto number = [&](const char* name, double v, const char* fmt) {
        char buf[48];
        std::snprintf(buf, sizeof buf, fmt, v);
        h.set(name, buf);
    };
    number("X-Farm-Render-Seconds", m.render_seconds, "%.3f");
    if (m.trace_seconds > 0) number("X-Farm-Trace-Seconds", m.trace_seconds, "%.4f");
    if (m.rays > 0) number("X-Farm-Rays", m.rays, "%.0f");
    if (m.fetched_bytes > 0) number("X-Farm-Fetched-Bytes", m.fetched_bytes, "%.0f");
    if (!m.device.empty()) h.set("X-Farm-Device", m.device);
    if (!m.worker_id.empty()) h.set("X-Farm-Worker", m.worker_id);
    return http_.send_file(http::verb::put, "/api/v1/leases/" + lease_id + "/result",
                           exr_zst, h);
}

Reply GatewayApi::report_failure(const std::string& lease_id, const std::string& reason,
                                 bool retryable) {
    json::object body{{"reason", reason}, {"retryable", retryable}};
    return http_.request(http::verb::post, "/api/v1/leases/" + lease_id + "/fail",
                         json::serialize(body));
}

}  // namespace farm::worker
