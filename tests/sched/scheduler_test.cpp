// The scheduler's choices on cases small enough to work out by hand.
#include <catch2/catch.hpp>

#include "sched_fixture.h"

using namespace farm::sched;
using namespace farm::sched::test;
using Catch::Matchers::Contains;

namespace {

int count(const std::vector<Lease>& leases, const std::string& worker) {
    int n = 0;
    for (const auto& l : leases) n += l.worker == worker;
    return n;
}

}  // namespace

TEST_CASE("the cheap site works alone until the deadline needs the dear one") {
    // Ten 60 s tasks; cheap site 1 yuan/h, dear site 3 yuan/h, one worker each. The
    // margin is 1.5 x the slowest task = 90 s (no lease timeout here), so a deadline of
    // k x 60 + 90 s leaves the cheap worker exactly k tasks and the dear one 10 - k.
    for (int k : {10, 9, 8, 6, 5}) {
        DYNAMIC_SECTION("cheap capacity for " << k << " tasks") {
            MiniFarm f;
            f.add_site(flat_site("cheap", 1));
            f.add_site(flat_site("dear", 3));
            f.add_worker("w-cheap", "cheap");
            f.add_worker("w-dear", "dear");
            f.add_job("j1", "t", 10, 60, kT0 + k * 60 + 90);
            f.run(kT0);  // the first polls
            if (k == 10) CHECK_THAT(f.last_hold["w-dear"], Contains("held back"));
            f.run(kT0 + 3600);
            CHECK(f.done["j1"] == 10);
            CHECK(count(f.leases, "w-dear") == 10 - k);
            CHECK(count(f.leases, "w-cheap") == k);
            CHECK(f.finished_at["j1"] <= kT0 + k * 60 + 90);
            // Cost by hand: k minutes at 1 yuan/h, 10 - k at 3 yuan/h.
            CHECK(f.cost_yuan == Approx((k * 1.0 + (10 - k) * 3.0) / 60));
        }
    }
}

TEST_CASE("an impossible deadline runs best effort on everything") {
    MiniFarm f;
    f.add_site(flat_site("cheap", 1));
    f.add_site(flat_site("dear", 3));
    f.add_worker("w-cheap", "cheap");
    f.add_worker("w-dear", "dear");
    f.add_job("j1", "t", 10, 60, kT0 + 3 * 60 + 90);  // 6 tasks fit at best
    f.run(kT0 + 3600);
    CHECK(count(f.leases, "w-dear") == 5);
    CHECK(count(f.leases, "w-cheap") == 5);
    CHECK(f.finished_at["j1"] == kT0 + 300);
    CHECK_THAT(f.last_decision["j1"].why, Contains("best effort"));
}

TEST_CASE("decisions explain themselves") {
    MiniFarm f;
    f.add_site(flat_site("cheap", 1));
    f.add_site(flat_site("dear", 3));
    f.add_worker("w-cheap", "cheap");
    f.add_worker("w-dear", "dear");
    f.add_job("j1", "t", 10, 60, kT0 + 8 * 60 + 90);
    std::vector<Decision> seen;
    auto take = [&](const std::string&, bool probe) { return !probe; };
    auto a = f.sched.dispatch("w-cheap", f.now, take);
    auto b = f.sched.dispatch("w-dear", f.now, take);
    REQUIRE(a);
    REQUIRE(b);
    CHECK_THAT(a->why, Contains("cheapest capacity for this job: cheap/cpu"));
    CHECK_THAT(b->why, Contains("deadline needs it: 1 cheaper pool(s)"));
    CHECK(a->yuan_per_hour == 1);
    CHECK(b->yuan_per_hour == 3);
    CHECK(b->est_seconds == Approx(60));
    CHECK(b->slack_s > 0);
}

