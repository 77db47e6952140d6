// Runs a command to completion (or kills it at a deadline) and captures its output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace farm::test {

struct ProcessResult {
    int exit_code = -1;  // -1 when killed by a signal or the deadline
    std::string out, err;
};

ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::seconds timeout = std::chrono::seconds(120));

// Starts a command in the background with output to files under `log_dir`; the caller
// kills and reaps it.
pid_t spawn_process(const std::vector<std::string>& argv, const std::string& log_prefix);

}  // namespace farm::test
