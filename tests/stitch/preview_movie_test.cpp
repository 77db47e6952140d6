// make_preview_movie: an H.264 MP4 from the PNG previews, frames not starting at 1, odd
// sizes, gaps in the numbering; failures reported with ffmpeg's message.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "test_util.h"

using namespace farm;
namespace fs = std::filesystem;

namespace {
bool have_ffmpeg() {
    if (::access("/usr/bin/ffmpeg", X_OK) == 0) return true;
    WARN("skipped: /usr/bin/ffmpeg is not installed");
    return false;
}

// A w x h PNG whose brightness depends on `frame`.
void write_png(const fs::path& file, int w, int h, int frame) {
    std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3);
    for (std::size_t i = 0; i < px.size(); ++i)
        px[i] = static_cast<unsigned char>(i * 7 + frame * 40);
    auto out = OIIO::ImageOutput::create(file.string());
    REQUIRE(out);
    REQUIRE(out->open(file.string(), OIIO::ImageSpec(w, h, 3, OIIO::TypeUInt8)));
    REQUIRE(out->write_image(OIIO::TypeUInt8, px.data()));
    REQUIRE(out->close());
}

// Frames in the movie's video stream, by ffprobe when installed (else -1).
int count_frames(const fs::path& movie) {
    if (::access("/usr/bin/ffprobe", X_OK) != 0) return -1;
    const std::string cmd =
        "/usr/bin/ffprobe -v error -count_frames -select_streams v:0 "
        "-show_entries stream=nb_read_frames,codec_name,pix_fmt -of "
        "csv=p=0 '" +
        movie.string() + "'";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    char line[256] = {};
    const bool got = std::fgets(line, sizeof line, p) != nullptr;
    ::pclose(p);
    INFO("ffprobe: " << line);
    REQUIRE(got);
    CHECK(std::string(line).find("h264,yuv420p,") == 0);
    return std::atoi(std::strrchr(line, ',') + 1);
}

void check_movie(const fs::path& dir, int frames) {
    const fs::path movie = dir / "preview.mp4";
    REQUIRE(fs::exists(movie));
    const std::string bytes = test::read_file(movie);
    REQUIRE(bytes.size() > 12);
    CHECK(bytes.substr(4, 4) == "ftyp");  // an ISO base media (MP4) file
    const int n = count_frames(movie);
    if (n >= 0) CHECK(n == frames);
}
}  // namespace

TEST_CASE("a preview movie is made from frames 7..9 of odd size", "[stitch][movie]") {
    if (!have_ffmpeg()) return;
    test::ScratchDir dir;
    for (int f = 7; f <= 9; ++f) {
        char name[32];
        std::snprintf(name, sizeof name, "shot.%04d.png", f);
        write_png(dir.path / name, 33, 17, f);
    }
    std::string error;
    REQUIRE(gateway::make_preview_movie(dir.path, "shot", 24, &error));
    CHECK(error.empty());
    check_movie(dir.path, 3);
    // Only the movie was added: no temporaries or link folders left behind.
    CHECK(test::list_files(dir.path).size() == 4);
    CHECK_FALSE(fs::exists(dir.path / ".preview-frames"));
}

TEST_CASE("frames with gaps in their numbering all go into the movie",
          "[stitch][movie]") {
    if (!have_ffmpeg()) return;
    test::ScratchDir dir;
    for (const int f : {1, 3, 4, 10})
        write_png(dir.path / ("shot." + std::string(f < 10 ? "000" : "00") +
                              std::to_string(f) + ".png"),
                  16, 16, f);
    write_png(dir.path / "other.0002.png", 16, 16, 2);  // another name: not included
    std::string error;
    REQUIRE(gateway::make_preview_movie(dir.path, "shot", 12.5, &error));
    check_movie(dir.path, 4);
    CHECK_FALSE(fs::exists(dir.path / ".preview-frames"));
}

TEST_CASE("preview movie failures say why and leave no movie", "[stitch][movie]") {
    if (!have_ffmpeg()) return;
    test::ScratchDir dir;
    std::string error;
    CHECK_FALSE(gateway::make_preview_movie(dir.path, "shot", 24, &error));
    CHECK_THAT(error, Catch::Contains("no shot.####.png"));
    CHECK_FALSE(gateway::make_preview_movie(dir.path / "missing", "shot", 24, &error));
    CHECK_FALSE(gateway::make_preview_movie(dir.path, "shot", 0, &error));
    CHECK_FALSE(gateway::make_preview_movie(dir.path, "../shot", 24, &error));

    test::write_file(dir.path / "shot.0001.png", "this is not a PNG");
    test::write_file(dir.path / "shot.0002.png", "nor is this");
    error.clear();
    CHECK_FALSE(gateway::make_preview_movie(dir.path, "shot", 24, &error));
    INFO(error);
    CHECK_THAT(error, Catch::Contains("ffmpeg failed"));
    CHECK(error.size() > std::string("ffmpeg failed (exit status 1): ").size());
    CHECK(test::list_files(dir.path).size() == 2);  // no movie, no temporary
    CHECK(gateway::make_preview_movie(dir.path, "shot", 24, nullptr) == false);
}