TEST_CASE("time-of-use: work waits for the valley when the deadline allows") {
    // 18:00 local: peak until 23:00, then valley (x0.45). Deadline 20 h away.
    SitesConfig c;
    Site s = flat_site("gs", 1);
    s.tariff = gansu_tariff();
    MiniFarm f(MiniFarm::exact_options(), c);
    f.add_site(s);
    f.now = kT0 + 18 * kHour;
    f.add_worker("w1", "gs");
    f.add_job("j1", "t", 10, 60, f.now + 20 * kHour);
    f.run(f.now + 8 * kHour, 10);
    REQUIRE(f.leases.size() == 10);
    CHECK(f.leases.front().start >= kT0 + 23 * kHour);
    CHECK(f.leases.front().start < kT0 + 23 * kHour + 20);
    CHECK_THAT(f.last_hold["w1"], Contains("held back: cheaper capacity covers every deadline"));
    CHECK(f.cost_yuan == Approx(10.0 / 60 * 0.45));

    // The same job due in 2 h cannot wait: it runs now, at peak.
    MiniFarm g(MiniFarm::exact_options(), c);
    g.add_site(s);
    g.now = kT0 + 18 * kHour;
    g.add_worker("w1", "gs");
    g.add_job("j1", "t", 10, 60, g.now + 2 * kHour);
    g.run(g.now + 3 * kHour, 10);
    REQUIRE(g.leases.size() == 10);
    CHECK(g.leases.front().start < kT0 + 18 * kHour + 20);
    CHECK(g.cost_yuan == Approx(10.0 / 60 * 1.5));
}

TEST_CASE("staging: a small job stays where its data is; a big one pays to move") {
    // Site "far" is half price but lacks the 1 GB snapshot at 10 yuan/GB.
    auto setup = [](MiniFarm& f, int tasks) {
        Site far = flat_site("far", 1);
        far.link.yuan_per_gb = 10;
        far.link.bandwidth_mbps = 1000;
        f.add_site(far);
        f.add_site(flat_site("near", 2));
        f.add_worker("w-far", "far");
        f.add_worker("w-near", "near");
        f.add_job("j", "t", tasks, 60, kT0 + 40 * 86400.0, 50, std::nullopt, 1e9);
        f.sched.set_staging("near", "snap-j", 0);
    };
    auto take = [](const std::string&, bool probe) { return !probe; };
    {
        // 10 minutes: 0.17 yuan at far + 10 staging against 0.33 at near.
        MiniFarm f;
        setup(f, 10);
        std::string why;
        CHECK_FALSE(f.sched.dispatch("w-far", f.now, take, &why));
        CHECK(f.sched.dispatch("w-near", f.now, take));
        auto o = f.sched.outlook("j");
        CHECK(o.staging_yuan == 0);
        CHECK(o.tasks_by_pool.count("far/cpu") == 0);
    }
    {
        // 5,000 minutes: 83 yuan at far + 10 staging against 167 at near.
        MiniFarm f;
        setup(f, 5000);
        CHECK(f.sched.dispatch("w-far", f.now, take));
        CHECK_FALSE(f.sched.dispatch("w-near", f.now, take));
        auto o = f.sched.outlook("j");
        CHECK(o.staging_yuan == Approx(10));
        CHECK(o.cost_yuan == Approx(5000.0 / 60 + 10).epsilon(0.01));
    }
}

TEST_CASE("staging: a site the plan falls back on after dropping one is checked too") {
    // 3,000 one-minute tasks: 85 yuan at far-x, 87.5 at far-y, 100 at near (staged);
    // 10 yuan to stage either far site. far-x saves 2.5 over far-y, less than half its
    // staging: dropped, and its work falls to far-y, which saves 2.5 over near, not
    // 1.5 x 10 either: the job stays at near.
    MiniFarm f;
    for (auto [name, price] : {std::pair{"far-x", 1.7}, std::pair{"far-y", 1.75}}) {
        Site s = flat_site(name, price);
        s.link.yuan_per_gb = 10;
        f.add_site(s);
        f.add_worker(std::string("w-") + name, name);
    }
    f.add_site(flat_site("near", 2));
    f.add_worker("w-near", "near");
    f.add_job("j", "t", 3000, 60, kT0 + 40 * 86400.0, 50, std::nullopt, 1e9);
    f.sched.set_staging("near", "snap-j", 0);
    f.sched.replan(f.now);
    const auto o = f.sched.outlook("j");
    CHECK(o.staging_yuan == 0);
    CHECK(o.tasks_by_pool.count("near/cpu") == 1);
    CHECK(o.tasks_by_pool.size() == 1);
}

// Flat-priced sites of one worker each, 10 yuan per GB staged over a 1 Gbit/s link.
static void add_linked_sites(MiniFarm& f, const std::vector<std::pair<std::string, double>>& sites) {
    for (const auto& [name, price] : sites) {
        Site s = flat_site(name, price);
        s.link.yuan_per_gb = 10;
        s.link.bandwidth_mbps = 1000;
        f.add_site(s);
        f.add_worker("w-" + name, name);
    }
}

