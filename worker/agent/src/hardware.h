// What a worker tells the gateway about itself when it registers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace farm::worker {

struct GpuInfo {
    std::string name;
    std::uint64_t memory_bytes = 0;
};

struct WorkerInfo {
    std::string name, site, renderer_version;
    int cpu_cores = 0;
    std::uint64_t memory_bytes = 0;
    std::vector<GpuInfo> gpus;
    int slots = 1;
    double bench_mrays_per_s = 0;  // speed score from farm-render --benchmark; 0 = none
    std::string bench_device;
};

int cpu_core_count();
std::uint64_t physical_memory_bytes();
// NVIDIA GPUs as nvidia-smi lists them; empty when there is no driver or no nvidia-smi.
// Asking the driver through nvidia-smi keeps CUDA out of the agent: only the renderer
// links it.
std::vector<GpuInfo> detect_gpus();

}  // namespace farm::worker
