// Cost-first scheduling through the real gateway on loopback: the sites file and its
// reload, registration checks, probes, held-back workers and their reasons, the ledger's
// tariff, voucher and transfer rows, operator drain/disable/enable, quotes.
#include <catch2/catch.hpp>
#include <cmath>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

#include "farm/sched/config.h"
#include "farm_fixture.h"
#include "test_bodies.h"

using namespace farm::gateway::test;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

// Two sites: "cheap" at 0.36 yuan per core-hour and "dear" at 3.6 (the fake workers have
// 8 cores: 0.0008 and 0.008 yuan per second). Peak x2 all day long at "dear", a 50%
// voucher for the default tenant at "cheap".
const char* kSites = R"(
[gpu_classes.L40]
[tariffs.dear]
periods = { peak = 2.0 }
windows = [ { from = "00:00", to = "24:00", period = "peak" } ]
[sites.cheap]
yuan_per_cpu_core_hour = 0.36
link = { yuan_per_gb = 2.0 }
[sites.dear]
yuan_per_cpu_core_hour = 3.6
tariff = "dear"
yuan_per_gpu_hour = { L40 = 9.0 }
[[vouchers]]
id = "half-off"
tenant = "default"
site = "cheap"
discount_pct = 50
cap_yuan = 100
valid_from = "2020-01-01"
valid_until = "2099-01-01"
)";

struct SitesFarm {
    TempDir conf;
    std::unique_ptr<Farm> farm;
    explicit SitesFarm(std::vector<std::string> extra = {}, const char* sites = kSites) {
        std::ofstream(conf.path() / "sites.toml") << sites;
        extra.insert(extra.begin(), {"--sites", (conf.path() / "sites.toml").string()});
        farm = std::make_unique<Farm>(extra);
    }
    std::string file() const { return (conf.path() / "sites.toml").string(); }
};

json::array tasks_of(Farm& f, const std::string& job) {
    return json_body(f.client().get("/api/v1/jobs/" + job + "/tasks")).as_array();
}

}  // namespace

TEST_CASE("a bad sites file stops the gateway with the entry named", "[gateway][sched]") {
    TempDir conf, data;
    std::ofstream(conf.path() / "sites.toml")
        << "[gpu_classes.A100]\n[sites.s]\nyuan_per_cpu_core_hour = 1\nyuan_per_gpu_hour = { B200 = 30 }\n";
    GatewayOptions o;
    o.data_dir = data.path();
    o.extra_args = {"--sites", (conf.path() / "sites.toml").string()};
    try {
        GatewayProcess g(o, 10s);
        FAIL("the gateway started with a bad sites file");
    } catch (const std::runtime_error& e) {
        CHECK_THAT(e.what(), Contains("sites.s.yuan_per_gpu_hour.B200: unknown GPU class 'B200'"));
    }
}

TEST_CASE("a bad sites file on reload is refused and the running one stays", "[gateway][sched]") {
    SitesFarm s;
    auto client = s.farm->client();
    auto price = [&] {
        const json::value sites = json_body(client.get("/api/v1/sites"));  // outlives the loop
        for (const auto& v : sites.as_array())
            if (v.at("name") == "cheap") return v.at("yuan_per_cpu_core_hour").to_number<double>();
        return -1.0;
    };
    CHECK(price() == Approx(0.36));
    std::ofstream(s.file(), std::ios::trunc)
        << "[sites.cheap]\nyuan_per_cpu_core_hour = 1\ntariff = { periods = { peak = 2 }, windows = [ "
           "{ from = \"08:00\", to = \"12:00\", period = \"peak\" }, { from = \"11:00\", to = "
           "\"13:00\", period = \"peak\" } ] }\n";
    auto r = client.post("/api/v1/sites/reload", "");
    CHECK(r.result_int() == 400);
    CHECK_THAT(r.body(), Contains("overlap at 11:00"));
    CHECK_THAT(r.body(), Contains("the previous one stays"));
    CHECK(price() == Approx(0.36));
    std::ofstream(s.file(), std::ios::trunc) << "[sites.cheap]\nyuan_per_cpu_core_hour = 0.5\n";
    r = client.post("/api/v1/sites/reload", "");
    REQUIRE(r.result_int() == 200);
    CHECK(price() == Approx(0.5));
    // A change on disk alone is picked up too (the sweep watches the file).
    std::this_thread::sleep_for(1100ms);  // a distinct mtime
    std::ofstream(s.file(), std::ios::trunc) << "[sites.cheap]\nyuan_per_cpu_core_hour = 0.7\n";
    bool seen = false;
    for (int i = 0; i < 50 && !seen; ++i) {
        std::this_thread::sleep_for(100ms);
        seen = price() == Approx(0.7);
    }
    CHECK(seen);
}

