#include "progress.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

namespace farm::cli {

std::string human_bytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024 && u < 5) {
        bytes /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
}

std::string human_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
    return buf;
}

ProgressLine::ProgressLine(const farm::transfer::TransferProgress& progress, std::string verb,
                           bool enabled)
    : progress_(progress), verb_(std::move(verb)) {
    if (!enabled || !::isatty(STDERR_FILENO)) return;
    thread_ = std::thread([this] {
        auto start = std::chrono::steady_clock::now();
        while (!stop_) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            draw(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
    });
}

ProgressLine::~ProgressLine() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void ProgressLine::draw(double seconds) {
    const auto& p = progress_;
    if (!p.scanning_done) {
        std::fprintf(stderr, "\r\033[K%s: scanning...", verb_.c_str());
        std::fflush(stderr);
        return;
    }
    double done = static_cast<double>(p.bytes_scanned.load());
    double total = static_cast<double>(p.bytes_total.load());
    double moved = static_cast<double>(std::max(p.bytes_sent.load(), p.bytes_received.load()));
    double rate = seconds > 0 ? done / seconds : 0;
    double eta = rate > 0 && total >= done ? (total - done) / rate : NAN;
    int percent = total > 0 ? static_cast<int>(100 * done / total) : 100;
    std::fprintf(stderr,
                 "\r\033[K%s: files %llu/%llu  %s/%s (%d%%)  new %s  on the wire %s  %s/s  "
                 "ETA %s",
                 verb_.c_str(), static_cast<unsigned long long>(p.files_done.load()),
                 static_cast<unsigned long long>(p.files_total.load()),
                 human_bytes(done).c_str(), human_bytes(total).c_str(), percent,
                 human_bytes(static_cast<double>(p.bytes_new.load())).c_str(),
                 human_bytes(moved).c_str(), human_bytes(rate).c_str(),
                 human_duration(eta).c_str());
    std::fflush(stderr);
}

}  // namespace farm::cli
