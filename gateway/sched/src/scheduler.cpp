// The scheduler's state: workers, pools, jobs, staging and estimates, and the small
// helpers the planner, dispatch and quotes share.
#include <algorithm>
#include <cmath>

#include "state.h"

namespace farm::sched {

const char* admin_name(Admin a) {
    switch (a) {
        case Admin::enabled: return "enabled";
        case Admin::draining: return "draining";
        case Admin::disabled: return "disabled";
    }
    return "?";
}

Admin admin_from_name(const std::string& name) {
    if (name == "draining") return Admin::draining;
    if (name == "disabled") return Admin::disabled;
    return Admin::enabled;
}

Scheduler::Scheduler(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->opt = options;
    impl_->vouchers.set_config(impl_->config);
}
Scheduler::~Scheduler() = default;

void Scheduler::set_config(SitesConfig config) {
    impl_->config = std::move(config);
    impl_->vouchers.set_config(impl_->config);
    // Classes may have new prices or speeds: recompute each worker's pool.
    for (auto& [id, w] : impl_->workers) w.pool = impl_->pool_key(w.info);
    impl_->dirty = true;
}
const SitesConfig& Scheduler::config() const { return impl_->config; }
VoucherBook& Scheduler::vouchers() { return impl_->vouchers; }

std::string Scheduler::Impl::pool_key(const WorkerInfo& w) const {
    return w.site + "/" + (w.gpu_class.empty() ? std::string("cpu") : w.gpu_class);
}

Admin Scheduler::Impl::effective_admin(const WorkerState& w) const {
    auto it = site_admin.find(w.info.site);
    const Admin s = it == site_admin.end() ? Admin::enabled : it->second;
    return std::max(w.admin, s);  // the stricter of the two
}

double Scheduler::Impl::worker_rate(const WorkerState& w) const {
    const Site* s = config.site(w.info.site);
    return s ? base_rate_per_hour(*s, w.info.gpu_class, w.info.gpus, w.info.cpu_cores) : 0.0;
}

double Scheduler::Impl::worker_speed(const WorkerState& w) const {
    if (w.info.score > 0) return w.info.score;
    auto it = config.gpu_classes.find(w.info.gpu_class);
    if (it != config.gpu_classes.end() && it->second.mrays_per_s > 0) return it->second.mrays_per_s;
    return 0;  // unknown: the estimator's default
}

const WorkloadEstimate& Scheduler::Impl::estimate(const std::string& workload) const {
    static const WorkloadEstimate none;
    auto it = estimates.find(workload);
    return it == estimates.end() ? none : it->second;
}

double Scheduler::Impl::pool_task_seconds(const JobInfo& j, const PoolSnap& p) const {
    return std::max(0.01, estimate(j.workload).task_seconds(j.pixel_samples_per_task, j.max_depth,
                                                          p.cls, p.score));
}

double Scheduler::Impl::staging_bytes(const std::string& site, const JobInfo& j) const {
    // A site that ran or runs a task of the job has its snapshot, or is fetching it
    // (task_started records both).
    auto it = staging.find({site, j.snapshot});
    return it != staging.end() ? it->second : j.snapshot_bytes;
}

double Scheduler::Impl::staging_delay(const Site* site, double bytes) const {
    if (!site || bytes <= 0) return 0;
    return bytes * 8 / (site->link.bandwidth_mbps * 1e6) + site->link.rtt_ms / 1000.0;
}

double Scheduler::Impl::site_ready(const std::string& site, const JobInfo& j, double now) const {
    const double start = std::max(now, j.not_before);
    const double bytes = staging_bytes(site, j);
    if (bytes > 0) return start + staging_delay(config.site(site), bytes);
    auto it = staging_ready.find({site, j.snapshot});
    return it == staging_ready.end() ? start : std::max(start, it->second);
}

std::string Scheduler::Impl::home_site(const JobInfo& j, double now) const {
    // A site holding the snapshot already; else the cheapest place to stage it and do
    // the job's expected work (priced from the current estimate, a prior before probes).
    std::map<std::string, double> per_task;  // the cheapest pool's cost of one task
    for (const auto& [id, w] : workers) {
        if (effective_admin(w) != Admin::enabled) continue;
        if (staging_bytes(w.info.site, j) <= 0) return w.info.site;
        PoolSnap ps;
        ps.cls = w.info.gpu_class;
        ps.score = worker_speed(w);
        const Site* s = config.site(w.info.site);
        const double mult = s ? s->tariff.multiplier_at(now) : 1.0;
        const double c = pool_task_seconds(j, ps) * worker_rate(w) / 3600.0 * mult;
        auto it = per_task.find(w.info.site);
        if (it == per_task.end() || c < it->second) per_task[w.info.site] = c;
    }
    std::string best;
    double best_cost = 1e300;
    for (const auto& [site, c] : per_task) {
        const Site* s = config.site(site);
        const double stage = s ? j.snapshot_bytes / 1e9 * s->link.yuan_per_gb : 0.0;
        const double total = stage + c * std::max(1, j.tasks_queued);
        if (total < best_cost) {
            best_cost = total;
            best = site;
        }
    }
    return best;
}

// One worker more or less changes a pool's capacity a little; the periodic replan picks
// that up. A pool appearing or disappearing changes what the plan can use at all.
void Scheduler::upsert_worker(const WorkerInfo& info) {
    auto [it, fresh] = impl_->workers.try_emplace(info.id);
    WorkerState& w = it->second;
    const std::string old_pool = w.pool;
    w.info = info;
    w.pool = impl_->pool_key(info);
    if (fresh || old_pool != w.pool) {
        int in_pool = 0;
        for (const auto& [id, o] : impl_->workers) in_pool += o.pool == w.pool;
        if (in_pool == 1 || !fresh) impl_->dirty = true;
    }
}

void Scheduler::remove_worker(const std::string& id) {
    auto it = impl_->workers.find(id);
    if (it == impl_->workers.end()) return;
    for (const Running& r : it->second.running) {
        auto j = impl_->jobs.find(r.job);
        if (j != impl_->jobs.end()) {
            --j->second.running;
            --impl_->tenant_running[j->second.info.tenant];
        }
    }
    const std::string pool = it->second.pool;
    impl_->workers.erase(it);
    bool last = true;
    for (const auto& [wid, o] : impl_->workers) last = last && o.pool != pool;
    if (last) impl_->dirty = true;
}

void Scheduler::set_worker_admin(const std::string& id, Admin admin) {
    auto it = impl_->workers.find(id);
    if (it == impl_->workers.end()) return;
    if (it->second.admin != admin) impl_->dirty = true;
    it->second.admin = admin;
}

void Scheduler::set_site_admin(const std::string& site, Admin admin) {
    if (site_admin(site) != admin) impl_->dirty = true;
    if (admin == Admin::enabled) impl_->site_admin.erase(site);
    else impl_->site_admin[site] = admin;
}

Admin Scheduler::site_admin(const std::string& site) const {
    auto it = impl_->site_admin.find(site);
    return it == impl_->site_admin.end() ? Admin::enabled : it->second;
}

void Scheduler::upsert_job(const JobInfo& info) {
    auto [it, fresh] = impl_->jobs.try_emplace(info.id);
    JobState& j = it->second;
    if (fresh || j.info.active != info.active || j.info.deadline != info.deadline ||
        j.info.priority != info.priority || j.info.probes_pending != info.probes_pending ||
        (j.info.tasks_queued == 0) != (info.tasks_queued == 0))
        impl_->dirty = true;
    if (j.info.budget_yuan != info.budget_yuan) j.budget_reported = false;
    j.info = info;
}

void Scheduler::remove_job(const std::string& id) {
    if (impl_->jobs.erase(id)) impl_->dirty = true;
}

void Scheduler::set_staging(const std::string& site, const std::string& snapshot,
                            double bytes_missing) {
    impl_->staging[{site, snapshot}] = std::max(0.0, bytes_missing);
}

void Scheduler::task_started(const std::string& worker, const std::string& job, double now,
                             double est_seconds) {
    auto w = impl_->workers.find(worker);
    auto j = impl_->jobs.find(job);
    if (w == impl_->workers.end() || j == impl_->jobs.end()) return;
    // The first task of a job at a site starts its snapshot's transfer there.
    const auto key = std::make_pair(w->second.info.site, j->second.info.snapshot);
    if (const double bytes = impl_->staging_bytes(key.first, j->second.info); bytes > 0) {
        impl_->staging_ready[key] =
            now + impl_->staging_delay(impl_->config.site(key.first), bytes);
        impl_->staging[key] = 0;
    }
    w->second.running.push_back({job, now, now + std::max(0.0, est_seconds)});
    ++j->second.running;
    ++impl_->tenant_running[j->second.info.tenant];
    const Site* s = impl_->config.site(w->second.info.site);
    if (s) {
        j->second.running_cost +=
            impl_->worker_rate(w->second) / 3600.0 * s->tariff.integrate(now, now + est_seconds);
    }
}

namespace {

// Ends the first task of `job` on the worker, taking its expected cost out of the job's
// running cost; false when the worker had no such task.
bool end_task(Scheduler::Impl& I, const std::string& worker, const std::string& job, double now) {
    auto w = I.workers.find(worker);
    auto j = I.jobs.find(job);
    if (w == I.workers.end()) return false;
    auto& run = w->second.running;
    auto it = std::find_if(run.begin(), run.end(), [&](const Running& r) { return r.job == job; });
    if (it == run.end()) return false;
    if (j != I.jobs.end()) {
        --j->second.running;
        --I.tenant_running[j->second.info.tenant];
        const Site* s = I.config.site(w->second.info.site);
        if (s)
            j->second.running_cost = std::max(
                0.0, j->second.running_cost - I.worker_rate(w->second) / 3600.0 *
                                                  s->tariff.integrate(it->start, it->est_end));
    }
    run.erase(it);
    (void)now;
    return true;
}

}  // namespace

void Scheduler::task_finished(const std::string& worker, const std::string& job, double now,
                              const Observation& obs) {
    auto w = impl_->workers.find(worker);
    auto j = impl_->jobs.find(job);
    if (w != impl_->workers.end() && j != impl_->jobs.end()) {
        impl_->estimates[j->second.info.workload].add(obs, w->second.info.gpu_class,
                                                      impl_->worker_speed(w->second));
        impl_->staging[{w->second.info.site, j->second.info.snapshot}] = 0;
        if (obs.probe && j->second.info.probes_pending > 0) {
            if (--j->second.info.probes_pending == 0) impl_->dirty = true;
        }
    }
    end_task(*impl_, worker, job, now);
}

void Scheduler::task_aborted(const std::string& worker, const std::string& job, double now) {
    end_task(*impl_, worker, job, now);
}

void Scheduler::observe(const std::string& workload, const WorkerInfo& worker,
                        const Observation& obs) {
    WorkerState tmp;
    tmp.info = worker;
    impl_->estimates[workload].add(obs, worker.gpu_class, impl_->worker_speed(tmp));
}

void Scheduler::replan(double now) { impl_->replan(now); }

bool Scheduler::replan_if_stale(double now) {
    Impl& I = *impl_;
    // Something structural (a job, a pool, the config) replans at once; estimates and
    // capacity drift are picked up every replan_interval_s.
    const double age = now - I.plan.made_at;
    const bool slot_over = I.plan.edges.size() > 1 && now >= I.plan.edges[1];
    if (!(I.dirty || slot_over || age >= I.opt.replan_interval_s)) return false;
    if (!I.dirty && !slot_over && age < I.opt.min_replan_s) return false;
    I.replan(now);
    return true;
}

double Scheduler::planned_at() const { return impl_->plan.made_at; }

Outlook Scheduler::outlook(const std::string& job) const {
    auto it = impl_->jobs.find(job);
    return it == impl_->jobs.end() ? Outlook{} : it->second.outlook;
}

double Scheduler::task_seconds(const std::string& job, const std::string& worker) const {
    auto j = impl_->jobs.find(job);
    auto w = impl_->workers.find(worker);
    if (j == impl_->jobs.end() || w == impl_->workers.end()) return 0;
    PoolSnap ps;
    ps.cls = w->second.info.gpu_class;
    ps.score = impl_->worker_speed(w->second);
    return impl_->pool_task_seconds(j->second.info, ps);
}

std::vector<std::pair<std::string, std::string>> Scheduler::take_over_budget() {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& [id, j] : impl_->jobs) {
        if (!j.info.budget_yuan || !j.info.active || !j.outlook.planned) continue;
        const double projected = j.info.spent_yuan + j.running_cost + j.outlook.cost_yuan;
        if (projected <= *j.info.budget_yuan) {
            j.budget_reported = false;
            continue;
        }
        if (j.budget_reported) continue;
        j.budget_reported = true;
        char msg[256];
        std::snprintf(msg, sizeof msg,
                      "projected cost %.2f yuan (spent %.2f + rendering %.2f + remaining %.2f) "
                      "exceeds the budget of %.2f yuan",
                      projected, j.info.spent_yuan, j.running_cost, j.outlook.cost_yuan,
                      *j.info.budget_yuan);
        out.emplace_back(id, msg);
    }
    return out;
}

const Scheduler::Stats& Scheduler::stats() const { return impl_->stats; }

}  // namespace farm::sched
