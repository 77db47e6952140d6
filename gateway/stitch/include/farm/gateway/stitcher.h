// Places rendered tiles into frames and writes each finished frame once, complete, never
// half: tiles wait durably on disk until their frame has all of them, then the frame is
// assembled, written to a temp name, fsynced and renamed into the job's output folder.
// A gateway restarted mid-job finds the waiting tiles where it left them.
//
// Errors: StitchError for bad input (the caller answers 400); std::runtime_error (often
// std::filesystem::filesystem_error) for I/O failures such as a full disk (500). Nothing
// already stored is damaged by either. Safe to call from several threads at once: calls
// for the same frame are serialised inside.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace farm::gateway {

// Bad input (unreadable EXR, wrong size or channels): the caller answers 400.
class StitchError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct TileRect {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // pixels, half-open
    bool operator==(const TileRect&) const = default;
};

// The tiles_x x tiles_y grid of a width x height frame, row by row; x0 = W*i/tiles_x.
// Throws StitchError unless 1 <= tiles_x <= width and 1 <= tiles_y <= height (no empty
// tiles).
std::vector<TileRect> tile_grid(int width, int height, int tiles_x, int tiles_y);

struct FrameSpec {
    std::string job;  // job id, a safe name
    int frame = 0;
    int width = 0, height = 0;
    std::vector<TileRect> tiles;       // the whole grid of this frame
    std::filesystem::path output_dir;  // <data>/output/<job>
    std::string name = "frame";        // files are <name>.<frame:04>.exr/.png
};

struct FrameFiles {
    std::filesystem::path exr, png;
};

class Stitcher {
  public:
    // Tiles wait under <work_dir>/<job>/<frame>/.
    explicit Stitcher(std::filesystem::path work_dir);

    // Checks that `exr` is a readable EXR of exactly the tile's size, then stores it
    // durably (a second copy of the same tile replaces the first). Throws StitchError.
    void add_tile(const FrameSpec& frame, const TileRect& tile, std::string_view exr);

    // True when assemble() would succeed: every tile of the grid is stored, or the frame
    // was already assembled (its files exist and no new tiles wait).
    bool complete(const FrameSpec& frame) const;

    // Assembles the frame from its tiles (pixel for pixel, every channel, no resampling),
    // writes <name>.<frame:04>.exr and a tone-mapped sRGB .png atomically, then drops the
    // tiles. Calling it again after a crash rewrites the same files. Throws StitchError
    // if a tile is missing.
    FrameFiles assemble(const FrameSpec& frame);

    // Output file names for a frame, whether or not they exist yet.
    static FrameFiles files_for(const FrameSpec& frame);

    // Forgets every waiting tile of a job (canceled or deleted). Output files are kept.
    void drop_job(const std::string& job);

  private:
    struct Locks;
    std::filesystem::path work_dir_;
    std::shared_ptr<Locks> locks_;  // shared_ptr keeps Stitcher copyable and movable
};

// Makes <output_dir>/preview.mp4 (H.264, yuv420p) from <name>.####.png with ffmpeg at
// `fps`, in frame order (gaps in the numbering are skipped over). Returns false and sets
// `error` (when not null) when there are no frames, or ffmpeg is missing, fails, or runs
// past 300 s.
// Runs ffmpeg in output_dir with fixed hidden temporaries: one call per folder at a time
// (the job engine calls it once, when the job ends).
bool make_preview_movie(const std::filesystem::path& output_dir, const std::string& name,
                        double fps, std::string* error);

}  // namespace farm::gateway
