// farm-render as a child process: a renderer that crashes, hangs or runs out of memory
// takes only itself down. The child gets its own process group (a Ctrl-C in the agent's
// terminal reaches the agent, which decides) and dies with the thread that started it
// (PR_SET_PDEATHSIG), so a kill -9 of the agent leaves no orphan render burning a GPU.
//
// farm-render shows its progress ("\rfarm-render:  42%") only on a terminal, so its
// stderr is a pseudo-terminal whose other end the agent reads: percentages become the
// heartbeat's progress, every other line goes to the stderr log file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "gateway_api.h"

namespace farm::worker {

class RenderProcess {
  public:
    // Starts argv[0] with stdout and stderr to the given files; throws
    // std::runtime_error.
    RenderProcess(const std::vector<std::string>& argv,
                  const std::filesystem::path& out_file,
                  const std::filesystem::path& err_file);
    ~RenderProcess();  // kills and reaps a child still running
    RenderProcess(const RenderProcess&) = delete;
    RenderProcess& operator=(const RenderProcess&) = delete;

    // Reads what the child wrote so far; true once it has exited (reaps it). Never
    // blocks.
    bool poll();
    double progress() const { return progress_; }  // 0..1, from farm-render's display
    // SIGKILL to the child's process group, then reaps it.
    void kill();

    pid_t pid() const { return pid_; }
    bool exited_ok() const { return done_ && exit_code_ == 0; }
    int exit_code() const { return exit_code_; }  // -1 when killed by a signal
    int signal() const { return signal_; }
    double seconds() const;
    std::string describe_exit()
        const;  // "exit status 1", "killed by signal 11 (SIGSEGV)"

  private:
    void pump();  // pty -> progress and the stderr log
    void take_segment(bool line_end);

    int pty_ = -1;     // master side of the child's stderr, or -1 (stderr is the file)
    int err_fd_ = -1;  // stderr log file, written by pump()
    std::string pending_;
    double progress_ = 0;
    pid_t pid_ = -1;
    bool done_ = false;
    int exit_code_ = -1, signal_ = 0;
    std::chrono::steady_clock::time_point start_, end_;
};

// The farm-render command line for a lease.
std::vector<std::string> render_command(const std::filesystem::path& renderer,
                                        const std::filesystem::path& settings_file,
                                        const Lease& lease, const std::string& device,
                                        const std::filesystem::path& output);

// The last `max_bytes` of a file (starting at a line boundary where possible).
std::string file_tail(const std::filesystem::path& file, std::size_t max_bytes = 2000);

// The device from farm-render's summary line ("... on cpu (embree, 8 threads): ...").
std::string device_from_summary(const std::string& stdout_text);
// The render's own figures from the same line: tracing seconds and rays (0 when absent).
struct RenderSummary {
    std::string device;
    double trace_seconds = 0, rays = 0;
};
RenderSummary parse_summary(const std::string& stdout_text);
// The score from `farm-render --benchmark`'s line ("... 3.67 Mrays/s"); 0 when absent.
double benchmark_score(const std::string& stdout_text, std::string* device);

}  // namespace farm::worker
