#include "simulate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <queue>

#include "farm/sched/frame_order.h"
#include "farm/sched/scheduler.h"

namespace farm::sim {

const char* policy_name(Policy p) {
    switch (p) {
        case Policy::xixuan: return "xixuan (cost-first)";
        case Policy::fifo: return "fifo first-available";
        case Policy::fastest_first: return "fastest-first (EDF)";
    }
    return "?";
}

namespace {

constexpr double kTick = 30;  // a held worker asks again this often (a long-poll)
constexpr int kProbes = 3;

enum class Ev { arrive, task_end, down, up, tick };

struct Event {
    double t;
    long seq;
    Ev type;
    int index;
    bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

struct Task {
    int job = -1, frame = -1;
    bool probe = false;
    double start = 0, render_start = 0, end = 0;
    long serial = 0;
};

struct WorkerRun {
    bool up = false, busy = false;
    Task task;
    std::size_t next_outage = 0;
};

struct JobRun {
    bool arrived = false, booked = false;
    std::deque<int> queue;   // frames waiting
    std::deque<int> probes;  // probe frames waiting
    int probes_running = 0, done = 0;
    double finish = 0, spent = 0, gross = 0, staging = 0;
    std::map<std::string, int> by_site;
    std::map<std::string, double> hours_by_period;
};

class Sim {
  public:
    Sim(const Trace& t, Policy p, const sched::Options& o, Foresight f)
        : t_(t), p_(p), know_(f), sched_(o) {
        for (std::size_t i = 0; i < t.workers.size(); ++i) widx_[t.workers[i].id] = static_cast<int>(i);
        for (std::size_t i = 0; i < t.jobs.size(); ++i) jidx_[t.jobs[i].id] = static_cast<int>(i);
        sched_.set_config(t.config);
        books_.set_config(sched_.config());
        w_.resize(t.workers.size());
        j_.resize(t.jobs.size());
        r_.policy = policy_name(p);
        r_.jobs = static_cast<int>(t.jobs.size());
        r_.frames = t.frames();
    }

    SimResult run() {
        for (std::size_t i = 0; i < t_.jobs.size(); ++i) push(t_.jobs[i].arrival, Ev::arrive, static_cast<int>(i));
        for (std::size_t i = 0; i < t_.workers.size(); ++i) push(t_.workers[i].join, Ev::up, static_cast<int>(i));
        if (p_ == Policy::xixuan && know_.arrivals)
            for (std::size_t i = 0; i < t_.jobs.size(); ++i) book_ahead(static_cast<int>(i));
        push(t_.t0, Ev::tick, 0);
        long remaining = r_.frames;
        double first = 1e300, last = 0;
        for (const auto& j : t_.jobs) first = std::min(first, j.arrival);
        while (!q_.empty() && remaining > 0) {
            const double now = q_.top().t;
            if (now > t_.t0 + 20 * 86400) break;  // a policy that never finishes
            bool tick = false;
            while (!q_.empty() && q_.top().t == now) {
                Event e = q_.top();
                q_.pop();
                switch (e.type) {
                    case Ev::arrive: arrive(e.index, now); break;
                    case Ev::task_end:
                        if (end_task(e.index, now, static_cast<long>(e.seq))) {
                            --remaining;
                            last = now;
                        }
                        break;
                    case Ev::down: down(e.index, now); break;
                    case Ev::up: up(e.index, now); break;
                    case Ev::tick: tick = true; break;
                }
            }
            if (tick) {
                push(now + kTick, Ev::tick, 0);
                static const char* watch = std::getenv("FARM_SIM_JOB");
                if (watch && p_ == Policy::xixuan && std::fmod(now - t_.t0, 600) < kTick) {
                    auto it = jidx_.find(watch);
                    if (it != jidx_.end() && j_[it->second].arrived && !j_[it->second].queue.empty()) {
                        const auto o = sched_.outlook(watch);
                        int running = 0;
                        for (const auto& w : w_) running += w.busy && w.task.job == it->second;
                        std::fprintf(stderr, "t=%6.2fh %s queued %zu running %d on_time %d finish-deadline %+.2fh cost %.0f pools:",
                                     (now - t_.t0) / 3600, watch, j_[it->second].queue.size(), running,
                                     o.on_time, (o.finish - t_.jobs[it->second].deadline) / 3600, o.cost_yuan);
                        for (const auto& [k, n] : o.tasks_by_pool) std::fprintf(stderr, " %s=%.0f", k.c_str(), n);
                        std::fprintf(stderr, "\n");
                    }
                }
                for (std::size_t i = 0; i < w_.size(); ++i)
                    if (w_[i].up && !w_[i].busy) fresh_.push_back(static_cast<int>(i));
            }
            poll(now);
        }
        // Up time counts from the first arrival to the last frame.
        for (std::size_t i = 0; i < t_.workers.size(); ++i) {
            const auto& w = t_.workers[i];
            double a = std::max(first, w.join), b = last;
            if (b <= a) continue;
            double up = b - a;
            for (const auto& [d, u] : w.outages) up -= std::max(0.0, std::min(b, u) - std::max(a, d));
            r_.avail_s += up;
        }
        r_.makespan_h = (last - first) / 3600;
        for (std::size_t i = 0; i < t_.jobs.size(); ++i) {
            const auto& job = t_.jobs[i];
            const JobRun& jr = j_[i];
            const bool all = jr.done == static_cast<int>(job.frame_mrays.size());
            if (all && jr.finish <= job.deadline) ++r_.deadlines_met;
            SimResult::Job pj;
            pj.id = job.id;
            pj.slack_h = all ? (job.deadline - jr.finish) / 3600 : -1e9;
            pj.cost = jr.spent;
            pj.frames_by_site = jr.by_site;
            pj.gross = jr.gross;
            pj.staging = jr.staging;
            pj.hours_by_period = jr.hours_by_period;
            r_.per_job.push_back(std::move(pj));
        }
        r_.cost = r_.gross - r_.voucher + r_.staging_cost;
        if (std::getenv("FARM_SIM_DEBUG") && p_ == Policy::xixuan)
            for (const auto& v : t_.config.vouchers)
                std::fprintf(stderr, "voucher %s %s at %s %.0f%%: used %.0f of %.0f\n", v.id.c_str(),
                             v.tenant.c_str(), v.site.c_str(), v.discount_pct, sched_.vouchers().used(v.id),
                             v.cap_yuan);
        r_.replans = sched_.stats().replans;
        r_.replan_s = sched_.stats().replan_seconds;
        return r_;
    }

