// Variables x[j,p,k]: worker-seconds of pool p (site x class) in hourly slot k given to
// job j, only inside [arrival, deadline]; y[j,s] in [0,1]: the share of job j's snapshot
// staged at site s; d[v]: what voucher v takes off. Minimise
//   sum x * rate(p) * tariff(p, k) / 3600 + sum y * bytes * yuan/GB - sum d
// subject to  sum_p,k x / tau[j,p] >= frames(j)         (all frames rendered)
//             sum_j x[j,p,k] <= up worker-seconds(p, k)  (capacity, outages known)
//             sum_p in s,k x / tau[j,p] <= frames(j) y[j,s]  (staging paid where used)
//             per slot and per cell: the share of the site's (the cell's) capacity
//             that j uses <= y[j,s]  (tighter forms of the same, valid for 0/1 y)
//             d[v] <= pct * priced x of v's tenant at v's site in its window, d <= cap.
// Slots are hours from Monday 00:00 China time, and every tariff window in the trace is
// on the hour, so each slot has one multiplier. A job renders at a site only after the
// fastest possible transfer of its snapshot there (bytes / bandwidth + a round trip). A job the relaxation cannot finish by
// its deadline gets hours after it too, at a large penalty, and is counted late.
#include "lp_bound.h"

#include "farm/sched/ledger.h"
#include "farm/sched/lp_matrix.h"

#include <glpk.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

