// Synthetic traces for farm-sim: western sites with GPU classes, prices, tariffs,
// links and vouchers; a fleet that fails and rejoins; animation jobs whose frames vary
// in cost the way a shot does. Everything derives from one seed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "farm/sched/config.h"

namespace farm::sim {

struct SimWorker {
    std::string id, site, cls;
    double score = 0;  // what its registration benchmark reports (Mrays/s)
    double join = 0;   // first time it is up
    std::vector<std::pair<double, double>> outages;  // [down, up)
};

struct SimJob {
    std::string id, tenant;
    double arrival = 0, deadline = 0;
    int priority = 50;
    double snapshot_bytes = 0;
    double overhead_s = 0;                      // per task: start, scene load, BVH
    double pixel_samples = 0;                   // per frame
    std::vector<double> frame_mrays;            // true work of each frame
    std::map<std::string, double> class_factor;  // this scene's speed vs the benchmark
};

struct TraceSpec {
    int sites = 20, workers = 2000, jobs = 50, frames = 100000;
    std::uint64_t seed = 1;
    double mtbf_h = 30;  // per worker; 0 = no failures
};

struct Trace {
    TraceSpec spec;
    sched::SitesConfig config;
    std::vector<SimWorker> workers;
    std::vector<SimJob> jobs;
    double t0 = 0;  // Monday 00:00 China time
    int frames() const;
};

Trace make_trace(const TraceSpec& spec);

// Seconds a frame takes on a worker: overhead + work / (score x the scene's factor).
double frame_seconds(const SimJob& j, double mrays, const SimWorker& w);

}  // namespace farm::sim