  private:
    void push(double t, Ev type, int index, long seq = -1) {
        q_.push(Event{t, seq >= 0 ? seq : ++seq_, type, index});
    }

    sched::JobInfo info(int j) const {
        const SimJob& job = t_.jobs[j];
        const JobRun& jr = j_[j];
        sched::JobInfo i;
        i.id = job.id;
        i.tenant = job.tenant;
        i.snapshot = job.id;
        i.workload = job.id;
        i.priority = job.priority;
        i.submitted = job.arrival;
        i.not_before = job.arrival;
        i.deadline = job.deadline;
        i.spent_yuan = jr.spent;
        i.snapshot_bytes = job.snapshot_bytes;
        i.tasks_queued = static_cast<int>(jr.queue.size());
        i.probes_pending = static_cast<int>(jr.probes.size()) + jr.probes_running;
        i.pixel_samples_per_task = job.pixel_samples;
        return i;
    }

    void arrive(int j, double now) {
        JobRun& jr = j_[j];
        jr.arrived = true;
        if (jr.booked) return;  // known since the start; its tasks may run from now
        const int n = static_cast<int>(t_.jobs[j].frame_mrays.size());
        for (int f : sched::frame_sequence(n)) jr.queue.push_back(f);
        if (p_ == Policy::xixuan) {
            if (know_.frame_times)
                tell_frame_times(j);
            else
                for (int k = 0; k < kProbes; ++k) jr.probes.push_back(k * (n - 1) / (kProbes - 1));
            sched_.upsert_job(info(j));
        }
        (void)now;
    }

    // Foresight: the job is known from the start, its tasks queued but not startable
    // before its arrival (the scheduler's not_before; take() refuses them as well).
    void book_ahead(int j) {
        JobRun& jr = j_[j];
        jr.booked = true;
        const int n = static_cast<int>(t_.jobs[j].frame_mrays.size());
        for (int f : sched::frame_sequence(n)) jr.queue.push_back(f);
        tell_frame_times(j);
        sched_.upsert_job(info(j));
    }

    // Foresight: every frame's true work on one worker of each class, as if rendered.
    void tell_frame_times(int j) {
        const SimJob& job = t_.jobs[j];
        std::map<std::string, int> one_per_class;
        for (std::size_t w = 0; w < t_.workers.size(); ++w)
            one_per_class.try_emplace(t_.workers[w].cls, static_cast<int>(w));
        for (const auto& [cls, w] : one_per_class)
            for (double mrays : job.frame_mrays) {
                sched::Observation o;
                o.pixel_samples = job.pixel_samples;
                o.rays = mrays * 1e6;
                o.wall_s = frame_seconds(job, mrays, t_.workers[w]);
                o.trace_s = o.wall_s - job.overhead_s;
                sched_.observe(job.id, winfo(w), o);
            }
    }

    sched::WorkerInfo winfo(int w) const {
        const SimWorker& sw = t_.workers[w];
        return sched::WorkerInfo{sw.id, sw.site, sw.cls, 1, 16, sw.score};
    }

