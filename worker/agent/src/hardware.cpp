#include "hardware.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <thread>

namespace farm::worker {

int cpu_core_count() {
    unsigned n = std::thread::hardware_concurrency();
    return n ? static_cast<int>(n) : 1;
}

std::uint64_t physical_memory_bytes() {
    long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? std::uint64_t(pages) * std::uint64_t(page) : 0;
}

std::vector<GpuInfo> detect_gpus() {
    std::vector<GpuInfo> gpus;
    // `command -v` first so a host without the driver prints nothing on stderr.
    const char* cmd =
        "command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi "
        "--query-gpu=name,memory.total --format=csv,noheader,nounits 2>/dev/null";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd, "r"), ::pclose);
    if (!pipe) return gpus;
    char line[512];
    while (std::fgets(line, sizeof line, pipe.get())) {
        std::string s(line);
        std::size_t comma = s.rfind(',');
        if (comma == std::string::npos) continue;
        GpuInfo g;
        g.name = s.substr(0, comma);
        try {
            g.memory_bytes = std::stoull(s.substr(comma + 1)) << 20;  // MiB
        } catch (const std::exception&) {
            continue;
        }
        gpus.push_back(std::move(g));
    }
    return gpus;
}

}  // namespace farm::worker
