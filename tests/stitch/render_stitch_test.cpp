// End to end: the tiny sample scene rendered as a 3x2 grid of tiles by farm_render,
// stitched, equals the same frame rendered whole in one process, bit for bit, in every
// channel, as the farm promises a studio.
#include <OpenImageIO/imagebuf.h>
#include <OpenImageIO/imagebufalgo.h>

#include <catch2/catch.hpp>

#include "farm/render/output.h"
#include "farm/render/render.h"
#include "farm/scene/load.h"
#include "test_util.h"

using namespace farm;
namespace fs = std::filesystem;

namespace {
render::RenderOptions options(int width, int height) {
    render::RenderOptions o;
    o.width = width;
    o.height = height;
    o.spp = 4;
    o.max_depth = 4;
    o.frame = 9;
    o.time = 9 / 24.0;
    o.device = render::Device::cpu;  // the CPU backend is always there
    return o;
}
}  // namespace

TEST_CASE("stitched farm_render tiles equal a full-frame render bit for bit",
          "[stitch][render]") {
    const scene::Scene scene =
        scene::load_gltf(fs::path(FARM_SOURCE_DIR) / "scenes/samples/tiny/tiny.gltf");
    const int w = 47, h = 29;  // odd, so the grid's tiles are uneven
    test::ScratchDir dir;
    gateway::Stitcher stitcher(dir.path / "work");
    auto frame = test::frame_spec("tiny", 9, w, h, 3, 2, dir.path / "out");

    for (const gateway::TileRect& t : frame.tiles) {
        render::RenderOptions o = options(w, h);
        o.region = {t.x0, t.y0, t.x1, t.y1};
        const fs::path file = dir.path / "tile.exr";
        render::write_exr(render::render(scene, o), file);
        stitcher.add_tile(frame, t, test::read_file(file));
    }
    REQUIRE(stitcher.complete(frame));
    const gateway::FrameFiles files = stitcher.assemble(frame);

    const fs::path whole = dir.path / "whole.exr";
    render::write_exr(render::render(scene, options(w, h)), whole);

    OIIO::ImageSpec stitched_spec, whole_spec;
    const auto stitched = test::read_native(files.exr, &stitched_spec);
    const auto reference = test::read_native(whole, &whole_spec);
    CHECK(stitched_spec.channelnames == whole_spec.channelnames);
    for (int c = 0; c < whole_spec.nchannels; ++c)
        CHECK(stitched_spec.channelformat(c) == whole_spec.channelformat(c));
    CHECK(stitched_spec.roi() == whole_spec.roi());
    CHECK(stitched_spec.roi_full() == whole_spec.roi_full());
    REQUIRE(stitched.size() == reference.size());
    CHECK(stitched == reference);

    // The same through OIIO's own comparison, pixel by pixel in every channel.
    OIIO::ImageBuf a(files.exr.string()), b(whole.string());
    const auto cmp = OIIO::ImageBufAlgo::compare(a, b, 0.0f, 0.0f);
    CHECK_FALSE(cmp.error);
    CHECK(cmp.nfail == 0);
    CHECK(cmp.maxerror == 0.0);

    // And read back through the renderer's own reader, the frame is the full render.
    const render::Image back = render::read_exr(files.exr);
    CHECK(back.width() == w);
    CHECK(back.full_width == w);
}