    void up(int w, double now) {
        WorkerRun& wr = w_[w];
        wr.up = true;
        const auto& out = t_.workers[w].outages;
        if (wr.next_outage < out.size()) push(out[wr.next_outage].first, Ev::down, w);
        if (p_ == Policy::xixuan) sched_.upsert_worker(winfo(w));
        fresh_.push_back(w);
        (void)now;
    }

    void down(int w, double now) {
        WorkerRun& wr = w_[w];
        wr.up = false;
        const auto& out = t_.workers[w].outages;
        push(out[wr.next_outage].second, Ev::up, w);
        ++wr.next_outage;
        if (wr.busy) {
            // The task is lost (its worker vanished): back to the queue; nothing billed.
            Task& tk = wr.task;
            JobRun& jr = j_[tk.job];
            if (tk.probe) {
                --jr.probes_running;
                jr.probes.push_front(tk.frame);
            } else {
                jr.queue.push_front(tk.frame);
            }
            ++r_.lost_tasks;
            wr.busy = false;
            tk.serial = -1;
            if (p_ == Policy::xixuan) {
                sched_.task_aborted(t_.workers[w].id, t_.jobs[tk.job].id, now);
                sched_.upsert_job(info(tk.job));
            }
        }
        if (p_ == Policy::xixuan) sched_.remove_worker(t_.workers[w].id);
    }

    bool end_task(int w, double now, long serial) {
        WorkerRun& wr = w_[w];
        if (!wr.busy || wr.task.serial != serial) return false;  // lost before it ended
        Task tk = wr.task;
        wr.busy = false;
        fresh_.push_back(w);
        const SimWorker& sw = t_.workers[w];
        const SimJob& job = t_.jobs[tk.job];
        JobRun& jr = j_[tk.job];
        const sched::Site& site = t_.config.sites.at(sw.site);
        const double rate = sched::base_rate_per_hour(site, sw.cls, 1, 16);
        sched::VoucherBook& book = p_ == Policy::xixuan ? sched_.vouchers() : books_;
        const sched::Charge c = book.charge(site, job.tenant, rate, tk.render_start, tk.end);
        r_.gross += c.gross_yuan;
        r_.voucher += c.discount_yuan;
        jr.spent += c.net_yuan;
        r_.busy_s += tk.end - tk.render_start;
        r_.hours_by_class[sw.cls] += (tk.end - tk.render_start) / 3600;
        const std::string period = site.tariff.period_at((tk.render_start + tk.end) / 2);
        r_.hours_by_period[period] += (tk.end - tk.render_start) / 3600;
        jr.hours_by_period[period] += (tk.end - tk.render_start) / 3600;
        jr.gross += c.gross_yuan;
        const double mrays = tk.probe ? job.frame_mrays[tk.frame] / 16 : job.frame_mrays[tk.frame];
        if (p_ == Policy::xixuan) {
            sched::Observation o;
            o.pixel_samples = tk.probe ? job.pixel_samples / 16 : job.pixel_samples;
            o.rays = mrays * 1e6;
            o.wall_s = tk.end - tk.render_start;
            o.trace_s = o.wall_s - job.overhead_s;
            o.probe = tk.probe;
            sched_.task_finished(sw.id, job.id, now, o);
        }
        if (tk.probe) {
            --jr.probes_running;
            ++r_.probes;
            if (p_ == Policy::xixuan) sched_.upsert_job(info(tk.job));
            return false;
        }
        ++jr.done;
        ++jr.by_site[sw.site];
        jr.finish = now;
        if (now > job.deadline) ++r_.late_frames;
        if (p_ == Policy::xixuan) sched_.upsert_job(info(tk.job));
        return true;
    }

