// What one task of a workload costs in time. Work is counted in rays (Mrays): the
// renderer reports how many it traced, which does not depend on the device, so a
// low-resolution probe on one GPU class predicts a full frame on any other. Time is
// overhead (process start, scene load, BVH build) + work / speed, with speed = the
// worker's benchmark score x a per-class factor learned for this scene.
#pragma once

#include <map>
#include <string>

#include "farm/sched/scheduler.h"

namespace farm::sched {

class WorkloadEstimate {
  public:
    void add(const Observation& o, const std::string& gpu_class, double score);

    // Expected seconds for a task of `pixel_samples` on a worker of `gpu_class` with
    // benchmark `score` (Mrays/s; 0 = unknown).
    double task_seconds(double pixel_samples, int max_depth, const std::string& gpu_class,
                        double score) const;
    // Relative standard deviation of the total work of `tasks` more tasks.
    double uncertainty(int tasks) const;
    // Relative standard deviation of one task's work (frames differ within a shot).
    double task_spread() const;
    // How much heavier than the mean the heaviest task seen so far was (1 before two
    // observations): the shot's explosions and crowds.
    double heaviest_ratio() const { return n_ >= 2 && mean_ > 0 ? max_ / mean_ : 1.0; }
    int observations() const { return static_cast<int>(n_); }
    int renders() const { return renders_; }
    const char* basis() const { return n_ == 0 ? "prior" : renders_ ? "renders" : "probes"; }

  private:
    struct ClassModel {
        double factor_sum = 0, overhead_sum = 0;
        int n = 0;
    };
    double mrays_per_sample(int max_depth) const;
    double class_mean(const std::string& gpu_class, double ClassModel::*sum, double fallback) const;
    double factor(const std::string& gpu_class) const;
    double overhead(const std::string& gpu_class) const;

    double n_ = 0, mean_ = 0, m2_ = 0;  // Welford over Mrays per pixel-sample
    double max_ = 0;
    int renders_ = 0;
    std::map<std::string, ClassModel> classes_;
};

}  // namespace farm::sched
