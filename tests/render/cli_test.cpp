// farm-render as a worker runs it: exit status, files, and error messages.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace {
struct Run {
    int status;
    std::string output;
};
Run run(const std::string& args) {
    const std::string cmd = std::string(FARM_RENDER_EXE) + " " + args + " 2>&1";
    Run r{-1, ""};
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[512];
    while (fgets(buf, sizeof buf, p)) r.output += buf;
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}
const std::string kTiny = std::string(FARM_SOURCE_DIR) + "/scenes/samples/tiny";
}  // namespace

TEST_CASE("farm-render renders a tile of a project and prints a summary", "[cli]") {
    const fs::path out = fs::temp_directory_path() /
                         ("farm_cli_tile_" + std::to_string(::getpid()) + ".exr");
    fs::remove(out);
    const Run r =
        run(kTiny + " --frame 3 --res 32x24 --spp 2 --tile 0,0,16,12 --device cpu -o " +
            out.string() + " --png " + out.string() + ".png");
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(fs::exists(out));
    CHECK(fs::exists(out.string() + ".png"));
    CHECK_THAT(r.output,
               Catch::Contains("Mrays/s") && Catch::Contains("region 0,0,16,12"));
}

TEST_CASE("farm-render refuses bad arguments with a message and status 1", "[cli][bad]") {
    Run r = run(kTiny + " --res 100000x2 -o /tmp/x.exr");
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("resolution"));
    r = run(kTiny + " --tile 1,2,3 -o /tmp/x.exr");
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("--tile '1,2,3' needs 4 values"));
    r = run(kTiny + " --res 10xabc -o /tmp/x.exr");
    CHECK(r.status == 1);
    r = run("/nonexistent/project -o /tmp/x.exr");
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("/nonexistent/project"));
    r = run(std::string(FARM_SOURCE_DIR) +
            "/tests/scenes/bad/malformed.gltf -o /tmp/x.exr");
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("malformed.gltf"));
}
