// The plan: time is cut into slots at every tariff change (and at most max_slot_s
// apart); each (pool, slot) cell holds worker-seconds. Jobs are placed one at a time in
// deadline order, each into its cheapest cells that end before its planning deadline.
// With job-independent cell prices and deadlines that nest (every job can use any cell
// before its deadline), earliest-deadline-first with cheapest-cell filling is optimal
// for the fluid problem (an exchange argument: the earlier job's cells are a subset of
// the later job's). Vouchers, speeds per class and staging delays make it a heuristic,
// which farm-sim measures against the LP bound. Jobs that cannot be on time are placed
// last, as early as possible (best effort), and share what is left by tenant.
#include <algorithm>
#include <chrono>
#include <cmath>

#include "state.h"

namespace farm::sched {

namespace {

constexpr double kTwoDays = 2 * 86400.0;
constexpr double kMaxHorizon = 30 * 86400.0;

}  // namespace

bool placed_before(double dl_a, const JobInfo& a, double dl_b, const JobInfo& b) {
    if (dl_a != dl_b) return dl_a < dl_b;
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.submitted != b.submitted) return a.submitted < b.submitted;
    return a.id < b.id;
}

bool Scheduler::Impl::probing(const JobState& j, double now) const {
    return j.info.probes_pending > 0 && now - std::max(j.info.submitted, j.info.not_before) < opt.probe_timeout_s;
}

void Scheduler::Impl::build_pools(Plan& p, double now) const {
    std::map<std::string, PoolSnap> m;
    for (const auto& [id, w] : workers) {
        if (effective_admin(w) != Admin::enabled) continue;
        PoolSnap& ps = m[w.pool];
        ps.key = w.pool;
        ps.site = w.info.site;
        ps.cls = w.info.gpu_class;
        ps.site_cfg = config.site(w.info.site);
        ps.units += 1;
        ps.score += worker_speed(w);
        ps.rate += worker_rate(w);
    }
    p.pools.clear();
    for (auto& [k, ps] : m) {
        ps.score /= ps.units;
        ps.rate /= ps.units;
        p.pools.push_back(ps);
    }
    (void)now;
}

std::vector<double> Scheduler::Impl::slot_edges(double now, double horizon) const {
    std::vector<double> t{now, horizon};
    std::vector<const Tariff*> tariffs;
    for (const auto& [name, s] : config.sites)
        if (!s.tariff.flat()) tariffs.push_back(&s.tariff);
    for (const Tariff* tf : tariffs)
        for (double x = tf->next_change(now); x < horizon && t.size() < 4000; x = tf->next_change(x))
            t.push_back(x);
    // Regular edges on the hour keep slots short near now (where decisions are made)
    // and longer further out.
    double x = std::ceil(now / 3600.0) * 3600.0;
    while (x < horizon && t.size() < 6000) {
        t.push_back(x);
        x += x - now < kTwoDays ? opt.max_slot_s : 4 * opt.max_slot_s;
    }
    for (const auto& [id, j] : jobs) {
        if (j.info.deadline && *j.info.deadline > now && *j.info.deadline < horizon)
            t.push_back(*j.info.deadline);
    }
    std::sort(t.begin(), t.end());
    std::vector<double> out;
    for (double v : t)
        if (out.empty() || v - out.back() > 1.0) out.push_back(v);
    if (out.back() < horizon) out.push_back(horizon);
    return out;
}

// The safety margin, in three parts. (1) A share of the time left stays in reserve for
// jobs that arrive later and workers that fail (opt.reserve), and a lost lease must be
// noticed in time (opt.lease_timeout_s): that is the planning deadline. (2) Each pool
// stops starting a job's tasks a tail of task durations before it, so the last tasks
// end in time even if they are the shot's heaviest frames (tail_factor: 1.5 x the
// heaviest seen so far relative to the mean, at least 1.5): slow pools stop early and
// fast ones take the last frames. (3) Demand is inflated by z sigma of the estimate.
double Scheduler::Impl::planning_deadline(const JobState& j, double now) const {
    const double d = j.info.deadline ? *j.info.deadline : j.info.submitted + opt.default_deadline_s;
    return d - opt.lease_timeout_s - opt.reserve * std::max(0.0, d - now);
}

double Scheduler::Impl::tail_factor(const JobState& j) const {
    return std::clamp(opt.tail_scale * estimate(j.info.workload).heaviest_ratio(), 1.5, 6.0);
}

