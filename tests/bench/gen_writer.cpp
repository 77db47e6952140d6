#include "gen_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace farm::bench {

namespace fs = std::filesystem;

void fail_errno(const std::string& what, const fs::path& path) {
    throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

FileWriter::FileWriter(const fs::path& path, bool append) : path_(path), buf_(4u << 20) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    fd_ = ::open(path.c_str(), flags, 0644);
    if (fd_ < 0) fail_errno("cannot create", path);
}

FileWriter::~FileWriter() {
    if (fd_ >= 0) ::close(fd_);
}

void FileWriter::flush() {
    const char* p = buf_.data();
    std::size_t left = len_;
    while (left > 0) {
        const ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_errno("cannot write", path_);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    len_ = 0;
}

void FileWriter::put(const void* data, std::size_t n) {
    total_ += n;
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        if (len_ == buf_.size()) flush();
        const std::size_t take = std::min(n, buf_.size() - len_);
        std::memcpy(buf_.data() + len_, p, take);
        len_ += take;
        p += take;
        n -= take;
    }
}

void FileWriter::put(std::string_view text) { put(text.data(), text.size()); }

void FileWriter::put_random(Rng& rng, std::uint64_t n) {
    total_ += n;
    while (n > 0) {
        if (len_ == buf_.size()) flush();
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(n, buf_.size() - len_));
        rng.fill(reinterpret_cast<std::uint8_t*>(buf_.data() + len_), take);
        len_ += take;
        n -= take;
    }
}

void FileWriter::close(std::uint32_t mode, std::int64_t mtime) {
    flush();
    if (::close(fd_) != 0) {
        fd_ = -1;
        fail_errno("cannot close", path_);
    }
    fd_ = -1;
    set_mode_mtime(path_, mode, mtime);
}

void set_mode_mtime(const fs::path& path, std::uint32_t mode, std::int64_t mtime) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) fail_errno("cannot stat", path);
    if (!S_ISLNK(st.st_mode) && ::chmod(path.c_str(), mode) != 0) fail_errno("cannot chmod", path);
    struct timespec times[2];
    times[0].tv_sec = mtime;
    times[0].tv_nsec = 0;
    times[1] = times[0];
    if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        fail_errno("cannot set mtime of", path);
}

void copy_file_exact(const fs::path& from, const fs::path& to) {
    struct stat st {};
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) fail_errno("cannot open", from);
    if (::fstat(in, &st) != 0) fail_errno("cannot stat", from);
    if (to.has_parent_path()) fs::create_directories(to.parent_path());
    const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) fail_errno("cannot create", to);
    off_t left = st.st_size;
    while (left > 0) {
        const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr,
                                            static_cast<std::size_t>(left), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_errno("cannot copy to", to);
        }
        if (n == 0) break;
        left -= n;
    }
    ::close(in);
    if (::close(out) != 0) fail_errno("cannot close", to);
    if (left != 0) throw std::runtime_error("short copy of " + from.string());
    set_mode_mtime(to, st.st_mode & 07777, st.st_mtim.tv_sec);
}

std::vector<std::uint8_t> read_range(const fs::path& path, std::uint64_t offset,
                                     std::size_t n) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_errno("cannot open", path);
    std::vector<std::uint8_t> out(n);
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::pread(fd, out.data() + got, n - got,
                                  static_cast<off_t>(offset + got));
        if (r < 0) {
            if (errno == EINTR) continue;
            ::close(fd);
            fail_errno("cannot read", path);
        }
        if (r == 0) break;
        got += static_cast<std::size_t>(r);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

std::vector<std::uint8_t> read_file(const fs::path& path) {
    return read_range(path, 0, static_cast<std::size_t>(fs::file_size(path)));
}

}  // namespace farm::bench
