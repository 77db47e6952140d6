// farm::gateway::Server used as a library, in-process: what a local-farm launcher or a
// test harness embedding the gateway relies on (bound port known before run, stop()).
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "farm/gateway/server.h"
#include "gateway_process.h"
#include "test_client.h"

using namespace farm::gateway::test;

TEST_CASE("an in-process Server serves until stop()", "[gateway][server]") {
    TempDir tmp;
    farm::gateway::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = tmp.path() / "data";
    options.threads = 2;
    farm::gateway::Server server(options);
    REQUIRE(server.port() != 0);
    CHECK(server.url() == "http://127.0.0.1:" + std::to_string(server.port()));

    std::thread runner([&] { server.run(); });
    Response res;
    try {
        TestClient client(server.port());
        res = client.get("/healthz");
    } catch (...) {
        server.stop();
        runner.join();
        throw;
    }
    server.stop();
    runner.join();  // returns: stop() ends every io thread
    CHECK(res.result() == http::status::ok);
}

TEST_CASE("a Server refuses a data dir it cannot create, naming it", "[gateway][server]") {
    TempDir tmp;
    const auto blocker = tmp.path() / "file";
    std::ofstream(blocker) << "not a folder";
    farm::gateway::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = blocker / "data";
    CHECK_THROWS_WITH(farm::gateway::Server(options),
                      Catch::Contains("cannot create data directory") &&
                          Catch::Contains(blocker.string()));
}

TEST_CASE("a Server refuses an address already in use", "[gateway][server]") {
    TempDir tmp;
    farm::gateway::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = tmp.path() / "data";
    farm::gateway::Server first(options);
    options.listen = "127.0.0.1:" + std::to_string(first.port());
    CHECK_THROWS_WITH(farm::gateway::Server(options), Catch::Contains("cannot bind"));
}
