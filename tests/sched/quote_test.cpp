// Quotes: the cheapest plan meeting the deadline, the fastest, per site, vouchers shown,
// and an infeasible deadline said to be one, with the earliest finish instead.
#include <catch2/catch.hpp>

#include "sched_fixture.h"

using namespace farm::sched;
using namespace farm::sched::test;

namespace {

struct QuoteFarm {
    SitesConfig c;
    std::unique_ptr<MiniFarm> f;
    QuoteFarm() {
        c.vouchers.push_back({"v", "studio-a", "dear", 20, 1000, kT0 - 86400, kT0 + 86400});
        f = std::make_unique<MiniFarm>(MiniFarm::exact_options(), c);
        f->add_site(flat_site("cheap", 1));
        f->add_site(flat_site("dear", 3));
        f->add_worker("c1", "cheap");
        f->add_worker("d1", "dear");
        f->add_worker("d2", "dear");
        // Teach the workload: 60 s a task on a score-1 worker.
        f->add_job("teach", "studio-a", 0, 60, std::nullopt);
    }
    QuoteSpec spec(int tasks, std::optional<double> deadline) {
        QuoteSpec s;
        s.tenant = "studio-a";
        s.workload = "w-teach";
        s.tasks = tasks;
        s.pixel_samples_per_task = 1e6;
        s.deadline = deadline;
        return s;
    }
};

}  // namespace

TEST_CASE("quote: cheapest plan, fastest plan and each site alone") {
    QuoteFarm q;
    // 30 tasks of a minute, deadline in an hour: the cheap worker alone does it.
    Quote r = q.f->sched.quote(q.spec(30, kT0 + 3600), kT0);
    CHECK(r.deadline_feasible);
    CHECK(r.cheapest.feasible);
    CHECK(r.cheapest.cost_yuan == Approx(30 / 60.0 * 1));
    CHECK(r.cheapest.finish == Approx(kT0 + 30 * 60));
    CHECK(r.cheapest.tasks_by_pool.at("cheap/cpu") == Approx(30));
    // Fastest: all three workers, 10 tasks each, done in 10 minutes; the dear ones get
    // the voucher's 20%.
    CHECK(r.fastest.finish == Approx(kT0 + 600));
    CHECK(r.fastest.cost_yuan == Approx(10 / 60.0 * 1 + 20 / 60.0 * 3 * 0.8));
    CHECK(r.fastest.voucher_yuan == Approx(20 / 60.0 * 3 * 0.2));
    REQUIRE(r.per_site.size() == 2);
    CHECK(r.per_site.at("dear").cost_yuan == Approx(30 / 60.0 * 3 * 0.8));
    CHECK(r.per_site.at("dear").finish == Approx(kT0 + 900));
    CHECK(r.per_site.at("dear").voucher_yuan == Approx(30 / 60.0 * 3 * 0.2));
    CHECK(r.task_seconds == Approx(60));
    CHECK(r.basis == "renders");
    CHECK(r.cheapest.cost_lo <= r.cheapest.cost_yuan);
    CHECK(r.cheapest.cost_hi >= r.cheapest.cost_yuan);
    CHECK(r.cheapest.cost_hi > r.cheapest.cost_lo);
}

TEST_CASE("quote: a tighter deadline buys dearer capacity, an impossible one says so") {
    QuoteFarm q;
    // 30 tasks in 20 min (margin 90 s): cheap does 18.5 minutes' worth, the dear pool
    // the other 11.5 tasks.
    Quote r = q.f->sched.quote(q.spec(30, kT0 + 1200), kT0);
    CHECK(r.deadline_feasible);
    CHECK(r.cheapest.tasks_by_pool.at("cheap/cpu") == Approx(18.5));
    CHECK(r.cheapest.tasks_by_pool.at("dear/cpu") == Approx(11.5));
    CHECK(r.cheapest.cost_yuan == Approx(18.5 / 60 + 11.5 / 60 * 3 * 0.8));

    // 30 tasks in 5 minutes cannot be done by 3 workers: the earliest is 10 minutes.
    Quote late = q.f->sched.quote(q.spec(30, kT0 + 300), kT0);
    CHECK_FALSE(late.deadline_feasible);
    CHECK_FALSE(late.cheapest.feasible);
    CHECK(late.earliest_finish == Approx(kT0 + 600));
    CHECK(late.cheapest.finish == Approx(kT0 + 600));
}

TEST_CASE("quote: an unknown workload is quoted from the prior, with wide uncertainty") {
    QuoteFarm q;
    QuoteSpec s = q.spec(10, std::nullopt);
    s.workload = "never-seen";
    Quote r = q.f->sched.quote(s, kT0);
    CHECK(r.basis == "prior");
    CHECK(r.uncertainty == Approx(1.0));
    CHECK(r.cheapest.cost_hi > 2 * r.cheapest.cost_yuan);
}
