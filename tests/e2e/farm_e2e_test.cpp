// The main job of the product, end to end on loopback: push, submit with tiles, real
// workers render, the gateway stitches, the studio downloads. Plus the crash cases.
#include <OpenImageIO/imagebuf.h>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "local_farm.h"

namespace fs = std::filesystem;
using farm::test::LocalFarm;

namespace {

fs::path copy_sample(const LocalFarm& farm, const std::string& name) {
    fs::path dest = farm.dir() / name;
    fs::copy(fs::path(FARM_SOURCE_DIR) / "scenes" / "samples" / name, dest,
             fs::copy_options::recursive);
    return dest;
}

// Every channel of every pixel equal. Half values widen to float exactly, so equal
// floats mean equal halves.
bool same_pixels(const fs::path& a, const fs::path& b, std::string& why) {
    OIIO::ImageBuf ia(a.string()), ib(b.string());
    if (!ia.read(0, 0, true, OIIO::TypeDesc::FLOAT) || !ib.read(0, 0, true, OIIO::TypeDesc::FLOAT)) {
        why = "cannot read: " + ia.geterror() + ib.geterror();
        return false;
    }
    const auto& sa = ia.spec();
    const auto& sb = ib.spec();
    if (sa.width != sb.width || sa.height != sb.height || sa.nchannels != sb.nchannels) {
        why = "shapes differ";
        return false;
    }
    for (int c = 0; c < sa.nchannels; ++c) {
        if (sa.channel_name(c) != sb.channel_name(c)) {
            why = "channel " + std::string(sa.channel_name(c)) + " vs " + std::string(sb.channel_name(c));
            return false;
        }
    }
    std::vector<float> pa(sa.image_pixels() * sa.nchannels), pb(pa.size());
    ia.get_pixels(OIIO::ROI::All(), OIIO::TypeDesc::FLOAT, pa.data());
    ib.get_pixels(OIIO::ROI::All(), OIIO::TypeDesc::FLOAT, pb.data());
    for (std::size_t i = 0; i < pa.size(); ++i) {
        if (pa[i] != pb[i] && !(std::isnan(pa[i]) && std::isnan(pb[i]))) {
            why = "value " + std::to_string(i) + ": " + std::to_string(pa[i]) + " vs " +
                  std::to_string(pb[i]);
            return false;
        }
    }
    return true;
}

std::vector<fs::path> exrs_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        // Temp files of a write in progress are hidden (".name...exr"): not frames.
        std::string name = e.path().filename().string();
        if (e.path().extension() == ".exr" && name[0] != '.') out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string state_of(const boost::json::object& o) { return std::string(o.at("state").as_string()); }

}  // namespace

