// Job submission and control against the real gateway: spec validation (400 naming the
// field, 404, 413), tasks = frames x tiles, pause/resume/cancel.
#include <catch2/catch.hpp>
#include <fstream>

#include "farm_fixture.h"

using namespace farm::gateway::test;

namespace {

std::string error_for(Farm& farm, const std::string& spec, unsigned status) {
    auto res = farm.client().post("/api/v1/jobs", spec);
    INFO(spec << " -> " << res.result_int() << " " << res.body());
    CHECK(res.result_int() == status);
    return error_of(res);
}

}  // namespace

TEST_CASE("job specs are validated, naming the bad field", "[gateway][farm]") {
    Farm farm;
    CHECK_THAT(error_for(farm, "{}", 400), Catch::Contains("project"));
    CHECK_THAT(error_for(farm, "not json", 400), Catch::Contains("JSON"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "frames": [5, 1]})", 400),
               Catch::Contains("frames"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "frames": "1-4"})", 400),
               Catch::Contains("frames"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "overrides": {"spp": 0}})", 400),
               Catch::Contains("overrides.spp"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "overrides": {"width": 99999}})", 400),
               Catch::Contains("overrides.width"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "split": {"tiles_x": 0}})", 400),
               Catch::Contains("split.tiles_x"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "priority": "high"})", 400),
               Catch::Contains("priority"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "budget_yuan": -1})", 400),
               Catch::Contains("budget_yuan"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "frame_order": "random"})", 400),
               Catch::Contains("frame_order"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "frame_order": 1})", 400),
               Catch::Contains("frame_order"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "colour": 1})", 400),
               Catch::Contains("colour"));
    CHECK_THAT(error_for(farm, R"({"project": "shot", "snapshot": "xyz"})", 400),
               Catch::Contains("snapshot"));
    error_for(farm, R"({"project": "nope"})", 404);
    error_for(farm, R"({"project": "shot", "snapshot": ")" + std::string(64, 'a') + "\"}", 404);
    CHECK_THAT(error_for(farm, R"({"project": "shot", "settings": "missing.json"})", 404),
               Catch::Contains("settings"));
    // Oversized body: refused before it is read.
    error_for(farm, R"({"project": "shot", "name": ")" + std::string(100000, 'x') + "\"}", 413);
    CHECK(farm.client().get("/api/v1/jobs/j-999999").result_int() == 404);
}

TEST_CASE("a job has frames x tiles tasks and settings from the snapshot", "[gateway][farm]") {
    Farm farm;
    auto job = farm.submit(R"({"project": "shot", "frames": [2, 3],
                               "overrides": {"width": 40, "spp": 2},
                               "split": {"tiles_x": 2, "tiles_y": 2}, "priority": 70})");
    CHECK(job.at("state") == "queued");
    CHECK(job.at("width") == 40);
    CHECK(job.at("height") == 32);
    CHECK(job.at("spp") == 2);
    CHECK(job.at("max_depth") == 4);
    CHECK(job.at("snapshot").as_string() == farm.snapshot);
    CHECK(job.at("tasks").at("total") == 8);
    CHECK(job.at("frames_total") == 2);
    const std::string id(job.at("id").as_string());
    auto tasks = json_body(farm.client().get("/api/v1/jobs/" + id + "/tasks")).as_array();
    REQUIRE(tasks.size() == 8);
    // Tiles cover the frame exactly: x0 = W*i/tiles_x.
    CHECK(tasks[0].at("tile") == json::array{0, 0, 20, 16});
    CHECK(tasks[3].at("tile") == json::array{20, 16, 40, 32});
    auto list = json_body(farm.client().get("/api/v1/jobs")).as_array();
    REQUIRE(list.size() == 1);
    CHECK(list[0].at("id").as_string() == id);
}

