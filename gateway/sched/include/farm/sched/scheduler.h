// farm::sched::Scheduler — cost-first placement. The host (the gateway's engine, or
// farm-sim in simulated time) tells it about sites, workers, jobs and finished tasks;
// it keeps a plan (which capacity each job uses, slot by slot, until its deadline) and
// answers each idle worker's poll with a job or a reason to wait. Not thread-safe: the
// host serialises calls (the engine under its lock). Design and the safety margin:
// docs/scheduling.md.
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "farm/sched/config.h"
#include "farm/sched/ledger.h"

namespace farm::sched {

enum class Admin { enabled, draining, disabled };
const char* admin_name(Admin a);
// "draining", "disabled"; anything else is enabled.
Admin admin_from_name(const std::string& name);

struct WorkerInfo {
    std::string id, site;
    std::string gpu_class;  // a class of the sites file, or "cpu"
    int gpus = 0, cpu_cores = 1;
    double score = 0;  // benchmark Mrays/s on its render device; 0 = unknown
};

// One finished task, as the estimator learns from it.
struct Observation {
    double pixel_samples = 0;  // pixels x spp rendered
    double wall_s = 0;         // billed seconds, process start to result
    double trace_s = 0;        // of which tracing; 0 = unknown
    double rays = 0;           // rays traced; 0 = unknown
    bool probe = false;        // a reduced-resolution sample render
};

struct JobInfo {
    std::string id, tenant, snapshot;
    std::string workload;  // jobs (and quotes) with equal workload share estimates
    int priority = 50;     // 0..100
    double submitted = 0;
    double not_before = 0;  // no task starts earlier (a job booked ahead of its data)
    std::optional<double> deadline, budget_yuan;
    double spent_yuan = 0;      // booked in the ledger so far
    double snapshot_bytes = 0;  // what a site without any of it must stage
    int tasks_queued = 0;       // render tasks not yet leased
    int probes_pending = 0;     // probe tasks not yet finished
    double pixel_samples_per_task = 0;
    int max_depth = 8;
    bool active = true;  // false while paused: keeps its place and estimate
};

struct Decision {
    std::string job;
    bool probe = false;
    std::string pool;          // "site/class"
    double yuan_per_hour = 0;  // this worker's base rate x the tariff now, before vouchers
    double multiplier = 1;
    std::string period;
    double voucher_pct = 0;
    double est_seconds = 0;
    double slack_s = std::numeric_limits<double>::infinity();  // deadline - projected finish
    std::string why;  // one sentence for people
};

// What the current plan expects of a job's remaining work.
struct Outlook {
    bool planned = false;
    bool on_time = true;
    bool probing = false;
    double finish = 0;          // projected end of the last task
    double cost_yuan = 0;       // remaining, net of vouchers, incl. staging
    double voucher_yuan = 0;    // taken off by vouchers in that plan
    double staging_yuan = 0;
    double uncertainty = 0;     // relative standard deviation of the remaining work
    double task_seconds = 0;    // expected seconds of one task on the cheapest pool used
    std::map<std::string, double> cost_by_site;
    std::map<std::string, double> tasks_by_pool;  // "site/class" -> tasks
};

struct QuoteSpec {
    std::string tenant, snapshot, workload;
    double snapshot_bytes = 0;
    int tasks = 0;
    double pixel_samples_per_task = 0;
    int max_depth = 8;
    int priority = 50;
    std::optional<double> deadline;
};

struct QuotePlan {
    bool feasible = false;  // meets the deadline (always true without one)
    double cost_yuan = 0, cost_lo = 0, cost_hi = 0;  // 90% band from the estimate's spread
    double finish = 0, finish_lo = 0, finish_hi = 0;
    double voucher_yuan = 0, staging_yuan = 0;
    std::map<std::string, double> cost_by_site;
    std::map<std::string, double> tasks_by_pool;
};

struct Quote {
    QuotePlan cheapest;  // cheapest plan meeting the deadline (fastest plan when none does)
    QuotePlan fastest;
    std::map<std::string, QuotePlan> per_site;  // using that site alone
    bool deadline_feasible = true;
    double earliest_finish = 0;
    double task_seconds = 0;      // expected seconds of one task on the cheapest pool
    double uncertainty = 0;       // relative standard deviation of the total work
    int observations = 0;         // finished tasks (probes included) behind the estimate
    std::string basis;            // "probes", "renders", "prior"
};

struct Options {
    double replan_interval_s = 60;   // replan at least this often
    double min_replan_s = 2;         // and no more often, even when things change
    double z = 1.28;                 // demand is planned at mean + z sigma (90%)
    double default_deadline_s = 86400;  // a job without a deadline: within a day, cheapest
    double lease_timeout_s = 30;     // part of the safety margin (a lost worker's task)
    double probe_timeout_s = 300;    // render without probes after this long
    double max_slot_s = 3600;        // plan slots are at most this long (within 2 days)
    double availability = 0.95;      // share of a pool's future capacity the plan counts on
    double reserve = 0.1;            // of the time left to a deadline, kept in reserve
    double tail_scale = 1.5;         // the tail is this x the heaviest task seen (x mean)
    double staging_payback = 1.5;    // a new site must save this x its staging cost
    double staging_newcomer = 1.0;   // ... and this much more if the last plan did not stage it
    bool site_lp = true;             // a joint LP picks each job's sites before placement
    bool cell_lp = true;             // and one re-divides the cells once sites are chosen
};

class Scheduler {
  public:
    explicit Scheduler(Options options = {});
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Prices, tariffs, links and vouchers. Workers whose site or class the new config
    // does not price keep running and are priced at zero until it does.
    void set_config(SitesConfig config);
    const SitesConfig& config() const;
    VoucherBook& vouchers();

