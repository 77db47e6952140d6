#include "durable.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace farm::gateway::detail {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void throw_errno(const std::string& what, const fs::path& path) {
    throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

// Closes on scope exit so an exception cannot leak the descriptor.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

void fsync_path(const fs::path& path) {
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) throw_errno("cannot open", path);
    if (::fsync(f.fd) != 0) throw_errno("cannot fsync", path);
}

void make_dirs_durably(const fs::path& dir) {
    // Walk up to the first folder that exists, then create downwards, fsyncing each
    // parent.
    std::vector<fs::path> missing;
    for (fs::path p = dir; !p.empty() && !fs::exists(p); p = p.parent_path()) {
        missing.push_back(p);
        if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        // Another thread may create the same folder at the same moment: that is fine.
        fs::create_directory(*it);
        fsync_path(it->parent_path().empty() ? fs::path(".") : it->parent_path());
    }
}

void commit_rename(const fs::path& tmp, const fs::path& path) {
    fs::rename(tmp, path);
    fsync_path(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

void write_file_durably(const fs::path& path, const fs::path& tmp,
                        std::string_view bytes) {
    try {
        {
            Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
            if (f.fd < 0) throw_errno("cannot create", tmp);
            for (std::size_t done = 0; done < bytes.size();) {
                const ssize_t n = ::write(f.fd, bytes.data() + done, bytes.size() - done);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) throw_errno("cannot write", tmp);
                done += static_cast<std::size_t>(n);
            }
            if (::fsync(f.fd) != 0) throw_errno("cannot fsync", tmp);
        }
        commit_rename(tmp, path);
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
}

}  // namespace farm::gateway::detail
