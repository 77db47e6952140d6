#include "transport_lp.h"

#include <algorithm>

namespace farm::sched {

void pick_voucher(LpCell& c, const std::vector<const Voucher*>& applicable, double t0,
                  const std::map<std::string, double>& voucher_left,
                  const std::map<std::string, int>& voucher_index) {
    for (const Voucher* v : applicable) {
        auto left = voucher_left.find(v->id);
        if (v->valid_from <= t0 && t0 < v->valid_until && left != voucher_left.end() && left->second > 1e-6) {
            c.voucher = voucher_index.at(v->id);
            c.pct = v->discount_pct / 100.0;
            return;
        }
    }
}

std::vector<LpCell> Scheduler::Impl::offer_cells(const Plan& p, int job, const JobInfo& info, double deadline,
                                                double tail, double now,
                                                const std::map<std::string, double>& voucher_left,
                                                const std::map<std::string, int>& voucher_index,
                                                const std::function<bool(const PoolSnap&)>& usable) const {
    std::vector<LpCell> out;
    for (int i = 0; i < static_cast<int>(p.pools.size()); ++i) {
        const PoolSnap& ps = p.pools[i];
        if (!usable(ps)) continue;
        const double tau = pool_task_seconds(info, ps);
        if (tau <= 0) continue;
        const double ready = site_ready(ps.site, info, now);
        const double end = deadline - tail * tau;
        const auto applicable = vouchers.applicable(info.tenant, ps.site, now, 1e300);
        for (int k = 0; k < p.slots() && p.edges[k] < end; ++k) {
            const double t0 = std::max(p.edges[k], ready), t1 = std::min(p.edges[k + 1], end);
            if (t1 - t0 < 1e-9) continue;
            const double free = std::min(p.cap[i][k] - p.used[i][k], ps.units * (t1 - t0));
            if (free < 1e-6) continue;
            LpCell c{job, i, k, free, tau, ps.rate / 3600.0 * p.mult[i][k]};
            pick_voucher(c, applicable, t0, voucher_left, voucher_index);
            c.per_task = tau * c.price_ws * (1 - c.pct);
            out.push_back(c);
        }
    }
    return out;
}

int add_transport(glp_prob* lp, LpMatrix& m, const Plan& p, const std::vector<double>& demand,
                  const std::vector<LpCell>& cells, int vouchers, double later_nudge) {
    const int slots = p.slots();
    const int np = static_cast<int>(p.pools.size());
    const int nj = static_cast<int>(demand.size());
    const int row_demand = 1, row_cap = row_demand + nj, row_voucher = row_cap + np * slots;
    glp_add_rows(lp, nj + np * slots + vouchers);
    for (int j = 0; j < nj; ++j) glp_set_row_bnds(lp, row_demand + j, GLP_LO, demand[j], 0);
    for (int i = 0; i < np; ++i)
        for (int k = 0; k < slots; ++k)
            glp_set_row_bnds(lp, row_cap + i * slots + k, GLP_UP, 0, std::max(0.0, p.cap[i][k] - p.used[i][k]));
    for (int v = 0; v < vouchers; ++v) glp_set_row_bnds(lp, row_voucher + v, GLP_UP, 0, 0);
    const int ncells = static_cast<int>(cells.size());
    glp_add_cols(lp, ncells);
    for (int c = 0; c < ncells; ++c) {
        const LpCell& cl = cells[c];
        glp_set_col_bnds(lp, c + 1, GLP_DB, 0, cl.free_ws);
        glp_set_obj_coef(lp, c + 1, cl.price_ws * (1 + later_nudge * cl.slot / std::max(1, slots)));
        m.add(row_demand + cl.job, c + 1, 1 / cl.tau);
        m.add(row_cap + cl.pool * slots + cl.slot, c + 1, 1);
        if (cl.voucher >= 0) m.add(row_voucher + cl.voucher, c + 1, -cl.pct * cl.price_ws);
    }
    return row_voucher;
}

void add_voucher_columns(glp_prob* lp, LpMatrix& m, const std::vector<Voucher>& vouchers,
                         const std::map<std::string, double>& voucher_left, int row_voucher) {
    for (std::size_t v = 0; v < vouchers.size(); ++v) {
        const int col = glp_add_cols(lp, 1);
        auto left = voucher_left.find(vouchers[v].id);
        const double cap = left == voucher_left.end() ? 0.0 : std::max(0.0, left->second);
        glp_set_col_bnds(lp, col, cap > 0 ? GLP_DB : GLP_FX, 0, cap);
        glp_set_obj_coef(lp, col, -1);
        m.add(row_voucher + static_cast<int>(v), col, 1);
    }
}

}  // namespace farm::sched
