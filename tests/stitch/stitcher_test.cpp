// Stitcher: tiles in any order -> one frame, bit for bit, written once; re-added tiles
// replace; assembling again after a crash gives the same files; bad names and incomplete
// frames are refused.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "test_util.h"

using namespace farm;
using farm::gateway::Stitcher;
using farm::gateway::StitchError;
using farm::gateway::TileRect;
namespace fs = std::filesystem;

namespace {
// Adds every tile of `f` (in a shuffled order) from frame `seed`.
void add_all(Stitcher& s, const gateway::FrameSpec& f, unsigned seed) {
    std::vector<TileRect> order = f.tiles;
    std::shuffle(order.begin(), order.end(), std::mt19937(seed));
    for (const TileRect& t : order) {
        CHECK_FALSE(s.complete(f));
        s.add_tile(f, t, test::tile_exr(t, f.width, f.height, seed));
    }
    CHECK(s.complete(f));
}

// The frame must hold exactly what the same generator writes as one whole-frame EXR,
// read back the same way (OpenEXR keeps channels sorted; OIIO puts R,G,B,A first).
void check_frame_bits(const fs::path& exr, int w, int h, unsigned seed) {
    OIIO::ImageSpec spec, whole_spec;
    const std::vector<unsigned char> got = test::read_native(exr, &spec);
    test::ScratchDir dir;
    test::write_file(dir.path / "whole.exr", test::tile_exr({0, 0, w, h}, w, h, seed));
    const std::vector<unsigned char> want =
        test::read_native(dir.path / "whole.exr", &whole_spec);
    REQUIRE(spec.width == w);
    REQUIRE(spec.height == h);
    CHECK(spec.x == 0);
    CHECK(spec.y == 0);
    CHECK(spec.full_width == w);
    CHECK(spec.full_height == h);
    REQUIRE(spec.nchannels == test::kChannels);
    CHECK(spec.channelnames == whole_spec.channelnames);
    for (const char* half :
         {"R", "G", "B", "A", "albedo.R", "albedo.G", "albedo.B", "N.X", "N.Y", "N.Z"})
        CHECK(spec.channelformat(spec.channelindex(half)) == OIIO::TypeHalf);
    CHECK(spec.channelformat(spec.channelindex("Z")) == OIIO::TypeFloat);
    REQUIRE(got.size() == want.size());
    CHECK(std::equal(got.begin(), got.end(), want.begin()));  // NaN payloads included
}
}  // namespace

TEST_CASE("a 3x2 grid of odd tiles assembles into the frame bit for bit", "[stitch]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const auto f = test::frame_spec("job-1", 7, 37, 23, 3, 2, dir.path / "out" / "job-1");
    add_all(s, f, 7);
    const gateway::FrameFiles files = s.assemble(f);
    CHECK(files.exr == dir.path / "out/job-1/shot.0007.exr");
    CHECK(files.png == dir.path / "out/job-1/shot.0007.png");
    CHECK(files.exr == Stitcher::files_for(f).exr);
    check_frame_bits(files.exr, 37, 23, 7);

    OIIO::ImageSpec png;
    const std::vector<unsigned char> preview = test::read_native(files.png, &png);
    CHECK(png.width == 37);
    CHECK(png.height == 23);
    CHECK(png.nchannels == 3);
    CHECK(png.format == OIIO::TypeUInt8);

    // The tiles are gone and nothing but the two files (no temporaries) is left.
    CHECK(test::list_files(dir.path / "work").empty());
    CHECK(test::list_files(dir.path / "out") ==
          std::vector<std::string>{"job-1/shot.0007.exr", "job-1/shot.0007.png"});
}

TEST_CASE("single-tile frames and tiles stored at (0,0) assemble too", "[stitch]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const auto one = test::frame_spec("j", 1, 1, 1, 1, 1, dir.path / "out");
    s.add_tile(one, one.tiles[0], test::tile_exr(one.tiles[0], 1, 1, 3));
    check_frame_bits(s.assemble(one).exr, 1, 1, 3);

    // A tile whose data window starts at (0,0) rather than at its place in the frame.
    const auto f = test::frame_spec("j", 2, 20, 10, 2, 2, dir.path / "out");
    for (const TileRect& t : f.tiles)
        s.add_tile(f, t, test::tile_exr(t, 20, 10, 5, true));
    check_frame_bits(s.assemble(f).exr, 20, 10, 5);
}

