// File helpers shared inside transfer/: whole-file reads and crash-safe writes.
#pragma once

#include <filesystem>
#include <string>

#include "farm/transfer/chunk.h"

namespace farm::transfer::detail {

// Reads a whole file; throws Error(not_found) when absent, Error(io) on other failures.
Bytes read_file(const std::filesystem::path& path);

// Writes `data` to a fresh file in `tmp_dir`, fsyncs it, renames it over `target` and
// fsyncs target's folder, so a crash leaves the old file or the new one, never a mix.
void write_atomically(const std::filesystem::path& tmp_dir,
                      const std::filesystem::path& target, ByteView data,
                      bool sync_dir = true);

// Writes all of `data` to `fd` (retrying short writes); `path` names it in errors.
void write_all(int fd, ByteView data, const std::filesystem::path& path);

// Writes a new file without syncing it; callers batch durability with sync_filesystem.
void write_unsynced(const std::filesystem::path& path, ByteView data);
// syncfs(2) on the file system holding `path`: one barrier for many files.
void sync_filesystem(const std::filesystem::path& path);

void fsync_path(const std::filesystem::path& path);

std::string errno_text(int err);

}  // namespace farm::transfer::detail
