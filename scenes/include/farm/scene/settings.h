// A project's render settings (a JSON file beside the scene, e.g. render.json):
// {
//   "scene": "shot.gltf", "frames": [1, 120], "fps": 24,
//   "resolution": [1280, 720], "spp": 64, "max_depth": 8,
//   "clamp_indirect": 10, "filter_glossy": 1,
//   "camera": "", "output": "shot.####.exr"
// }
#pragma once

#include <filesystem>
#include <string>

namespace farm::scene {

struct RenderSettings {
    std::filesystem::path scene;  // absolute once loaded
    int frame_start = 1, frame_end = 1;
    double fps = 24.0;
    int width = 640, height = 360;
    int spp = 16;
    int max_depth = 8;
    // Firefly controls, Cycles' defaults: clamp of one sample's indirect light (r+g+b)
    // and glossy filtering after blurry bounces; 0 = off.
    double clamp_indirect = 10.0;
    double filter_glossy = 1.0;
    std::string camera;  // empty = the scene's first camera
    std::string output = "frame.####.exr";

    // Scene time for a frame: t = frame / fps.
    double time_of(int frame) const { return frame / fps; }
};

// Limits that keep a bad request from exhausting memory or running for years.
inline constexpr int kMaxResolution = 16384;
inline constexpr int kMaxSpp = 1 << 16;
inline constexpr int kMaxDepth = 64;

// Reads and validates a settings file; relative paths resolve against its folder.
// Throws SceneError naming the file and the bad field.
RenderSettings load_settings(const std::filesystem::path& file);

// Throws SceneError (prefixed with `where`) when a field is out of range.
void validate(const RenderSettings& settings, const std::string& where);

// Output file name for a frame: a run of '#' becomes the zero-padded frame number.
std::string output_name(const RenderSettings& settings, int frame);

// A project argument may be a folder holding render.json, a settings .json file, or a
// .gltf/.glb scene (then defaults apply). Returns validated settings.
RenderSettings resolve_project(const std::filesystem::path& path);

}  // namespace farm::scene
