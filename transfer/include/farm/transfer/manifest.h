// A manifest is one immutable snapshot of a project folder: every entry's relative path,
// kind, mode, mtime and (for files) the list of chunks that concatenate to its bytes.
//
// Serialization is canonical (entries sorted by path bytes, fixed field order, minimal
// varints), so the SHA-256 of the bytes is a stable snapshot id. Parsing is strict: the
// parser rejects anything the serializer would not have produced.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "farm/transfer/chunk.h"

namespace farm::transfer {

enum class EntryKind : std::uint8_t { file = 0, directory = 1, symlink = 2 };

struct ChunkRef {
    ChunkId id;
    std::uint32_t size = 0;  // raw bytes
    bool operator==(const ChunkRef&) const = default;
};

struct Entry {
    std::string path;  // relative, '/'-separated, validated by validate_relative_path
    EntryKind kind = EntryKind::file;
    std::uint32_t mode = 0644;   // permission bits only (07777)
    std::int64_t mtime_ns = 0;   // files and directories; 0 for symlinks
    std::uint64_t size = 0;      // files: sum of chunk sizes
    std::string link_target;     // symlinks only
    std::vector<ChunkRef> chunks;  // files only
    bool operator==(const Entry&) const = default;
};

struct Manifest {
    std::vector<Entry> entries;  // sorted by path, unique

    // Sorts entries into canonical order. Does not validate.
    void canonicalize();
    // Throws Error(bad_input) naming the first bad entry: hostile or duplicate path, a file
    // whose size differs from its chunks, a symlink escaping the project, and so on.
    void validate() const;

    std::uint64_t total_size() const;
    std::size_t file_count() const;
};

inline constexpr std::size_t kMaxPathBytes = 4096;
inline constexpr std::size_t kMaxNameBytes = 255;

// Throws Error(bad_input) for an empty, absolute, '..'-containing, '.'-component, NUL
// containing, backslash-containing or overlong path.
void validate_relative_path(std::string_view path);

Bytes serialize(const Manifest& manifest);
// Parses and validates; throws Error(bad_input) with the offset and reason on failure.
Manifest parse_manifest(ByteView bytes);

// Snapshot id: SHA-256 of the canonical serialization.
ChunkId snapshot_id(ByteView serialized);

// Delta form for the wire: the new manifest zstd-compressed with the base manifest as a
// prefix dictionary, so re-pushing an edited project sends only what changed in the
// listing. `max_size` bounds the decoded size.
Bytes delta_encode(ByteView base, ByteView target);
Bytes delta_decode(ByteView base, ByteView delta, std::size_t max_size);

}  // namespace farm::transfer
