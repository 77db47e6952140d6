// farm-worker against a fake gateway: real agent and renderer processes on loopback, a
// tiny project at a tiny resolution so each case takes seconds.
#include <OpenImageIO/imageio.h>
#include <signal.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <thread>

#include "agent_process.h"
#include "fake_gateway.h"
#include "farm/transfer/sync_client.h"

namespace fs = std::filesystem;
namespace json = boost::json;
using farm::test::AgentProcess;
using farm::test::FakeGateway;
using namespace std::chrono_literals;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("farm-worker-test-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// Pushes a folder into the fake gateway's store, as `farm push` would.
std::string stage(farm::transfer::Store& store, const fs::path& dir) {
    farm::transfer::PushOptions options;
    options.project = "tiny";
    auto& tenant = store.tenant("default");
    auto manifest = farm::transfer::snapshot_folder(dir, options, &tenant);
    return tenant.commit_snapshot("tiny", farm::transfer::serialize(manifest)).hex();
}

struct Farm {
    TempDir tmp;
    FakeGateway gateway{tmp.path / "gateway"};
    std::string snapshot;

    explicit Farm(bool broken_scene = false) {
        fs::path project = tmp.path / "project";
        farm::test::copy_project(fs::path(FARM_SOURCE_DIR) / "scenes/samples/tiny", project);
        if (broken_scene) std::ofstream(project / "tiny.gltf") << "{ this is not glTF";
        snapshot = stage(gateway.store(), project);
    }

    json::object lease(const std::string& id, std::array<int, 4> tile, int width = 48,
                       int height = 32, int spp = 2) {
        return json::object{{"lease_id", id},  {"task_id", "t-" + id}, {"job_id", "j-000001"},
                            {"tenant", "default"}, {"project", "tiny"}, {"snapshot", snapshot},
                            {"settings", "render.json"}, {"frame", 3},
                            {"tile", json::array{tile[0], tile[1], tile[2], tile[3]}},
                            {"width", width}, {"height", height}, {"spp", spp}, {"max_depth", 2},
                            {"camera", ""}, {"attempt", 0}};
    }

    AgentProcess agent(const std::string& name, std::vector<std::string> extra = {},
                       const fs::path& cache = {}) {
        std::vector<std::string> args{FARM_WORKER_BIN, "--gateway", gateway.url(), "--site", "test-west",
                                      "--name", name, "--cache", (cache.empty() ? tmp.path / "cache" : cache).string(),
                                      "--work", (tmp.path / ("work-" + name)).string(),
                                      "--renderer", FARM_RENDER_BIN, "--device", "cpu",
                                      "--lease-wait-s", "1", "--retry-max-s", "1"};
        args.insert(args.end(), extra.begin(), extra.end());
        return AgentProcess(args, tmp.path / (name + ".log"));
    }
};

std::string unzstd(const std::string& in) {
    unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
    REQUIRE(size != ZSTD_CONTENTSIZE_ERROR);
    REQUIRE(size != ZSTD_CONTENTSIZE_UNKNOWN);
    std::string out(size, '\0');
    std::size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
    REQUIRE_FALSE(ZSTD_isError(n));
    REQUIRE(n == size);
    return out;
}

// Opens the uploaded EXR and checks it is the tile, placed in the full frame.
void check_tile_exr(const std::string& exr_bytes, const fs::path& scratch, std::array<int, 4> tile,
                    int width, int height) {
    fs::path file = scratch / "uploaded.exr";
    std::ofstream(file, std::ios::binary) << exr_bytes;
    auto in = OIIO::ImageInput::open(file.string());
    REQUIRE(in);
    const OIIO::ImageSpec& spec = in->spec();
    CHECK(in->format_name() == std::string("openexr"));
    CHECK(spec.x == tile[0]);
    CHECK(spec.y == tile[1]);
    CHECK(spec.width == tile[2] - tile[0]);
    CHECK(spec.height == tile[3] - tile[1]);
    CHECK(spec.full_width == width);
    CHECK(spec.full_height == height);
    CHECK(spec.nchannels >= 4);
    std::vector<float> pixels(std::size_t(spec.width) * spec.height * spec.nchannels);
    CHECK(in->read_image(0, 0, 0, spec.nchannels, OIIO::TypeDesc::FLOAT, pixels.data()));
}

std::size_t count_entries(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return 0;
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// True when some heartbeat listed the lease in that state (call under the gateway lock).
bool reports(const FakeGateway& gateway, const std::string& lease_id, const std::string& state) {
    for (const auto& hb : gateway.heartbeats)
        for (const auto& l : hb.at("leases").as_array())
            if (l.at("lease_id").as_string() == lease_id && l.at("state").as_string() == state)
                return true;
    return false;
}

pid_t render_pid(const std::string& log_from_line) {
    return std::stoi(log_from_line.substr(std::string("rendering (farm-render pid ").size()));
}

}  // namespace

TEST_CASE("a lease is rendered end to end and its tile uploaded as zstd EXR", "[worker]") {
    Farm farm;
    const std::array<int, 4> tile{8, 4, 40, 28};
    farm.gateway.add_lease(farm.lease("l-1", tile));
    auto agent = farm.agent("a1", {"--once"});
    auto rc = agent.wait(90s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.results.size() == 1);
    const auto& r = farm.gateway.results[0];
    CHECK(r.lease_id == "l-1");
    CHECK(r.content_encoding == "zstd");
    CHECK(std::stod(r.render_seconds) > 0);
    CHECK(r.device.find("cpu") != std::string::npos);
    check_tile_exr(unzstd(r.body), farm.tmp.path, tile, 48, 32);
    CHECK(farm.gateway.registrations == 1);
    CHECK(farm.gateway.failures.empty());
    // The snapshot is materialized once in the host cache; scratch and outbox are empty.
    CHECK(fs::is_regular_file(farm.tmp.path / "cache/snapshots/default" / farm.snapshot / "render.json"));
    CHECK(count_entries(farm.tmp.path / "work-a1/tasks") == 0);
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 0);
}