namespace farm::sim {

namespace {

struct Pool {
    std::string site, cls;
    double rate = 0, score = 0;
    std::vector<int> workers;
};

// Branch and bound over the staging y (0 or 1) from the relaxation's optimal basis.
// Every node's LP bounds the subtree below it, so the least bound among open nodes is a
// lower bound on the whole problem; it only rises as the search goes on.
void solve_whole_staging(glp_prob* lp, int first_y, int last_y, double seconds, LpResult& out) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int c = first_y; c <= last_y; ++c) glp_set_col_kind(lp, c, GLP_BV);
    struct Search {
        double bound;
    } search{glp_get_obj_val(lp)};
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_OFF;  // the relaxation's basis is optimal already
    parm.br_tech = GLP_BR_PCH;
    parm.bt_tech = GLP_BT_BLB;
    parm.tm_lim = static_cast<int>(std::min(seconds * 1000, 1e9));
    parm.cb_info = &search;
    parm.cb_func = [](glp_tree* tree, void* info) {
        if (const int node = glp_ios_best_node(tree))
            static_cast<Search*>(info)->bound = std::max(static_cast<Search*>(info)->bound,
                                                         glp_ios_node_bound(tree, node));
    };
    const int rc = glp_intopt(lp, &parm);
    const int status = glp_mip_status(lp);
    out.whole_run = true;
    out.whole_optimal = rc == 0 && status == GLP_OPT;
    if (status == GLP_OPT || status == GLP_FEAS) out.whole_best = glp_mip_obj_val(lp);
    out.whole_bound = out.whole_optimal ? out.whole_best : search.bound;
    out.whole_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

LpResult lp_bound(const Trace& t, double whole_staging_s) {
    const auto t_start = std::chrono::steady_clock::now();
    LpResult res;
    std::map<std::pair<std::string, std::string>, int> pidx;
    std::vector<Pool> pools;
    for (std::size_t i = 0; i < t.workers.size(); ++i) {
        const auto& w = t.workers[i];
        auto [it, fresh] = pidx.try_emplace({w.site, w.cls}, static_cast<int>(pools.size()));
        if (fresh) {
            Pool p;
            p.site = w.site;
            p.cls = w.cls;
            p.rate = sched::base_rate_per_hour(t.config.sites.at(w.site), w.cls, 1, 16);
            pools.push_back(p);
        }
        pools[it->second].workers.push_back(static_cast<int>(i));
        pools[it->second].score += w.score;
    }
    for (auto& p : pools) p.score /= static_cast<double>(p.workers.size());
    double horizon = t.t0;
    for (const auto& j : t.jobs) horizon = std::max(horizon, j.deadline);
    const double late_horizon = horizon + 2 * 86400;
    const int slots = static_cast<int>(std::ceil((late_horizon - t.t0) / 3600));
    // Up worker-seconds per pool and slot.
    std::vector<std::vector<double>> cap(pools.size(), std::vector<double>(slots, 0));
    for (std::size_t pi = 0; pi < pools.size(); ++pi)
        for (int wi : pools[pi].workers) {
            const auto& w = t.workers[wi];
            for (int k = 0; k < slots; ++k) {
                const double a = std::max(t.t0 + k * 3600.0, w.join), b = t.t0 + (k + 1) * 3600.0;
                if (b <= a) continue;
                double up = b - a;
                for (const auto& [d, u] : w.outages) up -= std::max(0.0, std::min(b, u) - std::max(a, d));
                cap[pi][k] += std::max(0.0, up);
            }
        }
    auto tau = [&](const SimJob& j, const Pool& p) {
        double mean = 0;
        for (double m : j.frame_mrays) mean += m;
        mean /= static_cast<double>(j.frame_mrays.size());
        auto it = j.class_factor.find(p.cls);
        return j.overhead_s + mean / (p.score * (it == j.class_factor.end() ? 1.0 : it->second));
    };

    auto solve = [&](bool allow_late, LpResult& out) -> bool {
        glp_prob* lp = glp_create_prob();
        glp_set_obj_dir(lp, GLP_MIN);
        sched::LpMatrix m;
        auto nz = [&m](int row, int col, double v) { m.add(row, col, v); };
        const int nj = static_cast<int>(t.jobs.size()), np = static_cast<int>(pools.size());
        // Rows: demand per job, capacity per (pool, slot), staging per (job, site),
        // voucher per voucher.
        std::map<std::string, int> site_of;
        for (const auto& p : pools) site_of.try_emplace(p.site, static_cast<int>(site_of.size()));
        const int ns = static_cast<int>(site_of.size());
        const int row_demand = 1, row_cap = row_demand + nj, row_stage = row_cap + np * slots,
                  row_voucher = row_stage + nj * ns;
        const int nv = static_cast<int>(t.config.vouchers.size());
        // Per (job, site, slot): y[j,s] >= the share of the site's capacity in that slot
        // the job uses. Valid for any schedule (a site used at all was staged) and much
        // tighter than the aggregate row, which lets a relaxation stage 10% of a
        // snapshot for 10% of a job.
        const int row_slot_stage = row_voucher + nv;
        std::vector<double> site_tasks(static_cast<std::size_t>(nj) * ns * slots, 0);  // U
        glp_add_rows(lp, nj + np * slots + nj * ns + nv + nj * ns * slots);
        for (int r = 0; r < nj * ns * slots; ++r) glp_set_row_bnds(lp, row_slot_stage + r, GLP_UP, 0, 0);
        for (int j = 0; j < nj; ++j)
            glp_set_row_bnds(lp, row_demand + j, GLP_LO, static_cast<double>(t.jobs[j].frame_mrays.size()), 0);
        for (int p = 0; p < np; ++p)
            for (int k = 0; k < slots; ++k) glp_set_row_bnds(lp, row_cap + p * slots + k, GLP_UP, 0, cap[p][k]);
        for (int r = 0; r < nj * ns + nv; ++r) glp_set_row_bnds(lp, row_stage + r, GLP_UP, 0, 0);
        // Columns.
        struct Col {
            int j, p, k;
            double cost;
            bool late;
            double ub;  // worker-seconds the cell offers the job
        };
        std::vector<Col> cols;
        int col = 0;
        const double penalty = 100.0;  // yuan per late worker-second: far above any price
        for (int j = 0; j < nj; ++j) {
            const SimJob& job = t.jobs[j];
            for (int p = 0; p < np; ++p) {
                const double tp = tau(job, pools[p]);
                const sched::Site& site = t.config.sites.at(pools[p].site);
                // No site holds a snapshot before it is staged there, and the fastest
                // transfer takes bytes / bandwidth + one round trip.
                const double ready = job.arrival + job.snapshot_bytes * 8 / (site.link.bandwidth_mbps * 1e6) +
                                     site.link.rtt_ms / 1000;
                for (int k = 0; k < slots; ++k) {
                    const double s0 = t.t0 + k * 3600.0, s1 = s0 + 3600;
                    if (s1 <= ready || cap[p][k] <= 0) continue;
                    const bool late = s0 >= job.deadline;
                    if (late && !allow_late) break;
                    const double frac_end = late ? s1 : std::min(s1, job.deadline);
                    const double frac = (frac_end - std::max(s0, ready)) / 3600;
                    if (frac <= 0) continue;
                    const double price = pools[p].rate / 3600 * site.tariff.multiplier_at(s0 + 1);
                    cols.push_back({j, p, k, price + (late ? penalty : 0), late,
                                    std::min(cap[p][k] * std::min(1.0, frac), job.frame_mrays.size() * tp)});
                    ++col;
                    glp_add_cols(lp, 1);
                    glp_set_col_bnds(lp, col, GLP_DB, 0, cap[p][k] * std::min(1.0, frac));
                    glp_set_obj_coef(lp, col, cols.back().cost);
                    nz(row_demand + j, col, 1 / tp);
                    nz(row_cap + p * slots + k, col, 1);
                    nz(row_stage + j * ns + site_of[pools[p].site], col, 1 / tp);
                    const int si = site_of[pools[p].site];
                    nz(row_slot_stage + (j * ns + si) * slots + k, col, 1 / tp);
                    site_tasks[(static_cast<std::size_t>(j) * ns + si) * slots + k] +=
                        cap[p][k] * std::min(1.0, frac) / tp;
                    for (int v = 0; v < nv; ++v) {
                        const auto& vo = t.config.vouchers[v];
                        if (vo.tenant == job.tenant && vo.site == pools[p].site && s0 >= vo.valid_from &&
                            s1 <= vo.valid_until)
                            nz(row_voucher + v, col, -vo.discount_pct / 100 * price);
                    }
                }
            }
        }
        const int first_y = col + 1;
        std::vector<int> y_col(static_cast<std::size_t>(nj) * ns);
        for (int j = 0; j < nj; ++j)
            for (const auto& [site, s] : site_of) {
                ++col;
                y_col[static_cast<std::size_t>(j) * ns + s] = col;
                glp_add_cols(lp, 1);
                glp_set_col_bnds(lp, col, GLP_DB, 0, 1);
                glp_set_obj_coef(lp, col, t.jobs[j].snapshot_bytes / 1e9 * t.config.sites.at(site).link.yuan_per_gb);
                const double n = static_cast<double>(t.jobs[j].frame_mrays.size());
                nz(row_stage + j * ns + s, col, -n);
                for (int k = 0; k < slots; ++k) {
                    const double u = site_tasks[(static_cast<std::size_t>(j) * ns + s) * slots + k];
                    if (u > 0) nz(row_slot_stage + (j * ns + s) * slots + k, col, -std::min(n, u));
                }
            }
        // Per cell, x[j,p,k] <= its share of the cell x y[j,s]: a job that takes a whole
        // pool-hour at a site staged all of its snapshot there, even if the site's other
        // pools stay free. Valid for any schedule (y is 0 or 1 there) and tighter than
        // the per-site row when a job uses only some of a site's pools, as cost-first
        // plans do (the cheapest class fills first).
        {
            const int first_row = glp_get_num_rows(lp) + 1;
            glp_add_rows(lp, static_cast<int>(cols.size()));
            for (std::size_t c = 0; c < cols.size(); ++c) {
                const int row = first_row + static_cast<int>(c);
                glp_set_row_bnds(lp, row, GLP_UP, 0, 0);
                nz(row, static_cast<int>(c) + 1, 1);
                nz(row, y_col[static_cast<std::size_t>(cols[c].j) * ns + site_of[pools[cols[c].p].site]],
                   -cols[c].ub);
            }
        }
        const int first_d = col + 1;
        for (int v = 0; v < nv; ++v) {
            ++col;
            glp_add_cols(lp, 1);
            glp_set_col_bnds(lp, col, GLP_DB, 0, t.config.vouchers[v].cap_yuan);
            glp_set_obj_coef(lp, col, -1);
            nz(row_voucher + v, col, 1);
        }
        const bool ok = sched::solve_lp(lp, m);
        out.variables = col;
        out.constraints = glp_get_num_rows(lp);
        if (ok) {
            double render = 0, late_ws = 0;
            std::vector<double> late_by_job(nj, 0);
            for (std::size_t c = 0; c < cols.size(); ++c) {
                const double x = glp_get_col_prim(lp, static_cast<int>(c) + 1);
                const double yuan = x * (cols[c].cost - (cols[c].late ? penalty : 0));
                render += yuan;
                if (x > 0) {
                    const Pool& pl = pools[cols[c].p];
                    const std::string period =
                        t.config.sites.at(pl.site).tariff.period_at(t.t0 + cols[c].k * 3600.0 + 1);
                    out.hours_by_class[pl.cls] += x / 3600;
                    out.hours_by_period[period] += x / 3600;
                    auto& pj = out.per_job[t.jobs[cols[c].j].id];
                    pj.gross += yuan;
                    pj.hours_by_period[period] += x / 3600;
                    pj.tasks_by_site[pl.site] += x / tau(t.jobs[cols[c].j], pl);
                }
                if (cols[c].late && x > 1e-6) late_by_job[cols[c].j] += x;
                late_ws += cols[c].late ? x : 0;
            }
            double staging = 0, voucher = 0;
            for (int c = first_y; c < first_d; ++c) {
                const double yuan = glp_get_col_prim(lp, c) * glp_get_obj_coef(lp, c);
                staging += yuan;
                out.per_job[t.jobs[(c - first_y) / ns].id].staging += yuan;
            }
            for (int c = first_d; c <= col; ++c) voucher += glp_get_col_prim(lp, c);
            out.cost = render + staging - voucher;
            out.staging_cost = staging;
            out.voucher = voucher;
            out.late_jobs = static_cast<int>(std::count_if(late_by_job.begin(), late_by_job.end(),
                                                           [](double x) { return x > 1; }));
            out.solved = true;
            if (whole_staging_s > 0 && !allow_late) solve_whole_staging(lp, first_y, first_d - 1, whole_staging_s, out);
        }
        glp_delete_prob(lp);
        return ok;
    };
    glp_term_out(GLP_OFF);
    if (!solve(false, res)) {
        res.note = "some deadlines are infeasible even for the relaxation; late hours allowed at a penalty";
        solve(true, res);
    }
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count() - res.whole_seconds;
    return res;
}

}  // namespace farm::sim
