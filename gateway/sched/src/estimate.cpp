#include "estimate.h"

#include <algorithm>
#include <cmath>

namespace farm::sched {

namespace {

// Before any observation: about 1.5 rays per bounce per sample (a path segment plus
// a shadow ray, Russian roulette ending some), 1.5 s to start, and no confidence.
constexpr double kPriorRaysPerBounce = 1.5;
constexpr double kPriorOverhead = 1.5;
constexpr double kUnknownScore = 1.0;  // Mrays/s of a worker that never benchmarked

}  // namespace

void WorkloadEstimate::add(const Observation& o, const std::string& gpu_class, double score) {
    if (!(o.pixel_samples > 0) || !(o.wall_s > 0)) return;
    const double s = score > 0 ? score : kUnknownScore;
    double work, factor = 1, overhead = 0;
    if (o.rays > 0 && o.trace_s > 0) {
        work = o.rays / 1e6;
        factor = work / o.trace_s / s;
        overhead = std::max(0.0, o.wall_s - o.trace_s);
    } else {
        work = o.wall_s * s;  // no ray count: every second counts as tracing
    }
    const double x = work / o.pixel_samples;
    max_ = std::max(max_, x);
    n_ += 1;
    const double d = x - mean_;
    mean_ += d / n_;
    m2_ += d * (x - mean_);
    if (!o.probe) ++renders_;
    ClassModel& c = classes_[gpu_class];
    c.factor_sum += factor;
    c.overhead_sum += overhead;
    ++c.n;
}

double WorkloadEstimate::mrays_per_sample(int max_depth) const {
    if (n_ > 0) return mean_;
    return kPriorRaysPerBounce * std::max(1, max_depth) / 1e6;
}

double WorkloadEstimate::class_mean(const std::string& gpu_class, double ClassModel::*sum,
                                    double fallback) const {
    // The class's own mean when it has one, else the mean over every class seen.
    auto it = classes_.find(gpu_class);
    if (it != classes_.end() && it->second.n > 0) return it->second.*sum / it->second.n;
    double total = 0;
    int n = 0;
    for (const auto& [_, c] : classes_) {
        total += c.*sum;
        n += c.n;
    }
    return n ? total / n : fallback;
}

double WorkloadEstimate::factor(const std::string& gpu_class) const {
    return class_mean(gpu_class, &ClassModel::factor_sum, 1.0);
}

double WorkloadEstimate::overhead(const std::string& gpu_class) const {
    return class_mean(gpu_class, &ClassModel::overhead_sum, kPriorOverhead);
}

double WorkloadEstimate::task_seconds(double pixel_samples, int max_depth,
                                      const std::string& gpu_class, double score) const {
    const double s = (score > 0 ? score : kUnknownScore) * std::max(1e-6, factor(gpu_class));
    return overhead(gpu_class) + mrays_per_sample(max_depth) * pixel_samples / s;
}

double WorkloadEstimate::task_spread() const {
    if (n_ < 2 || mean_ <= 0) return 0.5;
    return std::sqrt(m2_ / (n_ - 1)) / mean_;
}

double WorkloadEstimate::uncertainty(int tasks) const {
    if (n_ == 0) return 1.0;
    // Spread of one task's work, the error of its mean, and what extrapolating from
    // probes (lower resolution and spp) or from earlier frames may miss.
    const double rel = n_ >= 2 && mean_ > 0 ? std::sqrt(m2_ / (n_ - 1)) / mean_ : 0.5;
    const double model = renders_ ? 0.05 : 0.15;
    const double per_sum = tasks > 0 ? rel * rel / tasks : 0.0;
    return std::sqrt(per_sum + rel * rel / n_ + model * model);
}

}  // namespace farm::sched