void Scheduler::Impl::plan_jobs(Plan& p, double now, bool priority_first,
                                const std::map<std::string, std::set<std::string>>& advised,
                                std::map<std::string, double>& voucher_left) const {
    struct Item {
        const JobState* j;
        double dl;
    };
    std::vector<Item> order;
    for (const auto& [id, j] : jobs) {
        if (!j.info.active || j.info.tasks_queued <= 0 || probing(j, now)) continue;
        order.push_back({&j, planning_deadline(j, now)});
    }
    std::sort(order.begin(), order.end(), [&](const Item& a, const Item& b) {
        if (priority_first && a.j->info.priority != b.j->info.priority)
            return a.j->info.priority > b.j->info.priority;
        return placed_before(a.dl, a.j->info, b.dl, b.j->info);
    });
    auto tasks_at = [&p](const JobPlan& jp, const std::string& site) {
        double tasks = 0;
        for (const Piece& pc : jp.pieces)
            if (p.pools[pc.pool].site == site) tasks += pc.tasks;
        return tasks;
    };
    std::set<std::string> all_sites;
    for (const PoolSnap& ps : p.pools) all_sites.insert(ps.site);
    std::vector<const JobState*> late;
    std::vector<std::string> placed;  // on time, in placement order
    std::map<std::string, PlaceRequest> requests;
    for (const Item& it : order) {
        const JobState& j = *it.j;
        const int n = j.info.tasks_queued;
        const double demand = n * (1 + opt.z * estimate(j.info.workload).uncertainty(n));
        if (it.dl <= now) {
            late.push_back(&j);
            continue;
        }
        const auto vouchers_before = voucher_left;
        PlaceRequest r;
        r.demand = demand;
        r.deadline = it.dl;
        r.tail = tail_factor(j);
        if (auto a = advised.find(j.info.id); a != advised.end())
            for (const std::string& site : all_sites)
                if (!a->second.count(site)) r.excluded.insert(site);
        JobPlan jp = place(p, j, r, now, voucher_left);
        if (!jp.on_time && !r.excluded.empty()) {
            unplace(p, jp);
            voucher_left = vouchers_before;
            r.excluded.clear();
            jp = place(p, j, r, now, voucher_left);
        }
        // Too tight for the full margin: give up safety a step at a time before giving
        // up on cost: first the z-sigma demand, then the reserve, then the tail.
        if (!jp.on_time) {
            unplace(p, jp);
            voucher_left = vouchers_before;
            r.demand = n;
            jp = place(p, j, r, now, voucher_left);
        }
        const double hard = (j.info.deadline ? *j.info.deadline
                                             : j.info.submitted + opt.default_deadline_s) -
                            opt.lease_timeout_s;
        if (!jp.on_time) {
            unplace(p, jp);
            voucher_left = vouchers_before;
            r.deadline = hard;
            jp = place(p, j, r, now, voucher_left);
        }
        if (!jp.on_time) {
            unplace(p, jp);
            voucher_left = vouchers_before;
            r.tail = 1.0;
            jp = place(p, j, r, now, voucher_left);
        }
        if (!jp.on_time) {
            unplace(p, jp);
            voucher_left = vouchers_before;
            late.push_back(&j);
            continue;
        }
        // Spread each new site's staging over the tasks the plan actually gives it, and
        // place again: sites used for a handful of tasks then price themselves out.
        for (int pass = 0; pass < 2 && !jp.staged_sites.empty(); ++pass) {
            PlaceRequest r2 = r;
            for (const std::string& site : jp.staged_sites) {
                const double tasks = tasks_at(jp, site);
                const Site* s = config.site(site);
                r2.surcharge[site] = staging_bytes(site, j.info) / 1e9 * s->link.yuan_per_gb /
                                     std::max(1.0, tasks);
            }
            unplace(p, jp);
            voucher_left = vouchers_before;
            JobPlan alt = place(p, j, r2, now, voucher_left);
            if (alt.on_time && alt.cost < jp.cost) {
                jp = std::move(alt);
                r = r2;
            } else {
                unplace(p, alt);
                voucher_left = vouchers_before;
                jp = place(p, j, r, now, voucher_left);
                break;
            }
        }
        // Staging a site costs once; a plan that avoids it may be cheaper overall. Sites
        // the plan uses least go first. A new site must save half as much again as its
        // staging costs: plans move as estimates and capacity change, and a transfer
        // bought for savings that later move elsewhere is money lost. Dropping a site
        // moves its tasks, possibly onto another new site: that one is checked too. A
        // site the last plan did not mean to stage must save one staging more: plans
        // remade every minute trade near-equal sites, and each would get staged.
        std::set<std::string> checked;
        for (;;) {
            std::vector<std::pair<double, std::string>> by_use;
            for (const std::string& site : jp.staged_sites)
                if (!checked.count(site)) by_use.emplace_back(tasks_at(jp, site), site);
            if (by_use.empty()) break;
            const std::string site = std::min_element(by_use.begin(), by_use.end())->second;
            checked.insert(site);
            const Site* s = config.site(site);
            const double stage = s ? staging_bytes(site, j.info) / 1e9 * s->link.yuan_per_gb : 0.0;
            const double payback = opt.staging_payback +
                                   (j.planned_sites && !j.planned_sites->count(site) ? opt.staging_newcomer : 0.0);
            unplace(p, jp);
            voucher_left = vouchers_before;
            PlaceRequest r2 = r;
            r2.excluded.insert(site);
            JobPlan alt = place(p, j, r2, now, voucher_left);
            if (alt.on_time && alt.cost < jp.cost + (payback - 1) * stage) {
                r = r2;
                jp = std::move(alt);
            } else {
                unplace(p, alt);
                voucher_left = vouchers_before;
                jp = place(p, j, r, now, voucher_left);
            }
        }
        placed.push_back(j.info.id);
        requests[j.info.id] = r;
        p.jobs[j.info.id] = std::move(jp);
    }
    exchange(p, now, placed, requests, voucher_left);
    if (opt.cell_lp) reallocate(p, now, placed, requests, voucher_left);
    std::sort(late.begin(), late.end(), [](const JobState* a, const JobState* b) {
        if (a->info.priority != b->info.priority) return a->info.priority > b->info.priority;
        const double da = a->info.deadline.value_or(1e300), db = b->info.deadline.value_or(1e300);
        if (da != db) return da < db;
        return a->info.submitted < b->info.submitted;
    });
    for (const JobState* j : late) {
        const int n = j->info.tasks_queued;
        PlaceRequest r;
        r.mode = PlaceRequest::Mode::fastest;
        r.demand = n * (1 + opt.z * estimate(j->info.workload).uncertainty(n));
        JobPlan jp = place(p, *j, r, now, voucher_left);
        jp.on_time = false;
        p.jobs[j->info.id] = std::move(jp);
    }
}