TEST_CASE("workers the sites file cannot price are refused at registration", "[gateway][sched]") {
    SitesFarm s;
    auto client = s.farm->client();
    auto reg = [&](const std::string& body) { return client.post("/api/v1/workers", body); };
    auto r = reg(R"({"site": "nowhere", "cpu_cores": 4})");
    CHECK(r.result_int() == 400);
    CHECK_THAT(r.body(), Contains("unknown site 'nowhere'"));
    r = reg(R"({"site": "dear", "gpus": [{"name": "NVIDIA B200"}]})");
    CHECK(r.result_int() == 400);
    CHECK_THAT(r.body(), Contains("GPU 'NVIDIA B200' matches no GPU class"));
    r = reg(R"({"site": "cheap", "gpus": [{"name": "NVIDIA L40"}]})");
    CHECK(r.result_int() == 400);
    CHECK_THAT(r.body(), Contains("site 'cheap' has no price for GPU class 'L40'"));
    r = reg(R"({"site": "dear", "bench": {"mrays_per_s": "fast"}})");
    CHECK(r.result_int() == 400);
    r = reg(R"({"site": "dear", "gpus": [{"name": "NVIDIA L40"}], "bench": {"mrays_per_s": 310.5}})");
    REQUIRE(r.result_int() == 201);
    CHECK(json_body(r).at("gpu_class") == "L40");
    const auto workers = json_body(client.get("/api/v1/workers")).as_array();
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].at("score_mrays_per_s").to_number<double>() == Approx(310.5));
}

TEST_CASE("the cheap site works while the dear one is held back, and says why", "[gateway][sched]") {
    SitesFarm s;
    FakeWorker cheap(s.farm->gateway->port(), "cheap");
    FakeWorker dear(s.farm->gateway->port(), "dear");
    // Four tasks, a day to do them: the cheap worker alone is plenty.
    const std::string id(s.farm->submit(R"({"project": "shot"})").at("id").as_string());
    CHECK_FALSE(dear.lease(0));
    auto l = cheap.lease(0);
    REQUIRE(l);
    CHECK(l->at("kind") == "render");
    bool held = false;
    const json::value workers = json_body(s.farm->client().get("/api/v1/workers"));
    for (const auto& w : workers.as_array())
        if (w.at("id").as_string() == dear.id && w.as_object().contains("held")) {
            held = true;
            CHECK_THAT(std::string(w.at("held").as_string()), Contains("held back: cheaper capacity"));
        }
    CHECK(held);
    const auto tasks = tasks_of(*s.farm, id);
    const auto& d = tasks[0].at("decision").as_object();
    CHECK(d.at("pool") == "cheap/cpu");
    CHECK(d.at("voucher_pct").to_number<double>() == 50);
    CHECK_THAT(std::string(d.at("why").as_string()), Contains("cheapest capacity for this job"));
    CHECK(d.at("yuan_per_hour").to_number<double>() == Approx(0.36 * 8));
    auto plan = json_body(s.farm->client().get("/api/v1/jobs/" + id + "/plan")).as_object();
    CHECK(plan.at("on_time").as_bool());
    CHECK(plan.at("tasks_by_pool").as_object().contains("cheap/cpu"));
    CHECK_FALSE(plan.at("tasks_by_pool").as_object().contains("dear/cpu"));
}

