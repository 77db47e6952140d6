// Placing one job into the plan's (pool, slot) cells. Three modes: cheapest (cells by
// price per task, staging spread over the tasks a site could take, up to the job's
// planning deadline less each pool's tail), given (the cells an LP chose) and fastest
// (every free worker at once, for jobs that cannot be on time).
#include <algorithm>
#include <cmath>

#include "state.h"

namespace farm::sched {

namespace {

constexpr double kEps = 1e-9;

}  // namespace

void Scheduler::Impl::unplace(Plan& p, const JobPlan& jp) const {
    for (const auto& pc : jp.pieces) p.used[pc.pool][pc.slot] -= pc.worker_s;
}

void Scheduler::Impl::unbook(Plan& p, const JobPlan& jp, std::map<std::string, double>& voucher_left) const {
    unplace(p, jp);
    for (const auto& [v, yuan] : jp.voucher_use) voucher_left[v] += yuan;
}

void Scheduler::Impl::rebook(Plan& p, const JobPlan& jp, std::map<std::string, double>& voucher_left) const {
    for (const auto& pc : jp.pieces) p.used[pc.pool][pc.slot] += pc.worker_s;
    for (const auto& [v, yuan] : jp.voucher_use) voucher_left[v] -= yuan;
}

JobPlan Scheduler::Impl::place(Plan& p, const JobState& j, const PlaceRequest& r, double now,
                               std::map<std::string, double>& voucher_left) const {
    JobPlan jp;
    jp.demand = r.demand;
    const int slots = p.slots();
    const std::size_t np = p.pools.size();
    struct Cand {
        int pool, slot;
        double t0, t1, per_task;
    };
    std::vector<Cand> cands;
    cands.reserve(np * static_cast<std::size_t>(slots));
    std::vector<double> tau(np, 0), ready(np, now);
    std::vector<std::vector<const Voucher*>> pool_vouchers(np);
    for (std::size_t i = 0; i < np; ++i) {
        const PoolSnap& ps = p.pools[i];
        if (!r.only_site.empty() && ps.site != r.only_site) continue;
        if (r.excluded.count(ps.site)) continue;
        tau[i] = pool_task_seconds(j.info, ps);
        ready[i] = site_ready(ps.site, j.info, now);
        pool_vouchers[i] = vouchers.applicable(j.info.tenant, ps.site, now, 1e300);
        if (r.mode == PlaceRequest::Mode::given) continue;
        for (int k = 0; k < slots; ++k) {
            if (r.mode == PlaceRequest::Mode::cheapest && p.edges[k] >= r.deadline - r.tail * tau[i])
                break;
            const double t0 = std::max(p.edges[k], ready[i]);
            const double t1 = r.mode == PlaceRequest::Mode::cheapest
                                  ? std::min(p.edges[k + 1], r.deadline - r.tail * tau[i])
                                  : p.edges[k + 1];
            if (t1 - t0 < kEps || p.cap[i][k] - p.used[i][k] < 1e-6) continue;
            double disc = 0;
            for (const Voucher* v : pool_vouchers[i])
                if (v->valid_from <= t0 && t0 < v->valid_until && voucher_left[v->id] > 0) {
                    disc = v->discount_pct / 100.0;
                    break;
                }
            cands.push_back({static_cast<int>(i), k, t0, t1,
                             tau[i] * ps.rate / 3600.0 * p.mult[i][k] * (1 - disc)});
        }
    }
    // A job cannot keep more workers busy than it has tasks.
    const double parallel = std::max(1.0, std::ceil(r.demand));
    std::vector<double> conc(slots, 0);
    double left = r.demand;
    std::map<std::string, bool> site_used;
    auto add_piece = [&](const Cand& c, double ws, double end) {
        const PoolSnap& ps = p.pools[c.pool];
        Piece pc;
        pc.pool = c.pool;
        pc.slot = c.slot;
        pc.worker_s = ws;
        pc.tasks = ws / tau[c.pool];
        const double gross = ws * ps.rate / 3600.0 * p.mult[c.pool][c.slot];
        double undiscounted = gross;
        for (const Voucher* v : pool_vouchers[c.pool]) {
            if (!(v->valid_from <= c.t0 && c.t0 < v->valid_until)) continue;
            double& vl = voucher_left[v->id];
            const double off = std::min(undiscounted * v->discount_pct / 100.0, vl);
            if (off <= 0) continue;
            vl -= off;
            jp.voucher_use[v->id] += off;
            pc.discount += off;
            undiscounted -= off / (v->discount_pct / 100.0);
            if (undiscounted <= 0) break;
        }
        pc.cost = gross - pc.discount;
        pc.end = end;
        p.used[c.pool][c.slot] += ws;
        conc[c.slot] += ws;
        left -= pc.tasks;
        jp.cost += pc.cost;
        jp.discount += pc.discount;
        jp.finish = std::max(jp.finish, pc.end);
        site_used[ps.site] = true;
        jp.pieces.push_back(pc);
    };

    if (r.mode == PlaceRequest::Mode::cheapest) {
        // A site without the snapshot carries its staging spread over the most tasks it
        // could take before the deadline: a site that cannot repay its transfer even
        // when used to the full ranks behind staged ones.
        std::map<std::string, double> site_tasks;
        for (const Cand& c : cands) {
            const PoolSnap& ps = p.pools[c.pool];
            const double free = std::min(p.cap[c.pool][c.slot] - p.used[c.pool][c.slot],
                                         ps.units * (c.t1 - c.t0));
            site_tasks[ps.site] += free / tau[c.pool];
        }
        for (Cand& c : cands) {
            const PoolSnap& ps = p.pools[c.pool];
            const double bytes = staging_bytes(ps.site, j.info);
            if (bytes <= 0 || !ps.site_cfg || ps.site_cfg->link.yuan_per_gb <= 0) continue;
            auto it = r.surcharge.find(ps.site);
            c.per_task += it != r.surcharge.end()
                              ? it->second
                              : bytes / 1e9 * ps.site_cfg->link.yuan_per_gb /
                                    std::max(1.0, std::min(r.demand, site_tasks[ps.site]));
        }
        std::sort(cands.begin(), cands.end(), [&](const Cand& a, const Cand& b) {
            if (std::abs(a.per_task - b.per_task) > 1e-12 * std::max(1.0, a.per_task))
                return a.per_task < b.per_task;
            if (a.slot != b.slot) return a.slot < b.slot;
            return tau[a.pool] < tau[b.pool];
        });
        for (const Cand& c : cands) {
            if (left <= kEps) break;
            const PoolSnap& ps = p.pools[c.pool];
            const double len = c.t1 - c.t0;
            const double free =
                std::min(p.cap[c.pool][c.slot] - p.used[c.pool][c.slot], ps.units * len);
            const double conc_left =
                parallel * (p.edges[c.slot + 1] - p.edges[c.slot]) - conc[c.slot];
            const double ws = std::min({free, left * tau[c.pool], conc_left});
            if (ws <= 1e-6) continue;
            const double before = p.used[c.pool][c.slot] / ps.units;
            add_piece(c, ws, c.t0 + before + std::max(ws / ps.units, tau[c.pool]));
        }
    } else if (r.mode == PlaceRequest::Mode::given) {
        auto given = r.given;
        std::sort(given.begin(), given.end(), [&](const auto& a, const auto& b) {
            return a.slot != b.slot ? a.slot < b.slot : tau[a.pool] < tau[b.pool];
        });
        for (const auto& g : given) {
            if (tau[g.pool] <= 0) continue;  // a pool the request excludes
            const PoolSnap& ps = p.pools[g.pool];
            const Cand c{g.pool, g.slot, std::max(p.edges[g.slot], ready[g.pool]), p.edges[g.slot + 1], 0};
            const double before = p.used[c.pool][c.slot] / ps.units;
            add_piece(c, g.worker_s, c.t0 + before + std::max(g.worker_s / ps.units, tau[c.pool]));
        }
        if (left > 0 && left < 1e-6 * std::max(1.0, r.demand)) left = 0;  // the LP's rounding
    } else {
        // Earliest finish: slot by slot, every free worker at once (the fastest ones up
        // to the job's parallelism); in the last slot the work is spread so all pools
        // end together, leaving out pools too slow to finish even one task by then.
        std::sort(cands.begin(), cands.end(), [&](const Cand& a, const Cand& b) {
            if (a.slot != b.slot) return a.slot < b.slot;
            if (tau[a.pool] != tau[b.pool]) return tau[a.pool] < tau[b.pool];
            return a.per_task < b.per_task;
        });
        for (std::size_t i = 0; i < cands.size() && left > kEps;) {
            std::size_t e = i;
            while (e < cands.size() && cands[e].slot == cands[i].slot) ++e;
            std::vector<std::pair<const Cand*, double>> use;  // cell, parallel units
            double units_left = parallel;
            for (std::size_t k = i; k < e && units_left > 1e-9; ++k) {
                const Cand& c = cands[k];
                const double len = c.t1 - c.t0;
                const double a = std::min({(p.cap[c.pool][c.slot] - p.used[c.pool][c.slot]) / len,
                                           static_cast<double>(p.pools[c.pool].units), units_left});
                if (a <= 1e-9) continue;
                use.emplace_back(&c, a);
                units_left -= a;
            }
            auto rate_of = [&](std::size_t n) {
                double rsum = 0;
                for (std::size_t k = 0; k < n; ++k) rsum += use[k].second / tau[use[k].first->pool];
                return rsum;
            };
            std::size_t n = use.size();
            const double len = n ? use[0].first->t1 - use[0].first->t0 : 0;
            if (n && left <= rate_of(n) * len) {
                double d = left / rate_of(n);
                while (n > 1 && tau[use[n - 1].first->pool] > d) {
                    --n;
                    d = left / rate_of(n);
                }
                d = std::min(d, len);
                const double todo = left;
                for (std::size_t k = 0; k < n && left > kEps; ++k) {
                    const Cand& c = *use[k].first;
                    double ws = use[k].second * d;
                    if (k + 1 == n) ws = std::min(ws, std::max(0.0, left) * tau[c.pool]);
                    add_piece(c, ws, c.t0 + std::max(d, tau[c.pool]));
                }
                if (left > kEps && left < 1e-6 * todo) left = 0;
            } else {
                for (std::size_t k = 0; k < n; ++k) {
                    const Cand& c = *use[k].first;
                    add_piece(c, use[k].second * len, c.t1);
                }
            }
            i = e;
        }
    }
    for (const auto& [site, _] : site_used) {
        const double bytes = staging_bytes(site, j.info);
        const Site* s = config.site(site);
        if (bytes > 0 && s) {
            jp.staging += bytes / 1e9 * s->link.yuan_per_gb;
            jp.staged_sites.insert(site);
        }
    }
    jp.cost += jp.staging;
    jp.left = std::max(0.0, left);
    jp.on_time = left <= 1e-6;
    if (jp.pieces.empty()) jp.finish = 1e300;
    return jp;
}

}  // namespace farm::sched