TEST_CASE("a tiled job's stitched frames equal full-frame renders bit for bit", "[e2e]") {
    LocalFarm farm;
    farm.start_worker("w1", "west-a");
    farm.start_worker("w2", "west-b");
    farm.start_worker("w3", "west-b");
    fs::path project = copy_sample(farm, "tiny");
    std::string job = farm.push_and_submit(
        project, "tiny", {"--frames", "1-3", "--res", "64x48", "--spp", "4", "--tiles", "2x2"});
    auto done = farm.wait_for_job(job);
    REQUIRE(state_of(done) == "done");

    // The preview movie is made once the last frame is in; give it a moment.
    fs::path movie = farm.gateway_data() / "output" / job / "preview.mp4";
    for (int i = 0; i < 150 && fs::exists("/usr/bin/ffmpeg") && !fs::exists(movie); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    fs::path out = farm.dir() / "out";
    auto downloaded = farm.farm({"download", job, out.string()});
    INFO(downloaded.err);
    REQUIRE(downloaded.exit_code == 0);
    REQUIRE(exrs_in(out).size() == 3);
    for (int frame = 1; frame <= 3; ++frame) {
        fs::path ref = farm.dir() / ("ref" + std::to_string(frame) + ".exr");
        auto r = farm::test::run_process({FARM_RENDER_BIN, project.string(), "--frame",
                                          std::to_string(frame), "--res", "64x48", "--spp", "4",
                                          "--device", "cpu", "-q", "-o", ref.string()});
        REQUIRE(r.exit_code == 0);
        char name[32];
        std::snprintf(name, sizeof(name), "tiny.%04d.exr", frame);
        std::string why;
        INFO("frame " << frame);
        CHECK(same_pixels(out / name, ref, why));
        INFO(why);
        std::snprintf(name, sizeof(name), "tiny.%04d.png", frame);
        CHECK(fs::exists(out / name));
    }
    if (fs::exists("/usr/bin/ffmpeg")) CHECK(fs::file_size(out / "preview.mp4") > 0);
}

TEST_CASE("kill -9 of a worker mid-task: the task runs elsewhere, every frame once", "[e2e][crash]") {
    LocalFarm farm({"--lease-timeout", "2"});
    farm.start_worker("doomed", "west-a");
    fs::path project = copy_sample(farm, "tiny");
    std::string job = farm.push_and_submit(
        project, "tiny", {"--frames", "1-4", "--res", "160x120", "--spp", "64"});

    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool caught_busy = false;
    while (!caught_busy && std::chrono::steady_clock::now() < deadline) {
        boost::json::value tasks = farm.get("/api/v1/jobs/" + job + "/tasks");
        for (const auto& t : tasks.as_array()) {
            std::string state(t.at("state").as_string());
            caught_busy = caught_busy || state == "leased" || state == "rendering";
        }
        if (!caught_busy) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(caught_busy);
    farm.kill_worker("doomed");
    farm.start_worker("rescuer", "west-b");

    auto done = farm.wait_for_job(job);
    REQUIRE(state_of(done) == "done");
    boost::json::array frames = farm.get("/api/v1/jobs/" + job + "/frames").as_array();
    std::set<std::int64_t> numbers;
    for (const auto& f : frames) numbers.insert(f.at("frame").to_number<std::int64_t>());
    CHECK(frames.size() == 4);
    CHECK(numbers == std::set<std::int64_t>{1, 2, 3, 4});
    CHECK(exrs_in(farm.gateway_data() / "output" / job).size() == 4);
    boost::json::value tasks = farm.get("/api/v1/jobs/" + job + "/tasks");
    for (const auto& t : tasks.as_array()) {
        CHECK(std::string(t.at("state").as_string()) == "done");
    }
}

TEST_CASE("kill -9 of the gateway mid-job: nothing finished is lost or written twice", "[e2e][crash]") {
    LocalFarm farm({"--lease-timeout", "3"});
    farm.start_worker("w1", "west-a");
    farm.start_worker("w2", "west-b");
    fs::path project = copy_sample(farm, "tiny");
    std::string job = farm.push_and_submit(
        project, "tiny", {"--frames", "1-8", "--res", "160x120", "--spp", "48"});

    fs::path output = farm.gateway_data() / "output" / job;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while ((!fs::exists(output) || exrs_in(output).empty()) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(!exrs_in(output).empty());
    farm.kill_gateway();
    // What was on disk when the gateway died must survive with the same pixels: a finished
    // frame is never rendered into the output again.
    fs::path saved = farm.dir() / "before-crash";
    fs::create_directories(saved);
    std::vector<fs::path> before = exrs_in(output);
    for (const auto& p : before) fs::copy_file(p, saved / p.filename());
    farm.restart_gateway();

    auto done = farm.wait_for_job(job);
    REQUIRE(state_of(done) == "done");
    CHECK(exrs_in(output).size() == 8);
    for (const auto& p : before) {
        std::string why;
        INFO(p << ": " << why);
        CHECK(same_pixels(p, saved / p.filename(), why));
    }
    boost::json::array frames = farm.get("/api/v1/jobs/" + job + "/frames").as_array();
    CHECK(frames.size() == 8);
    // The preview movie is made after the job is done (ffmpeg writes a temp name, then
    // renames): give it its moment before looking for leftovers.
    auto temp_files = [&] {
        int n = 0;
        for (const auto& e : fs::directory_iterator(output)) n += e.path().filename().string()[0] == '.';
        return n;
    };
    for (int i = 0; i < 150 && temp_files() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (const auto& e : fs::directory_iterator(output)) {
        INFO(e.path());
        CHECK(e.path().filename().string()[0] != '.');  // no temp file left behind
    }
}
