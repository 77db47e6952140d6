#include "api.h"

#include <cstdlib>

#include "farm/transfer/error.h"

namespace farm::cli {

namespace tr = farm::transfer;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {
std::string env_or(const char* name, std::string fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}
}  // namespace

tr::Endpoint endpoint(const GatewayOptions& g) {
    std::string url = g.url.empty() ? env_or("FARM_GATEWAY", "http://127.0.0.1:8080") : g.url;
    std::string token = g.token.empty() ? env_or("FARM_TOKEN", "") : g.token;
    return tr::Endpoint::parse(url, token);
}

fs::path cache_dir(const GatewayOptions& g) {
    if (g.cache == "none") return {};
    if (!g.cache.empty()) return g.cache;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "xixuan";
    if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache/xixuan";
    return {};
}

Api::Api(const GatewayOptions& g) : endpoint_(farm::cli::endpoint(g)), conn_(endpoint_) {}

boost::json::value Api::get(const std::string& target) {
    auto reply = conn_.request(http::verb::get, target);
    tr::expect_success(reply, "GET " + target);
    return boost::json::parse(reply.body);
}

boost::json::array Api::get_array(const std::string& target) {
    boost::json::value v = get(target);
    if (!v.is_array()) {
        throw tr::Error(tr::ErrorKind::io, "GET " + target + ": expected a JSON array");
    }
    return std::move(v.as_array());
}

boost::json::value Api::post(const std::string& target, const boost::json::value& body) {
    std::string text = body.is_null() ? std::string("{}") : boost::json::serialize(body);
    auto reply = conn_.request(http::verb::post, target, text, "application/json");
    tr::expect_success(reply, "POST " + target);
    return reply.body.empty() ? boost::json::value{} : boost::json::parse(reply.body);
}

std::string Api::get_bytes(const std::string& target) {
    auto reply = conn_.request(http::verb::get, target);
    tr::expect_success(reply, "GET " + target);
    return std::move(reply.body);
}

const std::string& checked_job_id(const std::string& id) {
    bool ok = !id.empty() && id.size() <= 64;
    for (char c : id) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!ok) throw tr::Error(tr::ErrorKind::bad_input, "not a job id: '" + id + "'");
    return id;
}

}  // namespace farm::cli
