// Reads a project's render settings JSON straight out of a stored snapshot: the manifest
// names the file's chunks, which concatenate to its bytes. Parsed here with Boost.JSON
// (the fields of farm::scene::RenderSettings) so the gateway needs no scene library.
#pragma once

#include <string>

#include "farm/transfer/store.h"

namespace farm::gateway {

struct JobSettings {
    int frame_start = 1, frame_end = 1;
    double fps = 24.0;
    int width = 640, height = 360, spp = 16, max_depth = 8;
    std::string camera;
    std::string output = "frame.####.exr";
};

// The same limits as farm::scene (settings.h).
inline constexpr int kMaxResolution = 16384;
inline constexpr int kMaxSpp = 1 << 16;
inline constexpr int kMaxDepth = 64;

// Throws ApiError 404 when the file is not in the snapshot, 400 naming the bad field.
JobSettings read_settings(transfer::TenantStore& store, const std::string& snapshot_hex,
                          const std::string& path);

// "shot.####.exr" -> "shot": the stem the stitcher names frames with.
std::string output_stem(const std::string& pattern);

}  // namespace farm::gateway
