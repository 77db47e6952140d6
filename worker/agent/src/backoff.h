// Exponential backoff with jitter, so a hundred workers that lost the gateway together do
// not all knock at the same instant when it comes back.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

namespace farm::worker {

class Backoff {
  public:
    explicit Backoff(double first_s = 0.5, double max_s = 15)
        : first_(first_s), max_(max_s), next_(first_s) {}
    std::chrono::milliseconds next() {
        double d = next_;
        next_ = std::min(max_, next_ * 2);
        std::uniform_real_distribution<double> jitter(0.8, 1.2);
        return std::chrono::milliseconds(static_cast<long>(d * jitter(rng_) * 1000));
    }
    void reset() { next_ = first_; }

  private:
    double first_, max_, next_;
    std::minstd_rand rng_{std::random_device{}()};
};

// Sleeps for `d` in short steps; returns false early when `stop` is raised.
inline bool sleep_unless(const std::atomic<bool>& stop, std::chrono::milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (!stop.load()) {
        auto now = std::chrono::steady_clock::now();
        if (now >= until) return true;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            until - now, std::chrono::milliseconds(50)));
    }
    return false;
}

}  // namespace farm::worker
