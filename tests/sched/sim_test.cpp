// farm-sim at a small scale: the real scheduler against the baselines and the LP bound
// on one synthetic trace. Not a benchmark (tests/bench/sim_bench.sh is): these are the
// orderings that must hold whatever the machine.
#include <catch2/catch.hpp>

#include "lp_bound.h"
#include "simulate.h"

using namespace farm::sim;

TEST_CASE("farm-sim: cost-first beats both baselines, meets deadlines, stays above the LP bound",
          "[sched][sim]") {
    TraceSpec spec;
    spec.sites = 4;
    spec.workers = 120;
    spec.jobs = 6;
    spec.frames = 2400;
    spec.seed = 7;
    const Trace t = make_trace(spec);
    REQUIRE(t.frames() == 2400);
    const SimResult x = simulate(t, Policy::xixuan);
    const SimResult f = simulate(t, Policy::fifo);
    const SimResult q = simulate(t, Policy::fastest_first);
    const LpResult lp = lp_bound(t);
    INFO("xixuan " << x.cost << " fifo " << f.cost << " fastest " << q.cost << " lp " << lp.cost);
    REQUIRE(lp.solved);
    CHECK(x.cost < 0.8 * f.cost);
    CHECK(x.cost < 0.8 * q.cost);
    CHECK(lp.cost <= x.cost);
    CHECK(x.deadlines_met >= f.deadlines_met);
    CHECK(x.deadlines_met == x.jobs - lp.late_jobs);
    CHECK(x.frames == 2400);
    CHECK(x.late_frames == 0);
    CHECK_FALSE(x.decision_us.empty());
    // The per-job breakdowns (farm-sim --detail) add up to the totals.
    double gross = 0, staging = 0, lp_gross = 0, lp_staging = 0;
    for (const auto& j : x.per_job) {
        gross += j.gross;
        staging += j.staging;
    }
    for (const auto& [id, j] : lp.per_job) {
        lp_gross += j.gross;
        lp_staging += j.staging;
    }
    CHECK(gross == Approx(x.gross));
    CHECK(staging == Approx(x.staging_cost));
    CHECK(lp_staging == Approx(lp.staging_cost));
    CHECK(lp_gross - lp.voucher + lp_staging == Approx(lp.cost));
}

TEST_CASE("farm-sim traces are deterministic for a seed", "[sched][sim]") {
    TraceSpec spec;
    spec.sites = 3;
    spec.workers = 40;
    spec.jobs = 3;
    spec.frames = 600;
    const Trace a = make_trace(spec), b = make_trace(spec);
    REQUIRE(a.jobs.size() == b.jobs.size());
    for (std::size_t i = 0; i < a.jobs.size(); ++i) {
        CHECK(a.jobs[i].frame_mrays == b.jobs[i].frame_mrays);
        CHECK(a.jobs[i].deadline == b.jobs[i].deadline);
    }
    CHECK(simulate(a, Policy::xixuan).cost == simulate(b, Policy::xixuan).cost);
}

namespace {

// Sites each with one cheap (1 yuan/h) and one dear (20 yuan/h) worker and links at
// 10 yuan/GB; one job of one-minute frames due in an hour with a 1 GB snapshot.
Trace cheap_and_dear(const std::vector<std::string>& sites, double mbps, int frames) {
    Trace t;
    t.t0 = farm::sched::parse_time("2026-03-02T00:00:00+08:00", "test");
    for (const std::string& site : sites) {
        farm::sched::Site s;
        s.name = site;
        s.yuan_per_gpu_hour = {{"cheap", 1.0}, {"dear", 20.0}};
        s.link.yuan_per_gb = 10;
        s.link.bandwidth_mbps = mbps;
        s.link.rtt_ms = 0;
        t.config.sites[site] = s;
        for (const char* cls : {"cheap", "dear"}) {
            t.config.gpu_classes[cls] = farm::sched::GpuClass{cls, {cls}, 1};
            t.workers.push_back(SimWorker{site + "-" + cls, site, cls, 1.0, t.t0, {}});
        }
    }
    SimJob j;
    j.id = "j";
    j.tenant = "studio";
    j.arrival = t.t0;
    j.deadline = t.t0 + 3600;
    j.snapshot_bytes = 1e9;
    j.frame_mrays.assign(frames, 60.0);
    t.jobs.push_back(j);
    return t;
}

}  // namespace

