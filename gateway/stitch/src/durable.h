// Crash-safe file operations for the stitcher: a file is either absent, the old version,
// or the whole new one, and it survives power loss once the call returns.
#pragma once

#include <filesystem>
#include <string_view>

namespace farm::gateway::detail {

// Creates `dir` and any missing parents, fsyncing each new entry's parent so the folder
// itself survives a crash (a file fsynced inside a folder that vanishes is still lost).
void make_dirs_durably(const std::filesystem::path& dir);

// fsyncs a file or folder by path. Throws std::system_error.
void fsync_path(const std::filesystem::path& path);

// Renames `tmp` (already written and fsynced) onto `path`, then fsyncs the folder so the
// rename itself is durable. Both must be in the same folder (rename is atomic only
// there).
void commit_rename(const std::filesystem::path& tmp, const std::filesystem::path& path);

// Writes `bytes` to `tmp`, fsyncs, and commits it as `path`. On failure `tmp` is removed
// and `path` is untouched. Throws std::system_error.
void write_file_durably(const std::filesystem::path& path,
                        const std::filesystem::path& tmp, std::string_view bytes);

}  // namespace farm::gateway::detail
