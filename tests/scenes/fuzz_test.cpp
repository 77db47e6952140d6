// Damaged files must be refused with a SceneError, never crash or hang: flip, cut and
// overwrite bytes of the tiny sample (as .gltf JSON and as .bin) with a fixed seed.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "farm/scene/animation.h"
#include "farm/scene/load.h"

namespace fs = std::filesystem;
using namespace farm::scene;

namespace {
std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Loads the damaged copy; a scene that still loads must also evaluate.
void try_load(const fs::path& file, int& refused, int& loaded) {
    try {
        const Scene s = load_gltf(file);
        evaluate(s, 0.5f);
        ++loaded;
    } catch (const SceneError& e) {
        CHECK_THAT(e.what(), Catch::Contains(file.filename().string()) ||
                                 Catch::Contains("accessor") ||
                                 Catch::Contains("animation"));
        ++refused;
    }
}
}  // namespace

TEST_CASE("randomly damaged glTF and buffers are refused or load cleanly",
          "[scene][bad][fuzz]") {
    const fs::path src = fs::path(FARM_SOURCE_DIR) / "scenes/samples/tiny";
    const fs::path dir =
        fs::temp_directory_path() / ("farm_scene_fuzz_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(src, dir);
    const std::string json = slurp(src / "tiny.gltf"), bin = slurp(src / "tiny.bin");
    std::mt19937 rng(12345);
    int refused = 0, loaded = 0;
    for (int i = 0; i < 150; ++i) {
        std::string j = json, b = bin;
        std::string& target = (i % 3 == 2) ? b : j;
        switch (i % 4) {
            case 0:
                target.resize(rng() % target.size());
                break;  // truncate
            case 1:
                target[rng() % target.size()] = static_cast<char>(rng());
                break;  // one byte
            case 2:
                for (int k = 0; k < 8; ++k)
                    target[rng() % target.size()] = static_cast<char>(rng());
                break;
            default: {  // swap a digit for another: plausible JSON, wrong numbers
                const std::size_t at = j.find_first_of("0123456789", rng() % j.size());
                if (at != std::string::npos) j[at] = static_cast<char>('0' + rng() % 10);
            }
        }
        std::ofstream(dir / "tiny.gltf", std::ios::binary | std::ios::trunc) << j;
        std::ofstream(dir / "tiny.bin", std::ios::binary | std::ios::trunc) << b;
        try_load(dir / "tiny.gltf", refused, loaded);
    }
    CHECK(refused > 20);  // the damage is real: many copies are refused
    CHECK(refused + loaded == 150);
}