void Scheduler::Impl::replan(double now) {
    const auto t_start = std::chrono::steady_clock::now();
    Plan base;
    base.made_at = now;
    build_pools(base, now);
    // Horizon: past every planning deadline and long enough for all queued work to run
    // on everything there is, twice over.
    double horizon = now + 7200, work_s = 0;
    int units = 0;
    for (const auto& ps : base.pools) units += ps.units;
    for (const auto& [id, j] : jobs) {
        if (!j.info.active || j.info.tasks_queued <= 0) continue;
        const double d = j.info.deadline ? *j.info.deadline : j.info.submitted + opt.default_deadline_s;
        horizon = std::max(horizon, d + 3600);
        double mean_tau = 0;
        for (const auto& ps : base.pools) mean_tau += pool_task_seconds(j.info, ps);
        if (!base.pools.empty()) mean_tau /= static_cast<double>(base.pools.size());
        work_s += j.info.tasks_queued * mean_tau;
    }
    if (units > 0) horizon = std::max(horizon, now + 2 * work_s / units + 7200);
    horizon = std::min(horizon, now + kMaxHorizon);
    base.edges = slot_edges(now, horizon);
    const int slots = base.slots();
    base.cap.assign(base.pools.size(), std::vector<double>(slots, 0));
    base.mult.assign(base.pools.size(), std::vector<double>(slots, 1.0));
    for (std::size_t i = 0; i < base.pools.size(); ++i)
        if (const Site* s = base.pools[i].site_cfg)
            for (int k = 0; k < slots; ++k) base.mult[i][k] = s->tariff.multiplier_at(base.edges[k]);
    base.used.assign(base.pools.size(), std::vector<double>(slots, 0));
    std::map<std::string, int> index;
    for (std::size_t i = 0; i < base.pools.size(); ++i) {
        index[base.pools[i].key] = static_cast<int>(i);
        // Workers fail: future capacity is planned at the expected availability.
        for (int k = 0; k < slots; ++k)
            base.cap[i][k] = base.pools[i].units * (base.edges[k + 1] - base.edges[k]) *
                             (k == 0 ? 1.0 : opt.availability);
    }
    // Tasks already rendering hold their workers until they are expected to end.
    for (const auto& [id, w] : workers) {
        auto it = index.find(w.pool);
        if (it == index.end() || effective_admin(w) != Admin::enabled) continue;
        for (const Running& r : w.running) {
            const double end = std::max(r.est_end, now + 1);
            for (int k = 0; k < slots && base.edges[k] < end; ++k) {
                const double overlap = std::min(end, base.edges[k + 1]) - std::max(now, base.edges[k]);
                if (overlap > 0) base.cap[it->second][k] = std::max(0.0, base.cap[it->second][k] - overlap);
            }
        }
    }
    std::map<std::string, double> vleft;
    for (const auto& v : config.vouchers) vleft[v.id] = vouchers.remaining(v);

    // The site LP sees every job at once, so it does not depend on the placement order:
    // one solve serves both orders below.
    std::map<std::string, std::set<std::string>> advised;
    if (opt.site_lp) advised = lp_sites(base, lp_jobs(now), now, vleft);
    Plan a = base;
    auto va = vleft;
    plan_jobs(a, now, false, advised, va);
    auto late_by_priority = [](const Plan& p, const std::map<std::string, JobState>& js) {
        std::map<int, int, std::greater<int>> late;
        for (const auto& [id, jp] : p.jobs)
            if (!jp.on_time) ++late[js.at(id).info.priority];
        return late;
    };
    auto late_a = late_by_priority(a, jobs);
    bool mixed = false;
    {
        std::set<int> prios;
        for (const auto& [id, j] : jobs)
            if (j.info.active && j.info.tasks_queued > 0) prios.insert(j.info.priority);
        mixed = prios.size() > 1;
    }
    if (!late_a.empty() && mixed) {
        // Capacity is short: see whether planning the higher priorities first saves
        // more of them; keep whichever plan leaves fewer high-priority jobs late.
        Plan b = base;
        auto vb = vleft;
        plan_jobs(b, now, true, advised, vb);
        auto late_b = late_by_priority(b, jobs);
        std::set<int, std::greater<int>> levels;
        for (auto& [k, v] : late_a) levels.insert(k);
        for (auto& [k, v] : late_b) levels.insert(k);
        for (int lv : levels) {
            const int na = late_a.count(lv) ? late_a[lv] : 0;
            const int nb = late_b.count(lv) ? late_b[lv] : 0;
            if (na == nb) continue;
            if (nb < na) a = std::move(b);
            break;
        }
    }
    // A probing job is not planned yet, but its probes should run where it will: place
    // it tentatively (prior estimate) on what is left and remember its busiest site.
    for (auto& [id, j] : jobs) {
        if (!probing(j, now) || j.info.tasks_queued <= 0) continue;
        auto vl = va;
        PlaceRequest r;
        r.demand = j.info.tasks_queued;
        r.deadline = planning_deadline(j, now);
        r.tail = tail_factor(j);
        JobPlan jp = place(a, j, r, now, vl);
        unplace(a, jp);
        std::map<std::string, double> by_site;
        for (const Piece& pc : jp.pieces) by_site[a.pools[pc.pool].site] += pc.tasks;
        double most = 0;
        for (const auto& [site, n] : by_site)
            if (n > most) {
                most = n;
                j.home = site;
            }
    }
    plan = std::move(a);
    for (const auto& [id, jp] : plan.jobs)
        for (const Piece& pc : jp.pieces)
            if (pc.slot == 0) plan.now_alloc[plan.pools[pc.pool].key].emplace_back(id, pc.worker_s);
    for (auto& [id, j] : jobs) {
        auto it = plan.jobs.find(id);
        j.planned_sites.reset();
        if (it != plan.jobs.end() && it->second.on_time) j.planned_sites = it->second.staged_sites;
        fill_outlook(j, it == plan.jobs.end() ? nullptr : &it->second, now);
    }
    dirty = false;
    ++stats.replans;
    stats.replan_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
}

