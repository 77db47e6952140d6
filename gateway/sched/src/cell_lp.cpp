// The cell LP: after deadline-order placement has chosen where each on-time job stages,
// one LP re-divides the cells among all of them. Placement gives each job in turn its
// cheapest cells, which is optimal only while a cell costs every job the same; per-scene
// speed factors make a class cheap for one shot and dear for another, vouchers make a
// site cheap for one tenant, and the first job placed takes what it likes best even
// when a later job would save more there. With the sites fixed, what is left is a
// transportation problem: x = worker-seconds of a (pool, slot) cell given to a job,
// minimise price x tariff minus vouchers, subject to each job's demand, each cell's
// free capacity, and voucher caps. The placement's own allocation is a feasible point,
// so the optimum is never dearer; each job's plan is then rebuilt from the LP's cells.
// Staging is not in the LP: a job may use only the sites its placement stages and
// those already holding its snapshot, so no transfer is added.
#include <algorithm>
#include <cmath>

#include "transport_lp.h"

namespace farm::sched {

namespace {

// A job is offered its cheapest cells up to this many times its demand (and every cell
// its placement used, so that placement stays feasible).
constexpr double kCellsOverDemand = 4.0;
constexpr int kTimeLimitMs = 2000;
// Among cells of equal price the LP should prefer the earlier: work left to the end
// of a window has no room for re-runs. A relative nudge far below any real price step.
constexpr double kLaterNudge = 1e-5;
// Keep the LP's plans only when they save at least this much over placement's.
constexpr double kMinSavingYuan = 1.0;

}  // namespace

void Scheduler::Impl::reallocate(Plan& p, double now, const std::vector<std::string>& order,
                                 const std::map<std::string, PlaceRequest>& requests,
                                 std::map<std::string, double>& voucher_left) const {
    if (order.size() < 2 || p.pools.empty()) return;
    const int nj = static_cast<int>(order.size());
    std::map<std::string, int> voucher_index;
    for (std::size_t v = 0; v < config.vouchers.size(); ++v) voucher_index[config.vouchers[v].id] = static_cast<int>(v);

    double before = 0;
    for (const std::string& id : order) {
        before += p.jobs.at(id).cost;
        unbook(p, p.jobs.at(id), voucher_left);
    }
    auto restore = [&] {
        for (const std::string& id : order) rebook(p, p.jobs.at(id), voucher_left);
    };

    std::vector<LpCell> cells;
    std::vector<double> demand(nj);
    for (int jn = 0; jn < nj; ++jn) {
        const JobState& j = jobs.at(order[jn]);
        const JobPlan& jp = p.jobs.at(order[jn]);
        const PlaceRequest& r = requests.at(order[jn]);
        demand[jn] = r.demand;
        std::set<std::string> sites = jp.staged_sites;
        std::set<std::pair<int, int>> used;
        for (const Piece& pc : jp.pieces) {
            sites.insert(p.pools[pc.pool].site);
            used.insert({pc.pool, pc.slot});
        }
        std::vector<LpCell> mine =
            offer_cells(p, jn, j.info, r.deadline, r.tail, now, voucher_left, voucher_index, [&](const PoolSnap& ps) {
                if (sites.count(ps.site)) return true;
                return staging_bytes(ps.site, j.info) <= 0 && !r.excluded.count(ps.site);
            });
        std::sort(mine.begin(), mine.end(), [](const LpCell& a, const LpCell& b) { return a.per_task < b.per_task; });
        double room = 0;
        for (const LpCell& c : mine) {
            if (room >= kCellsOverDemand * r.demand && !used.count({c.pool, c.slot})) continue;
            room += c.free_ws / c.tau;
            cells.push_back(c);
        }
    }

    glp_prob* lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    LpMatrix m;
    const int row_voucher = add_transport(lp, m, p, demand, cells, static_cast<int>(config.vouchers.size()), kLaterNudge);
    add_voucher_columns(lp, m, config.vouchers, voucher_left, row_voucher);
    const int ncells = static_cast<int>(cells.size());
    // Under the engine's lock, as the site LP: no answer in time keeps placement's plans.
    std::vector<std::vector<PlaceRequest::Given>> given(nj);
    const bool solved = solve_lp(lp, m, kTimeLimitMs);
    if (solved)
        for (int c = 0; c < ncells; ++c) {
            const double x = glp_get_col_prim(lp, c + 1);
            if (x > 1e-6) given[cells[c].job].push_back({cells[c].pool, cells[c].slot, x});
        }
    glp_delete_prob(lp);
    if (!solved) return restore();

    std::map<std::string, JobPlan> fresh;
    double after = 0;
    bool all_on_time = true;
    for (int jn = 0; jn < nj && all_on_time; ++jn) {
        PlaceRequest r = requests.at(order[jn]);
        r.mode = PlaceRequest::Mode::given;
        r.given = std::move(given[jn]);
        JobPlan jp = place(p, jobs.at(order[jn]), r, now, voucher_left);
        all_on_time = jp.on_time;
        after += jp.cost;
        fresh.emplace(order[jn], std::move(jp));
    }
    if (!all_on_time || after > before - kMinSavingYuan) {
        for (const auto& [id, jp] : fresh) unbook(p, jp, voucher_left);
        return restore();
    }
    for (auto& [id, jp] : fresh) p.jobs[id] = std::move(jp);
}

}  // namespace farm::sched