TEST_CASE("a tile added again replaces the first copy", "[stitch]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const auto f = test::frame_spec("job", 3, 30, 20, 2, 2, dir.path / "out");
    s.add_tile(f, f.tiles[1], test::tile_exr(f.tiles[1], 30, 20, 99));  // an old result
    add_all(s, f, 11);                                                  // replaces it
    check_frame_bits(s.assemble(f).exr, 30, 20, 11);
}

TEST_CASE("assemble after a crash at any point gives the same frame", "[stitch][crash]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const auto f = test::frame_spec("job", 12, 25, 19, 3, 2, dir.path / "out");
    add_all(s, f, 12);
    const fs::path tiles = dir.path / "work/job/12", saved = dir.path / "saved";
    fs::copy(tiles, saved);

    const gateway::FrameFiles first = s.assemble(f);
    const std::string exr = test::read_file(first.exr), png = test::read_file(first.png);

    // Crash after the frame was written, before the tiles were dropped: they come back.
    fs::copy(saved, tiles);
    CHECK(s.complete(f));
    gateway::FrameFiles again = s.assemble(f);
    CHECK(test::read_file(again.exr) == exr);
    CHECK(test::read_file(again.png) == png);
    CHECK_FALSE(fs::exists(tiles));

    // Crash halfway through deleting the set-aside tile folder, and again with
    // temporaries of a half-written frame lying around: a fresh Stitcher (a restarted
    // gateway) copes.
    fs::copy(saved, dir.path / "work/job/.drop-12");
    fs::remove(dir.path / "work/job/.drop-12" /
               (std::to_string(f.tiles[0].x0) + "_0_8_9.exr"));
    test::write_file(dir.path / "out/.shot.0012.tmp.exr", "half a frame");
    Stitcher restarted(dir.path / "work");
    CHECK(restarted.complete(f));
    again = restarted.assemble(f);
    CHECK(again.exr == first.exr);
    CHECK(test::read_file(again.exr) == exr);
    CHECK(test::list_files(dir.path / "work").empty());

    // Crash before the PNG was renamed into place, tiles still there: both rewritten.
    fs::copy(saved, tiles);
    fs::remove(first.png);
    again = restarted.assemble(f);
    CHECK(test::read_file(again.png) == png);
    CHECK(test::list_files(dir.path / "out") ==
          std::vector<std::string>{"shot.0012.exr", "shot.0012.png"});
}

TEST_CASE("an incomplete frame is refused and nothing is written", "[stitch]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const auto f = test::frame_spec("job", 4, 30, 20, 3, 2, dir.path / "out");
    CHECK_FALSE(s.complete(f));
    CHECK_THROWS_AS(s.assemble(f), StitchError);  // no tiles, no frame
    for (std::size_t i = 0; i + 1 < f.tiles.size(); ++i)
        s.add_tile(f, f.tiles[i], test::tile_exr(f.tiles[i], 30, 20, 4));
    CHECK_FALSE(s.complete(f));
    CHECK_THROWS_WITH(s.assemble(f),
                      Catch::Contains("5 of 6 tiles") && Catch::Contains("20_10_30_20"));
    CHECK_FALSE(fs::exists(dir.path / "out"));
    CHECK(test::list_files(dir.path / "work/job/4").size() == 5);  // the tiles still wait
}

