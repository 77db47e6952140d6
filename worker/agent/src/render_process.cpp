#include "render_process.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace farm::worker {

RenderProcess::RenderProcess(const std::vector<std::string>& argv,
                             const std::filesystem::path& out_file,
                             const std::filesystem::path& err_file) {
    // Everything the child touches is prepared before fork: between fork and exec a
    // multithreaded parent's child may only make async-signal-safe calls.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    err_fd_ = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0 || err_fd_ < 0) {
        if (out >= 0) ::close(out);
        if (err_fd_ >= 0) ::close(err_fd_);
        throw std::runtime_error("cannot create render logs in " +
                                 out_file.parent_path().string());
    }
    int pty_slave = -1;
    if (::openpty(&pty_, &pty_slave, nullptr, nullptr, nullptr) == 0) {
        ::fcntl(pty_, F_SETFD, FD_CLOEXEC);
        ::fcntl(pty_, F_SETFL, O_NONBLOCK);
    } else {
        pty_ = -1;  // no ptys here: stderr straight to the file, progress stays coarse
    }
    int child_err = pty_slave >= 0 ? pty_slave : err_fd_;
    pid_t parent = ::getpid();
    start_ = std::chrono::steady_clock::now();
    pid_ = ::fork();
    if (pid_ == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);  // the agent died before prctl
        int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(child_err, 2);
        // Only stdio: an inherited gateway connection would stay open for the whole
        // render.
        ::close_range(3, ~0u, 0);
        ::execv(args[0], args.data());
        const char msg[] = "farm-worker: cannot execute the renderer\n";
        [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
        ::_exit(127);
    }
    int fork_errno = errno;
    ::close(out);
    if (pty_slave >= 0) ::close(pty_slave);
    if (pid_ < 0) {
        if (pty_ >= 0) ::close(pty_);
        ::close(err_fd_);
        throw std::runtime_error(std::string("fork failed: ") +
                                 std::strerror(fork_errno));
    }
    ::setpgid(pid_, pid_);  // also from the parent, so kill(-pid) works at once
}

RenderProcess::~RenderProcess() {
    if (!done_) kill();
    if (pty_ >= 0) ::close(pty_);
    if (err_fd_ >= 0) ::close(err_fd_);
}

void RenderProcess::take_segment(bool line_end) {
    std::string seg;
    seg.swap(pending_);
    // "farm-render:  42%" is the progress display; anything else is a message to keep.
    static constexpr std::string_view kPrefix = "farm-render:";
    if (seg.starts_with(kPrefix) && seg.size() > kPrefix.size() + 1 &&
        seg.back() == '%') {
        std::string_view digits(seg.data() + kPrefix.size(),
                                seg.size() - kPrefix.size() - 1);
        while (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);
        if (!digits.empty() &&
            digits.find_first_not_of("0123456789") == std::string_view::npos) {
            progress_ = std::min(1.0, std::atoi(std::string(digits).c_str()) / 100.0);
            return;
        }
    }
    if (seg.empty() && !line_end) return;
    seg += '\n';
    [[maybe_unused]] auto n = ::write(err_fd_, seg.data(), seg.size());
}

void RenderProcess::pump() {
    if (pty_ < 0) return;
    char buf[4096];
    while (true) {
        ssize_t n = ::read(pty_, buf, sizeof buf);
        if (n <= 0) break;  // EAGAIN: nothing yet; EIO: the child closed its side
        for (ssize_t i = 0; i < n; ++i) {
            char c = buf[i];
            if (c == '\r' || c == '\n') {
                if (!pending_.empty()) take_segment(c == '\n');
            } else if (pending_.size() < 4096) {
                pending_ += c;
            }
        }
    }
}

bool RenderProcess::poll() {
    if (done_) return true;
    pump();
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r != pid_) return false;
    pump();  // what it wrote just before exiting
    if (!pending_.empty()) take_segment(true);
    done_ = true;
    end_ = std::chrono::steady_clock::now();
    if (WIFEXITED(status))
        exit_code_ = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        signal_ = WTERMSIG(status);
    return true;
}