TEST_CASE("staging: a site's cells go to the job whose snapshot is already there") {
    // One worker at "cheap" (1 yuan/h), one at "mid" (1.1 yuan/h), 10 yuan per GB to
    // either. Jobs a and b have 500 one-minute tasks each (8.3 h) and deadlines 12 h and
    // 11.5 h out, so only one of them fits at cheap. a's 1 GB snapshot is at cheap
    // already; b's 0.1 GB is nowhere. In deadline order b takes cheap (8.3 + 1 staging)
    // and a spills to mid and stages it (about 19); a first at cheap (8.3) and b at mid
    // (9.2 + 1) cost 10 yuan less.
    MiniFarm f;
    add_linked_sites(f, {{"cheap", 1.0}, {"mid", 1.1}});
    f.add_job("a", "t", 500, 60, kT0 + 12 * kHour, 50, std::nullopt, 1e9);
    f.add_job("b", "t", 500, 60, kT0 + 11.5 * kHour, 50, std::nullopt, 1e8);
    f.sched.set_staging("cheap", "snap-a", 0);
    f.sched.replan(f.now);
    const auto a = f.sched.outlook("a"), b = f.sched.outlook("b");
    CHECK(a.on_time);
    CHECK(b.on_time);
    CHECK(a.staging_yuan == 0);
    CHECK(a.tasks_by_pool.size() == 1);
    CHECK(a.tasks_by_pool.count("cheap/cpu") == 1);
    CHECK(b.staging_yuan == Approx(1));
    CHECK(b.tasks_by_pool.count("mid/cpu") == 1);
    CHECK(a.cost_yuan + b.cost_yuan == Approx(500.0 / 60 + 500.0 / 60 * 1.1 + 1).epsilon(0.01));
}

TEST_CASE("staging: a plan does not hop to a slightly cheaper unstaged site") {
    // 5,000 one-minute tasks, 1 GB snapshot at 10 yuan/GB everywhere but "near". The
    // first plan stages far-a (83 + 10 yuan against 167 at near). Then far-b appears,
    // 10 yuan cheaper in all: hopping saves less than the 1 + 1.5 x staging a site new
    // to the plan must save (the plan wobbling between near-equal sites would stage
    // whichever one a worker polls from first), so it stays; 33 yuan cheaper, it moves.
    auto plan_with_b = [](double b_price, Options o) {
        MiniFarm f(o);
        Site a = flat_site("far-a", 1);
        a.link.yuan_per_gb = 10;
        f.add_site(a);
        f.add_site(flat_site("near", 2));
        f.add_worker("w-a", "far-a");
        f.add_worker("w-near", "near");
        f.add_job("j", "t", 5000, 60, kT0 + 40 * 86400.0, 50, std::nullopt, 1e9);
        f.sched.set_staging("near", "snap-j", 0);
        f.sched.replan(f.now);
        REQUIRE(f.sched.outlook("j").tasks_by_pool.count("far-a/cpu") == 1);
        Site b = flat_site("far-b", b_price);
        b.link.yuan_per_gb = 10;
        f.add_site(b);
        f.add_worker("w-b", "far-b");
        f.sched.replan(f.now + 60);
        return f.sched.outlook("j").tasks_by_pool;
    };
    const double slightly = 1 - 10 * 60 / 5000.0, much = 1 - 33 * 60 / 5000.0;
    auto kept = plan_with_b(slightly, MiniFarm::exact_options());
    CHECK(kept.count("far-a/cpu") == 1);
    CHECK(kept.count("far-b/cpu") == 0);
    auto moved = plan_with_b(much, MiniFarm::exact_options());
    CHECK(moved.count("far-a/cpu") == 0);
    CHECK(moved.count("far-b/cpu") == 1);
    // Without the rule (and on a first plan) the slightly cheaper site wins.
    Options no_rule = MiniFarm::exact_options();
    no_rule.staging_newcomer = 0;
    auto hopped = plan_with_b(slightly, no_rule);
    CHECK(hopped.count("far-a/cpu") == 0);
    CHECK(hopped.count("far-b/cpu") == 1);
}

