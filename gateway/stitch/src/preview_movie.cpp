// The preview movie: ffmpeg run directly (posix_spawn, an argument vector, no shell) in
// the output folder, killed if it runs too long, its stderr kept for the error message.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "durable.h"
#include "farm/gateway/stitcher.h"
#include "names.h"

extern char** environ;

namespace farm::gateway {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFfmpeg = "/usr/bin/ffmpeg";
constexpr auto kTimeLimit = std::chrono::seconds(300);
constexpr std::size_t kTailBytes = 2000;

struct Run {
    bool ok = false;
    std::string why;   // exit status or the reason it did not run
    std::string tail;  // last kTailBytes of stderr
};

// Runs argv[0] with `cwd` as its working folder, stdin/stdout on /dev/null.
Run run_bounded(const std::vector<std::string>& args, const fs::path& cwd) {
    Run r;
    int err[2];
    if (::pipe2(err, O_CLOEXEC) != 0) return {false, std::strerror(errno), {}};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(err[1]);
    if (rc != 0) {
        ::close(err[0]);
        return {false, std::string("cannot start: ") + std::strerror(rc), {}};
    }
    // Drain stderr until it closes or time runs out (ffmpeg blocks if the pipe fills).
    const auto deadline = std::chrono::steady_clock::now() + kTimeLimit;
    bool timed_out = false;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{err[0], POLLIN, 0};
        const int n =
            ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) continue;
        char buf[4096];
        const ssize_t got = ::read(err[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;  // EOF: ffmpeg is exiting
        r.tail.append(buf, static_cast<std::size_t>(got));
        if (r.tail.size() > 2 * kTailBytes) r.tail.erase(0, r.tail.size() - kTailBytes);
    }
    ::close(err[0]);
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (r.tail.size() > kTailBytes) r.tail.erase(0, r.tail.size() - kTailBytes);
    if (timed_out)
        r.why = "killed after " + std::to_string(kTimeLimit.count()) + " s";
    else if (WIFEXITED(status))
        r.why = "exit status " + std::to_string(WEXITSTATUS(status));
    else
        r.why = "killed by signal " + std::to_string(WTERMSIG(status));
    r.ok = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return r;
}

// Frame numbers of <name>.<frame:04>.png in `dir`, ascending; only names that "%04d"
// would write, so ffmpeg's pattern finds exactly these.
std::vector<int> png_frames(const fs::path& dir, const std::string& name) {
    std::vector<int> frames;
    const std::string prefix = name + ".", suffix = ".png";
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        const std::string f = e.path().filename().string();
        if (f.size() <= prefix.size() + suffix.size() ||
            f.compare(0, prefix.size(), prefix) || !f.ends_with(suffix))
            continue;
        const std::string digits =
            f.substr(prefix.size(), f.size() - prefix.size() - suffix.size());
        if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
            continue;
        char again[16];
        std::snprintf(again, sizeof again, "%04d", std::stoi(digits));
        if (digits == again) frames.push_back(std::stoi(digits));
    }
    std::sort(frames.begin(), frames.end());
    return frames;
}

}  // namespace

bool make_preview_movie(const fs::path& output_dir, const std::string& name, double fps,
                        std::string* error) {
    auto fail = [&](std::string why) {
        if (error) *error = std::move(why);
        return false;
    };
    if (!std::isfinite(fps) || fps <= 0 || fps > 1000)
        return fail("preview movie: fps " + std::to_string(fps) + " is out of range");
    if (!detail::safe_name(name))
        return fail("preview movie: unsafe name '" + name + "'");
    if (::access(kFfmpeg, X_OK) != 0)
        return fail(std::string("preview movie: ffmpeg not found at ") + kFfmpeg);
    std::error_code ec;
    if (!fs::is_directory(output_dir, ec))
        return fail("preview movie: no folder " + output_dir.string());
    const std::vector<int> frames = png_frames(output_dir, name);
    if (frames.empty())
        return fail("preview movie: no " + name + ".####.png frames in " +
                    output_dir.string());

    // ffmpeg's image sequence stops at the first gap; frames that skip numbers (a frame
    // step, a partial re-run) are fed through a hidden folder of consecutive links.
    const fs::path links = output_dir / ".preview-frames";
    fs::remove_all(links, ec);
    std::string pattern = name + ".%04d.png";
    int start = frames.front();
    if (frames.back() - frames.front() + 1 != static_cast<int>(frames.size())) {
        fs::create_directory(links, ec);
        for (std::size_t i = 0; i < frames.size() && !ec; ++i) {
            char file[32], target[160];
            std::snprintf(file, sizeof file, "%06zu.png", i);
            std::snprintf(target, sizeof target, "../%s.%04d.png", name.c_str(),
                          frames[i]);
            fs::create_symlink(target, links / file, ec);
        }
        if (ec) return fail("preview movie: cannot link frames: " + ec.message());
        pattern = ".preview-frames/%06d.png";
        start = 0;
    }
    char fps_text[32];
    std::snprintf(fps_text, sizeof fps_text, "%.6g", fps);
    const std::string tmp = ".preview.tmp.mp4";  // relative: ffmpeg runs in output_dir
    const Run run = run_bounded(
        {kFfmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-framerate",
         fps_text, "-start_number", std::to_string(start), "-i", pattern,
         // yuv420p needs even sizes; round odd ones down by one pixel.
         "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-c:v", "libx264", "-pix_fmt",
         "yuv420p", "-movflags", "+faststart", "-f", "mp4", tmp},
        output_dir);
    fs::remove_all(links, ec);
    if (!run.ok) {
        fs::remove(output_dir / tmp, ec);
        return fail("ffmpeg failed (" + run.why + "): " + run.tail);
    }
    try {
        detail::fsync_path(output_dir / tmp);
        detail::commit_rename(output_dir / tmp, output_dir / "preview.mp4");
    } catch (const std::exception& e) {
        return fail(std::string("preview movie: ") + e.what());
    }
    return true;
}

}  // namespace farm::gateway
