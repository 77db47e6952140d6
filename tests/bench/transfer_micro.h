// farm-bench-transfer: per-core throughput of the push hot paths, and a chunk-size sweep
// that counts what a re-push would send for a pair of project versions.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace farm::bench {

// Runs `body` (which processes `bytes_per_call` bytes) until at least `seconds` have
// passed (and at least twice); returns MB/s (10^6 bytes per second).
template <class F>
double throughput_mbps(std::uint64_t bytes_per_call, double seconds, F&& body) {
    using clock = std::chrono::steady_clock;
    body();  // warm caches and page in buffers
    const auto t0 = clock::now();
    std::uint64_t calls = 0;
    double elapsed = 0;
    do {
        body();
        ++calls;
        elapsed = std::chrono::duration<double>(clock::now() - t0).count();
    } while (elapsed < seconds || calls < 2);
    return static_cast<double>(bytes_per_call) * static_cast<double>(calls) / elapsed / 1e6;
}

struct SweepOptions {
    std::filesystem::path v1, v2;
    std::vector<std::size_t> avg_sizes;  // min = avg/4, max = avg*4, as the defaults
    int level = 3;
};

// Prints one table row and one BENCH line per chunk size.
int run_dedup_sweep(const SweepOptions& options);

}  // namespace farm::bench