TEST_CASE("a voucher makes the dearer site the cheaper one for its tenant only") {
    SitesConfig c;
    c.vouchers.push_back({"v", "studio-a", "b", 50, 1000, kT0 - 86400, kT0 + 86400});
    auto make = [&](const std::string& tenant) {
        auto f = std::make_unique<MiniFarm>(MiniFarm::exact_options(), c);
        f->add_site(flat_site("a", 1.0));
        f->add_site(flat_site("b", 1.5));
        f->add_worker("wa", "a");
        f->add_worker("wb", "b");
        f->add_job("j", tenant, 5, 60, kT0 + 86400);
        return f;
    };
    auto take = [](const std::string&, bool probe) { return !probe; };
    auto fa = make("studio-a");
    auto d = fa->sched.dispatch("wb", fa->now, take);
    REQUIRE(d);
    CHECK(d->voucher_pct == 50);
    CHECK_FALSE(fa->sched.dispatch("wa", fa->now, take));
    CHECK(fa->sched.outlook("j").voucher_yuan == Approx(5 / 60.0 * 1.5 * 0.5).epsilon(0.02));
    auto fb = make("studio-b");
    CHECK_FALSE(fb->sched.dispatch("wb", fb->now, take));
    CHECK(fb->sched.dispatch("wa", fb->now, take));
}

TEST_CASE("a capped voucher goes to the job with the dearer alternative") {
    // Jobs a and b of one tenant, 500 one-minute tasks each (8.3 worker-hours). Site v
    // costs 1 yuan/h with a 50% voucher capped at one job's discount (4.17 yuan); site w
    // costs 0.8. b's snapshot is at v and w, a's only at v (10 yuan to move it). In
    // deadline order b takes the voucher (4.17) and a pays full price at v (8.33): 12.5.
    // The joint site LP gives a the voucher and b site w: 4.17 + 6.67 = 10.83.
    SitesConfig c;
    const double cap = 500 / 60.0 * 0.5;
    c.vouchers.push_back({"vv", "t", "v", 50, cap, kT0 - 86400, kT0 + 86400});
    MiniFarm f(MiniFarm::exact_options(), c);
    add_linked_sites(f, {{"v", 1.0}, {"w", 0.8}});
    f.add_job("a", "t", 500, 60, kT0 + 24 * kHour, 50, std::nullopt, 1e9);
    f.add_job("b", "t", 500, 60, kT0 + 20 * kHour, 50, std::nullopt, 1e9);
    f.sched.set_staging("v", "snap-a", 0);
    f.sched.set_staging("v", "snap-b", 0);
    f.sched.set_staging("w", "snap-b", 0);
    f.sched.replan(f.now);
    const auto a = f.sched.outlook("a"), b = f.sched.outlook("b");
    CHECK(a.on_time);
    CHECK(b.on_time);
    CHECK(a.voucher_yuan == Approx(cap).epsilon(0.01));
    CHECK(a.tasks_by_pool.count("v/cpu") == 1);
    CHECK(b.tasks_by_pool.size() == 1);
    CHECK(b.tasks_by_pool.count("w/cpu") == 1);
    CHECK(a.cost_yuan + b.cost_yuan == Approx(cap + 500 / 60.0 * 0.8).epsilon(0.01));
}

TEST_CASE("the cell LP gives a class to the job whose scene it speeds up most") {
    // One site, one worker of class X (1 yuan/h) and one of Y (0.9 yuan/h), equal
    // benchmarks. Job e (deadline 4 h 3 min) renders a task in 60 s on either; job l
    // (4 h 30 min) takes 60 s on X but 30 s on Y. 240 tasks each. In deadline order e
    // takes Y for 4 h (3.60 yuan) and l gets Y's last 29 min (58 tasks) and X for the
    // rest (3.47): 7.07. Jointly, l has Y for 2 h (1.80) and e fills what is left of Y
    // and then X (about 2.0 + 1.8): 5.6 (5.57 as the plan counts 95% of the capacity
    // after the first hour). Neither the site LP (one site) nor the exchange pass (no
    // snapshot or voucher to contest) sees it.
    auto plan = [](bool cell_lp) {
        Options o = MiniFarm::exact_options();
        o.cell_lp = cell_lp;
        SitesConfig c;
        Site s;
        s.name = "s";
        s.yuan_per_gpu_hour = {{"X", 1.0}, {"Y", 0.9}};
        c.sites["s"] = s;
        Scheduler sched(o);
        sched.set_config(c);
        const WorkerInfo wx{"wx", "s", "X", 1, 8, 100}, wy{"wy", "s", "Y", 1, 8, 100};
        sched.upsert_worker(wx);
        sched.upsert_worker(wy);
        auto teach = [&](const std::string& workload, const WorkerInfo& w, double seconds) {
            Observation ob;
            ob.pixel_samples = 1e6;
            ob.rays = 6e9;  // 6,000 Mrays: 60 s at the benchmark's 100 Mrays/s
            ob.trace_s = ob.wall_s = seconds;
            sched.observe(workload, w, ob);
        };
        teach("we", wx, 60);
        teach("we", wy, 60);
        teach("wl", wx, 60);
        teach("wl", wy, 30);
        for (auto [id, dl] : {std::pair{"e", 4 * kHour + 180}, std::pair{"l", 4.5 * kHour}}) {
            JobInfo j;
            j.id = id;
            j.tenant = "t";
            j.snapshot = std::string("snap-") + id;
            j.workload = std::string("w") + id;
            j.submitted = kT0;
            j.deadline = kT0 + dl;
            j.tasks_queued = 240;
            j.pixel_samples_per_task = 1e6;
            sched.upsert_job(j);
        }
        sched.replan(kT0);
        return std::pair{sched.outlook("e"), sched.outlook("l")};
    };
    const auto [e, l] = plan(true);
    CHECK(e.on_time);
    CHECK(l.on_time);
    CHECK(l.tasks_by_pool.at("s/Y") == Approx(240).epsilon(0.01));
    CHECK(e.tasks_by_pool.at("s/X") > 90);
    CHECK(e.cost_yuan + l.cost_yuan == Approx(5.6).epsilon(0.01));
    const auto [ge, gl] = plan(false);  // deadline order alone, as worked out above
    CHECK(ge.tasks_by_pool.at("s/Y") > 230);
    CHECK(gl.tasks_by_pool.at("s/X") > 170);
    CHECK(ge.cost_yuan + gl.cost_yuan == Approx(7.07).epsilon(0.01));
}

