// Router decisions taken from the header alone, and --listen parsing; no sockets needed.
#include "router.h"

#include <catch2/catch.hpp>

#include "farm/transfer/store.h"
#include "farm/transfer/sync_server.h"
#include "gateway_process.h"
#include "listen_address.h"

namespace gw = farm::gateway;
namespace http = boost::beast::http;
using gw::test::TempDir;

namespace {

gw::Request header(http::verb method, const std::string& target,
                   const std::string& token = {}) {
    gw::Request req{method, target, 11};
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    return req;
}

}  // namespace

TEST_CASE("admission authenticates before anything else", "[gateway][router]") {
    TempDir tmp;
    farm::transfer::Store store(tmp.path() / "store");
    gw::Router router(store, gw::TokenTable::parse(R"({"tok": "studio"})", "inline"));

    auto none = router.admit(header(http::verb::get, "/api/v1/projects"));
    REQUIRE(none.reject);
    CHECK(none.reject->result() == http::status::unauthorized);
    CHECK(none.reject->count(http::field::www_authenticate) == 1);

    // Unknown routes too: an unauthenticated client learns nothing about what exists.
    auto probe = router.admit(header(http::verb::get, "/nope", "wrong"));
    REQUIRE(probe.reject);
    CHECK(probe.reject->result() == http::status::unauthorized);

    auto ok = router.admit(header(http::verb::get, "/api/v1/projects", "tok"));
    CHECK_FALSE(ok.reject);
    CHECK(ok.tenant == "studio");

    // Health probes come from load balancers that hold no token.
    auto health = router.admit(header(http::verb::get, "/healthz"));
    CHECK_FALSE(health.reject);
}

TEST_CASE("admission takes each route's body limit from SyncService",
          "[gateway][router]") {
    TempDir tmp;
    farm::transfer::Store store(tmp.path() / "store");
    gw::Router router(store, gw::TokenTable{});
    namespace tr = farm::transfer;

    auto pack = header(http::verb::post, "/api/v1/chunks");
    CHECK(router.admit(pack).body_limit == tr::kMaxPackBytes);
    pack.content_length(tr::kMaxPackBytes);
    CHECK_FALSE(router.admit(pack).reject);
    pack.content_length(tr::kMaxPackBytes + 1);
    auto refused = router.admit(pack);
    REQUIRE(refused.reject);
    CHECK(refused.reject->result() == http::status::payload_too_large);
    CHECK_THAT(refused.reject->body(),
               Catch::Contains(std::to_string(tr::kMaxPackBytes)));

    auto unknown = header(http::verb::post, "/nope");
    unknown.content_length(tr::kMaxSmallBody + 1);
    auto small = router.admit(unknown);
    REQUIRE(small.reject);
    CHECK(small.reject->result() == http::status::payload_too_large);
}

TEST_CASE("the router accepts sync routes, farm routes and /healthz only", "[gateway][router]") {
    CHECK(gw::Router::accepts(http::verb::get, "/healthz"));
    CHECK(gw::Router::accepts(http::verb::get, "/healthz?verbose=1"));
    CHECK_FALSE(gw::Router::accepts(http::verb::post, "/healthz"));
    CHECK(gw::Router::accepts(http::verb::post, "/api/v1/chunks/missing"));
    CHECK(gw::Router::accepts(http::verb::get, "/api/v1/projects"));
    CHECK_FALSE(gw::Router::accepts(http::verb::get, "/"));
    CHECK_FALSE(gw::Router::accepts(http::verb::get, "/api/v1/nothing"));
    // The farm routes (issue 4) are accepted for their own methods only.
    CHECK(gw::Router::accepts(http::verb::get, "/api/v1/jobs"));
    CHECK_FALSE(gw::Router::accepts(http::verb::delete_, "/api/v1/jobs"));
}

TEST_CASE("listen addresses parse to endpoints", "[gateway][listen]") {
    auto v4 = gw::parse_listen_address("127.0.0.1:0");
    CHECK(v4.address().to_string() == "127.0.0.1");
    CHECK(v4.port() == 0);
    auto v6 = gw::parse_listen_address("[::1]:8080");
    CHECK(v6.address().is_v6());
    CHECK(v6.port() == 8080);
    CHECK(gw::endpoint_url(v6) == "http://[::1]:8080");
    CHECK(gw::endpoint_url(gw::parse_listen_address("0.0.0.0:80")) ==
          "http://0.0.0.0:80");

    CHECK_THROWS_WITH(gw::parse_listen_address("127.0.0.1"),
                      Catch::Contains("needs a port"));
    CHECK_THROWS_WITH(gw::parse_listen_address("127.0.0.1:http"),
                      Catch::Contains("port must be"));
    CHECK_THROWS_WITH(gw::parse_listen_address("127.0.0.1:65536"),
                      Catch::Contains("port must be"));
    CHECK_THROWS_WITH(gw::parse_listen_address("localhost:80"),
                      Catch::Contains("not an IPv4 or IPv6 address"));
}
