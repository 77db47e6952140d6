// The exchange pass. Deadline-order placement is optimal for the fluid problem when a
// cell costs every job the same (planner.cpp). A snapshot already at a site and a
// tenant's voucher there make that site's cells cheaper for some jobs than for others,
// and then whichever job is placed first takes them: an earlier-deadline job fills the
// valley hours of a site another job has just paid to stage, and that job moves on and
// stages a second site; another tenant's job uses up the cells a studio's voucher would
// have made cheap. So each pair (earlier job B, later job A) where B's plan uses a site
// at which A has an edge that B lacks is placed the other way round, A first, and kept
// when both stay on time and the two together cost less.
#include "state.h"

namespace farm::sched {

namespace {

// Each trial is two placements; this bounds a replan's extra time (150 is reached only
// on the issue-scale trace, 50 jobs, where it adds about 10%).
constexpr int kMaxTrials = 150;
// A swap must save at least this much: plans remade every minute should not trade
// cells back and forth for nothing.
constexpr double kMinSavingYuan = 1.0;

}  // namespace

void Scheduler::Impl::exchange(Plan& p, double now, const std::vector<std::string>& order,
                               const std::map<std::string, PlaceRequest>& requests,
                               std::map<std::string, double>& voucher_left) const {
    if (order.size() < 2) return;
    std::set<std::string> sites;
    for (const PoolSnap& ps : p.pools) sites.insert(ps.site);
    // A job's edge at a site: its snapshot is there (no transfer to pay), and/or it has a
    // voucher there with cap left (the discount share). Only compared between jobs.
    std::map<std::string, std::map<std::string, double>> edge;
    for (const std::string& id : order) {
        const JobState& j = jobs.at(id);
        auto& e = edge[id];
        for (const std::string& site : sites) {
            double x = staging_bytes(site, j.info) <= 0 ? 1.0 : 0.0;
            for (const Voucher* v : vouchers.applicable(j.info.tenant, site, now, 1e300))
                if (auto left = voucher_left.find(v->id); left != voucher_left.end() && left->second > 1e-6) {
                    x += v->discount_pct / 100.0;
                    break;
                }
            if (x > 0) e[site] = x;
        }
    }
    auto edge_at = [&](const std::string& id, const std::string& site) {
        const auto& e = edge.at(id);
        auto it = e.find(site);
        return it == e.end() ? 0.0 : it->second;
    };
    int trials = 0;
    for (std::size_t ai = 1; ai < order.size() && trials < kMaxTrials; ++ai) {
        const std::string& a = order[ai];
        if (edge.at(a).empty()) continue;
        for (std::size_t bi = 0; bi < ai && trials < kMaxTrials; ++bi) {
            const std::string& b = order[bi];
            JobPlan& plan_b = p.jobs.at(b);
            bool contested = false;
            for (const Piece& pc : plan_b.pieces) {
                const std::string& site = p.pools[pc.pool].site;
                if (edge_at(a, site) > edge_at(b, site)) {
                    contested = true;
                    break;
                }
            }
            if (!contested) continue;
            ++trials;
            JobPlan& plan_a = p.jobs.at(a);
            const double before = plan_a.cost + plan_b.cost;
            unbook(p, plan_a, voucher_left);
            unbook(p, plan_b, voucher_left);
            JobPlan new_a = place(p, jobs.at(a), requests.at(a), now, voucher_left);
            JobPlan new_b = place(p, jobs.at(b), requests.at(b), now, voucher_left);
            if (new_a.on_time && new_b.on_time && new_a.cost + new_b.cost < before - kMinSavingYuan) {
                plan_a = std::move(new_a);
                plan_b = std::move(new_b);
            } else {
                unbook(p, new_b, voucher_left);
                unbook(p, new_a, voucher_left);
                rebook(p, plan_b, voucher_left);
                rebook(p, plan_a, voucher_left);
            }
        }
    }
}

}  // namespace farm::sched
