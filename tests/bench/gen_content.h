// Content of the synthetic animation project: ASCII geometry (OBJ, glTF JSON), small
// pipeline files (shaders, JSON, Python, YAML), per-frame vertex caches and texture bytes.
// Every function is deterministic in its Rng.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bench_rng.h"
#include "gen_writer.h"

namespace farm::bench {

// A std::string with fast fixed-point number formatting.
class TextBuf {
public:
    std::string s;
    TextBuf& add(std::string_view text) {
        s.append(text);
        return *this;
    }
    TextBuf& uint(std::uint64_t v);
    // `v` with exactly `decimals` digits after the point, e.g. num(-1.5, 3) -> "-1.500".
    TextBuf& num(double v, int decimals);
};

// OBJ text of about `target` bytes (groups of vertices, uvs, normals and faces), handed
// to `sink` in pieces of ~1 MiB.
void obj_text(Rng& rng, std::uint64_t target, std::string_view name,
              const std::function<void(std::string_view)>& sink);
void write_obj(FileWriter& out, Rng& rng, std::uint64_t target, std::string_view name);
// Exactly `n` bytes of OBJ-like text lines (vertex lines, padded with a comment line), for
// insertions into an existing OBJ; `n` >= 16.
std::string obj_insert_text(Rng& rng, std::size_t n);

// glTF 2.0 JSON scene description (nodes, meshes, materials, animations) of about `target`.
void write_gltf(FileWriter& out, Rng& rng, std::uint64_t target, std::string_view name);

// Small files; `kind` picks a template: "osl", "glsl", "material", "render", "layout",
// "camera", "rig", "py", "yaml", "txt". Sizes are ~0.5-16 KB.
std::string small_file_text(Rng& rng, std::string_view kind, std::string_view name);

// Replacement text for an edit of a text file: `n` bytes that look like the file kind
// (numbers and identifiers), ending in a newline.
std::string edit_text(Rng& rng, std::size_t n);

// Vertex caches. A mesh is `vertices` xyz float32 triples; a frame is a small perturbation
// of the previous one (a few contiguous regions move, the rest is bit-identical), the way
// simulated or skinned caches behave.
std::vector<float> base_mesh(Rng& rng, std::uint32_t vertices);
void advance_frame(Rng& rng, std::vector<float>& xyz);

// One per-frame cache file (.vtx): 64-byte header then the float array.
void write_vtx_frame(FileWriter& out, std::uint32_t frame, const std::vector<float>& xyz);
// A multi-frame cache (.abc-like): file header once, then per frame a 32-byte record
// header and the float array. Appending frames only appends bytes.
inline constexpr std::size_t kAbcHeaderSize = 128;
inline constexpr std::size_t kAbcFrameHeaderSize = 32;
void write_abc_header(FileWriter& out, std::uint32_t vertices);
void write_abc_frame(FileWriter& out, std::uint32_t frame, const std::vector<float>& xyz);

// Texture: a format-looking header (by extension: .exr, .png, .tx) then random bytes.
void write_texture(FileWriter& out, Rng& rng, std::uint64_t size, std::string_view ext);

}  // namespace farm::bench
