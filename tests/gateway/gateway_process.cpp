#include "gateway_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef FARM_GATEWAY_BIN
#error "FARM_GATEWAY_BIN must name the farm-gateway binary"
#endif

namespace farm::gateway::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TempDir::TempDir() {
    std::string pattern = (fs::temp_directory_path() / "farm-gw-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

GatewayProcess::GatewayProcess(GatewayOptions options,
                               std::chrono::milliseconds timeout) {
    static std::atomic<int> counter{0};
    const fs::path dir = options.data_dir.parent_path();
    const std::string stem = "gateway-" + std::to_string(++counter);
    stdout_path_ = dir / (stem + ".stdout");
    stderr_path_ = dir / (stem + ".stderr");
    port_path_ = dir / (stem + ".port");

    std::vector<std::string> args = {FARM_GATEWAY_BIN,
                                     "--listen",
                                     options.listen,
                                     "--data",
                                     options.data_dir.string(),
                                     "--port-file",
                                     port_path_.string(),
                                     "--threads",
                                     "4"};
    if (!options.tokens_file.empty()) {
        args.push_back("--tokens");
        args.push_back(options.tokens_file.string());
    }
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    // Opened before fork: between fork and exec only async-signal-safe calls are allowed.
    const int out = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0) throw std::runtime_error("cannot create gateway log files");
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
        // Dies with the test process, so a crashed test never leaves a gateway behind.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(err, STDERR_FILENO);
        // Test sockets must not live on in the gateway, or closing them would not close
        // the connection.
        ::close_range(3, ~0u, 0);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out);
    ::close(err);
    if (pid_ < 0) throw std::runtime_error("fork failed");

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("farm-gateway exited before listening: " +
                                     stderr_text());
        }
        const std::string text = read_file(port_path_);
        if (!text.empty() && text.back() == '\n') {
            port_ = static_cast<std::uint16_t>(std::stoul(text));
            return;
        }
        std::this_thread::sleep_for(5ms);
    }
    kill_hard();
    throw std::runtime_error("farm-gateway did not write its port file in time: " +
                             stderr_text());
}

GatewayProcess::~GatewayProcess() { kill_hard(); }

void GatewayProcess::kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::optional<int> GatewayProcess::terminate(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    ::kill(pid_, SIGTERM);
    auto status = wait_for_exit(timeout);
    if (!status) {
        kill_hard();
        return std::nullopt;
    }
    pid_ = -1;
    return WIFEXITED(*status) ? std::optional<int>(WEXITSTATUS(*status)) : std::nullopt;
}

std::optional<int> GatewayProcess::wait_for_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) return status;
        std::this_thread::sleep_for(5ms);
    }
    return std::nullopt;
}

std::string GatewayProcess::stdout_text() const { return read_file(stdout_path_); }
std::string GatewayProcess::stderr_text() const { return read_file(stderr_path_); }

}  // namespace farm::gateway::test