void RenderProcess::kill() {
    if (done_) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    done_ = true;
    end_ = std::chrono::steady_clock::now();
    signal_ = SIGKILL;
}

double RenderProcess::seconds() const {
    auto end = done_ ? end_ : std::chrono::steady_clock::now();
    return std::chrono::duration<double>(end - start_).count();
}

std::string RenderProcess::describe_exit() const {
    if (!done_) return "still running";
    if (signal_)
        return "killed by signal " + std::to_string(signal_) + " (" +
               ::sigabbrev_np(signal_) + ")";
    return "exit status " + std::to_string(exit_code_);
}

std::vector<std::string> render_command(const std::filesystem::path& renderer,
                                        const std::filesystem::path& settings_file,
                                        const Lease& lease, const std::string& device,
                                        const std::filesystem::path& output) {
    std::vector<std::string> argv{renderer.string(), settings_file.string(), "--frame",
                                  std::to_string(lease.frame)};
    if (lease.tile) {
        const auto& t = *lease.tile;
        argv.insert(argv.end(),
                    {"--tile", std::to_string(t[0]) + "," + std::to_string(t[1]) + "," +
                                   std::to_string(t[2]) + "," + std::to_string(t[3])});
    }
    if (lease.spp > 0) argv.insert(argv.end(), {"--spp", std::to_string(lease.spp)});
    if (lease.width > 0 && lease.height > 0)
        argv.insert(argv.end(), {"--res", std::to_string(lease.width) + "x" +
                                              std::to_string(lease.height)});
    if (lease.max_depth > 0)
        argv.insert(argv.end(), {"--depth", std::to_string(lease.max_depth)});
    if (!lease.camera.empty()) argv.insert(argv.end(), {"--camera", lease.camera});
    argv.insert(argv.end(), {"--device", device, "-o", output.string()});
    return argv;
}

std::string file_tail(const std::filesystem::path& file, std::size_t max_bytes) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    if (!in) return {};
    std::streamoff size = in.tellg();
    std::streamoff start =
        size > std::streamoff(max_bytes) ? size - std::streamoff(max_bytes) : 0;
    in.seekg(start);
    std::string text(static_cast<std::size_t>(size - start), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (start > 0) {
        if (auto nl = text.find('\n'); nl != std::string::npos && nl + 1 < text.size())
            text = text.substr(nl + 1);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

std::string device_from_summary(const std::string& text) {
    std::size_t line = text.rfind("farm-render: frame ");
    if (line == std::string::npos) return {};
    std::size_t on = text.find(" on ", line);
    std::size_t colon = on == std::string::npos ? on : text.find(": ", on);
    if (colon == std::string::npos) return {};
    return text.substr(on + 4, colon - on - 4);
}

RenderSummary parse_summary(const std::string& text) {
    RenderSummary r;
    r.device = device_from_summary(text);
    const std::size_t line = text.rfind("farm-render: frame ");
    if (line == std::string::npos) return r;
    const std::size_t on = text.find(" on ", line);
    const std::size_t colon = on == std::string::npos ? on : text.find(": ", on);
    if (colon == std::string::npos) return r;
    double render = 0, setup = 0, load = 0;
    unsigned long long rays = 0;
    if (std::sscanf(text.c_str() + colon + 2, "%lf s render, %lf s setup, %lf s load, %llu rays",
                    &render, &setup, &load, &rays) == 4) {
        r.trace_seconds = render;
        r.rays = static_cast<double>(rays);
    }
    return r;
}

double benchmark_score(const std::string& text, std::string* device) {
    const std::size_t line = text.rfind("farm-render: benchmark on ");
    if (line == std::string::npos) return 0;
    const std::size_t colon = text.find(": ", line + 26);
    const std::size_t m = text.find(" Mrays/s", line);
    if (colon == std::string::npos || m == std::string::npos) return 0;
    if (device) *device = text.substr(line + 26, colon - line - 26);
    const std::size_t comma = text.rfind(", ", m);
    return comma == std::string::npos || comma < line ? 0 : std::atof(text.c_str() + comma + 2);
}

}  // namespace farm::worker
