// The farm-worker binary as a child of a test, with its log in a file the test can
// search while it runs. The destructor kills it if the test did not see it exit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace farm::test {

class AgentProcess {
  public:
    AgentProcess(const std::vector<std::string>& args,
                 const std::filesystem::path& log_file);
    ~AgentProcess();

    // Exit status, or nullopt if it is still running at the timeout.
    std::optional<int> wait(std::chrono::seconds timeout);
    void signal(int sig);
    std::string log() const;
    // Waits until the log holds `text`; returns the log from that line on, or "".
    std::string wait_for_log(const std::string& text, std::chrono::seconds timeout) const;
    pid_t pid() const { return pid_; }

  private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::filesystem::path log_file_;
};

// Copies a project folder (e.g. scenes/samples/tiny) into `dest`.
void copy_project(const std::filesystem::path& from, const std::filesystem::path& dest);

}  // namespace farm::test
