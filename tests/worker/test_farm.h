// Shared fixture of the agent tests: a temp folder, a fake gateway holding the tiny
// sample project as a snapshot, leases for it, and the farm-worker command line.
#pragma once

#include <OpenImageIO/imageio.h>
#include <zstd.h>

#include <array>
#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "agent_process.h"
#include "fake_gateway.h"
#include "farm/transfer/sync_client.h"

namespace farm::test {

namespace fs = std::filesystem;
namespace json = boost::json;

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
inline std::string stage(farm::transfer::Store& store, const fs::path& dir) {
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
        farm::test::copy_project(fs::path(FARM_SOURCE_DIR) / "scenes/samples/tiny",
                                 project);
        if (broken_scene) std::ofstream(project / "tiny.gltf") << "{ this is not glTF";
        snapshot = stage(gateway.store(), project);
    }

    json::object lease(const std::string& id, std::array<int, 4> tile, int width = 48,
                       int height = 32, int spp = 2) {
        return json::object{{"lease_id", id},
                            {"task_id", "t-" + id},
                            {"job_id", "j-000001"},
                            {"tenant", "default"},
                            {"project", "tiny"},
                            {"snapshot", snapshot},
                            {"settings", "render.json"},
                            {"frame", 3},
                            {"tile", json::array{tile[0], tile[1], tile[2], tile[3]}},
                            {"width", width},
                            {"height", height},
                            {"spp", spp},
                            {"max_depth", 2},
                            {"camera", ""},
                            {"attempt", 0}};
    }

    AgentProcess agent(const std::string& name, std::vector<std::string> extra = {},
                       const fs::path& cache = {}) {
        std::vector<std::string> args{
            FARM_WORKER_BIN,
            "--gateway",
            gateway.url(),
            "--site",
            "test-west",
            "--name",
            name,
            "--cache",
            (cache.empty() ? tmp.path / "cache" : cache).string(),
            "--work",
            (tmp.path / ("work-" + name)).string(),
            "--renderer",
            FARM_RENDER_BIN,
            "--device",
            "cpu",
            "--lease-wait-s",
            "1",
            "--retry-max-s",
            "1"};
        args.insert(args.end(), extra.begin(), extra.end());
        return AgentProcess(args, tmp.path / (name + ".log"));
    }
};

inline std::string unzstd(const std::string& in) {
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
inline void check_tile_exr(const std::string& exr_bytes, const fs::path& scratch,
                           std::array<int, 4> tile, int width, int height) {
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

inline std::size_t count_entries(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return 0;
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// True when some heartbeat listed the lease in that state (call under the gateway lock).
inline bool reports(const FakeGateway& gateway, const std::string& lease_id,
                    const std::string& state) {
    for (const auto& hb : gateway.heartbeats)
        for (const auto& l : hb.at("leases").as_array())
            if (l.at("lease_id").as_string() == lease_id &&
                l.at("state").as_string() == state)
                return true;
    return false;
}

inline pid_t render_pid(const std::string& log_from_line) {
    return std::stoi(
        log_from_line.substr(std::string("rendering (farm-render pid ").size()));
}

}  // namespace farm::test
