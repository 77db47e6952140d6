// Which sites each job should use, from a small linear programme over the jobs known
// now. Deadline-order placement gives each job its cheapest cells in turn; when a cell
// costs jobs differently (a snapshot already at a site, a tenant's voucher, a transfer
// to pay) the turn order, not the cost, decides who gets it. The LP sees all the jobs at
// once: x = worker-seconds of a (pool, slot) cell given to a job, y = share of a job's
// snapshot staged at a site (the per-cell form x <= free x y, as in farm-sim's bound),
// d = what each voucher takes off (up to what is left of its cap). It is kept small by
// offering each job only its cheapest cells, enough for a few times its demand. The
// greedy placement then runs inside the sites the LP used for each job: the LP settles
// who goes where; placement keeps the tail, concurrency and safety margins.
#include <algorithm>
#include <cmath>

#include "transport_lp.h"

namespace farm::sched {

namespace {

// A job is offered its cheapest cells until they could hold this many times its demand.
constexpr double kCellsOverDemand = 4.0;
// A site counts as used by a job when the LP gives it at least this share of the job.
constexpr double kMinShare = 0.03;
constexpr int kTimeLimitMs = 2000;

}  // namespace

std::vector<LpJob> Scheduler::Impl::lp_jobs(double now) const {
    std::vector<LpJob> out;
    for (const auto& [id, j] : jobs) {
        if (!j.info.active || j.info.tasks_queued <= 0 || probing(j, now)) continue;
        const double dl = planning_deadline(j, now);
        if (dl <= now) continue;
        const int n = j.info.tasks_queued;
        out.push_back({&j, n * (1 + opt.z * estimate(j.info.workload).uncertainty(n)), dl, tail_factor(j)});
    }
    // In deadline order, as placement goes: equal-cost LP optima then resolve alike.
    std::sort(out.begin(), out.end(), [](const LpJob& a, const LpJob& b) {
        return placed_before(a.deadline, a.job->info, b.deadline, b.job->info);
    });
    return out;
}

std::map<std::string, std::set<std::string>> Scheduler::Impl::lp_sites(
    const Plan& p, const std::vector<LpJob>& lp_in, double now,
    const std::map<std::string, double>& voucher_left) const {
    std::map<std::string, std::set<std::string>> out;
    if (lp_in.size() < 2 || p.pools.empty()) return out;
    std::map<std::string, int> site_index;
    for (const PoolSnap& ps : p.pools) site_index.try_emplace(ps.site, static_cast<int>(site_index.size()));
    const int ns = static_cast<int>(site_index.size());
    std::vector<std::string> site_name(ns);
    for (const auto& [name, i] : site_index) site_name[i] = name;
    std::map<std::string, int> voucher_index;
    for (std::size_t v = 0; v < config.vouchers.size(); ++v) voucher_index[config.vouchers[v].id] = static_cast<int>(v);

    std::vector<LpCell> cells;
    for (std::size_t jn = 0; jn < lp_in.size(); ++jn) {
        const LpJob& lj = lp_in[jn];
        const JobInfo& info = lj.job->info;
        std::vector<LpCell> mine =
            offer_cells(p, static_cast<int>(jn), info, lj.deadline, lj.tail, now, voucher_left, voucher_index,
                        [](const PoolSnap&) { return true; });
        std::vector<double> site_tasks(ns, 0);
        for (const LpCell& c : mine) site_tasks[site_index.at(p.pools[c.pool].site)] += c.free_ws / c.tau;
        // Rank as placement would (staging spread over what the site could take) and keep
        // the cheapest share.
        for (LpCell& c : mine) {
            const PoolSnap& ps = p.pools[c.pool];
            const double bytes = staging_bytes(ps.site, info);
            if (bytes > 0 && ps.site_cfg)
                c.per_task += bytes / 1e9 * ps.site_cfg->link.yuan_per_gb /
                              std::max(1.0, std::min(lj.demand, site_tasks[site_index.at(ps.site)]));
        }
        std::sort(mine.begin(), mine.end(), [](const LpCell& a, const LpCell& b) { return a.per_task < b.per_task; });
        double room = 0;
        for (const LpCell& c : mine) {
            if (room >= kCellsOverDemand * lj.demand) break;
            room += c.free_ws / c.tau;
            cells.push_back(c);
        }
        if (room < lj.demand) return out;  // some job needs more than its share: keep greedy
    }

    glp_prob* lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    LpMatrix m;
    auto nz = [&m](int row, int col, double v) { m.add(row, col, v); };
    const int nj = static_cast<int>(lp_in.size());
    std::vector<double> demand(nj);
    for (int j = 0; j < nj; ++j) demand[j] = lp_in[j].demand;
    // Rows: demand, capacity, vouchers; then one per cell at a site the job has not staged.
    const int row_voucher = add_transport(lp, m, p, demand, cells, static_cast<int>(config.vouchers.size()), 0);
    const int ncells = static_cast<int>(cells.size());
    // y per (job, site) the job uses cells of and lacks the snapshot at.
    std::map<std::pair<int, int>, int> y_col;
    for (int c = 0; c < ncells; ++c) {
        const LpCell& cl = cells[c];
        const PoolSnap& ps = p.pools[cl.pool];
        const double bytes = staging_bytes(ps.site, lp_in[cl.job].job->info);
        if (bytes <= 0 || !ps.site_cfg) continue;
        auto [it, fresh] = y_col.try_emplace({cl.job, site_index.at(ps.site)}, 0);
        if (fresh) {
            it->second = glp_add_cols(lp, 1);
            glp_set_col_bnds(lp, it->second, GLP_DB, 0, 1);
            glp_set_obj_coef(lp, it->second, bytes / 1e9 * ps.site_cfg->link.yuan_per_gb);
        }
        const int row = glp_add_rows(lp, 1);
        glp_set_row_bnds(lp, row, GLP_UP, 0, 0);
        nz(row, c + 1, 1);
        nz(row, it->second, -cl.free_ws);
    }
    add_voucher_columns(lp, m, config.vouchers, voucher_left, row_voucher);
    // Replans run under the engine's lock: an LP that takes too long gives no advice and
    // placement goes on in deadline order alone.
    if (solve_lp(lp, m, kTimeLimitMs)) {
        std::vector<std::vector<double>> tasks(nj, std::vector<double>(ns, 0));
        for (int c = 0; c < ncells; ++c) {
            const double x = glp_get_col_prim(lp, c + 1);
            if (x > 1e-6) tasks[cells[c].job][site_index.at(p.pools[cells[c].pool].site)] += x / cells[c].tau;
        }
        for (int j = 0; j < nj; ++j) {
            auto& sites = out[lp_in[j].job->info.id];
            for (int s = 0; s < ns; ++s)
                if (tasks[j][s] >= kMinShare * lp_in[j].demand) sites.insert(site_name[s]);
            if (sites.empty()) out.erase(lp_in[j].job->info.id);
        }
    }
    glp_delete_prob(lp);
    return out;
}

}  // namespace farm::sched
