// Render settings: a small JSON file read with nlohmann::json (already a tinygltf
// dependency), validated field by field so a bad value names itself.
#include "farm/scene/settings.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "farm/scene/scene.h"

namespace farm::scene {
namespace fs = std::filesystem;

void validate(const RenderSettings& s, const std::string& where) {
    auto fail = [&](const std::string& why) { throw SceneError(where + ": " + why); };
    if (s.width < 1 || s.height < 1 || s.width > kMaxResolution ||
        s.height > kMaxResolution)
        fail("resolution " + std::to_string(s.width) + "x" + std::to_string(s.height) +
             " is outside 1.." + std::to_string(kMaxResolution));
    if (s.spp < 1 || s.spp > kMaxSpp)
        fail("spp " + std::to_string(s.spp) + " is outside 1.." +
             std::to_string(kMaxSpp));
    if (s.max_depth < 1 || s.max_depth > kMaxDepth)
        fail("max_depth " + std::to_string(s.max_depth) + " is outside 1.." +
             std::to_string(kMaxDepth));
    if (!(s.clamp_indirect >= 0 && s.clamp_indirect <= 1e6))
        fail("clamp_indirect must be in 0..1e6 (0 = off)");
    if (!(s.filter_glossy >= 0 && s.filter_glossy <= 100))
        fail("filter_glossy must be in 0..100 (0 = off)");
    if (!(s.fps > 0 && s.fps <= 1000)) fail("fps must be in (0, 1000]");
    if (s.frame_end < s.frame_start) fail("frame range ends before it starts");
    if (s.frame_start < -1000000 || s.frame_end > 1000000) fail("frame range is absurd");
    if (s.output.empty()) fail("output name is empty");
}

RenderSettings load_settings(const fs::path& file) {
    const std::string where = file.string();
    std::ifstream in(file);
    if (!in) throw SceneError(where + ": cannot open settings file");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
        throw SceneError(where + ": not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw SceneError(where + ": expected a JSON object");
    RenderSettings s;
    try {
        if (!j.contains("scene")) throw SceneError("missing field 'scene'");
        s.scene = j.at("scene").get<std::string>();
        if (j.contains("frames")) {
            auto f = j.at("frames").get<std::vector<int>>();
            if (f.size() != 2) throw SceneError("'frames' must be [first, last]");
            s.frame_start = f[0];
            s.frame_end = f[1];
        }
        if (j.contains("fps")) s.fps = j.at("fps").get<double>();
        if (j.contains("resolution")) {
            auto r = j.at("resolution").get<std::vector<long long>>();
            if (r.size() != 2) throw SceneError("'resolution' must be [width, height]");
            // Clamp before narrowing so 1e12 is reported as out of range, not wrapped.
            s.width =
                static_cast<int>(std::clamp<long long>(r[0], -1, kMaxResolution + 1));
            s.height =
                static_cast<int>(std::clamp<long long>(r[1], -1, kMaxResolution + 1));
        }
        auto get_int = [&](const char* key, int& dst, long long hi) {
            if (j.contains(key))
                dst = static_cast<int>(
                    std::clamp<long long>(j.at(key).get<long long>(), -1, hi + 1));
        };
        get_int("spp", s.spp, kMaxSpp);
        get_int("max_depth", s.max_depth, kMaxDepth);
        if (j.contains("clamp_indirect"))
            s.clamp_indirect = j.at("clamp_indirect").get<double>();
        if (j.contains("filter_glossy")) s.filter_glossy = j.at("filter_glossy").get<double>();
        if (j.contains("camera")) s.camera = j.at("camera").get<std::string>();
        if (j.contains("output")) s.output = j.at("output").get<std::string>();
    } catch (const SceneError& e) {
        throw SceneError(where + ": " + e.what());
    } catch (const nlohmann::json::exception& e) {
        throw SceneError(where + ": wrong type in settings: " + e.what());
    }
    if (s.scene.is_relative()) s.scene = file.parent_path() / s.scene;
    s.scene = fs::absolute(s.scene).lexically_normal();
    validate(s, where);
    return s;
}

std::string output_name(const RenderSettings& s, int frame) {
    const std::string& p = s.output;
    const auto first = p.find('#');
    if (first == std::string::npos) return p;
    auto last = p.find_first_not_of('#', first);
    if (last == std::string::npos) last = p.size();
    std::string num = std::to_string(std::abs(frame));
    const std::size_t width = last - first;
    if (num.size() < width) num.insert(0, width - num.size(), '0');
    if (frame < 0) num.insert(0, "-");
    return p.substr(0, first) + num + p.substr(last);
}

RenderSettings resolve_project(const fs::path& path) {
    if (fs::is_directory(path)) {
        const fs::path settings = path / "render.json";
        if (!fs::is_regular_file(settings))
            throw SceneError(path.string() + ": folder has no render.json");
        return load_settings(settings);
    }
    if (!fs::is_regular_file(path))
        throw SceneError(path.string() + ": no such file or folder");
    const std::string ext = path.extension().string();
    if (ext == ".json") return load_settings(path);
    if (ext == ".gltf" || ext == ".glb") {
        RenderSettings s;
        s.scene = fs::absolute(path);
        return s;
    }
    throw SceneError(path.string() +
                     ": expected a project folder, a .json settings file, "
                     "or a .gltf/.glb scene");
}

}  // namespace farm::scene
