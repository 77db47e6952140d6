// gateway/api/openapi.yaml is the API's source of truth (after Flamenco's compile-time
// check): every operation it lists must have a handler, and every route of
// transfer/PROTOCOL.md must be listed. A small line-based reader is enough because the
// document keeps to one layout: paths at two spaces of indent, methods at four.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>

#include "gateway_process.h"
#include "router.h"
#include "test_client.h"

using namespace farm::gateway::test;
namespace fs = std::filesystem;

#ifndef FARM_SOURCE_DIR
#error "FARM_SOURCE_DIR must name the source tree"
#endif

namespace {

struct Operation {
    std::string method;  // upper case, as on the wire
    std::string path;    // with {params}
    bool operator<(const Operation& o) const {
        return std::tie(path, method) < std::tie(o.path, o.method);
    }
};

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::set<Operation> openapi_operations() {
    std::ifstream in(fs::path(FARM_SOURCE_DIR) / "gateway" / "api" / "openapi.yaml");
    REQUIRE(in);
    const std::regex path_line(R"(^  (/[^:\s]*):\s*$)");
    const std::regex method_line(R"(^    (get|put|post|delete|patch|head|options):\s*$)");
    std::set<Operation> ops;
    std::string line, current;
    bool in_paths = false;
    std::smatch m;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != ' ' && line[0] != '#')
            in_paths = line == "paths:";
        if (!in_paths) continue;
        if (std::regex_match(line, m, path_line)) {
            current = m[1];
        } else if (std::regex_match(line, m, method_line)) {
            REQUIRE_FALSE(current.empty());
            ops.insert({upper(m[1]), current});
        }
    }
    return ops;
}

// Rows of the route table: | METHOD | `/route[?query]` | ...
std::set<Operation> protocol_routes() {
    std::ifstream in(fs::path(FARM_SOURCE_DIR) / "transfer" / "PROTOCOL.md");
    REQUIRE(in);
    const std::regex row(R"(^\|\s*(GET|POST|PUT|DELETE|PATCH)\s*\|\s*`([^`]+)`)");
    std::set<Operation> routes;
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (!std::regex_search(line, m, row)) continue;
        // "[?base={id}]" marks an optional query: not part of the path.
        routes.insert(
            {m[1], std::regex_replace(std::string(m[2]), std::regex(R"(\[.*\])"), "")});
    }
    return routes;
}

// A concrete target for a templated path: ids are 64 hex digits, names a valid name.
std::string sample_target(const std::string& path) {
    std::string out =
        std::regex_replace(path, std::regex(R"(\{id\})"), std::string(64, 'a'));
    return std::regex_replace(out, std::regex(R"(\{[^}]+\})"), "demo");
}

}  // namespace

TEST_CASE("openapi.yaml is OpenAPI 3.0 and lists operations", "[gateway][openapi]") {
    std::ifstream in(fs::path(FARM_SOURCE_DIR) / "gateway" / "api" / "openapi.yaml");
    std::string first;
    std::getline(in, first);
    CHECK(first.starts_with("openapi: 3.0"));
    CHECK(openapi_operations().size() >= 10);
}

TEST_CASE("every OpenAPI operation is accepted by the router", "[gateway][openapi]") {
    for (const Operation& op : openapi_operations()) {
        INFO(op.method << " " << op.path);
        CHECK(farm::gateway::Router::accepts(http::string_to_verb(op.method),
                                             sample_target(op.path)));
    }
}

TEST_CASE("every route in transfer/PROTOCOL.md is in openapi.yaml",
          "[gateway][openapi]") {
    const auto documented = openapi_operations();
    const auto routes = protocol_routes();
    CHECK(routes.size() >= 9);
    for (const Operation& route : routes) {
        INFO(route.method << " " << route.path);
        CHECK(documented.count(route) == 1);
    }
}

// Router::accepts trusts SyncService::owns, which matches route prefixes; this asks the
// running gateway, so an operation whose method or exact path nobody handles fails too.
TEST_CASE("every OpenAPI operation reaches a handler in the running gateway",
          "[gateway][openapi]") {
    TempDir tmp;
    GatewayOptions options;
    options.data_dir = tmp.path() / "data";
    GatewayProcess gateway(options);
    TestClient client(gateway.port());
    for (const Operation& op : openapi_operations()) {
        INFO(op.method << " " << op.path);
        auto res =
            client.request(http::string_to_verb(op.method), sample_target(op.path));
        INFO("answer " << res.result_int() << " " << res.body());
        CHECK(res.result() != http::status::method_not_allowed);
        CHECK(res.result() != http::status::not_implemented);
        if (res.result() == http::status::not_found) {
            CHECK_FALSE(error_of(res).starts_with("no route"));
        }
    }
}