TEST_CASE("a 409 on upload drops the result without crashing", "[worker]") {
    Farm farm;
    farm.gateway.set_result_status(409);
    farm.gateway.add_lease(farm.lease("l-lost", {0, 0, 16, 16}));
    auto agent = farm.agent("a1", {"--once"});
    auto rc = agent.wait(90s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    CHECK(agent.log().find("lease l-lost lost (409") != std::string::npos);
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.results.size() == 1);  // tried once, not again
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 0);
}

TEST_CASE("a lease canceled through the heartbeat kills the render", "[worker]") {
    Farm farm;
    // Far too many samples to finish within the test: only a kill ends it.
    farm.gateway.add_lease(farm.lease("l-cancel", {0, 0, 320, 240}, 320, 240, 65536));
    auto agent = farm.agent("a1", {"--once"});
    std::string line = agent.wait_for_log("rendering (farm-render pid ", 60s);
    INFO(agent.log());
    REQUIRE_FALSE(line.empty());
    pid_t child = render_pid(line);
    REQUIRE(::kill(child, 0) == 0);
    // Heartbeats report the lease while it renders.
    CHECK(farm.gateway.wait_for([&] { return reports(farm.gateway, "l-cancel", "rendering"); }, 10s));
    farm.gateway.cancel("l-cancel");
    auto rc = agent.wait(30s);
    REQUIRE(rc == 0);
    CHECK(agent.log().find("canceled by the gateway: killed farm-render pid " + std::to_string(child)) !=
          std::string::npos);
    CHECK((::kill(child, 0) == -1 && errno == ESRCH));  // killed and reaped
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.results.empty());
    CHECK(farm.gateway.failures.empty());
}

TEST_CASE("a render that fails is reported with /fail and the renderer's error", "[worker]") {
    Farm farm(/*broken_scene=*/true);
    farm.gateway.add_lease(farm.lease("l-broken", {0, 0, 16, 16}));
    auto agent = farm.agent("a1", {"--once"});
    auto rc = agent.wait(90s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.results.empty());
    REQUIRE(farm.gateway.failures.size() == 1);
    const auto& f = farm.gateway.failures[0];
    INFO(f.reason);
    CHECK(f.lease_id == "l-broken");
    CHECK(f.reason.find("farm-render exit status 1") != std::string::npos);
    CHECK(f.reason.find("tiny.gltf") != std::string::npos);
    CHECK_FALSE(f.retryable);  // a broken scene fails anywhere
}

