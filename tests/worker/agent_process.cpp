#include "agent_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace farm::test {

AgentProcess::AgentProcess(const std::vector<std::string>& args,
                           const std::filesystem::path& log_file)
    : log_file_(log_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    // The fake gateway's sockets must not live on in the agent: an inherited listening
    // socket would keep the port open after go_down().
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
}

AgentProcess::~AgentProcess() {
    if (reaped_) return;
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
}

std::optional<int> AgentProcess::wait(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            reaped_ = true;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
}

void AgentProcess::signal(int sig) { ::kill(pid_, sig); }

std::string AgentProcess::log() const {
    std::ifstream f(log_file_);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string AgentProcess::wait_for_log(const std::string& text,
                                       std::chrono::seconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::string all = log();
        if (auto pos = all.find(text); pos != std::string::npos) return all.substr(pos);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {};
}

void copy_project(const std::filesystem::path& from, const std::filesystem::path& dest) {
    std::filesystem::create_directories(dest);
    std::filesystem::copy(from, dest, std::filesystem::copy_options::recursive);
}

}  // namespace farm::test
