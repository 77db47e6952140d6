// Buffered output for the benchmark generator: large write(2) calls and allocation-free
// number formatting, so generating ~1.5 GB takes seconds rather than minutes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "bench_rng.h"

namespace farm::bench {

// Throws std::runtime_error naming the path and errno text.
[[noreturn]] void fail_errno(const std::string& what, const std::filesystem::path& path);

// Writes one file through a 4 MiB buffer. The file is created (parents too) and truncated;
// close() flushes, sets the mode and the mtime (whole seconds since the epoch).
class FileWriter {
public:
    explicit FileWriter(const std::filesystem::path& path, bool append = false);
    ~FileWriter();
    FileWriter(const FileWriter&) = delete;
    FileWriter& operator=(const FileWriter&) = delete;

    void put(std::string_view text);
    void put(const void* data, std::size_t n);
    // `n` pseudo-random bytes (incompressible).
    void put_random(Rng& rng, std::uint64_t n);

    std::uint64_t written() const { return total_; }
    void close(std::uint32_t mode, std::int64_t mtime);

private:
    void flush();
    std::filesystem::path path_;
    int fd_ = -1;
    std::vector<char> buf_;
    std::size_t len_ = 0;
    std::uint64_t total_ = 0;
};

// Sets mode and mtime of an existing path (no symlink following for mtime).
void set_mode_mtime(const std::filesystem::path& path, std::uint32_t mode, std::int64_t mtime);

// Copies a regular file with copy_file_range (in-kernel), keeping mode and mtime.
void copy_file_exact(const std::filesystem::path& from, const std::filesystem::path& to);

// Reads a whole file (or [offset, offset+n) of it) into memory.
std::vector<std::uint8_t> read_file(const std::filesystem::path& path);
std::vector<std::uint8_t> read_range(const std::filesystem::path& path, std::uint64_t offset,
                                     std::size_t n);

}  // namespace farm::bench
