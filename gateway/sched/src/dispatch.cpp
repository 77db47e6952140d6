// Dispatch: one idle worker asks; the answer is the most urgent job the plan gives this
// worker's pool in the current slot, a probe, or best-effort work for a job that will be
// late anyway (shared by tenant). Anything else holds the worker: cheaper capacity
// covers every deadline, so spending on this one would only raise the bill.
#include <algorithm>
#include <cmath>

#include "state.h"

namespace farm::sched {

namespace {

std::string money(double y) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", y);
    return b;
}

std::string span(double s) {
    if (!std::isfinite(s)) return "none";
    char b[48];
    const double a = std::abs(s);
    if (a < 120) std::snprintf(b, sizeof b, "%s%.0f s", s < 0 ? "-" : "", a);
    else if (a < 7200) std::snprintf(b, sizeof b, "%s%.0f min", s < 0 ? "-" : "", a / 60);
    else std::snprintf(b, sizeof b, "%s%.1f h", s < 0 ? "-" : "", a / 3600);
    return b;
}

}  // namespace

std::optional<Decision> Scheduler::dispatch(const std::string& worker, double now,
                                            const Take& take, std::string* hold_reason) {
    Impl& I = *impl_;
    ++I.stats.decisions;
    auto hold = [&](std::string why) -> std::optional<Decision> {
        if (hold_reason) *hold_reason = std::move(why);
        return std::nullopt;
    };
    auto wit = I.workers.find(worker);
    if (wit == I.workers.end()) return hold("unknown worker");
    WorkerState& w = wit->second;
    if (const Admin a = I.effective_admin(w); a != Admin::enabled)
        return hold(std::string("worker or its site is ") + admin_name(a));
    replan_if_stale(now);

    const Site* site = I.config.site(w.info.site);
    const double rate = I.worker_rate(w);
    const double mult = site ? site->tariff.multiplier_at(now) : 1.0;
    auto decide = [&](JobState& j, bool probe, const std::string& why) {
        Decision d;
        d.job = j.info.id;
        d.probe = probe;
        d.pool = w.pool;
        d.yuan_per_hour = rate * mult;
        d.multiplier = mult;
        d.period = site ? site->tariff.period_at(now) : "flat";
        d.voucher_pct = 100 * I.vouchers.discount_at(j.info.tenant, w.info.site, now);
        d.est_seconds = task_seconds(j.info.id, worker);
        if (j.info.deadline) d.slack_s = *j.info.deadline - std::max(j.outlook.finish, now);
        d.why = why;
        return d;
    };
    // A task whose expected cost would take the job past its budget is not started.
    auto affordable = [&](JobState& j, double est) {
        if (!j.info.budget_yuan) return true;
        const double cost = rate / 3600.0 * (site ? site->tariff.integrate(now, now + est) : est);
        return j.info.spent_yuan + j.running_cost + cost <= *j.info.budget_yuan + 1e-9;
    };

    // 1. Probes first: they are cheap and every later decision about the job needs them.
    // A probe needs the snapshot, so it runs where the snapshot is (or is arriving), or
    // at the job's home site (the cheapest work there is), so probing stages nothing the
    // job will not use. Renders start without them after the probe timeout.
    {
        std::vector<JobState*> probing;
        for (auto& [id, j] : I.jobs)
            if (j.info.active && j.info.probes_pending > 0 && now >= j.info.not_before) probing.push_back(&j);
        std::sort(probing.begin(), probing.end(), [](const JobState* a, const JobState* b) {
            return a->info.submitted < b->info.submitted;
        });
        for (JobState* j : probing) {
            const std::string home = j->home.empty() ? I.home_site(j->info, now) : j->home;
            const bool here = I.staging_bytes(w.info.site, j->info) <= 0 || home == w.info.site;
            if (here && take(j->info.id, true))
                return decide(*j, true, "probe: a reduced-resolution sample render to "
                                        "estimate the job's time and cost");
        }
    }

    // 2. What the plan gives this pool now, the least slack first.
    auto tenant_load = [&](const JobState& j) {
        auto it = I.tenant_running.find(j.info.tenant);
        return it == I.tenant_running.end() ? 0 : it->second;
    };
    auto& alloc = I.plan.now_alloc[w.pool];
    std::vector<std::pair<std::string, double>*> cands;
    for (auto& a : alloc) {
        auto j = I.jobs.find(a.first);
        if (a.second > 1e-6 && j != I.jobs.end() && j->second.info.active && now >= j->second.info.not_before &&
            j->second.outlook.on_time && j->second.info.tasks_queued > 0 &&
            !I.probing(j->second, now))
            cands.push_back(&a);
    }
    auto slack = [&](const JobState& j) {
        const double d = j.info.deadline ? *j.info.deadline : j.info.submitted + I.opt.default_deadline_s;
        return d - j.outlook.finish;
    };
    const double slot_end = I.plan.edges.size() > 1 ? I.plan.edges[1] : now + 3600;
    // The least slack first, so no on-time job becomes late.
    std::sort(cands.begin(), cands.end(), [&](auto* a, auto* b) {
        const JobState& ja = I.jobs.at(a->first);
        const JobState& jb = I.jobs.at(b->first);
        const double sa = slack(ja), sb = slack(jb);
        if (sa != sb) return sa < sb;
        if (ja.info.priority != jb.info.priority) return ja.info.priority > jb.info.priority;
        return tenant_load(ja) < tenant_load(jb);
    });
    for (auto* a : cands) {
        JobState& j = I.jobs.at(a->first);
        const double est = task_seconds(j.info.id, worker);
        // The plan is fluid; a pool planned for a sliver of a task does not start one
        // (a stray task could stage a whole snapshot at a site the job does not use).
        if (a->second < 0.25 * std::min(est, std::max(1.0, slot_end - now))) continue;
        if (!affordable(j, est)) continue;
        if (!take(j.info.id, false)) continue;
        a->second -= std::min(est, std::max(1.0, slot_end - now));
        --j.info.tasks_queued;
        std::string why;
        {
            // How many pools would have been cheaper for this job right now.
            const double mine = est * rate * mult;
            int cheaper = 0;
            for (const auto& ps : I.plan.pools) {
                if (ps.key == w.pool) continue;
                const double m = ps.site_cfg ? ps.site_cfg->tariff.multiplier_at(now) : 1.0;
                if (I.pool_task_seconds(j.info, ps) * ps.rate * m < mine * (1 - 1e-9)) ++cheaper;
            }
            const std::string price = w.pool + " at " + money(rate * mult) + " yuan/h (" +
                                      (site ? site->tariff.period_at(now) : "flat") + ")";
            const std::string dl = j.info.deadline ? "deadline slack " + span(slack(j))
                                                   : "no deadline: cheapest within " +
                                                         span(I.opt.default_deadline_s);
            why = cheaper == 0 ? "cheapest capacity for this job: " + price + "; " + dl
                               : "deadline needs it: " + std::to_string(cheaper) +
                                     " cheaper pool(s) are fully planned or busy; " + price +
                                     "; " + dl;
        }
        return decide(j, false, why);
    }

    // 3. Late jobs take any worker the on-time plan does not need; tenants share them
    // evenly (running tasks per tenant), higher priorities first.
    std::vector<JobState*> late;
    for (auto& [id, j] : I.jobs)
        if (j.info.active && j.info.tasks_queued > 0 && j.outlook.planned && !j.outlook.on_time &&
            now >= j.info.not_before && !I.probing(j, now))
            late.push_back(&j);
    std::sort(late.begin(), late.end(), [&](const JobState* a, const JobState* b) {
        if (a->info.priority != b->info.priority) return a->info.priority > b->info.priority;
        if (tenant_load(*a) != tenant_load(*b)) return tenant_load(*a) < tenant_load(*b);
        return a->info.deadline.value_or(1e300) < b->info.deadline.value_or(1e300);
    });
    for (JobState* j : late) {
        // Only where its snapshot is, or where its (fastest) plan stages it and the
        // transfer costs at most a quarter of the work left: best effort buys time, but
        // a whole snapshot's transfer for a few stray tasks buys little.
        bool here = I.staging_bytes(w.info.site, j->info) <= 0;
        if (!here && site &&
            I.staging_bytes(w.info.site, j->info) / 1e9 * site->link.yuan_per_gb <=
                0.25 * j->outlook.cost_yuan) {
            auto jp = I.plan.jobs.find(j->info.id);
            if (jp != I.plan.jobs.end())
                for (const Piece& pc : jp->second.pieces)
                    here = here || I.plan.pools[pc.pool].site == w.info.site;
        }
        if (!here) continue;
        const double est = task_seconds(j->info.id, worker);
        if (!affordable(*j, est)) continue;
        if (!take(j->info.id, false)) continue;
        --j->info.tasks_queued;
        return decide(*j, false,
                      "best effort: the deadline cannot be met (projected " + span(slack(*j)) +
                          " of slack); any free worker, tenants sharing evenly");
    }

    bool waiting = false;
    for (const auto& [id, j] : I.jobs) waiting = waiting || (j.info.active && j.info.tasks_queued > 0);
    if (!waiting) return hold("no work queued");
    // When does the plan next use this pool?
    double next = 0;
    for (const auto& [id, jp] : I.plan.jobs)
        for (const Piece& pc : jp.pieces)
            if (I.plan.pools[pc.pool].key == w.pool && pc.slot > 0 &&
                (next == 0 || I.plan.edges[pc.slot] < next))
                next = I.plan.edges[pc.slot];
    return hold(next > 0 ? "held back: cheaper capacity covers every deadline; this pool is "
                           "next planned in " + span(next - now)
                         : "held back: cheaper capacity covers every deadline");
}

}  // namespace farm::sched