    void upsert_worker(const WorkerInfo& worker);
    void remove_worker(const std::string& id);
    void set_worker_admin(const std::string& id, Admin admin);
    void set_site_admin(const std::string& site, Admin admin);
    Admin site_admin(const std::string& site) const;

    void upsert_job(const JobInfo& job);
    void remove_job(const std::string& id);
    // Bytes of `snapshot` that `site` still lacks (0: staged there).
    void set_staging(const std::string& site, const std::string& snapshot, double bytes_missing);

    // Task lifecycle on a worker. Started tasks hold the worker until they end.
    void task_started(const std::string& worker, const std::string& job, double now,
                      double est_seconds);
    void task_finished(const std::string& worker, const std::string& job, double now,
                       const Observation& obs);
    void task_aborted(const std::string& worker, const std::string& job, double now);
    // Learning without a worker (a restart replaying finished tasks).
    void observe(const std::string& workload, const WorkerInfo& worker, const Observation& obs);

    // The answer to `worker`'s poll at `now`: candidates best first are offered to
    // `take(job, probe)`, which leases a task of that job and returns true, or returns
    // false (nothing ready after all) to see the next. nullopt: hold the worker; then
    // `hold_reason` (if given) says why.
    using Take = std::function<bool(const std::string& job, bool probe)>;
    std::optional<Decision> dispatch(const std::string& worker, double now, const Take& take,
                                     std::string* hold_reason = nullptr);

    // Replans now / when the plan is older than the interval, a slot ended or something
    // structural changed. Returns true when it replanned.
    void replan(double now);
    bool replan_if_stale(double now);
    double planned_at() const;

    Outlook outlook(const std::string& job) const;
    // Jobs whose spent + projected cost exceeds their budget, with a message, each
    // reported once until its budget or estimate changes.
    std::vector<std::pair<std::string, std::string>> take_over_budget();
    // Expected seconds of one task of `job` on `worker` (0 when either is unknown).
    double task_seconds(const std::string& job, const std::string& worker) const;

    Quote quote(const QuoteSpec& spec, double now);

    struct Stats {
        long replans = 0;
        double replan_seconds = 0;  // total time spent planning
        long decisions = 0;
    };
    const Stats& stats() const;

    struct Impl;  // opaque: gateway/sched/src/state.h

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace farm::sched