TEST_CASE("the ledger prices the tariff, the voucher and the transfer", "[gateway][sched]") {
    SitesFarm s;
    FakeWorker cheap(s.farm->gateway->port(), "cheap");
    FakeWorker dear(s.farm->gateway->port(), "dear");
    const std::string id(s.farm->submit(R"({"project": "shot", "frames": [1, 1]})").at("id").as_string());
    auto l = cheap.lease(0);
    REQUIRE(l);
    // 10 s at 8 cores x 0.36 yuan/h, half off; 0.5 GB fetched at 2 yuan/GB.
    REQUIRE(cheap.upload(*l, true, 10.0, "X-Farm-Fetched-Bytes: 500000000\r\n").result_int() == 200);
    const auto rows = json_body(s.farm->client().get("/api/v1/jobs/" + id + "/ledger")).as_array();
    REQUIRE(rows.size() == 2);
    const auto& render = rows[0].as_object();
    CHECK(render.at("kind") == "render");
    CHECK(render.at("gross_yuan").to_number<double>() == Approx(10 * 8 * 0.36 / 3600));
    CHECK(render.at("voucher_yuan").to_number<double>() == Approx(10 * 8 * 0.36 / 3600 / 2));
    CHECK(render.at("vouchers") == "half-off");
    const auto& transfer = rows[1].as_object();
    CHECK(transfer.at("kind") == "transfer");
    CHECK(transfer.at("net_yuan").to_number<double>() == Approx(1.0));
    CHECK(transfer.at("bytes").to_number<double>() == 5e8);
    auto job = s.farm->job(id);
    CHECK(job.at("cost_yuan").to_number<double>() == Approx(1.0 + 10 * 8 * 0.36 / 3600 / 2));
    CHECK(job.at("transfer_yuan").to_number<double>() == Approx(1.0));

    // The dear site's all-day peak doubles its rate (a job due soon needs it).
    const auto soon = static_cast<long long>(std::time(nullptr)) + 20;
    const std::string rush(s.farm->submit(R"({"project": "shot", "frames": [1, 4], "deadline_unix": )" +
                                          std::to_string(soon) + "}").at("id").as_string());
    std::optional<json::object> dl;
    for (int i = 0; i < 10 && !dl; ++i) dl = dear.lease(0.5);
    REQUIRE(dl);
    REQUIRE(dear.upload(*dl, true, 10.0).result_int() == 200);
    const auto rr = json_body(s.farm->client().get("/api/v1/jobs/" + rush + "/ledger")).as_array();
    REQUIRE(rr.size() == 1);
    CHECK(rr[0].at("multiplier").to_number<double>() == Approx(2.0));
    CHECK(rr[0].at("period") == "peak");
    CHECK(rr[0].at("net_yuan").to_number<double>() == Approx(10 * 8 * 3.6 * 2 / 3600));
}

TEST_CASE("a deadline in the past is refused", "[gateway][sched]") {
    SitesFarm s;
    auto r = s.farm->client().post("/api/v1/jobs", R"({"project": "shot", "deadline_unix": 1000})");
    CHECK(r.result_int() == 400);
    CHECK_THAT(r.body(), Contains("'deadline_unix' 1000 is in the past"));
}

TEST_CASE("probes render first at reduced size and feed the estimate", "[gateway][sched]") {
    SitesFarm s({"--probes", "3"});
    FakeWorker w(s.farm->gateway->port(), "cheap", 0, "L40", 2.0);
    const std::string id(s.farm->submit(R"({"project": "shot"})").at("id").as_string());
    CHECK(s.farm->job(id).at("probes").to_number<int>() == 3);
    std::set<long long> frames;
    for (int i = 0; i < 3; ++i) {
        auto l = w.lease(0);
        REQUIRE(l);
        CHECK(l->at("kind") == "probe");
        CHECK(l->at("width").to_number<int>() == 16);   // 64/4
        CHECK(l->at("height").to_number<int>() == 16);  // 32/4, but at least 16
        CHECK(l->at("spp").to_number<int>() == 1);     // 4/4
        frames.insert(l->at("frame").to_number<long long>());
        // 2 s of tracing, 4 Mrays, 0.5 s of start-up.
        REQUIRE(w.upload(*l, true, 2.5, "X-Farm-Trace-Seconds: 2\r\nX-Farm-Rays: 4000000\r\n").result_int() == 200);
    }
    CHECK(frames == std::set<long long>{1, 2, 4});
    auto l = w.lease(0);
    REQUIRE(l);
    CHECK(l->at("kind") == "render");
    // 4 Mrays per 16x16x1 probe pixel-samples -> 32x as many in a 64x32x4 frame: 128
    // Mrays at the worker's 2 Mrays/s x a scene factor of (4/2)/2 = 1 -> 64 s, plus the
    // 0.5 s of overhead the probes showed.
    const auto tasks = tasks_of(*s.farm, id);
    double est = 0;
    for (const auto& t : tasks)
        if (t.at("kind") == "render" && t.at("state") == "leased")
            est = t.at("decision").at("est_seconds").to_number<double>();
    CHECK(est == Approx(64.5));
    // Probes made no frames.
    CHECK(s.farm->job(id).at("frames_done").to_number<int>() == 0);
}

