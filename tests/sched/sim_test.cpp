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
