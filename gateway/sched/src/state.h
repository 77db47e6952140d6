// The scheduler's inside, shared by its .cpp files: what it knows (pools, workers, jobs,
// estimates) and the plan it made from that.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "estimate.h"
#include "farm/sched/scheduler.h"

namespace farm::sched {

struct Running {
    std::string job;
    double start = 0, est_end = 0;
};

struct WorkerState {
    WorkerInfo info;
    Admin admin = Admin::enabled;
    std::string pool;  // "site/class"
    std::vector<Running> running;
};

struct JobState {
    JobInfo info;
    int running = 0;
    double running_cost = 0;  // expected cost of the tasks now rendering
    bool budget_reported = false;
    Outlook outlook;
    std::string home;  // while probing: the site a tentative plan uses most
    // Unstaged sites the last on-time plan meant to stage for it (none yet: nullopt): a
    // plan that wobbles between near-equal sites would otherwise stage each one a worker
    // happens to poll from.
    std::optional<std::set<std::string>> planned_sites;
};

// A pool as one plan sees it: the enabled workers of one class at one site.
struct PoolSnap {
    std::string key, site, cls;
    const Site* site_cfg = nullptr;  // null: the sites file does not know it (free)
    int units = 0;                   // enabled workers
    double score = 0;                // their mean benchmark score
    double rate = 0;                 // mean base yuan per hour
};

struct Piece {
    int pool = 0, slot = 0;
    double worker_s = 0, tasks = 0, cost = 0, discount = 0, end = 0;
};

struct JobPlan {
    std::vector<Piece> pieces;
    bool on_time = false;
    double demand = 0;  // tasks planned for (the mean + z sigma)
    double finish = 0, cost = 0, discount = 0, staging = 0;
    double left = 0;  // tasks that found no capacity before the deadline
    std::set<std::string> staged_sites;  // sites the plan pays to stage
    std::map<std::string, double> voucher_use;  // voucher id -> yuan this plan takes off
};

struct Plan {
    double made_at = -1e300;
    std::vector<double> edges;  // slot k is [edges[k], edges[k+1])
    std::vector<PoolSnap> pools;
    std::vector<std::vector<double>> cap, used;  // [pool][slot] worker-seconds
    std::vector<std::vector<double>> mult;       // [pool][slot] tariff multiplier
    std::map<std::string, JobPlan> jobs;
    // This slot's planned worker-seconds per pool, per job, consumed by dispatch.
    std::map<std::string, std::vector<std::pair<std::string, double>>> now_alloc;
    int slots() const { return static_cast<int>(edges.size()) - 1; }
};

// What a placement may use and how it orders cells.
struct PlaceRequest {
    // given: exactly the cells in `given` (the cell LP's allocation).
    enum class Mode { cheapest, fastest, given } mode = Mode::cheapest;
    double demand = 0;             // tasks
    double deadline = 1e300;       // no task may start after it
    double tail = 0;               // ... nor later than tail x its duration before it
    std::string only_site;         // "" = any
    std::set<std::string> excluded;  // sites not to use
    // Staging charged per task at unstaged sites, by site; absent: spread over the most
    // tasks the site could take.
    std::map<std::string, double> surcharge;
    struct Given {
        int pool, slot;
        double worker_s;
    };
    std::vector<Given> given;
};

// Deadline order (planning deadline, then priority, submission, id), planner.cpp.
bool placed_before(double dl_a, const JobInfo& a, double dl_b, const JobInfo& b);

// A job as the site LP sees it (site_lp.cpp).
struct LpJob {
    const JobState* job = nullptr;
    double demand = 0, deadline = 0, tail = 0;
};

struct LpCell;

struct Scheduler::Impl {
    Options opt;
    SitesConfig config;
    VoucherBook vouchers;
    std::map<std::string, WorkerState> workers;
    std::map<std::string, Admin> site_admin;
    std::map<std::string, JobState> jobs;
    std::map<std::string, WorkloadEstimate> estimates;  // by workload
    std::map<std::pair<std::string, std::string>, double> staging;  // (site, snapshot) -> bytes
    // When a transfer started by a first task there is expected to end.
    std::map<std::pair<std::string, std::string>, double> staging_ready;
    std::map<std::string, int> tenant_running;
    Plan plan;
    bool dirty = true;
    Stats stats;