TEST_CASE("gateway down then back: the pending result is uploaded and the worker re-registers",
          "[worker]") {
    Farm farm;
    const std::array<int, 4> tile{0, 0, 48, 32};
    // The first upload meets a 503 (transient): the result then waits in the outbox while
    // the gateway goes away entirely.
    farm.gateway.set_result_status(503);
    farm.gateway.add_lease(farm.lease("l-wait", tile));
    auto agent = farm.agent("a1", {"--grace-s", "5"});
    REQUIRE(farm.gateway.wait_for([&] { return !farm.gateway.results.empty(); }, 60s));
    farm.gateway.go_down();
    INFO(agent.log());
    // Let uploads, heartbeats and lease polls fail against a closed port for a while
    // (the agent logs the first failure, then holds repeats back).
    std::this_thread::sleep_for(4s);
    // It comes back without its state: the agent must register again.
    farm.gateway.set_result_status(200);
    farm.gateway.forget_workers();
    farm.gateway.come_back();
    auto accepted = [&] {
        for (const auto& r : farm.gateway.results)
            if (r.status == 200) return true;
        return false;
    };
    CHECK(farm.gateway.wait_for(accepted, 30s));
    CHECK(farm.gateway.wait_for([&] { return farm.gateway.registrations >= 2; }, 30s));
    agent.signal(SIGTERM);
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    CHECK(agent.log().find("outbox: gateway reachable again after") != std::string::npos);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.results.back().status == 200);
    check_tile_exr(unzstd(farm.gateway.results.back().body), farm.tmp.path, tile, 48, 32);
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 0);
}

TEST_CASE("SIGTERM during a render reports the task as retryable and exits", "[worker]") {
    Farm farm;
    farm.gateway.add_lease(farm.lease("l-term", {0, 0, 320, 240}, 320, 240, 65536));
    auto agent = farm.agent("a1");
    REQUIRE_FALSE(agent.wait_for_log("rendering (farm-render pid ", 60s).empty());
    agent.signal(SIGTERM);
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.failures.size() == 1);
    CHECK(farm.gateway.failures[0].retryable);
    CHECK(farm.gateway.failures[0].reason.find("worker stopping") != std::string::npos);
}

TEST_CASE("two agents sharing one cache dir render the same snapshot", "[worker]") {
    Farm farm;
    farm.gateway.add_lease(farm.lease("l-left", {0, 0, 24, 32}));
    farm.gateway.add_lease(farm.lease("l-right", {24, 0, 48, 32}));
    fs::path cache = farm.tmp.path / "shared-cache";
    auto a = farm.agent("a1", {"--once"}, cache);
    auto b = farm.agent("a2", {"--once"}, cache);
    auto rc_a = a.wait(90s);
    auto rc_b = b.wait(90s);
    INFO(a.log() + "\n" + b.log());
    REQUIRE(rc_a == 0);
    REQUIRE(rc_b == 0);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.results.size() == 2);
    for (const auto& r : farm.gateway.results) {
        std::array<int, 4> tile = r.lease_id == "l-left" ? std::array<int, 4>{0, 0, 24, 32}
                                                         : std::array<int, 4>{24, 0, 48, 32};
        check_tile_exr(unzstd(r.body), farm.tmp.path, tile, 48, 32);
    }
    // One materialized snapshot, no half-built copies left behind.
    CHECK(count_entries(cache / "snapshots/default") == 1);
    CHECK(fs::is_regular_file(cache / "snapshots/default" / farm.snapshot / "tiny.gltf"));
}

TEST_CASE("bad invocations are refused with a message", "[worker]") {
    TempDir tmp;
    auto run = [&](std::vector<std::string> args) {
        AgentProcess p(args, tmp.path / "log");
        auto rc = p.wait(30s);
        return std::make_pair(rc.value_or(-1), p.log());
    };
    auto [rc1, log1] = run({FARM_WORKER_BIN, "--site", "x"});
    CHECK(rc1 != 0);
    CHECK(log1.find("--gateway") != std::string::npos);
    auto [rc2, log2] = run({FARM_WORKER_BIN, "--gateway", "http://127.0.0.1:1", "--site", "x",
                            "--renderer", (tmp.path / "nope").string(), "--work", (tmp.path / "w").string(),
                            "--cache", (tmp.path / "c").string()});
    CHECK(rc2 == 2);
    CHECK(log2.find("is not an executable file") != std::string::npos);
    auto [rc3, log3] = run({FARM_WORKER_BIN, "--gateway", "ftp://x", "--site", "x", "--renderer",
                            FARM_RENDER_BIN, "--work", (tmp.path / "w").string(), "--cache",
                            (tmp.path / "c").string()});
    CHECK(rc3 == 2);
    CHECK(log3.find("http://host:port") != std::string::npos);
}

