// farm-worker against a fake gateway: real agent and renderer processes on loopback, a
// tiny project at a tiny resolution so each case takes seconds. Leases from start to end.
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "test_farm.h"

using namespace farm::test;
using namespace std::chrono_literals;

TEST_CASE("a lease is rendered end to end and its tile uploaded as zstd EXR",
          "[worker]") {
    Farm farm;
    const std::array<int, 4> tile{8, 4, 40, 28};
    farm.gateway.add_lease(farm.lease("l-1", tile));
    auto agent = farm.agent("a1", {"--once"});
    auto rc = agent.wait(90s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.results.size() == 1);
    const auto& r = farm.gateway.results[0];
    CHECK(r.lease_id == "l-1");
    CHECK(r.content_encoding == "zstd");
    CHECK(std::stod(r.render_seconds) > 0);
    CHECK(r.device.find("cpu") != std::string::npos);
    check_tile_exr(unzstd(r.body), farm.tmp.path, tile, 48, 32);
    CHECK(farm.gateway.registrations == 1);
    CHECK(farm.gateway.failures.empty());
    // The snapshot is materialized once in the host cache; scratch and outbox are empty.
    CHECK(fs::is_regular_file(farm.tmp.path / "cache/snapshots/default" / farm.snapshot /
                              "render.json"));
    CHECK(count_entries(farm.tmp.path / "work-a1/tasks") == 0);
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 0);
}

TEST_CASE("a 409 on upload drops the result without crashing", "[worker]") {
    Farm farm;
    farm.gateway.set_result_status(409);
    farm.gateway.add_lease(farm.lease("l-lost", {0, 0, 16, 16}));
    auto agent = farm.agent("a1", {"--once"});
    auto rc = agent.wait(90s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    CHECK(agent.log().find("lease l-lost lost (409") != std::string::npos);
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.results.size() == 1);  // tried once, not again
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 0);
}

TEST_CASE("a lease canceled through the heartbeat kills the render", "[worker]") {
    Farm farm;
    // Far too many samples to finish within the test: only a kill ends it.
    farm.gateway.add_lease(farm.lease("l-cancel", {0, 0, 320, 240}, 320, 240, 65536));
    auto agent = farm.agent("a1", {"--once"});
    std::string line = agent.wait_for_log("rendering (farm-render pid ", 60s);
    INFO(agent.log());
    REQUIRE_FALSE(line.empty());
    pid_t child = render_pid(line);
    REQUIRE(::kill(child, 0) == 0);
    // Heartbeats report the lease while it renders.
    CHECK(farm.gateway.wait_for(
        [&] { return reports(farm.gateway, "l-cancel", "rendering"); }, 10s));
    farm.gateway.cancel("l-cancel");
    auto rc = agent.wait(30s);
    REQUIRE(rc == 0);
    CHECK(agent.log().find("canceled by the gateway: killed farm-render pid " +
                           std::to_string(child)) != std::string::npos);
    CHECK((::kill(child, 0) == -1 && errno == ESRCH));  // killed and reaped
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.results.empty());
    CHECK(farm.gateway.failures.empty());
}

TEST_CASE("a render that fails is reported with /fail and the renderer's error",
          "[worker]") {
    Farm farm(/*broken_scene=*/true);
    farm.gateway.add_lease(farm.lease("l-broken", {0, 0, 16, 16}));
    auto agent = farm.agent("a1", {"--once"});
    auto rc = agent.wait(90s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.results.empty());
    REQUIRE(farm.gateway.failures.size() == 1);
    const auto& f = farm.gateway.failures[0];
    INFO(f.reason);
    CHECK(f.lease_id == "l-broken");
    CHECK(f.reason.find("farm-render exit status 1") != std::string::npos);
    CHECK(f.reason.find("tiny.gltf") != std::string::npos);
    CHECK_FALSE(f.retryable);  // a broken scene fails anywhere
}

TEST_CASE("two agents sharing one cache dir render the same snapshot", "[worker]") {
    Farm farm;
    farm.gateway.add_lease(farm.lease("l-left", {0, 0, 24, 32}));
    farm.gateway.add_lease(farm.lease("l-right", {24, 0, 48, 32}));
    fs::path cache = farm.tmp.path / "shared-cache";
    auto a = farm.agent("a1", {"--once"}, cache);
    auto b = farm.agent("a2", {"--once"}, cache);
    auto rc_a = a.wait(90s);
    auto rc_b = b.wait(90s);
    INFO(a.log() + "\n" + b.log());
    REQUIRE(rc_a == 0);
    REQUIRE(rc_b == 0);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.results.size() == 2);
    for (const auto& r : farm.gateway.results) {
        std::array<int, 4> tile = r.lease_id == "l-left"
                                      ? std::array<int, 4>{0, 0, 24, 32}
                                      : std::array<int, 4>{24, 0, 48, 32};
        check_tile_exr(unzstd(r.body), farm.tmp.path, tile, 48, 32);
    }
    // One materialized snapshot, no half-built copies left behind.
    CHECK(count_entries(cache / "snapshots/default") == 1);
    CHECK(fs::is_regular_file(cache / "snapshots/default" / farm.snapshot / "tiny.gltf"));
}

