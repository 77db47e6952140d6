#include "fs_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "farm/transfer/error.h"

namespace farm::transfer::detail {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::strerror(err); }

Bytes read_file(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        throw Error(err == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                    "cannot open " + path.string() + ": " + errno_text(err));
    }
    Bytes out;
    std::uint8_t buffer[1 << 16];
    while (true) {
        ssize_t n = ::read(fd, buffer, sizeof(buffer));
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            throw Error(ErrorKind::io, "cannot read " + path.string() + ": " + errno_text(err));
        }
        if (n == 0) break;
        out.insert(out.end(), buffer, buffer + n);
    }
    ::close(fd);
    return out;
}

void write_all(int fd, ByteView data, const fs::path& path) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            throw Error(ErrorKind::io, "cannot write " + path.string() + ": " + errno_text(errno));
        }
        done += static_cast<std::size_t>(n);
    }
}

void write_unsynced(const fs::path& path, ByteView data) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw Error(ErrorKind::io, "cannot create " + path.string() + ": " + errno_text(errno));
    }
    try {
        write_all(fd, data, path);
    } catch (...) {
        ::close(fd);
        throw;
    }
    if (::close(fd) != 0) {
        throw Error(ErrorKind::io, "cannot write " + path.string() + ": " + errno_text(errno));
    }
}

void sync_filesystem(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::syncfs(fd) != 0) {
        int err = errno;
        if (fd >= 0) ::close(fd);
        throw Error(ErrorKind::io, "cannot sync " + path.string() + ": " + errno_text(err));
    }
    ::close(fd);
}

void fsync_path(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

void write_atomically(const fs::path& tmp_dir, const fs::path& target, ByteView data,
                      bool sync_dir) {
    static std::atomic<std::uint64_t> counter{0};
    fs::path tmp = tmp_dir / (std::to_string(::getpid()) + "." +
                              std::to_string(counter.fetch_add(1)) + ".tmp");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw Error(ErrorKind::io, "cannot create " + tmp.string() + ": " + errno_text(errno));
    }
    try {
        write_all(fd, data, tmp);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw Error(ErrorKind::io, "cannot sync " + tmp.string() + ": " + errno_text(err));
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw Error(ErrorKind::io, "cannot rename into " + target.string() + ": " + errno_text(err));
    }
    if (sync_dir) fsync_path(target.parent_path());
}

}  // namespace farm::transfer::detail
