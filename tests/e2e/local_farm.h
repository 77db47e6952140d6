// A whole farm on loopback for end-to-end tests: one gateway process, farm-worker
// processes at named sites, and the farm CLI, all in one temp folder that is removed
// (and every process killed) when the fixture goes away.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway_process.h"
#include "run_process.h"

namespace farm::test {

class LocalFarm {
public:
    explicit LocalFarm(std::vector<std::string> gateway_args = {"--lease-timeout", "3"});
    ~LocalFarm();

    std::string url() const;
    const std::filesystem::path& dir() const { return work_.path(); }
    std::filesystem::path gateway_data() const { return dir() / "gateway"; }

    // Starts a worker agent; returns its pid.
    pid_t start_worker(const std::string& name, const std::string& site);
    void kill_worker(const std::string& name);  // SIGKILL, as a crash would
    // SIGKILL the gateway, as a crash would; restart_gateway starts it again on the same
    // port and data folder.
    void kill_gateway();
    void restart_gateway();

    ProcessResult farm(std::vector<std::string> args);
    // Pushes `dir` as `project` and submits `args` (after the project name); returns the
    // job id.
    std::string push_and_submit(const std::filesystem::path& dir, const std::string& project,
                                std::vector<std::string> submit_args);

    boost::json::value get(const std::string& target);
    // Polls the job until it is done/failed/canceled or `timeout` passes; returns it.
    boost::json::object wait_for_job(const std::string& job,
                                     std::chrono::seconds timeout = std::chrono::seconds(180));

private:
    gateway::test::TempDir work_;
    std::unique_ptr<gateway::test::GatewayProcess> gateway_;
    std::uint16_t port_ = 0;
    std::vector<std::string> gateway_args_;
    std::map<std::string, pid_t> workers_;
};

}  // namespace farm::test