TEST_CASE("bad invocations are refused with a message", "[worker]") {
    TempDir tmp;
    auto run = [&](std::vector<std::string> args) {
        AgentProcess p(args, tmp.path / "log");
        auto rc = p.wait(30s);
        return std::make_pair(rc.value_or(-1), p.log());
    };
    auto [rc1, log1] = run({FARM_WORKER_BIN, "--site", "x"});
    CHECK(rc1 != 0);
    CHECK(log1.find("--gateway") != std::string::npos);
    auto [rc2, log2] =
        run({FARM_WORKER_BIN, "--gateway", "http://127.0.0.1:1", "--site", "x",
             "--renderer", (tmp.path / "nope").string(), "--work",
             (tmp.path / "w").string(), "--cache", (tmp.path / "c").string()});
    CHECK(rc2 == 2);
    CHECK(log2.find("is not an executable file") != std::string::npos);
    auto [rc3, log3] =
        run({FARM_WORKER_BIN, "--gateway", "ftp://x", "--site", "x", "--renderer",
             FARM_RENDER_BIN, "--work", (tmp.path / "w").string(), "--cache",
             (tmp.path / "c").string()});
    CHECK(rc3 == 2);
    CHECK(log3.find("http://host:port") != std::string::npos);
}

TEST_CASE("two slots render two leases at once, a tile and a whole frame", "[worker]") {
    Farm farm;
    farm.gateway.add_lease(farm.lease("l-a", {0, 0, 24, 32}));
    auto whole_frame = farm.lease("l-b", {0, 0, 48, 32});
    whole_frame["tile"] = nullptr;  // no tile: the whole frame
    farm.gateway.add_lease(whole_frame);
    auto agent = farm.agent("a1", {"--slots", "2"});
    CHECK(farm.gateway.wait_for([&] { return farm.gateway.results.size() == 2; }, 90s));
    agent.signal(SIGTERM);
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.registrations == 1);
    CHECK(farm.gateway.failures.empty());
    REQUIRE(farm.gateway.results.size() == 2);
    for (const auto& r : farm.gateway.results) {
        auto tile = r.lease_id == "l-a" ? std::array<int, 4>{0, 0, 24, 32}
                                        : std::array<int, 4>{0, 0, 48, 32};
        check_tile_exr(unzstd(r.body), farm.tmp.path, tile, 48, 32);
    }
}

TEST_CASE("a lease naming an unknown snapshot or a hostile settings path is failed",
          "[worker]") {
    Farm farm;
    auto unknown = farm.lease("l-nosnap", {0, 0, 16, 16});
    unknown["snapshot"] = std::string(64, '0');
    auto hostile = farm.lease("l-escape", {0, 0, 16, 16});
    hostile["settings"] = "../../../etc/passwd";
    farm.gateway.add_lease(unknown);
    farm.gateway.add_lease(hostile);
    auto agent = farm.agent("a1");
    CHECK(farm.gateway.wait_for([&] { return farm.gateway.failures.size() == 2; }, 60s));
    agent.signal(SIGTERM);
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.failures.size() == 2);
    for (const auto& f : farm.gateway.failures) {
        INFO(f.reason);
        if (f.lease_id == "l-nosnap") {
            CHECK(f.reason.find("cannot fetch the snapshot") != std::string::npos);
            CHECK(f.retryable);  // the gateway refused: maybe this worker's fault
        } else {
            CHECK(f.lease_id == "l-escape");
            CHECK(f.reason.find("bad settings path") != std::string::npos);
            CHECK_FALSE(f.retryable);
        }
    }
    CHECK(farm.gateway.results.empty());
}

TEST_CASE("heartbeats carry the renderer's progress", "[worker]") {
    Farm farm;
    // 48 blocks of 16x16 at many samples each: partial progress long before the end.
    farm.gateway.add_lease(farm.lease("l-progress", {0, 0, 128, 96}, 128, 96, 16384));
    auto agent = farm.agent("a1");
    auto partial = [&] {
        for (const auto& hb : farm.gateway.heartbeats)
            for (const auto& l : hb.at("leases").as_array()) {
                double p = l.at("progress").to_number<double>();
                if (l.at("lease_id").as_string() == "l-progress" && p > 0 && p < 1)
                    return true;
            }
        return false;
    };
    CHECK(farm.gateway.wait_for(partial, 90s));
    agent.signal(SIGTERM);  // abandons the render
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
}