TEST_CASE("operators drain, disable and enable workers and sites without losing work", "[gateway][sched]") {
    SitesFarm s;
    FakeWorker a(s.farm->gateway->port(), "cheap");
    FakeWorker b(s.farm->gateway->port(), "cheap");
    const std::string id(s.farm->submit(R"({"project": "shot", "frames": [1, 3]})").at("id").as_string());
    auto client = s.farm->client();
    auto la = a.lease(0);
    REQUIRE(la);
    REQUIRE(a.upload(*la).result_int() == 200);  // finished work: must survive all of this
    auto la2 = a.lease(0);
    REQUIRE(la2);
    // Disable a: its running task goes back to the queue, its heartbeat is told to drop it.
    auto r = client.post("/api/v1/workers/" + a.id + "/disable", "");
    REQUIRE(r.result_int() == 200);
    CHECK(json_body(r).at("admin") == "disabled");
    auto hb = a.heartbeat({std::string(la2->at("lease_id").as_string())});
    REQUIRE(hb.at("cancel").as_array().size() == 1);
    CHECK_FALSE(a.lease(0));
    auto lb = b.lease(0);
    REQUIRE(lb);
    CHECK(lb->at("frame") == la2->at("frame"));
    CHECK(lb->at("attempt") == la2->at("attempt"));  // not the task's fault
    CHECK(a.upload(*la2).result_int() == 409);
    // Drain the site: b finishes what it has, gets nothing new.
    r = client.post("/api/v1/sites/cheap/drain", "");
    REQUIRE(r.result_int() == 200);
    REQUIRE(b.upload(*lb).result_int() == 200);
    CHECK_FALSE(b.lease(0));
    CHECK(client.post("/api/v1/sites/nowhere/drain", "").result_int() == 404);
    CHECK(client.post("/api/v1/sites/cheap/explode", "").result_int() != 200);
    // Enable both: the last frame renders.
    REQUIRE(client.post("/api/v1/sites/cheap/enable", "").result_int() == 200);
    REQUIRE(client.post("/api/v1/workers/" + a.id + "/enable", "").result_int() == 200);
    auto last = a.lease(1);
    REQUIRE(last);
    REQUIRE(a.upload(*last).result_int() == 200);
    bool done = false;
    for (int i = 0; i < 50 && !done; ++i) {
        std::this_thread::sleep_for(100ms);
        done = s.farm->job(id).at("state") == "done";
    }
    CHECK(done);
    CHECK(s.farm->job(id).at("frames_done").to_number<int>() == 3);
}

TEST_CASE("a quote probes an unknown workload, then prices cheapest, fastest and per site",
          "[gateway][sched]") {
    SitesFarm s({"--probes", "2"});
    FakeWorker w(s.farm->gateway->port(), "cheap", 0, "L40", 1.0);
    FakeWorker d(s.farm->gateway->port(), "dear", 0, "L40", 1.0);
    auto client = s.farm->client();
    auto r = client.post("/api/v1/quotes", R"({"project": "shot", "deadline_unix": 1})");
    CHECK(r.result_int() == 400);  // a deadline in the past, as for jobs
    r = client.post("/api/v1/quotes", R"({"project": "shot", "frames": [1, 4]})");
    REQUIRE(r.result_int() == 201);
    auto q = json_body(r).as_object();
    const std::string id(q.at("id").as_string());
    CHECK(q.at("state") == "probing");
    for (int i = 0; i < 2; ++i) {
        auto l = w.lease(0);
        REQUIRE(l);
        CHECK(l->at("kind") == "probe");
        REQUIRE(w.upload(*l, true, 1.0, "X-Farm-Trace-Seconds: 0.5\r\nX-Farm-Rays: 100000\r\n").result_int() == 200);
    }
    q = json_body(client.get("/api/v1/quotes/" + id)).as_object();
    REQUIRE(q.at("state") == "ready");
    CHECK(q.at("basis") == "probes");
    CHECK(q.at("tasks") == 4);
    const auto& cheapest = q.at("cheapest").as_object();
    const auto& fastest = q.at("fastest").as_object();
    CHECK(cheapest.at("feasible").as_bool());
    CHECK(cheapest.at("cost_yuan").to_number<double>() <= fastest.at("cost_yuan").to_number<double>());
    CHECK(fastest.at("finish_unix").to_number<double>() <= cheapest.at("finish_unix").to_number<double>());
    CHECK(cheapest.at("cost_low_yuan").to_number<double>() <= cheapest.at("cost_yuan").to_number<double>());
    CHECK(cheapest.at("cost_high_yuan").to_number<double>() >= cheapest.at("cost_yuan").to_number<double>());
    CHECK(cheapest.at("voucher_yuan").to_number<double>() > 0);
    CHECK(q.at("sites").as_object().contains("dear"));
    CHECK(q.at("probe_cost_yuan").to_number<double>() > 0);
    // Quote jobs are not the studio's jobs.
    CHECK(json_body(client.get("/api/v1/jobs")).as_array().empty());
    // The same workload again is priced at once, no probes.
    r = client.post("/api/v1/quotes", R"({"project": "shot", "frames": [1, 2]})");
    REQUIRE(r.result_int() == 201);
    CHECK(json_body(r).at("state") == "ready");
    CHECK(client.get("/api/v1/quotes/q-999999").result_int() == 404);
}
