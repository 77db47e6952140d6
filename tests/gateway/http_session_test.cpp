// The gateway's HTTP behaviour, through the real binary on loopback: startup contract,
// health, unknown routes, limits, auth, malformed input, pipelining and shutdown.
#include <catch2/catch.hpp>
#include <fstream>

#include "farm/transfer/sync_server.h"
#include "gateway_process.h"
#include "test_client.h"

using namespace farm::gateway::test;
namespace tr = farm::transfer;

namespace {

// A gateway in a fresh temp dir, optionally with a tokens file.
struct Gateway {
    explicit Gateway(const std::string& tokens_json = {}) {
        GatewayOptions options;
        options.data_dir = tmp.path() / "data";
        if (!tokens_json.empty()) {
            options.tokens_file = tmp.path() / "tokens.json";
            std::ofstream(options.tokens_file) << tokens_json;
        }
        process.emplace(options);
    }
    TempDir tmp;
    std::optional<GatewayProcess> process;
    std::uint16_t port() const { return process->port(); }
};

std::string raw_header(const std::string& request_line, const std::string& fields = {}) {
    return request_line + "\r\nHost: 127.0.0.1\r\n" + fields + "\r\n";
}

}  // namespace

TEST_CASE("the gateway announces one line and its port", "[gateway][http]") {
    Gateway gw;
    CHECK(gw.process->stdout_text() == "farm-gateway listening on http://127.0.0.1:" +
                                           std::to_string(gw.port()) + "\n");
    CHECK(std::filesystem::is_directory(gw.tmp.path() / "data" / "store"));
}

TEST_CASE("GET /healthz answers 200 JSON, without a token", "[gateway][http]") {
    Gateway gw(R"({"tok": "studio"})");
    TestClient client(gw.port());
    auto res = client.get("/healthz");
    CHECK(res.result() == http::status::ok);
    CHECK(res[http::field::content_type] == "application/json");
    CHECK(json_body(res).at("status") == "ok");
}

TEST_CASE("unknown routes get 404 JSON and the connection stays usable",
          "[gateway][http]") {
    Gateway gw;
    TestClient client(gw.port());
    auto res = client.get("/api/v2/nothing-here?x=1");
    CHECK(res.result() == http::status::not_found);
    CHECK_THAT(error_of(res), Catch::Contains("/api/v2/nothing-here"));
    CHECK(res.keep_alive());
    CHECK(client.get("/healthz").result() == http::status::ok);
}

TEST_CASE("an oversized body gets 413 JSON before it is read, then the connection closes",
          "[gateway][http]") {
    Gateway gw;
    TestClient client(gw.port());

    SECTION("declared by Content-Length: refused from the header alone") {
        // Only the header is sent: a 413 proves the server did not wait for the body.
        const auto too_big = std::to_string(tr::kMaxIdListBytes + 1);
        auto res = client.raw_exchange(raw_header("POST /api/v1/chunks/missing HTTP/1.1",
                                                  "Content-Length: " + too_big + "\r\n"));
        CHECK(res.result() == http::status::payload_too_large);
        CHECK_THAT(error_of(res),
                   Catch::Contains(too_big) &&
                       Catch::Contains(std::to_string(tr::kMaxIdListBytes)));
        CHECK_FALSE(res.keep_alive());
        CHECK(client.server_closed());
    }
    SECTION("a small route's limit, with the body actually sent") {
        auto res = client.post("/api/v1/gc", std::string(tr::kMaxSmallBody + 1, 'x'));
        CHECK(res.result() == http::status::payload_too_large);
        CHECK_FALSE(error_of(res).empty());
    }
    SECTION("chunked: the size is only known while reading") {
        const std::string chunk(32 * 1024, 'x');
        std::string body;
        for (int i = 0; i < 3; ++i) body += "8000\r\n" + chunk + "\r\n";
        body += "0\r\n\r\n";
        auto res = client.raw_exchange(
            raw_header("POST /api/v1/gc HTTP/1.1", "Transfer-Encoding: chunked\r\n") +
            body);
        CHECK(res.result() == http::status::payload_too_large);
        CHECK_THAT(error_of(res), Catch::Contains(std::to_string(tr::kMaxSmallBody)));
        CHECK(client.server_closed());
    }
}