TEST_CASE("pause stops leases, resume restarts them, cancel kills running leases",
          "[gateway][farm]") {
    Farm farm;
    const std::string id(farm.submit(R"({"project": "shot", "frames": [1, 2]})").at("id").as_string());
    FakeWorker w(farm.gateway->port());
    auto first = w.lease();
    REQUIRE(first);
    CHECK(farm.job(id).at("state") == "running");

    auto paused = json_body(farm.client().post("/api/v1/jobs/" + id + "/pause")).as_object();
    CHECK(paused.at("state") == "paused");
    CHECK_FALSE(w.lease(0.5));
    // The running task may finish while paused.
    CHECK(w.upload(*first).result_int() == 200);

    CHECK(json_body(farm.client().post("/api/v1/jobs/" + id + "/resume")).as_object().at("state") ==
          "running");
    auto second = w.lease(2);
    REQUIRE(second);
    const std::string lease(second->at("lease_id").as_string());

    auto canceled = json_body(farm.client().post("/api/v1/jobs/" + id + "/cancel")).as_object();
    CHECK(canceled.at("state") == "canceled");
    // The worker hears about it on its next heartbeat, and its result is refused.
    auto hb = w.heartbeat({lease});
    REQUIRE(hb.at("cancel").as_array().size() == 1);
    CHECK(hb.at("cancel").as_array()[0].as_string() == lease);
    CHECK(w.upload(*second).result_int() == 409);
    CHECK(farm.client().post("/api/v1/jobs/" + id + "/resume").result_int() == 409);
    CHECK(farm.client().post("/api/v1/jobs/j-000077/pause").result_int() == 404);
}

TEST_CASE("with tokens worker routes need the worker role and workers name the tenant",
          "[gateway][farm]") {
    TempDir tmp;
    GatewayOptions o;
    o.data_dir = tmp.path() / "data";
    o.tokens_file = tmp.path() / "tokens.json";
    std::ofstream(o.tokens_file) << R"({"s": "studio", "w": {"role": "worker"}})";
    GatewayProcess gateway(o);
    const std::string reg = R"({"site": "west-a", "cpu_cores": 4})";
    TestClient studio(gateway.port(), "s");
    CHECK(studio.post("/api/v1/workers", reg).result_int() == 403);
    CHECK(studio.get("/api/v1/workers").result_int() == 200);
    TestClient worker(gateway.port(), "w");
    auto res = worker.post("/api/v1/workers", reg);
    CHECK(res.result_int() == 201);
    const std::string id(json_body(res).as_object().at("worker_id").as_string());
    CHECK(worker.post("/api/v1/workers/" + id + "/lease?wait_s=0").result_int() == 204);
    CHECK(studio.post("/api/v1/workers/" + id + "/lease?wait_s=0").result_int() == 403);
    CHECK(TestClient(gateway.port(), "bad").get("/api/v1/jobs").result_int() == 401);
}

TEST_CASE("with tokens operator routes need the operator role", "[gateway][farm]") {
    TempDir tmp;
    GatewayOptions o;
    o.data_dir = tmp.path() / "data";
    o.tokens_file = tmp.path() / "tokens.json";
    std::ofstream(o.tokens_file)
        << R"({"s": "studio", "w": {"role": "worker"}, "op": {"role": "operator"}})";
    GatewayProcess gateway(o);
    TestClient worker(gateway.port(), "w");
    auto res = worker.post("/api/v1/workers", R"({"site": "west-a", "cpu_cores": 4})");
    REQUIRE(res.result_int() == 201);
    const std::string id(json_body(res).as_object().at("worker_id").as_string());
    TestClient studio(gateway.port(), "s"), op(gateway.port(), "op");
    // A studio cannot drain the farm's workers or sites; a worker cannot either.
    CHECK(studio.post("/api/v1/workers/" + id + "/drain").result_int() == 403);
    CHECK(studio.post("/api/v1/sites/west-a/disable").result_int() == 403);
    CHECK(worker.post("/api/v1/sites/west-a/disable").result_int() == 403);
    CHECK(studio.post("/api/v1/sites/reload").result_int() == 403);
    // The operator can, and can read the lists, but cannot act as a studio or a worker.
    CHECK(op.post("/api/v1/workers/" + id + "/drain").result_int() == 200);
    CHECK(op.post("/api/v1/sites/west-a/enable").result_int() == 200);
    CHECK(op.get("/api/v1/workers").result_int() == 200);
    CHECK(op.get("/api/v1/sites").result_int() == 200);
    CHECK(op.post("/api/v1/jobs", R"({"project": "shot"})").result_int() == 403);
    CHECK(op.post("/api/v1/workers/" + id + "/lease?wait_s=0").result_int() == 403);
}