    // planner.cpp (replan) and place.cpp. place() books the cells it uses in `p`; unplace() gives them back.
    void replan(double now);
    JobPlan place(Plan& p, const JobState& j, const PlaceRequest& r, double now,
                  std::map<std::string, double>& voucher_left) const;
    void unplace(Plan& p, const JobPlan& jp) const;
    // Like unplace / the place that made `jp`, vouchers included.
    void unbook(Plan& p, const JobPlan& jp, std::map<std::string, double>& voucher_left) const;
    void rebook(Plan& p, const JobPlan& jp, std::map<std::string, double>& voucher_left) const;
    // site_lp.cpp: the jobs to plan now (active, queued, not probing, deadline ahead) as
    // the LP sees them, and per job the sites a joint LP over them uses (empty: no advice).
    std::vector<LpJob> lp_jobs(double now) const;
    std::map<std::string, std::set<std::string>> lp_sites(const Plan& p, const std::vector<LpJob>& jobs,
                                                          double now,
                                                          const std::map<std::string, double>& voucher_left) const;
    // exchange.cpp: after deadline-order placement, give cells to the job they are cheaper
    // for (a snapshot already there, a voucher) when that lowers the pair's cost.
    void exchange(Plan& p, double now, const std::vector<std::string>& order,
                  const std::map<std::string, PlaceRequest>& requests,
                  std::map<std::string, double>& voucher_left) const;
    // transport_lp.cpp: the cells a job could use before `deadline` (less its tail) at
    // the pools `usable` accepts, job index `job`, vouchers priced as placement does.
    std::vector<LpCell> offer_cells(const Plan& p, int job, const JobInfo& info, double deadline, double tail,
                                    double now, const std::map<std::string, double>& voucher_left,
                                    const std::map<std::string, int>& voucher_index,
                                    const std::function<bool(const PoolSnap&)>& usable) const;
    // cell_lp.cpp: with each on-time job's sites fixed by placement, one LP re-divides
    // the cells among them all; kept when cheaper and every job stays on time.
    void reallocate(Plan& p, double now, const std::vector<std::string>& order,
                    const std::map<std::string, PlaceRequest>& requests,
                    std::map<std::string, double>& voucher_left) const;
    std::vector<double> slot_edges(double now, double horizon) const;
    void build_pools(Plan& p, double now) const;
    double planning_deadline(const JobState& j, double now) const;
    double tail_factor(const JobState& j) const;
    bool probing(const JobState& j, double now) const;
    // `advised`: the site LP's sites per job (none: any site).
    void plan_jobs(Plan& p, double now, bool priority_first,
                   const std::map<std::string, std::set<std::string>>& advised,
                   std::map<std::string, double>& voucher_left) const;

    // shared helpers (scheduler.cpp)
    const WorkloadEstimate& estimate(const std::string& workload) const;
    double pool_task_seconds(const JobInfo& j, const PoolSnap& p) const;
    double staging_bytes(const std::string& site, const JobInfo& j) const;
    // The site a job should start at: one already holding its snapshot, else the one
    // with the cheapest work (base rate per unit of benchmark speed).
    std::string home_site(const JobInfo& j, double now) const;
    double staging_delay(const Site* site, double bytes) const;
    // When `site` can start rendering `j`: now, or when its snapshot has arrived.
    double site_ready(const std::string& site, const JobInfo& j, double now) const;
    double worker_rate(const WorkerState& w) const;
    double worker_speed(const WorkerState& w) const;
    std::string pool_key(const WorkerInfo& w) const;
    Admin effective_admin(const WorkerState& w) const;
    void fill_outlook(JobState& j, const JobPlan* jp, double now) const;
};

}  // namespace farm::sched