    // Starts frame `f` of job `j` (or its probe) on worker `w`, staging the snapshot at
    // the worker's site first when it is not there yet.
    void start(int w, int j, int f, bool probe, double now) {
        const SimWorker& sw = t_.workers[w];
        const SimJob& job = t_.jobs[j];
        auto key = std::make_pair(sw.site, j);
        auto it = staged_.find(key);
        double ready = now;
        if (it == staged_.end()) {
            const sched::Site& site = t_.config.sites.at(sw.site);
            ready = now + job.snapshot_bytes * 8 / (site.link.bandwidth_mbps * 1e6) + site.link.rtt_ms / 1000;
            staged_[key] = ready;
            const double yuan = job.snapshot_bytes / 1e9 * site.link.yuan_per_gb;
            r_.staging_gb += job.snapshot_bytes / 1e9;
            r_.staging_cost += yuan;
            j_[j].staging += yuan;
            if (std::getenv("FARM_SIM_DEBUG")) {
                double planned = 0;
                bool on_time = true;
                if (p_ == Policy::xixuan) {
                    const auto o = sched_.outlook(job.id);
                    on_time = o.on_time;
                    for (const auto& [k, n] : o.tasks_by_pool)
                        if (k.rfind(sw.site + "/", 0) == 0) planned += n;
                }
                std::fprintf(stderr, "stage %s at %s t=%.2fh %s %.0f GB %.0f yuan (queued %zu, planned here %.0f, on_time %d)\n",
                             job.id.c_str(), sw.site.c_str(), (now - t_.t0) / 3600, probe ? "probe" : "render",
                             job.snapshot_bytes / 1e9, yuan, j_[j].queue.size(), planned, on_time);
            }
        } else {
            ready = std::max(now, it->second);
        }
        const double mrays = probe ? job.frame_mrays[f] / 16 : job.frame_mrays[f];
        WorkerRun& wr = w_[w];
        wr.busy = true;
        wr.task = Task{j, f, probe, now, ready, ready + frame_seconds(job, mrays, sw), ++seq_};
        push(wr.task.end, Ev::task_end, w, wr.task.serial);
        if (p_ == Policy::xixuan) {
            sched_.task_started(sw.id, job.id, now, wr.task.end - now);
            sched_.upsert_job(info(j));
        }
    }

    void poll(double now) {
        if (fresh_.empty()) return;
        std::sort(fresh_.begin(), fresh_.end());
        fresh_.erase(std::unique(fresh_.begin(), fresh_.end()), fresh_.end());
        if (p_ == Policy::xixuan) {
            for (int w : fresh_) {
                if (!w_[w].up || w_[w].busy) continue;
                int chosen_job = -1, chosen_frame = -1;
                bool chosen_probe = false;
                auto take = [&](const std::string& job, bool probe) {
                    const int j = jidx_.at(job);
                    JobRun& jr = j_[j];
                    auto& q = probe ? jr.probes : jr.queue;
                    if (q.empty() || !jr.arrived) return false;
                    chosen_job = j;
                    chosen_frame = q.front();
                    chosen_probe = probe;
                    q.pop_front();
                    if (probe) ++jr.probes_running;
                    return true;
                };
                const auto a = std::chrono::steady_clock::now();
                auto d = sched_.dispatch(t_.workers[w].id, now, take);
                const auto b = std::chrono::steady_clock::now();
                r_.decision_us.push_back(
                    static_cast<float>(std::chrono::duration<double, std::micro>(b - a).count()));
                if (d) start(w, chosen_job, chosen_frame, chosen_probe, now);
            }
        } else {
            // Baselines never hold a worker back. FIFO: jobs in arrival order, workers as
            // they come; fastest-first: jobs by deadline, the fastest workers first.
            std::vector<int> idle;
            for (int w : fresh_)
                if (w_[w].up && !w_[w].busy) idle.push_back(w);
            if (p_ == Policy::fastest_first)
                std::stable_sort(idle.begin(), idle.end(), [&](int a, int b) {
                    return t_.workers[a].score > t_.workers[b].score;
                });
            std::vector<int> order;
            for (std::size_t j = 0; j < t_.jobs.size(); ++j)
                if (j_[j].arrived && !j_[j].queue.empty()) order.push_back(static_cast<int>(j));
            if (p_ == Policy::fastest_first)
                std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
                    return t_.jobs[a].deadline < t_.jobs[b].deadline;
                });
            std::size_t oj = 0;
            for (int w : idle) {
                while (oj < order.size() && j_[order[oj]].queue.empty()) ++oj;
                if (oj == order.size()) break;
                JobRun& jr = j_[order[oj]];
                const int f = jr.queue.front();
                jr.queue.pop_front();
                start(w, order[oj], f, false, now);
            }
        }
        fresh_.clear();
    }

    const Trace& t_;
    Policy p_;
    Foresight know_;
    sched::Scheduler sched_;
    sched::VoucherBook books_;
    std::map<std::string, int> widx_, jidx_;
    std::vector<WorkerRun> w_;
    std::vector<JobRun> j_;
    std::map<std::pair<std::string, int>, double> staged_;  // (site, job) -> ready
    std::priority_queue<Event, std::vector<Event>, std::greater<Event>> q_;
    std::vector<int> fresh_;
    long seq_ = 0;
    SimResult r_;
};

}  // namespace

sched::Options sim_options() {
    sched::Options o;
    o.replan_interval_s = 120;
    o.min_replan_s = 10;
    o.lease_timeout_s = 30;
    return o;
}

SimResult simulate(const Trace& t, Policy p, const sched::Options& options, Foresight foresight) {
    Sim s(t, p, options, foresight);
    return s.run();
}

}  // namespace farm::sim