TEST_CASE("a job booked ahead starts no task before its start time") {
    Scheduler sched(MiniFarm::exact_options());
    SitesConfig c;
    c.sites["s"] = flat_site("s", 1);
    sched.set_config(c);
    sched.upsert_worker(WorkerInfo{"w", "s", "cpu", 0, 1, 1});
    Observation ob;
    ob.pixel_samples = 1e6;
    ob.wall_s = 60;
    sched.observe("wj", WorkerInfo{"teacher", "", "cpu", 0, 1, 1}, ob);
    JobInfo j;
    j.id = "j";
    j.workload = "wj";
    j.submitted = kT0;
    j.not_before = kT0 + kHour;
    j.deadline = kT0 + 3 * kHour;
    j.tasks_queued = 10;
    j.pixel_samples_per_task = 1e6;
    sched.upsert_job(j);
    auto take = [](const std::string&, bool) { return true; };
    CHECK_FALSE(sched.dispatch("w", kT0, take));
    CHECK_FALSE(sched.dispatch("w", kT0 + kHour - 60, take));
    const auto o = sched.outlook("j");
    CHECK(o.on_time);
    CHECK(o.finish >= kT0 + kHour + 600);  // ten minutes of work from its start
    CHECK(sched.dispatch("w", kT0 + kHour, take));
}

TEST_CASE("a budget the plan would exceed is reported before anything is spent") {
    MiniFarm f;
    f.add_site(flat_site("s", 6));  // 0.1 yuan a minute
    f.add_worker("w", "s");
    f.add_job("j", "t", 100, 60, kT0 + 86400, 50, 5.0);  // 10 yuan of work, 5 of budget
    f.sched.replan(f.now);
    auto over = f.sched.take_over_budget();
    REQUIRE(over.size() == 1);
    CHECK(over[0].first == "j");
    CHECK_THAT(over[0].second, Contains("exceeds the budget of 5.00 yuan"));
    CHECK(f.sched.take_over_budget().empty());  // said once

    // Even a job left running never starts a task that would break its budget.
    MiniFarm g;
    g.add_site(flat_site("s", 6));
    g.add_worker("w", "s");
    g.add_job("j", "t", 100, 60, kT0 + 86400, 50, 0.35);
    g.run(kT0 + 7200);
    CHECK(g.done["j"] == 3);
    CHECK(g.cost_yuan <= 0.35 + 1e-9);
}

TEST_CASE("short of capacity: late jobs share workers evenly by tenant") {
    MiniFarm f;
    f.add_site(flat_site("s", 1));
    for (int i = 0; i < 4; ++i) f.add_worker("w" + std::to_string(i), "s");
    // Deadlines already impossible: everyone is late, best effort.
    f.add_job("a1", "studio-a", 40, 60, kT0 + 60);
    f.add_job("a2", "studio-a", 40, 60, kT0 + 60);
    f.add_job("b1", "studio-b", 40, 60, kT0 + 60);
    f.run(kT0 + 600);
    int a = 0, b = 0;
    for (const auto& l : f.leases) (l.job[0] == 'a' ? a : b) += 1;
    CHECK(a == b);
    CHECK(a + b == 44);
}

