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

void fsync_path(const std::filesystem::path& path);

std::string errno_text(int err);

}  // namespace farm::transfer::detail
