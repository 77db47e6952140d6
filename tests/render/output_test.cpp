#include "farm/render/output.h"

#include <OpenImageIO/imageio.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "farm/render/render.h"
#include "farm/scene/load.h"

using namespace farm;
namespace fs = std::filesystem;

TEST_CASE("EXR holds half RGBA, albedo, normal and float depth in the tile's data window",
          "[output]") {
    const scene::Scene s =
        scene::load_gltf(fs::path(FARM_SOURCE_DIR) / "scenes/samples/tiny/tiny.gltf");
    render::RenderOptions o;
    o.width = 40;
    o.height = 30;
    o.spp = 2;
    o.max_depth = 2;
    o.device = render::Device::cpu;
    o.region = {8, 4, 24, 20};
    const render::Image img = render::render(s, o);
    const fs::path dir =
        fs::temp_directory_path() / ("farm_output_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    render::write_exr(img, dir / "tile.exr");
    render::write_png_preview(img, dir / "tile.png");

    auto in = OIIO::ImageInput::open((dir / "tile.exr").string());
    REQUIRE(in);
    const OIIO::ImageSpec& spec = in->spec();
    CHECK(spec.x == 8);
    CHECK(spec.y == 4);
    CHECK(spec.width == 16);
    CHECK(spec.full_width == 40);
    CHECK(spec.full_height == 30);
    REQUIRE(spec.nchannels == 11);
    // OpenEXR stores channels sorted by name, so look them up by name.
    auto find = [&](const char* name) {
        for (int c = 0; c < spec.nchannels; ++c)
            if (spec.channelnames[c] == name) return c;
        return -1;
    };
    for (const char* name :
         {"R", "G", "B", "A", "albedo.R", "albedo.G", "albedo.B", "N.X", "N.Y", "N.Z"}) {
        INFO(name);
        REQUIRE(find(name) >= 0);
        CHECK(spec.channelformat(find(name)) == OIIO::TypeDesc::HALF);
    }
    REQUIRE(find("Z") >= 0);
    CHECK(spec.channelformat(find("Z")) == OIIO::TypeDesc::FLOAT);
    CHECK(spec.alpha_channel == find("A"));
    in->close();

    const render::Image back = render::read_exr(dir / "tile.exr");
    REQUIRE(back.rgba.size() == img.rgba.size());
    for (std::size_t i = 0; i < img.rgba.size(); ++i)
        CHECK(back.rgba[i] == Approx(img.rgba[i]).epsilon(2e-3).margin(1e-4));
    CHECK(back.depth == img.depth);  // float channel: exact

    auto png = OIIO::ImageInput::open((dir / "tile.png").string());
    REQUIRE(png);
    CHECK(png->spec().nchannels == 3);
    CHECK(png->spec().width == 16);
    CHECK_FALSE(fs::exists(dir / "tile.tmp"));
}

TEST_CASE("writing to an unwritable place is an error naming the path", "[output][bad]") {
    render::Image img;
    img.region = {0, 0, 1, 1};
    img.full_width = img.full_height = 1;
    img.rgba.assign(4, 0.5f);
    img.albedo.assign(3, 0);
    img.normal.assign(3, 0);
    img.depth.assign(1, 0);
    CHECK_THROWS_WITH(render::write_exr(img, "/nonexistent-dir/x.exr"),
                      Catch::Contains("/nonexistent-dir/x.exr"));
}
