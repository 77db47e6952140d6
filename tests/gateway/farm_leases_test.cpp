// The worker protocol against the real gateway: lease, complete, 409 for a lease not
// held, idempotent repeat, expiry requeues, retries then failure, the long-poll, frames.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "farm_fixture.h"

using namespace farm::gateway::test;
using namespace std::chrono_literals;

namespace {

// Polls `cond` for up to 20 s: state changes driven by the gateway's sweep are not instant.
template <class F>
bool eventually(F cond) {
    for (int i = 0; i < 200; ++i) {
        if (cond()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

}  // namespace

TEST_CASE("a tiled job completes through lease and upload and its frames are served",
          "[gateway][farm]") {
    TempDir conf;
    std::ofstream(conf.path() / "sites.json")
        << R"({"gpu_classes": {"L40": {}},
              "sites": {"west-a": {"yuan_per_gpu_hour": {"L40": 8.0}, "yuan_per_cpu_core_hour": 0.05}}})";
    Farm farm({"--sites", (conf.path() / "sites.json").string()});
    const std::string id(
        farm.submit(R"({"project": "shot", "frames": [1, 2], "split": {"tiles_x": 2, "tiles_y": 1}})")
            .at("id").as_string());
    FakeWorker cpu(farm.gateway->port(), "west-a", 0);
    FakeWorker other(farm.gateway->port(), "west-a", 0);

    auto l1 = cpu.lease();
    REQUIRE(l1);
    CHECK(l1->at("job_id").as_string() == id);
    CHECK(l1->at("frame") == 1);
    CHECK(l1->at("tile") == json::array{0, 0, 32, 32});
    CHECK(l1->at("snapshot").as_string() == farm.snapshot);
    CHECK(l1->at("settings") == "render.json");
    CHECK(l1->at("width") == 64);

    // Another worker's upload for this lease: 409; the holder's: 200, and again 200.
    Response stolen = [&] {
        json::object fake = *l1;
        std::swap(other.id, cpu.id);
        auto r = cpu.upload(fake);
        std::swap(other.id, cpu.id);
        return r;
    }();
    CHECK(stolen.result_int() == 409);
    CHECK(cpu.upload(*l1).result_int() == 200);
    CHECK(cpu.upload(*l1).result_int() == 200);  // idempotent repeat
    json::object unknown{{"lease_id", "l-nope"}, {"tile", json::array{0, 0, 32, 32}}};
    CHECK(cpu.upload(unknown).result_int() == 409);

    // Uncompressed uploads work too; a wrong-size tile is refused with 400.
    auto l2 = cpu.lease();
    REQUIRE(l2);
    json::object wrong = *l2;
    wrong["tile"] = json::array{0, 0, 8, 8};
    CHECK(cpu.upload(wrong).result_int() == 400);
    // The bad result requeued its task (with backoff); take the rest and finish.
    int guard = 0;
    while (farm.job(id).at("state") != "done" && guard++ < 100) {
        auto l = cpu.lease(5);
        if (l) CHECK(cpu.upload(*l, false, 7.2).result_int() == 200);
    }
    auto job = farm.job(id);
    CHECK(job.at("state") == "done");
    CHECK(job.at("frames_done") == 2);
    CHECK(job.at("progress").to_number<double>() == 1.0);
    // 8 cores x 0.05 yuan per core-hour, for every render paid for.
    const double seconds = job.at("render_seconds").to_number<double>();
    CHECK(seconds > 0);
    CHECK(job.at("cost_yuan").to_number<double>() == Approx(seconds / 3600.0 * 0.4));

    auto frames = json_body(farm.client().get("/api/v1/jobs/" + id + "/frames")).as_array();
    REQUIRE(frames.size() == 2);
    CHECK(frames[0].at("exr") == "shot.0001.exr");
    auto file = farm.client().get("/api/v1/jobs/" + id + "/frames/shot.0001.exr");
    CHECK(file.result_int() == 200);
    CHECK(file.body().size() == static_cast<std::size_t>(frames[0].at("bytes").to_number<std::int64_t>()));
    CHECK(farm.client().get("/api/v1/jobs/" + id + "/frames/..%2Ffarm.db").result_int() != 200);
    CHECK(farm.client().get("/api/v1/jobs/" + id + "/frames/..").result_int() == 400);

    // The preview movie is made off the io threads once the job ends.
    CHECK(eventually([&] {
        return farm.client().get("/api/v1/jobs/" + id + "/frames/preview.mp4").result_int() == 200;
    }));

    auto sites = json_body(farm.client().get("/api/v1/sites")).as_array();
    REQUIRE(sites.size() == 1);
    CHECK(sites[0].at("cost_yuan").to_number<double>() > 0);
    auto metrics = farm.client().get("/metrics");
    CHECK(metrics.result_int() == 200);
    CHECK_THAT(metrics.body(), Catch::Contains("farm_tasks{state=\"done\"} 4"));
    CHECK_THAT(metrics.body(), Catch::Contains("farm_frames_done_total 2"));
    CHECK_THAT(metrics.body(), Catch::Contains("farm_render_seconds_total{site=\"west-a\"}"));
    CHECK_THAT(metrics.body(), Catch::Contains("farm_workers{site=\"west-a\""));
}

TEST_CASE("a long-poll is answered when work arrives", "[gateway][farm]") {
    Farm farm;
    FakeWorker w(farm.gateway->port());
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(w.lease(0.3));  // nothing to do: 204 after the wait
    std::optional<json::object> got;
    std::thread poller([&] { got = w.lease(15); });
    std::this_thread::sleep_for(300ms);
    farm.submit(R"({"project": "shot", "frames": [1, 1]})");
    poller.join();
    REQUIRE(got);
    CHECK(got->at("frame") == 1);
    (void)t0;
    CHECK(farm.client().post("/api/v1/workers/w-424242/lease?wait_s=0").result_int() == 404);
}

TEST_CASE("a lease whose heartbeats stop goes back to the queue", "[gateway][farm]") {
    Farm farm({"--lease-timeout", "1"});
    const std::string id(farm.submit(R"({"project": "shot", "frames": [1, 1]})").at("id").as_string());
    FakeWorker gone(farm.gateway->port());
    auto lease = gone.lease();
    REQUIRE(lease);
    REQUIRE(eventually([&] { return farm.task_states(id)[0] == "queued"; }));
    auto tasks = json_body(farm.client().get("/api/v1/jobs/" + id + "/tasks")).as_array();
    CHECK(tasks[0].at("attempt") == 1);
    // Another worker takes it; the old lease is refused and cancelled.
    FakeWorker next(farm.gateway->port());
    auto again = next.lease(2);
    REQUIRE(again);
    CHECK(again->at("attempt") == 1);
    CHECK(gone.upload(*lease).result_int() == 409);
    auto hb = gone.heartbeat({std::string(lease->at("lease_id").as_string())});
    CHECK(hb.at("cancel").as_array().size() == 1);
    CHECK(next.upload(*again).result_int() == 200);
    CHECK(eventually([&] { return farm.job(id).at("state") == "done"; }));
    auto workers = json_body(farm.client().get("/api/v1/workers")).as_array();
    CHECK(workers.size() == 2);
}

TEST_CASE("failures retry with backoff up to --max-attempts, then the job fails",
          "[gateway][farm]") {
    Farm farm({"--max-attempts", "2"});
    const std::string id(farm.submit(R"({"project": "shot", "frames": [1, 1]})").at("id").as_string());
    FakeWorker w(farm.gateway->port());
    auto l1 = w.lease();
    REQUIRE(l1);
    CHECK(w.fail(std::string(l1->at("lease_id").as_string())).result_int() == 200);
    CHECK(w.fail(std::string(l1->at("lease_id").as_string())).result_int() == 409);
    CHECK(farm.task_states(id)[0] == "queued");
    CHECK_FALSE(w.lease(0));  // backoff: 2 s before it may run again
    auto l2 = w.lease(10);
    REQUIRE(l2);
    CHECK(l2->at("attempt") == 1);
    CHECK(w.fail(std::string(l2->at("lease_id").as_string())).result_int() == 200);
    CHECK(farm.task_states(id)[0] == "failed");
    CHECK(eventually([&] { return farm.job(id).at("state") == "failed"; }));

    // A non-retryable failure fails at once; rerun brings the frame back.
    auto rerun = farm.client().post("/api/v1/jobs/" + id + "/rerun", R"({"frames": [1]})");
    INFO(rerun.body());
    CHECK(rerun.result_int() == 200);
    auto l3 = w.lease(2);
    REQUIRE(l3);
    CHECK(w.fail(std::string(l3->at("lease_id").as_string()), false).result_int() == 200);
    CHECK(farm.task_states(id)[0] == "failed");
    CHECK(farm.client().post("/api/v1/jobs/" + id + "/rerun", R"({"frames": [9]})").result_int() == 400);
}

TEST_CASE("a job that has spent its budget is paused", "[gateway][farm]") {
    TempDir conf;
    std::ofstream(conf.path() / "sites.toml") << "[sites.west-a]\nyuan_per_cpu_core_hour = 36.0\n";
    Farm farm({"--sites", (conf.path() / "sites.toml").string()});
    // 8 cores x 36 yuan/h = 0.08 yuan per render-second: one 3 s task spends 0.24. The
    // scheduler's prior expects about 1.6 s a task (0.13 yuan), so a 0.2 budget admits
    // the first task and the ledger then pauses the job.
    const std::string id(farm.submit(R"({"project": "shot", "frames": [1, 3], "budget_yuan": 0.2})")
                             .at("id").as_string());
    FakeWorker w(farm.gateway->port(), "west-a");
    auto l = w.lease();
    REQUIRE(l);
    REQUIRE(w.upload(*l).result_int() == 200);
    auto job = farm.job(id);
    CHECK(job.at("state") == "paused");
    CHECK(job.at("cost_yuan").to_number<double>() == Approx(0.24));
    CHECK_THAT(std::string(job.at("paused_reason").as_string()), Catch::Matchers::Contains("budget"));
    CHECK_FALSE(w.lease(0));
}

TEST_CASE("a job whose projected cost exceeds its budget pauses before spending", "[gateway][farm]") {
    TempDir conf;
    std::ofstream(conf.path() / "sites.toml") << "[sites.west-a]\nyuan_per_cpu_core_hour = 36.0\n";
    Farm farm({"--sites", (conf.path() / "sites.toml").string()});
    FakeWorker w(farm.gateway->port(), "west-a");
    // Four tasks at the prior's ~0.13 yuan each cannot fit 0.3 yuan: paused at once,
    // with the reason, and no task is leased.
    const json::object job = farm.submit(R"({"project": "shot", "frames": [1, 4], "budget_yuan": 0.3})");
    const std::string id(job.at("id").as_string());
    auto j = farm.job(id);
    CHECK(j.at("state") == "paused");
    CHECK_THAT(std::string(j.at("paused_reason").as_string()),
               Catch::Matchers::Contains("exceeds the budget of 0.30 yuan"));
    CHECK(j.at("cost_yuan").to_number<double>() == 0);
    CHECK_FALSE(w.lease(0));
    // Resuming with a budget that covers the plan lets it run.
    auto r = farm.client().post("/api/v1/jobs/" + id + "/resume", R"({"budget_yuan": 5})");
    REQUIRE(r.result_int() == 200);
    CHECK(json_body(r).at("state") == "queued");
    CHECK(w.lease(1));
}

TEST_CASE("frames are leased interleaved by default and in order on request", "[gateway][farm]") {
    Farm farm;
    FakeWorker w(farm.gateway->port());
    auto frames_leased = [&](const std::string& extra) {
        const std::string id(farm.submit(R"({"project": "shot", "frames": [1, 8], "split": {"tiles_x": 2, "tiles_y": 1},
                                             "overrides": {"width": 16, "height": 8})" + extra + "}")
                                 .at("id").as_string());
        std::vector<int> frames;
        for (int guard = 0; guard < 40 && farm.job(id).at("state") != "done"; ++guard) {
            auto l = w.lease(5);
            if (!l) continue;
            frames.push_back(static_cast<int>(l->at("frame").to_number<std::int64_t>()));
            CHECK(w.upload(*l).result_int() == 200);
        }
        CHECK(farm.job(id).at("state") == "done");
        return std::make_pair(std::string(farm.job(id).at("frame_order").as_string()), frames);
    };
    // Both tiles of a frame, then the next frame: bit-reversed over the shot.
    auto [order, frames] = frames_leased("");
    CHECK(order == "interleaved");
    CHECK(frames == std::vector<int>{1, 1, 5, 5, 3, 3, 7, 7, 2, 2, 6, 6, 4, 4, 8, 8});
    std::tie(order, frames) = frames_leased(R"(, "frame_order": "sequential")");
    CHECK(order == "sequential");
    CHECK(frames == std::vector<int>{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8});
}