TEST_CASE("farm-sim LP bound: a job that fills a pool at a site pays that site's whole staging",
          "[sched][sim]") {
    // Two sites; 120 frames: the job needs both cheap workers for the whole hour, so any
    // real schedule stages its snapshot at both sites: 2 yuan of rendering + 20 of
    // staging (one site alone: 1 + 20 + 10). A bound that charges staging by the share
    // of the site's hour used (half of each) would say 12.
    const LpResult lp = lp_bound(cheap_and_dear({"a", "b"}, 1e6, 120));
    REQUIRE(lp.solved);
    CHECK(lp.late_jobs == 0);
    CHECK(lp.staging_cost == Approx(20).epsilon(1e-6));
    CHECK(lp.cost == Approx(22).epsilon(1e-4));  // the transfer's 8 ms go to a dear worker
}

TEST_CASE("farm-sim LP bound: no frame renders before its snapshot can reach the site", "[sched][sim]") {
    // One site; 45 frames; the snapshot takes 30 min over the link. Only 30 min are
    // left: 30 frames on the cheap worker (0.5) and 15 on the dear one (5), plus 10 of
    // staging. A bound that let rendering start at arrival would say 0.75 + 10.
    const LpResult lp = lp_bound(cheap_and_dear({"a"}, 8e3 / 1800, 45));  // 1 GB in 1,800 s
    REQUIRE(lp.solved);
    CHECK(lp.late_jobs == 0);
    CHECK(lp.cost == Approx(15.5).epsilon(1e-6));
}

TEST_CASE("farm-sim whole-staging bound: branch and bound stages whole snapshots", "[sched][sim]") {
    // Two sites; 90 frames. With whole stagings the best is one site: 60 frames on its
    // cheap worker (1), 30 on its dear one (10), staging 10: 21 (both sites: 1.5 + 20).
    // The relaxation stages half a snapshot at the second site for its cheap worker's
    // half hour: 1 + 0.5 + 10 + 5 = 16.5.
    const LpResult lp = lp_bound(cheap_and_dear({"a", "b"}, 1e6, 90), 60);
    REQUIRE(lp.solved);
    CHECK(lp.cost == Approx(16.5).epsilon(1e-3));
    REQUIRE(lp.whole_run);
    CHECK(lp.whole_optimal);
    CHECK(lp.whole_bound == Approx(21).epsilon(1e-3));
    CHECK(lp.whole_best == Approx(lp.whole_bound));
    // Not asked for: not run.
    CHECK_FALSE(lp_bound(cheap_and_dear({"a", "b"}, 1e6, 90)).whole_run);
}

TEST_CASE("farm-sim foresight: told every frame's work the scheduler runs no probes", "[sched][sim]") {
    TraceSpec spec;
    spec.sites = 3;
    spec.workers = 60;
    spec.jobs = 4;
    spec.frames = 1200;
    spec.seed = 3;
    const Trace t = make_trace(spec);
    const SimResult blind = simulate(t, Policy::xixuan);
    CHECK(blind.probes > 0);
    for (const bool arrivals : {false, true}) {
        const SimResult x = simulate(t, Policy::xixuan, sim_options(), Foresight{true, arrivals});
        INFO("arrivals known: " << arrivals << ", cost " << x.cost << " (blind " << blind.cost << ")");
        CHECK(x.probes == 0);
        CHECK(x.deadlines_met == x.jobs);
        CHECK(x.late_frames == 0);
    }
}