void Scheduler::Impl::fill_outlook(JobState& j, const JobPlan* jp, double now) const {
    Outlook o;
    o.probing = probing(j, now);
    o.uncertainty = estimate(j.info.workload).uncertainty(j.info.tasks_queued);
    double running_end = 0;
    for (const auto& [wid, w] : workers)
        for (const Running& r : w.running)
            if (r.job == j.info.id) running_end = std::max(running_end, std::max(r.est_end, now));
    o.finish = running_end;
    if (jp) {
        o.planned = true;
        o.on_time = jp->on_time;
        o.finish = std::max(o.finish, jp->finish);
        // The plan is sized for mean + z sigma; the outlook reports the mean.
        const double scale = jp->demand > 0 ? j.info.tasks_queued / jp->demand : 1.0;
        o.cost_yuan = (jp->cost - jp->staging) * scale + jp->staging;
        o.voucher_yuan = jp->discount * scale;
        o.staging_yuan = jp->staging;
        double most = -1;
        for (const Piece& pc : jp->pieces) {
            const PoolSnap& ps = plan.pools[pc.pool];
            o.cost_by_site[ps.site] += pc.cost * scale;
            o.tasks_by_pool[ps.key] += pc.tasks * scale;
        }
        for (const auto& [key, n] : o.tasks_by_pool)
            if (n > most) {
                most = n;
                for (const auto& ps : plan.pools)
                    if (ps.key == key) o.task_seconds = pool_task_seconds(j.info, ps);
            }
        for (const auto& site : jp->staged_sites) {
            const Site* s = config.site(site);
            if (s) o.cost_by_site[site] += staging_bytes(site, j.info) / 1e9 * s->link.yuan_per_gb;
        }
    } else {
        o.on_time = !j.info.deadline || o.finish <= *j.info.deadline;
    }
    j.outlook = std::move(o);
}

}  // namespace farm::sched
