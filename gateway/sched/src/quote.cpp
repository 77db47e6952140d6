// Quotes: the job as the scheduler would place it next to everything already planned,
// without placing it. The cheapest plan meets the deadline at the least cost; the
// fastest ends earliest whatever it costs; the per-site plans use one site alone. The
// 90% band reruns the cheapest plan at the estimate's mean -/+ 1.645 sigma.
#include <algorithm>
#include <cmath>

#include "state.h"

namespace farm::sched {

namespace {

constexpr double kZ90 = 1.645;

QuotePlan to_quote(const JobPlan& jp, const Plan& p, bool feasible) {
    QuotePlan q;
    q.feasible = feasible;
    q.cost_yuan = q.cost_lo = q.cost_hi = jp.cost;
    q.finish = q.finish_lo = q.finish_hi = jp.finish;
    q.voucher_yuan = jp.discount;
    q.staging_yuan = jp.staging;
    for (const Piece& pc : jp.pieces) {
        q.cost_by_site[p.pools[pc.pool].site] += pc.cost;
        q.tasks_by_pool[p.pools[pc.pool].key] += pc.tasks;
    }
    return q;
}

}  // namespace

Quote Scheduler::quote(const QuoteSpec& spec, double now) {
    Impl& I = *impl_;
    replan_if_stale(now);
    JobState j;
    j.info.id = "(quote)";
    j.info.tenant = spec.tenant;
    j.info.snapshot = spec.snapshot;
    j.info.workload = spec.workload;
    j.info.priority = spec.priority;
    j.info.submitted = now;
    j.info.deadline = spec.deadline;
    j.info.snapshot_bytes = spec.snapshot_bytes;
    j.info.tasks_queued = spec.tasks;
    j.info.pixel_samples_per_task = spec.pixel_samples_per_task;
    j.info.max_depth = spec.max_depth;
    const WorkloadEstimate& est = I.estimate(spec.workload);

    Quote q;
    q.uncertainty = est.uncertainty(spec.tasks);
    q.observations = est.observations();
    q.basis = est.basis();
    if (spec.tasks <= 0 || I.plan.pools.empty()) {
        if (!I.plan.pools.empty()) q.cheapest.feasible = q.fastest.feasible = true;
        q.deadline_feasible = spec.tasks <= 0;
        q.earliest_finish = now;
        return q;
    }
    const double deadline = I.planning_deadline(j, now);
    const double tail = I.tail_factor(j);
    std::map<std::string, double> vleft;
    for (const auto& v : I.config.vouchers) vleft[v.id] = I.vouchers.remaining(v);

    // Cheapest placement before the deadline; whatever does not fit runs as early as
    // possible after it (which is what the scheduler would do with a late job).
    auto cheapest = [&](double demand, const std::string& only_site, bool* on_time) {
        Plan p = I.plan;
        auto vl = vleft;
        PlaceRequest r;
        r.demand = demand;
        r.deadline = deadline;
        r.tail = tail;
        r.only_site = only_site;
        JobPlan jp = I.place(p, j, r, now, vl);
        *on_time = jp.on_time && deadline > now;
        if (!*on_time) {
            I.unplace(p, jp);
            vl = vleft;
            r.mode = PlaceRequest::Mode::fastest;
            jp = I.place(p, j, r, now, vl);
        }
        return std::make_pair(jp, p);
    };
    auto banded = [&](const std::string& only_site) {
        bool ok = false, ok_lo = false, ok_hi = false;
        auto [jp, p] = cheapest(spec.tasks, only_site, &ok);
        QuotePlan out = to_quote(jp, p, ok && jp.left <= 1e-6);
        auto lo = cheapest(std::max(0.05, 1 - kZ90 * q.uncertainty) * spec.tasks, only_site, &ok_lo);
        auto hi = cheapest((1 + kZ90 * q.uncertainty) * spec.tasks, only_site, &ok_hi);
        out.cost_lo = std::min(out.cost_yuan, lo.first.cost);
        out.cost_hi = std::max(out.cost_yuan, hi.first.cost);
        out.finish_lo = std::min(out.finish, lo.first.finish);
        out.finish_hi = std::max(out.finish, hi.first.finish);
        return out;
    };

    q.cheapest = banded("");
    q.deadline_feasible = q.cheapest.feasible;
    {
        Plan p = I.plan;
        auto vl = vleft;
        PlaceRequest r;
        r.mode = PlaceRequest::Mode::fastest;
        r.demand = spec.tasks;
        JobPlan jp = I.place(p, j, r, now, vl);
        q.fastest = to_quote(jp, p, jp.left <= 1e-6 && (!spec.deadline || jp.finish <= *spec.deadline));
        q.earliest_finish = jp.finish;
        const double f_lo = std::max(0.05, 1 - kZ90 * q.uncertainty), f_hi = 1 + kZ90 * q.uncertainty;
        q.fastest.finish_lo = now + (jp.finish - now) * f_lo;
        q.fastest.finish_hi = now + (jp.finish - now) * f_hi;
        q.fastest.cost_lo = jp.cost * f_lo;
        q.fastest.cost_hi = jp.cost * f_hi;
    }
    std::set<std::string> sites;
    for (const auto& ps : I.plan.pools) sites.insert(ps.site);
    for (const auto& s : sites) q.per_site[s] = banded(s);
    // Expected seconds of one task where the cheapest plan puts most of them.
    double most = -1;
    for (const auto& [key, n] : q.cheapest.tasks_by_pool)
        if (n > most) {
            most = n;
            for (const auto& ps : I.plan.pools)
                if (ps.key == key) q.task_seconds = I.pool_task_seconds(j.info, ps);
        }
    return q;
}

}  // namespace farm::sched
