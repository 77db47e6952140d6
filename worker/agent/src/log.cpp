#include "log.h"

#include <cstdio>
#include <ctime>

namespace farm::worker {

namespace {
std::mutex g_mutex;
std::string g_name = "farm-worker";
}  // namespace

void set_log_name(const std::string& name) {
    std::lock_guard lock(g_mutex);
    g_name = "farm-worker[" + name + "]";
}

void log(const std::string& message) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%H:%M:%SZ", &tm);
    std::lock_guard lock(g_mutex);
    std::fprintf(stderr, "%s %s: %s\n", stamp, g_name.c_str(), message.c_str());
}

void Throttle::log(const std::string& message) {
    std::unique_lock lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    ++count_;
    if (count_ > 1 && now - last_ < period_) {
        ++held_;
        return;
    }
    std::string line = message;
    if (held_ > 0) line += " (" + std::to_string(held_) + " similar since last report)";
    held_ = 0;
    last_ = now;
    lock.unlock();
    farm::worker::log(line);
}

int Throttle::reset() {
    std::lock_guard lock(mutex_);
    int n = count_;
    count_ = held_ = 0;
    return n;
}

}  // namespace farm::worker
