// One-line, timestamped log messages on stderr, safe to call from any thread. A Throttle
// keeps a failure that repeats every second (gateway down) to a line now and then.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace farm::worker {

void set_log_name(const std::string& name);
void log(const std::string& message);

// Logs the first occurrence, then at most one line per `period` carrying how many were
// held back; reset() (the condition cleared) logs nothing and starts over.
class Throttle {
  public:
    explicit Throttle(std::chrono::seconds period = std::chrono::seconds(30))
        : period_(period) {}
    void log(const std::string& message);
    // Returns how many occurrences there were since the last reset (0 = none).
    int reset();

  private:
    std::mutex mutex_;
    std::chrono::seconds period_;
    std::chrono::steady_clock::time_point last_{};
    int count_ = 0, held_ = 0;
};

}  // namespace farm::worker