TEST_CASE("hostile job ids and names are refused before touching the disk", "[stitch]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const TileRect t{0, 0, 4, 4};
    const std::string tile = test::tile_exr(t, 4, 4, 1);
    for (const std::string& bad : std::vector<std::string>{
             "", ".", "..", "../escape", "a/b", "/abs", ".hidden", "a\\b",
             std::string("nul\0x", 5), "sp ace", "per%cent", std::string(200, 'x')}) {
        INFO("job id '" << bad << "'");
        auto f = test::frame_spec("ok", 1, 4, 4, 1, 1, dir.path / "out");
        f.job = bad;
        CHECK_THROWS_AS(s.add_tile(f, t, tile), StitchError);
        CHECK_THROWS_AS(s.complete(f), StitchError);
        CHECK_THROWS_AS(s.assemble(f), StitchError);
        CHECK_THROWS_AS(s.drop_job(bad), StitchError);
        f.job = "ok";
        f.name = bad;
        CHECK_THROWS_AS(s.add_tile(f, t, tile), StitchError);
    }
    CHECK(test::list_files(dir.path).empty());
}

TEST_CASE("tiles outside the frame's grid and grids that miss pixels are refused",
          "[stitch]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    auto f = test::frame_spec("job", 1, 20, 10, 2, 1, dir.path / "out");
    const TileRect other{0, 0, 5, 5};
    CHECK_THROWS_WITH(s.add_tile(f, other, test::tile_exr(other, 20, 10, 1)),
                      Catch::Contains("not one of its tiles"));
    f.tiles.pop_back();  // half the frame uncovered
    CHECK_THROWS_AS(s.add_tile(f, f.tiles[0], test::tile_exr(f.tiles[0], 20, 10, 1)),
                    StitchError);
    f.tiles = {{0, 0, 10, 10}, {10, 0, 21, 10}};  // sticks out
    CHECK_THROWS_AS(s.assemble(f), StitchError);
    CHECK(test::list_files(dir.path).empty());
}

TEST_CASE("drop_job forgets waiting tiles and keeps finished frames", "[stitch]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const auto done = test::frame_spec("job", 1, 8, 8, 2, 2, dir.path / "out");
    add_all(s, done, 1);
    s.assemble(done);
    const auto waiting = test::frame_spec("job", 2, 8, 8, 2, 2, dir.path / "out");
    s.add_tile(waiting, waiting.tiles[0], test::tile_exr(waiting.tiles[0], 8, 8, 2));
    s.drop_job("job");
    CHECK(test::list_files(dir.path / "work").empty());
    CHECK_FALSE(s.complete(waiting));
    CHECK(s.complete(done));  // assembled: its files exist and no tiles wait
    CHECK(test::list_files(dir.path / "out").size() == 2);
    s.drop_job("never-existed");
}

TEST_CASE("tiles and frames from many threads at once", "[stitch][threads]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    std::vector<gateway::FrameSpec> frames;
    std::vector<std::string> tiles;  // made up front: OIIO writes are the slow part
    for (int f = 1; f <= 4; ++f) {
        frames.push_back(test::frame_spec("job", f, 24, 18, 3, 3, dir.path / "out"));
        for (const TileRect& t : frames.back().tiles)
            tiles.push_back(test::tile_exr(t, 24, 18, static_cast<unsigned>(f)));
    }
    // Every tile twice (a retried upload), from 6 threads.
    std::atomic<int> next{0}, errors{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 6; ++k)
        threads.emplace_back([&] {
            for (int i; (i = next++) < static_cast<int>(2 * tiles.size());) {
                const int n = i % static_cast<int>(tiles.size());
                try {
                    s.add_tile(frames[n / 9], frames[n / 9].tiles[n % 9], tiles[n]);
                } catch (...) {
                    ++errors;
                }
            }
        });
    for (auto& t : threads) t.join();
    threads.clear();
    CHECK(errors == 0);
    // Each frame assembled by two threads at once: both get whole files.
    for (int k = 0; k < 8; ++k)
        threads.emplace_back([&, k] {
            try {
                s.assemble(frames[k / 2]);
            } catch (...) {
                ++errors;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(errors == 0);
    for (int f = 1; f <= 4; ++f)
        check_frame_bits(Stitcher::files_for(frames[f - 1]).exr, 24, 18, f);
    CHECK(test::list_files(dir.path / "out").size() == 8);
    CHECK(test::list_files(dir.path / "work").empty());
}
