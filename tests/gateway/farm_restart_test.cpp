// kill -9 of the gateway mid-job, then a restart on the same data: the queue, the leases
// still heartbeating, finished frames and the event history (with its seqs) all survive,
// and the job completes with every frame written once.
#include <catch2/catch.hpp>
#include <thread>

#include "farm_fixture.h"

using namespace farm::gateway::test;

TEST_CASE("kill -9 of the gateway mid-job keeps the queue and the events",
          "[gateway][farm][restart]") {
    Farm farm;
    const std::string id(
        farm.submit(R"({"project": "shot", "frames": [1, 3], "split": {"tiles_x": 2, "tiles_y": 1}})")
            .at("id").as_string());
    std::optional<json::object> held;
    std::string worker_id;
    {
        FakeWorker w(farm.gateway->port());
        worker_id = w.id;
        for (int i = 0; i < 2; ++i) {  // frame 1 done
            auto l = w.lease();
            REQUIRE(l);
            REQUIRE(w.upload(*l).result_int() == 200);
        }
        held = w.lease();  // frame 2, tile 0: leased when the gateway dies
        REQUIRE(held);
    }
    std::vector<json::object> before;
    {
        Watcher replay(farm.gateway->port(), "?job=" + id + "&since=0", 2);
        while (auto e = replay.next()) before.push_back(*e);
    }
    REQUIRE(before.size() > 5);

    farm.restart({});
    auto job = farm.job(id);
    CHECK(job.at("frames_done") == 1);
    CHECK(job.at("tasks").at("done") == 2);
    CHECK(job.at("tasks").at("leased") == 1);

    // The events replay with the same seqs, and new ones continue after them.
    std::vector<json::object> after;
    {
        Watcher replay(farm.gateway->port(), "?job=" + id + "&since=0", 2);
        while (auto e = replay.next()) after.push_back(*e);
    }
    REQUIRE(after.size() == before.size());
    CHECK(after == before);

    // The same worker id carries on: its held lease is still its own.
    FakeWorker w(farm.gateway->port());
    w.id = worker_id;
    w.heartbeat({std::string(held->at("lease_id").as_string())});
    CHECK(w.upload(*held).result_int() == 200);
    for (int guard = 0; guard < 20 && farm.job(id).at("state") != "done"; ++guard) {
        auto l = w.lease(2);
        if (l) REQUIRE(w.upload(*l).result_int() == 200);
    }
    job = farm.job(id);
    CHECK(job.at("state") == "done");
    CHECK(job.at("frames_done") == 3);
    auto frames = json_body(farm.client().get("/api/v1/jobs/" + id + "/frames")).as_array();
    CHECK(frames.size() == 3);
    Watcher replay(farm.gateway->port(), "?job=" + id + "&since=" +
                                            std::to_string(before.back().at("seq").to_number<std::int64_t>()), 2);
    auto next = replay.next();
    REQUIRE(next);
    CHECK(next->at("seq").to_number<std::int64_t>() > before.back().at("seq").to_number<std::int64_t>());
}
