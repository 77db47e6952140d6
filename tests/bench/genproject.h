// farm-bench-genproject: a deterministic synthetic animation project (v1) and its edit (v2)
// for the transfer benchmark. See tests/bench/README.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace farm::bench {

struct GenStats {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
};

// 2026-01-01T00:00:00Z; v1 files get this plus a per-path offset, edited files 60 days more.
inline constexpr std::int64_t kBaseMtime = 1767225600;
inline constexpr std::int64_t kEditMtimeOffset = 60 * 86400;

inline constexpr std::string_view kBigObj = "assets/sets/city/geo/city_env.obj";
inline constexpr std::string_view kBigAbc = "cache/sq010/sh0020/crowd_sim.abc";
inline constexpr std::string_view kReplacedTexture = "textures/chars/hero/hero_diffuse.1001.exr";
inline constexpr std::string_view kAppendSeqDir = "cache/sq010/sh0020/sidekick";
inline constexpr std::string_view kAppendSeqName = "sidekick";
inline constexpr std::string_view kRenameFrom = "assets/props/lantern";
inline constexpr std::string_view kRenameTo = "assets/props/paper_lantern";

std::string vtx_name(std::string_view name, std::uint32_t frame);
std::int64_t v1_mtime(std::string_view rel);
std::uint32_t cache_vertices(double scale);

// Writes v1 into `root` (created; must be empty or absent).
GenStats generate_v1(const std::filesystem::path& root, double scale, std::uint64_t seed);

struct V2Stats {
    GenStats tree;
    std::uint64_t files_modified = 0;  // existing paths whose bytes changed
    std::uint64_t files_added = 0;
    std::uint64_t files_renamed = 0;
    std::uint64_t changed_bytes = 0;   // size of the .changes.bin side file
};

// Copies v1 into `out` with the v2 edit applied, and writes the bytes that changed to
// `changes` and a description of each edit to `log`.
V2Stats generate_v2(const std::filesystem::path& v1, const std::filesystem::path& out,
                    const std::filesystem::path& changes, const std::filesystem::path& log,
                    std::uint64_t seed);

}  // namespace farm::bench
