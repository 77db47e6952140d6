// farm-sim's event loop: the trace's workers render its jobs under one policy. The
// "xixuan" policy is farm::sched::Scheduler itself, driven exactly as the gateway drives
// it (register, upsert jobs, dispatch on each idle poll, report finished tasks); the
// baselines take no advice: first-available FIFO and fastest-first (EDF job order).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "farm/sched/scheduler.h"
#include "trace.h"

namespace farm::sim {

enum class Policy { xixuan, fifo, fastest_first };

// The gateway's scheduler options, with replanning paced for simulated time.
sched::Options sim_options();
const char* policy_name(Policy p);

struct SimResult {
    std::string policy;
    double cost = 0, gross = 0, voucher = 0;  // yuan: rendering net of vouchers, + staging
    double staging_cost = 0, staging_gb = 0;
    int jobs = 0, deadlines_met = 0;
    long frames = 0, late_frames = 0, lost_tasks = 0, probes = 0;
    double busy_s = 0, avail_s = 0;  // worker-seconds rendering / up
    double makespan_h = 0;           // first arrival to last frame
    std::vector<float> decision_us;  // each dispatch call (xixuan only)
    struct Job {
        std::string id;
        double slack_h = 0;  // deadline - finish
        double cost = 0, gross = 0, staging = 0;  // net, rendering before vouchers, transfers
        std::map<std::string, int> frames_by_site;
        std::map<std::string, double> hours_by_period;
    };
    std::vector<Job> per_job;
    std::map<std::string, double> hours_by_class, hours_by_period;  // rendering hours
    long replans = 0;
    double replan_s = 0;
    double utilization() const { return avail_s > 0 ? busy_s / avail_s : 0; }
};

// What the xixuan policy is told ahead, to measure what not knowing costs (the gateway
// knows neither): every frame's true work (no probes, estimates from the trace itself),
// and every job from the start, booked to begin at its arrival. The LP bound knows both.
struct Foresight {
    bool frame_times = false;
    bool arrivals = false;  // needs frame_times: a job still probing is not planned
};

// `options` tunes the scheduler (the xixuan policy); the defaults are the gateway's.
SimResult simulate(const Trace& t, Policy p, const sched::Options& options = sim_options(),
                   Foresight foresight = {});

}  // namespace farm::sim
