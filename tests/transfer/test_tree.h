// Helpers for transfer tests: temp folders, random bytes and random project trees.
#pragma once

#include <filesystem>
#include <random>
#include <string>

#include "farm/transfer/chunk.h"

namespace farm::test {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

farm::transfer::Bytes random_bytes(std::size_t n, std::uint64_t seed);
void write_bytes(const std::filesystem::path& path, farm::transfer::ByteView bytes);
farm::transfer::Bytes read_bytes(const std::filesystem::path& path);

// A random tree: nested folders, empty and non-empty files (some several chunks long,
// some compressible), odd modes, and symlinks that stay inside the tree.
void make_random_tree(const std::filesystem::path& root, std::uint64_t seed);

// True when both trees hold the same entries with the same bytes, modes and link targets.
// Describes the first difference in `why`.
bool same_tree(const std::filesystem::path& a, const std::filesystem::path& b, std::string& why);

}  // namespace farm::test