TEST_CASE("Expect: 100-continue gets a 100 before the body, or the refusal instead",
          "[gateway][http]") {
    Gateway gw;
    TestClient client(gw.port());
    const std::string expect = "Expect: 100-continue\r\n";

    client.write_raw(raw_header("POST /api/v1/chunks/missing HTTP/1.1",
                                expect + "Content-Length: 64\r\n"));
    CHECK(client.read_response().result() == http::status::continue_);
    client.write_raw(std::string(64, '\7'));
    auto res = client.read_response();
    CHECK(res.result() == http::status::ok);
    CHECK(res.body().size() == 64);  // both ids are missing

    // Too large: the final answer comes at once, and the body is never asked for.
    auto refused = client.raw_exchange(raw_header(
        "POST /api/v1/chunks HTTP/1.1",
        expect + "Content-Length: " + std::to_string(tr::kMaxPackBytes + 1) + "\r\n"));
    CHECK(refused.result() == http::status::payload_too_large);
}

TEST_CASE("with --tokens, requests need a valid bearer token", "[gateway][http][auth]") {
    Gateway gw(R"({"tok-a": "studio-a"})");
    TestClient client(gw.port());

    auto missing = client.get("/api/v1/projects");
    CHECK(missing.result() == http::status::unauthorized);
    CHECK_THAT(error_of(missing), Catch::Contains("Authorization"));
    CHECK(missing[http::field::www_authenticate].starts_with("Bearer"));

    client.set_token("tok-b");
    auto wrong = client.post("/api/v1/chunks/missing", std::string(32, '\1'));
    CHECK(wrong.result() == http::status::unauthorized);
    CHECK_FALSE(error_of(wrong).empty());

    client.set_token("tok-a");
    auto ok = client.get("/api/v1/projects");
    CHECK(ok.result() == http::status::ok);
    CHECK(json_body(ok).as_array().empty());
}

TEST_CASE("malformed HTTP gets 400 JSON and a close", "[gateway][http]") {
    Gateway gw;
    TestClient client(gw.port());
    auto res = client.raw_exchange("GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n");
    CHECK(res.result() == http::status::bad_request);
    CHECK_THAT(error_of(res), Catch::Contains("malformed"));
    CHECK(client.server_closed());
}

TEST_CASE("pipelined requests are answered in order on one connection",
          "[gateway][http]") {
    Gateway gw;
    TestClient client(gw.port());
    std::string batch;
    const char* targets[] = {"/healthz", "/nope", "/api/v1/projects"};
    for (int round = 0; round < 4; ++round) {  // more than the session's queue holds
        for (const char* t : targets)
            batch += raw_header(std::string("GET ") + t + " HTTP/1.1");
    }
    client.write_raw(batch);
    for (int round = 0; round < 4; ++round) {
        CHECK(client.read_response().result() == http::status::ok);
        CHECK(client.read_response().result() == http::status::not_found);
        auto projects = client.read_response();
        CHECK(projects.result() == http::status::ok);
        CHECK(json_body(projects).is_array());
    }
}

TEST_CASE("SIGTERM stops the gateway with exit status 0", "[gateway][http]") {
    Gateway gw;
    TestClient client(gw.port());
    REQUIRE(client.get("/healthz").result() == http::status::ok);  // an idle keep-alive
    CHECK(gw.process->terminate() == 0);
    CHECK_THAT(gw.process->stderr_text(), Catch::Contains("shutting down"));
}

TEST_CASE("bad command lines fail at start with a clear message", "[gateway][http]") {
    TempDir tmp;
    GatewayOptions options;
    options.data_dir = tmp.path() / "data";

    SECTION("a listen address that is not an address") {
        options.listen = "nowhere:80";
        CHECK_THROWS_WITH(GatewayProcess(options), Catch::Contains("nowhere"));
    }
    SECTION("a tokens file that is not JSON") {
        options.tokens_file = tmp.path() / "tokens.json";
        std::ofstream(options.tokens_file) << "{not json";
        CHECK_THROWS_WITH(GatewayProcess(options), Catch::Contains("not valid JSON"));
    }
}