TEST_CASE("short of capacity: the higher priority keeps its deadline") {
    MiniFarm f;
    f.add_site(flat_site("s", 1));
    f.add_worker("w", "s");
    // One worker: room for one 10-task job before either deadline, not two. Earliest
    // deadline first would save "low"; priority saves "high".
    f.add_job("low", "t", 10, 60, kT0 + 1000, 10);
    f.add_job("high", "t", 10, 60, kT0 + 1100, 90);
    f.run(kT0 + 3600);
    CHECK(f.finished_at["high"] <= kT0 + 1100);
    CHECK(f.finished_at["low"] > kT0 + 1000);
    CHECK(f.done["low"] == 10);
}

TEST_CASE("drained and disabled workers and sites get nothing new") {
    MiniFarm f;
    f.add_site(flat_site("s1", 1));
    f.add_site(flat_site("s2", 1));
    f.add_worker("w1", "s1");
    f.add_worker("w2", "s2");
    f.add_job("j", "t", 4, 60, kT0 + 60);  // late: would use everything
    auto take = [](const std::string&, bool probe) { return !probe; };
    f.sched.set_worker_admin("w1", Admin::draining);
    std::string why;
    CHECK_FALSE(f.sched.dispatch("w1", f.now, take, &why));
    CHECK_THAT(why, Contains("draining"));
    f.sched.set_site_admin("s2", Admin::disabled);
    CHECK_FALSE(f.sched.dispatch("w2", f.now, take, &why));
    CHECK_THAT(why, Contains("disabled"));
    f.sched.set_worker_admin("w1", Admin::enabled);
    f.sched.set_site_admin("s2", Admin::enabled);
    CHECK(f.sched.dispatch("w1", f.now + 1, take));
    CHECK(f.sched.dispatch("w2", f.now + 1, take));
}

TEST_CASE("probes go first, and renders wait for them") {
    MiniFarm f;
    f.add_site(flat_site("s", 1));
    f.add_worker("w1", "s");
    f.add_worker("w2", "s");
    JobInfo j;
    j.id = "j";
    j.tenant = "t";
    j.workload = "fresh";
    j.submitted = f.now;
    j.deadline = f.now + 86400;
    j.tasks_queued = 10;
    j.probes_pending = 1;
    j.pixel_samples_per_task = 1e6;
    f.sched.upsert_job(j);
    int probes = 1;
    auto take = [&](const std::string&, bool probe) {
        if (probe) return probes-- > 0;
        return true;
    };
    auto d1 = f.sched.dispatch("w1", f.now, take);
    REQUIRE(d1);
    CHECK(d1->probe);
    std::string why;
    CHECK_FALSE(f.sched.dispatch("w2", f.now, take, &why));  // renders wait for the probe
    f.sched.task_started("w1", "j", f.now, 5);
    Observation o;
    o.probe = true;
    o.pixel_samples = 1e5;
    o.wall_s = 3;
    o.trace_s = 2;
    o.rays = 4e6;
    f.sched.task_finished("w1", "j", f.now + 3, o);
    auto d2 = f.sched.dispatch("w2", f.now + 4, take);
    REQUIRE(d2);
    CHECK_FALSE(d2->probe);
    // 4 Mrays per 1e5 pixel-samples -> 40 Mrays a task at 2 Mrays/s, plus 1 s overhead.
    CHECK(d2->est_seconds == Approx(1 + 40 / 2.0));
}

TEST_CASE("estimates carry across GPU classes through ray counts") {
    Scheduler s;
    WorkerInfo fast{"f", "x", "A100", 1, 8, 400};
    WorkerInfo slow{"s", "x", "L4", 1, 8, 100};
    Observation o;
    o.pixel_samples = 1e6;
    o.rays = 8e9;    // 8,000 Mrays
    o.trace_s = 40;  // 200 Mrays/s: half the A100's benchmark score on this scene
    o.wall_s = 42;
    s.observe("w", fast, o);
    s.upsert_worker(slow);
    JobInfo j;
    j.id = "j";
    j.workload = "w";
    j.pixel_samples_per_task = 2e6;
    j.tasks_queued = 1;
    s.upsert_job(j);
    // The L4 has no observation: it gets the A100's scene factor (0.5) on its own score,
    // 16,000 Mrays / (100 x 0.5) = 320 s, plus the 2 s overhead seen so far.
    CHECK(s.task_seconds("j", "s") == Approx(322));
}
