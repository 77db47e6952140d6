// Tiles wait as <work>/<job>/<frame>/<x0>_<y0>_<x1>_<y1>.exr, each written to a hidden
// temporary, fsynced and renamed, so a tile file that exists is whole. A frame is written
// to hidden temporaries in its output folder and renamed; only then is its tile folder
// dropped (renamed aside, then deleted), so every crash point leaves either all the tiles
// or the finished frame, and assemble() can simply run again.
#include "farm/gateway/stitcher.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <mutex>

#include "durable.h"
#include "exr_frame.h"
#include "names.h"

namespace farm::gateway {

namespace {
// Left in a frame's tile folder once its files are written, until the folder is dropped:
// a restart that finds it knows the frame is done and does not write it again.
constexpr const char* kAssembledMarker = ".assembled";
}  // namespace
namespace fs = std::filesystem;

// Frames hash onto a few mutexes: calls for one frame are serialised (so the hidden
// temporaries can have fixed names), different frames mostly run in parallel.
struct Stitcher::Locks {
    std::array<std::mutex, 32> stripes;
    std::mutex& of(const FrameSpec& f) {
        return stripes[(std::hash<std::string>{}(f.job) * 31 + f.frame) % stripes.size()];
    }
};

namespace {

using detail::safe_name;

std::string rect_name(const TileRect& r) {
    return std::to_string(r.x0) + "_" + std::to_string(r.y0) + "_" +
           std::to_string(r.x1) + "_" + std::to_string(r.y1);
}

std::string frame_text(const FrameSpec& f) {
    return "frame " + std::to_string(f.frame) + " of job " + f.job;
}

void check_frame(const FrameSpec& f) {
    if (!safe_name(f.job))
        throw StitchError(
            "job id '" + f.job +
            "' is not a safe name (letters, digits, '-', '_', '.'; no leading '.')");
    if (!safe_name(f.name))
        throw StitchError("output name '" + f.name + "' is not a safe file name");
    if (f.width < 1 || f.height < 1)
        throw StitchError(frame_text(f) + ": empty frame size");
    if (f.output_dir.empty()) throw StitchError(frame_text(f) + ": no output folder");
    if (f.tiles.empty()) throw StitchError(frame_text(f) + ": no tiles");
    // Tiles inside the frame whose areas add up to it: catches a grid made for another
    // resolution without a quadratic overlap test.
    long long area = 0;
    for (const TileRect& t : f.tiles) {
        if (t.x0 < 0 || t.y0 < 0 || t.x1 > f.width || t.y1 > f.height || t.x0 >= t.x1 ||
            t.y0 >= t.y1)
            throw StitchError(frame_text(f) + ": tile " + rect_name(t) +
                              " is outside the frame");
        area += static_cast<long long>(t.x1 - t.x0) * (t.y1 - t.y0);
    }
    if (area != static_cast<long long>(f.width) * f.height)
        throw StitchError(frame_text(f) + ": the tiles do not cover the frame exactly");
}

fs::path tile_path(const fs::path& dir, const TileRect& t) {
    return dir / (rect_name(t) + ".exr");
}

bool both_exist(const FrameFiles& f) { return fs::exists(f.exr) && fs::exists(f.png); }

// Renames a folder aside (atomic: the tiles are there or they are not), makes that
// durable, then deletes it at leisure; a crash mid-delete leaves only the aside folder,
// which the next call clears.
void drop_folder(const fs::path& dir, const fs::path& aside) {
    std::error_code ec;
    fs::remove_all(aside, ec);
    if (!fs::exists(dir)) return;
    fs::rename(dir, aside);
    detail::fsync_path(aside.parent_path());
    fs::remove_all(aside, ec);
}

}  // namespace

Stitcher::Stitcher(fs::path work_dir)
    : work_dir_(std::move(work_dir)), locks_(std::make_shared<Locks>()) {}

FrameFiles Stitcher::files_for(const FrameSpec& frame) {
    char number[16];
    std::snprintf(number, sizeof number, "%04d", frame.frame);
    const std::string stem = frame.name + "." + number;
    return {frame.output_dir / (stem + ".exr"), frame.output_dir / (stem + ".png")};
}

void Stitcher::add_tile(const FrameSpec& frame, const TileRect& tile,
                        std::string_view exr) {
    check_frame(frame);
    if (std::find(frame.tiles.begin(), frame.tiles.end(), tile) == frame.tiles.end())
        throw StitchError(frame_text(frame) + ": " + rect_name(tile) +
                          " is not one of its tiles");
    // Decoded completely in memory first: a bad upload never reaches the disk.
    const detail::Layout layout = detail::check_tile(exr, tile);

    std::lock_guard lock(locks_->of(frame));
    const fs::path dir = work_dir_ / frame.job / std::to_string(frame.frame);
    detail::make_dirs_durably(dir);
    const fs::path path = tile_path(dir, tile);
    // Every tile of a frame must have the same channels; compare with one already here.
    for (const fs::path& other : fs::directory_iterator(dir)) {
        const std::string file = other.filename().string();
        if (file.front() == '.' || other == path) continue;
        if (const detail::Layout had = detail::read_layout(other); had != layout)
            throw StitchError(frame_text(frame) + ": tile " + rect_name(tile) +
                              " has channels " + layout.describe() +
                              ", the frame's other tiles " + had.describe());
        break;
    }
    // A new tile means a new assembly is due, even if an earlier one finished here.
    fs::remove(dir / kAssembledMarker);
    detail::write_file_durably(path, dir / ("." + rect_name(tile) + ".tmp"), exr);
}

bool Stitcher::complete(const FrameSpec& frame) const {
    check_frame(frame);
    std::lock_guard lock(locks_->of(frame));
    const fs::path dir = work_dir_ / frame.job / std::to_string(frame.frame);
    std::size_t stored = 0;
    for (const TileRect& t : frame.tiles) stored += fs::exists(tile_path(dir, t));
    if (stored == 0) return both_exist(files_for(frame));
    return stored == frame.tiles.size();
}

FrameFiles Stitcher::assemble(const FrameSpec& frame) {
    check_frame(frame);
    std::lock_guard lock(locks_->of(frame));
    const std::string frame_dir = std::to_string(frame.frame);
    const fs::path dir = work_dir_ / frame.job / frame_dir;
    const fs::path aside = work_dir_ / frame.job / (".drop-" + frame_dir);
    const FrameFiles files = files_for(frame);

    std::vector<detail::StoredTile> tiles;
    std::string missing;
    for (const TileRect& t : frame.tiles) {
        if (fs::path p = tile_path(dir, t); fs::exists(p))
            tiles.push_back({t, std::move(p)});
        else if (missing.empty())
            missing = rect_name(t);
    }
    if ((tiles.empty() || fs::exists(dir / kAssembledMarker)) && both_exist(files)) {
        // Assembled before a crash (or a second call): the frame is already in place, and
        // writing it again would only churn a finished file.
        drop_folder(dir, aside);
        return files;
    }
    if (tiles.size() != frame.tiles.size())
        throw StitchError(frame_text(frame) +
                          " is incomplete: " + std::to_string(tiles.size()) + " of " +
                          std::to_string(frame.tiles.size()) + " tiles stored, missing " +
                          missing);

    detail::make_dirs_durably(frame.output_dir);
    // Hidden fixed temporaries: the frame lock keeps them ours, a crash's leftovers are
    // simply overwritten next time, and "<name>.####.png" globs never match them.
    auto hidden = [](const fs::path& p) {
        return p.parent_path() /
               ("." + p.stem().string() + ".tmp" + p.extension().string());
    };
    detail::write_frame(tiles, frame.width, frame.height, files,
                        {hidden(files.exr), hidden(files.png)});
    detail::write_file_durably(dir / kAssembledMarker, dir / ".assembled.tmp", "");
    drop_folder(dir, aside);
    return files;
}

void Stitcher::drop_job(const std::string& job) {
    if (!safe_name(job)) throw StitchError("job id '" + job + "' is not a safe name");
    // Every stripe, in order, so no add_tile of this job is halfway through.
    std::array<std::unique_lock<std::mutex>, 32> held;
    for (std::size_t i = 0; i < held.size(); ++i)
        held[i] = std::unique_lock(locks_->stripes[i]);
    if (fs::exists(work_dir_))
        drop_folder(work_dir_ / job, work_dir_ / (".drop-job-" + job));
}

}  // namespace farm::gateway
