// Runs the real farm-gateway binary as a child process for integration tests: port 0 on
// loopback, its port read from --port-file, its output kept in files for failure
// messages, and always killed and reaped, even when a test fails halfway.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace farm::gateway::test {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

struct GatewayOptions {
    std::filesystem::path data_dir;
    std::filesystem::path tokens_file;  // empty: open mode
    std::string listen = "127.0.0.1:0";
    std::vector<std::string> extra_args;
};

class GatewayProcess {
  public:
    // Starts the binary and waits (at most `timeout`) until it has written its port file.
    // Throws std::runtime_error with the gateway's stderr if it exits or never listens.
    explicit GatewayProcess(GatewayOptions options,
                            std::chrono::milliseconds timeout = std::chrono::seconds(20));
    ~GatewayProcess();  // SIGKILL + reap if still running
    GatewayProcess(const GatewayProcess&) = delete;
    GatewayProcess& operator=(const GatewayProcess&) = delete;

    std::uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }

    // SIGKILL, as a crash would: no handler runs, nothing is flushed.
    void kill_hard();
    // SIGTERM, then waits up to `timeout`; returns the exit status (SIGKILL after the
    // timeout, and nullopt then).
    std::optional<int> terminate(
        std::chrono::milliseconds timeout = std::chrono::seconds(10));

    std::string stdout_text() const;
    std::string stderr_text() const;

  private:
    // waitpid with a deadline; the raw status or nullopt on timeout.
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::filesystem::path stdout_path_, stderr_path_, port_path_;
};

// Reads a whole file; empty when it does not exist.
std::string read_file(const std::filesystem::path& path);

}  // namespace farm::gateway::test
