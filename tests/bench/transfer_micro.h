// farm-bench-transfer: per-core throughput of the push hot paths, and a chunk-size sweep
// that counts what a re-push would send for a pair of project versions.
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace farm::bench {

struct Rate {
    double cpu_mbps;   // per CPU-second of this thread: what one core does, whatever the load
    double wall_mbps;  // per wall-clock second: lower when other processes share the core
};

inline double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Runs `body` (which processes `bytes_per_call` bytes) until at least `seconds` of wall
// time have passed (and at least twice); MB = 10^6 bytes.
template <class F>
Rate throughput(std::uint64_t bytes_per_call, double seconds, F&& body) {
    using clock = std::chrono::steady_clock;
    body();  // warm caches and page in buffers
    const auto t0 = clock::now();
    const double c0 = thread_cpu_seconds();
    std::uint64_t calls = 0;
    double elapsed = 0;
    do {
        body();
        ++calls;
        elapsed = std::chrono::duration<double>(clock::now() - t0).count();
    } while (elapsed < seconds || calls < 2);
    const double cpu = thread_cpu_seconds() - c0;
    const double mb = static_cast<double>(bytes_per_call) * static_cast<double>(calls) / 1e6;
    return {mb / cpu, mb / elapsed};
}

struct SweepOptions {
    std::filesystem::path v1, v2;
    std::vector<std::size_t> avg_sizes;  // min = avg/4, max = avg*4, as the defaults
    int level = 3;
    bool per_file = false;  // also list each v2 file's new encoded bytes
};

// Prints one table row and one BENCH line per chunk size.
int run_dedup_sweep(const SweepOptions& options);

}  // namespace farm::bench
