// The WebSocket event stream: every state change of a job in order with strictly
// increasing seq, replay with since= (no gap, no duplicate), and malformed messages
// answered with an error event on a connection that stays open.
#include <catch2/catch.hpp>
#include <map>

#include "farm_fixture.h"

using namespace farm::gateway::test;

namespace {

// Reads until a `job` event with state `state` (or a timeout); returns everything read.
std::vector<json::object> read_until_job(Watcher& w, const std::string& state) {
    std::vector<json::object> seen;
    while (auto e = w.next()) {
        seen.push_back(*e);
        if (e->at("type") == "job" && e->at("state").as_string() == state) break;
    }
    return seen;
}

}  // namespace

TEST_CASE("a watcher sees every state change of a job in order", "[gateway][farm][ws]") {
    Farm farm;
    const std::string id(
        farm.submit(R"({"project": "shot", "frames": [1, 2], "split": {"tiles_x": 2, "tiles_y": 1}})")
            .at("id").as_string());
    // A watcher without since= joins the stream just after its handshake, so events in
    // between are not its to see; one that names the last seq it has is gap-free. Take
    // the job's creation event's seq from a first replay, then watch live from there.
    std::int64_t created = 0;
    {
        Watcher first(farm.gateway->port(), "?job=" + id + "&since=0");
        auto e = first.next();
        REQUIRE(e);
        REQUIRE(e->at("state") == "queued");
        created = e->at("seq").to_number<std::int64_t>();
    }
    Watcher live(farm.gateway->port(), "?job=" + id + "&since=" + std::to_string(created));
    FakeWorker w(farm.gateway->port());
    for (int i = 0; i < 4; ++i) {
        auto l = w.lease(2);
        REQUIRE(l);
        w.heartbeat({std::string(l->at("lease_id").as_string())}, "rendering");
        w.heartbeat({std::string(l->at("lease_id").as_string())}, "uploading");
        REQUIRE(w.upload(*l).result_int() == 200);
    }
    auto events = read_until_job(live, "done");
    REQUIRE_FALSE(events.empty());
    CHECK(events.back().at("state") == "done");
    std::int64_t last = 0;
    std::map<std::string, std::vector<std::string>> task_states;
    int frames = 0;
    for (const auto& e : events) {
        const auto seq = e.at("seq").to_number<std::int64_t>();
        CHECK(seq > last);
        last = seq;
        CHECK(e.at("job").as_string() == id);
        if (e.at("type") == "task")
            task_states[std::string(e.at("task").as_string())].emplace_back(e.at("state").as_string());
        if (e.at("type") == "frame") ++frames;
    }
    CHECK(frames == 2);
    REQUIRE(task_states.size() == 4);
    for (const auto& [task, states] : task_states)
        CHECK(states == std::vector<std::string>{"leased", "rendering", "uploading", "done"});

    // Replay from the start reproduces exactly what the live watcher saw (the job's
    // creation event came before it connected).
    Watcher replay(farm.gateway->port(), "?job=" + id + "&since=0");
    auto all = read_until_job(replay, "done");
    REQUIRE(all.size() == events.size() + 1);
    CHECK(all.front().at("type") == "job");
    CHECK(all.front().at("state") == "queued");
    for (std::size_t i = 0; i < events.size(); ++i) CHECK(all[i + 1] == events[i]);
    // Replay from the middle starts right after that seq.
    const auto mid = events[events.size() / 2].at("seq").to_number<std::int64_t>();
    Watcher tail(farm.gateway->port(), "?job=" + id + "&since=" + std::to_string(mid));
    auto rest = tail.next();
    REQUIRE(rest);
    CHECK(rest->at("seq").to_number<std::int64_t>() ==
          events[events.size() / 2 + 1].at("seq").to_number<std::int64_t>());
}

TEST_CASE("malformed WebSocket messages get an error event and the socket survives",
          "[gateway][farm][ws]") {
    Farm farm;
    Watcher w(farm.gateway->port(), "");
    w.send("this is not json");
    auto e = w.next();
    REQUIRE(e);
    CHECK(e->at("type") == "error");
    w.send(R"({"subscribe": 42})");
    e = w.next();
    REQUIRE(e);
    CHECK(e->at("type") == "error");
    w.send(R"({"subscribe": "j-404404"})");
    e = w.next();
    REQUIRE(e);
    CHECK(e->at("type") == "error");
    // Still open and live: a worker joining and a new job's events arrive.
    FakeWorker worker(farm.gateway->port());
    e = w.next();
    REQUIRE(e);
    CHECK(e->at("type") == "worker");
    CHECK(e->at("state") == "joined");
    const std::string id(farm.submit(R"({"project": "shot", "frames": [1, 1]})").at("id").as_string());
    e = w.next();
    REQUIRE(e);
    CHECK(e->at("type") == "job");
    CHECK(e->at("job").as_string() == id);
    // A valid subscription is silent (no error event follows, the next is a real event).
    w.send(R"({"subscribe": ")" + id + "\"}");
    auto l = worker.lease();
    REQUIRE(l);
    e = w.next();
    REQUIRE(e);
    CHECK(e->at("type") == "task");
    // Without an Upgrade header the route explains itself.
    CHECK(farm.client().get("/api/v1/events").result_int() == 426);
}
