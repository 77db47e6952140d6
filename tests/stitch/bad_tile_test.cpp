// Bad uploads: garbage, other formats, wrong sizes, truncated or corrupted EXRs, other
// channel layouts. Each is refused with StitchError and nothing is stored or damaged.
#include <catch2/catch.hpp>

#include "test_util.h"

using namespace farm;
using farm::gateway::Stitcher;
using farm::gateway::StitchError;
using farm::gateway::TileRect;
namespace fs = std::filesystem;

namespace {
// A PNG of the tile's size: readable, but not an EXR.
std::string png_bytes(int w, int h) {
    test::ScratchDir dir;
    const fs::path file = dir.path / "tile.png";
    auto out = OIIO::ImageOutput::create(file.string());
    std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3, 128);
    REQUIRE(out);
    REQUIRE(out->open(file.string(), OIIO::ImageSpec(w, h, 3, OIIO::TypeUInt8)));
    REQUIRE(out->write_image(OIIO::TypeUInt8, px.data()));
    REQUIRE(out->close());
    return test::read_file(file);
}

// An EXR of the right size with only R, G, B (float) instead of the renderer's channels.
std::string rgb_float_exr(const TileRect& r) {
    test::ScratchDir dir;
    const fs::path file = dir.path / "tile.exr";
    OIIO::ImageSpec spec(r.x1 - r.x0, r.y1 - r.y0, 3, OIIO::TypeFloat);
    spec.x = r.x0;
    spec.y = r.y0;
    std::vector<float> px(spec.image_pixels() * 3, 0.5f);
    auto out = OIIO::ImageOutput::create(file.string());
    REQUIRE(out);
    REQUIRE(out->open(file.string(), spec));
    REQUIRE(out->write_image(OIIO::TypeFloat, px.data()));
    REQUIRE(out->close());
    return test::read_file(file);
}
}  // namespace

TEST_CASE("bad tiles are refused and nothing is stored", "[stitch][bad]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const auto f = test::frame_spec("job", 1, 40, 30, 2, 2, dir.path / "out");
    const TileRect t = f.tiles[3];  // [20,15)-[40,30)
    const std::string good = test::tile_exr(t, 40, 30, 1);

    std::vector<std::pair<std::string, std::string>> bad = {
        {"empty", ""},
        {"garbage", std::string(5000, '\x5a')},
        {"EXR magic then garbage",
         std::string("\x76\x2f\x31\x01") + std::string(3000, '\x01')},
        {"a PNG", png_bytes(20, 15)},
        {"the wrong size", test::tile_exr({0, 0, 19, 15}, 40, 30, 1)},
        {"another tile's place", test::tile_exr(f.tiles[1], 40, 30, 1)},
        {"a data window elsewhere", test::tile_exr({5, 5, 25, 20}, 40, 30, 1)},
    };
    // Truncated at several points: in the header, in the offset table, mid-pixels, and
    // one byte short.
    for (const std::size_t keep :
         {std::size_t(8), std::size_t(300), good.size() / 2, good.size() - 1})
        bad.emplace_back("truncated to " + std::to_string(keep) + " bytes",
                         good.substr(0, keep));
    // (Flipped bits inside pixel data are not on the list: EXR has no checksums, and
    // incompressible chunks are stored raw, so such a file is a valid, different image.
    // Upload integrity is the transport's job.)

    for (const auto& [what, bytes] : bad) {
        INFO(what);
        CHECK_THROWS_AS(s.add_tile(f, t, bytes), StitchError);
        CHECK(test::list_files(dir.path).empty());
    }
    s.add_tile(f, t, good);  // the good one is still welcome
    CHECK(test::list_files(dir.path / "work") ==
          std::vector<std::string>{"job/1/20_15_40_30.exr"});
}

TEST_CASE("a bad copy of a stored tile leaves the good one in place", "[stitch][bad]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const auto f = test::frame_spec("job", 2, 16, 16, 2, 2, dir.path / "out");
    for (const TileRect& t : f.tiles) s.add_tile(f, t, test::tile_exr(t, 16, 16, 2));
    const std::string good = test::tile_exr(f.tiles[0], 16, 16, 3);
    CHECK_THROWS_AS(s.add_tile(f, f.tiles[0], good.substr(0, good.size() - 20)),
                    StitchError);
    const fs::path exr = s.assemble(f).exr;
    test::write_file(dir.path / "whole.exr", test::tile_exr({0, 0, 16, 16}, 16, 16, 2));
    const auto want = test::read_native(dir.path / "whole.exr");
    const auto got = test::read_native(exr);
    CHECK(std::equal(got.begin(), got.end(), want.begin(), want.end()));
}

TEST_CASE("a tile whose channels differ from the frame's other tiles is refused",
          "[stitch][bad]") {
    test::ScratchDir dir;
    Stitcher s(dir.path / "work");
    const auto f = test::frame_spec("job", 3, 16, 8, 2, 1, dir.path / "out");
    s.add_tile(f, f.tiles[0], test::tile_exr(f.tiles[0], 16, 8, 3));
    CHECK_THROWS_WITH(s.add_tile(f, f.tiles[1], rgb_float_exr(f.tiles[1])),
                      Catch::Contains("channels") && Catch::Contains("Z:float"));
    CHECK_FALSE(s.complete(f));
    // A frame of its own may use any sane layout: it is written with that layout.
    const auto g = test::frame_spec("job", 4, 16, 8, 2, 1, dir.path / "out");
    for (const TileRect& t : g.tiles) s.add_tile(g, t, rgb_float_exr(t));
    OIIO::ImageSpec spec;
    const auto px = test::read_native(s.assemble(g).exr, &spec);
    CHECK(spec.nchannels == 3);
    CHECK(spec.format == OIIO::TypeFloat);
    CHECK(px.size() == 16u * 8 * 12);
}
