#include "sched_fixture.h"

namespace farm::sched::test {

const double kT0 = parse_time("2026-03-02T00:00:00+08:00", "t");

Site flat_site(const std::string& name, double yuan_per_core_hour) {
    Site s;
    s.name = name;
    s.yuan_per_cpu_core_hour = yuan_per_core_hour;
    return s;
}

Tariff gansu_tariff() {
    return Tariff(8 * 3600, {{"peak", 1.5}, {"flat", 1.0}, {"valley", 0.45}},
                  {{8 * 60, 11 * 60, "peak"}, {18 * 60, 23 * 60, "peak"}, {23 * 60, 7 * 60, "valley"}},
                  "test");
}

Options MiniFarm::exact_options() {
    Options o;
    o.z = 0;
    o.lease_timeout_s = 0;
    o.min_replan_s = 0;
    o.replan_interval_s = 60;
    o.reserve = 0;
    return o;
}

MiniFarm::MiniFarm(Options o, SitesConfig c) : sched(o), config_(std::move(c)) {
    sched.set_config(config_);
}

void MiniFarm::add_site(Site s) {
    config_.sites[s.name] = std::move(s);
    sched.set_config(config_);
}

void MiniFarm::add_worker(const std::string& id, const std::string& site, double score) {
    workers_[id] = W{site, score, false, {}};
    sched.upsert_worker(WorkerInfo{id, site, "cpu", 0, 1, score});
}

void MiniFarm::add_job(const std::string& id, const std::string& tenant, int tasks,
                       double seconds, std::optional<double> deadline, int priority,
                       std::optional<double> budget, double snapshot_bytes) {
    JobInfo j;
    j.id = id;
    j.tenant = tenant;
    j.snapshot = "snap-" + id;
    j.workload = "w-" + id;
    j.priority = priority;
    j.submitted = now;
    j.deadline = deadline;
    j.budget_yuan = budget;
    j.tasks_queued = tasks;
    j.pixel_samples_per_task = 1e6;
    j.snapshot_bytes = snapshot_bytes;
    jobs_[id] = j;
    queued[id] = tasks;
    seconds_[id] = seconds;
    // Two equal observations: `seconds` of work on a score-1 worker (no ray count), and
    // no spread between frames, so the margin is exactly 1.5 x the slowest task.
    Observation obs;
    obs.pixel_samples = 1e6;
    obs.wall_s = seconds;
    sched.observe(j.workload, WorkerInfo{"teacher", "", "cpu", 0, 1, 1.0}, obs);
    sched.observe(j.workload, WorkerInfo{"teacher", "", "cpu", 0, 1, 1.0}, obs);
    sched.upsert_job(j);
}

void MiniFarm::run(double until, double step) {
    while (now <= until) {
        for (auto& [id, w] : workers_) {
            if (!w.busy || w.lease.end > now + 1e-9) continue;
            w.busy = false;
            ++done[w.lease.job];
            finished_at[w.lease.job] = now;
            const Site& s = config_.sites.at(w.site);
            Charge c = sched.vouchers().charge(s, jobs_[w.lease.job].tenant,
                                               base_rate_per_hour(s, "cpu", 0, 1), w.lease.start,
                                               w.lease.end);
            cost_yuan += c.net_yuan;
            jobs_[w.lease.job].spent_yuan += c.net_yuan;
            Observation obs;
            obs.pixel_samples = 1e6;
            obs.wall_s = w.lease.end - w.lease.start;
            sched.task_finished(id, w.lease.job, now, obs);
            JobInfo& j = jobs_[w.lease.job];
            j.tasks_queued = queued[w.lease.job];
            sched.upsert_job(j);
        }
        bool all_done = true;
        for (auto& [job, n] : queued) all_done = all_done && n == 0;
        bool any_busy = false;
        for (auto& [id, w] : workers_) any_busy = any_busy || w.busy;
        if (all_done && !any_busy) return;
        for (auto& [id, w] : workers_) {
            if (w.busy) continue;
            std::string reason;
            auto d = sched.dispatch(id, now, [&](const std::string& job, bool probe) {
                if (probe || queued[job] <= 0) return false;
                --queued[job];
                return true;
            }, &reason);
            if (!d) {
                last_hold[id] = reason;
                continue;
            }
            const double secs = seconds_[d->job] / w.score;
            w.busy = true;
            w.lease = Lease{d->job, id, now, now + secs, false};
            leases.push_back(w.lease);
            last_decision[d->job] = *d;
            sched.task_started(id, d->job, now, secs);
            JobInfo& j = jobs_[d->job];
            j.tasks_queued = queued[d->job];
            sched.upsert_job(j);
        }
        now += step;
    }
}

}  // namespace farm::sched::test
