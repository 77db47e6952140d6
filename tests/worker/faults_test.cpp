// farm-worker when things go wrong around it: the gateway goes away and comes back
// without its state, the agent is stopped or killed mid-task.
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "test_farm.h"

using namespace farm::test;
using namespace std::chrono_literals;

TEST_CASE(
    "gateway down then back: the pending result is uploaded and the worker re-registers",
    "[worker]") {
    Farm farm;
    const std::array<int, 4> tile{0, 0, 48, 32};
    // The first upload meets a 503 (transient): the result then waits in the outbox while
    // the gateway goes away entirely.
    farm.gateway.set_result_status(503);
    farm.gateway.add_lease(farm.lease("l-wait", tile));
    auto agent = farm.agent("a1", {"--grace-s", "5"});
    REQUIRE(farm.gateway.wait_for([&] { return !farm.gateway.results.empty(); }, 60s));
    farm.gateway.go_down();
    INFO(agent.log());
    // Let uploads, heartbeats and lease polls fail against a closed port for a while
    // (the agent logs the first failure, then holds repeats back).
    std::this_thread::sleep_for(4s);
    // It comes back without its state: the agent must register again.
    farm.gateway.set_result_status(200);
    farm.gateway.forget_workers();
    farm.gateway.come_back();
    auto accepted = [&] {
        for (const auto& r : farm.gateway.results)
            if (r.status == 200) return true;
        return false;
    };
    CHECK(farm.gateway.wait_for(accepted, 30s));
    CHECK(farm.gateway.wait_for([&] { return farm.gateway.registrations >= 2; }, 30s));
    agent.signal(SIGTERM);
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    CHECK(agent.log().find("outbox: gateway reachable again after") != std::string::npos);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.results.back().status == 200);
    check_tile_exr(unzstd(farm.gateway.results.back().body), farm.tmp.path, tile, 48, 32);
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 0);
}

TEST_CASE("SIGTERM during a render reports the task as retryable and exits", "[worker]") {
    Farm farm;
    farm.gateway.add_lease(farm.lease("l-term", {0, 0, 320, 240}, 320, 240, 65536));
    auto agent = farm.agent("a1");
    REQUIRE_FALSE(agent.wait_for_log("rendering (farm-render pid ", 60s).empty());
    agent.signal(SIGTERM);
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.failures.size() == 1);
    CHECK(farm.gateway.failures[0].retryable);
    CHECK(farm.gateway.failures[0].reason.find("worker stopping") != std::string::npos);
}

TEST_CASE("a result left undelivered by a killed agent is uploaded by the next start",
          "[worker]") {
    Farm farm;
    const std::array<int, 4> tile{16, 8, 48, 32};
    farm.gateway.set_result_status(503);
    farm.gateway.add_lease(farm.lease("l-kept", tile));
    {
        auto first = farm.agent("a1");
        REQUIRE(
            farm.gateway.wait_for([&] { return !farm.gateway.results.empty(); }, 60s));
        first.signal(SIGKILL);
        REQUIRE(first.wait(10s));
    }
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 2);  // payload + its record
    farm.gateway.set_result_status(200);
    auto second = farm.agent("a1");
    CHECK(farm.gateway.wait_for([&] { return farm.gateway.results.back().status == 200; },
                                30s));
    second.signal(SIGTERM);
    auto rc = second.wait(30s);
    INFO(second.log());
    REQUIRE(rc == 0);
    CHECK(second.log().find("undelivered entries from an earlier run") !=
          std::string::npos);
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.results.back().lease_id == "l-kept");
    check_tile_exr(unzstd(farm.gateway.results.back().body), farm.tmp.path, tile, 48, 32);
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 0);
}

TEST_CASE("kill -9 of the agent takes its render down too", "[worker]") {
    Farm farm;
    farm.gateway.add_lease(farm.lease("l-orphan", {0, 0, 320, 240}, 320, 240, 65536));
    auto agent = farm.agent("a1");
    std::string line = agent.wait_for_log("rendering (farm-render pid ", 60s);
    INFO(agent.log());
    REQUIRE_FALSE(line.empty());
    pid_t child = render_pid(line);
    agent.signal(SIGKILL);
    REQUIRE(agent.wait(10s));
    // The child (now re-parented to init or a subreaper) must die, not render on.
    bool gone = false;
    for (int i = 0; i < 200 && !gone; ++i) {
        std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), {});
        gone =
            text.empty() || text.find(") Z ") != std::string::npos;  // absent or a zombie
        if (!gone) std::this_thread::sleep_for(50ms);
    }
    CHECK(gone);
}