TEST_CASE("a result left undelivered by a killed agent is uploaded by the next start", "[worker]") {
    Farm farm;
    const std::array<int, 4> tile{16, 8, 48, 32};
    farm.gateway.set_result_status(503);
    farm.gateway.add_lease(farm.lease("l-kept", tile));
    {
        auto first = farm.agent("a1");
        REQUIRE(farm.gateway.wait_for([&] { return !farm.gateway.results.empty(); }, 60s));
        first.signal(SIGKILL);
        REQUIRE(first.wait(10s));
    }
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 2);  // payload + its record
    farm.gateway.set_result_status(200);
    auto second = farm.agent("a1");
    CHECK(farm.gateway.wait_for([&] { return farm.gateway.results.back().status == 200; }, 30s));
    second.signal(SIGTERM);
    auto rc = second.wait(30s);
    INFO(second.log());
    REQUIRE(rc == 0);
    CHECK(second.log().find("undelivered entries from an earlier run") != std::string::npos);
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.results.back().lease_id == "l-kept");
    check_tile_exr(unzstd(farm.gateway.results.back().body), farm.tmp.path, tile, 48, 32);
    CHECK(count_entries(farm.tmp.path / "work-a1/outbox") == 0);
}

TEST_CASE("kill -9 of the agent takes its render down too", "[worker]") {
    Farm farm;
    farm.gateway.add_lease(farm.lease("l-orphan", {0, 0, 320, 240}, 320, 240, 65536));
    auto agent = farm.agent("a1");
    std::string line = agent.wait_for_log("rendering (farm-render pid ", 60s);
    INFO(agent.log());
    REQUIRE_FALSE(line.empty());
    pid_t child = render_pid(line);
    agent.signal(SIGKILL);
    REQUIRE(agent.wait(10s));
    // The child (now re-parented to init or a subreaper) must die, not render on.
    bool gone = false;
    for (int i = 0; i < 200 && !gone; ++i) {
        std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), {});
        gone = text.empty() || text.find(") Z ") != std::string::npos;  // absent or a zombie
        if (!gone) std::this_thread::sleep_for(50ms);
    }
    CHECK(gone);
}

TEST_CASE("two slots render two leases at once", "[worker]") {
    Farm farm;
    farm.gateway.add_lease(farm.lease("l-a", {0, 0, 24, 32}));
    farm.gateway.add_lease(farm.lease("l-b", {24, 0, 48, 32}));
    auto agent = farm.agent("a1", {"--slots", "2"});
    CHECK(farm.gateway.wait_for([&] { return farm.gateway.results.size() == 2; }, 90s));
    agent.signal(SIGTERM);
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    CHECK(farm.gateway.registrations == 1);
    CHECK(farm.gateway.failures.empty());
}

TEST_CASE("a lease naming an unknown snapshot or a hostile settings path is failed", "[worker]") {
    Farm farm;
    auto unknown = farm.lease("l-nosnap", {0, 0, 16, 16});
    unknown["snapshot"] = std::string(64, '0');
    auto hostile = farm.lease("l-escape", {0, 0, 16, 16});
    hostile["settings"] = "../../../etc/passwd";
    farm.gateway.add_lease(unknown);
    farm.gateway.add_lease(hostile);
    auto agent = farm.agent("a1");
    CHECK(farm.gateway.wait_for([&] { return farm.gateway.failures.size() == 2; }, 60s));
    agent.signal(SIGTERM);
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
    auto lock = farm.gateway.lock();
    REQUIRE(farm.gateway.failures.size() == 2);
    for (const auto& f : farm.gateway.failures) {
        INFO(f.reason);
        if (f.lease_id == "l-nosnap") {
            CHECK(f.reason.find("cannot fetch the snapshot") != std::string::npos);
            CHECK(f.retryable);  // the gateway refused: maybe this worker's fault
        } else {
            CHECK(f.lease_id == "l-escape");
            CHECK(f.reason.find("bad settings path") != std::string::npos);
            CHECK_FALSE(f.retryable);
        }
    }
    CHECK(farm.gateway.results.empty());
}

TEST_CASE("heartbeats carry the renderer's progress", "[worker]") {
    Farm farm;
    // 48 blocks of 16x16 at many samples each: partial progress long before the end.
    farm.gateway.add_lease(farm.lease("l-progress", {0, 0, 128, 96}, 128, 96, 16384));
    auto agent = farm.agent("a1");
    auto partial = [&] {
        for (const auto& hb : farm.gateway.heartbeats)
            for (const auto& l : hb.at("leases").as_array()) {
                double p = l.at("progress").to_number<double>();
                if (l.at("lease_id").as_string() == "l-progress" && p > 0 && p < 1) return true;
            }
        return false;
    };
    CHECK(farm.gateway.wait_for(partial, 90s));
    agent.signal(SIGTERM);  // abandons the render
    auto rc = agent.wait(30s);
    INFO(agent.log());
    REQUIRE(rc == 0);
}
