// v1 of the synthetic animation project: the folder layout and sizes.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "gen_content.h"
#include "genproject.h"

namespace farm::bench {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kMiB = 1u << 20;

class V1Builder {
public:
    V1Builder(fs::path root, double scale, std::uint64_t seed)
        : root_(std::move(root)), scale_(scale), seed_(seed) {}

    // Bytes at this scale, never below `floor`.
    std::uint64_t sz(double bytes_at_scale_1, std::uint64_t floor = 4096) const {
        return std::max<std::uint64_t>(floor, std::llround(bytes_at_scale_1 * scale_));
    }
    Rng rng(const std::string& rel) const { return Rng(seed_, rel); }

    void text(const std::string& rel, const std::string& content, std::uint32_t mode = 0644) {
        FileWriter out(root_ / rel);
        out.put(content);
        finish(out, rel, mode);
    }
    void small(const std::string& rel, std::string_view kind, std::string_view name) {
        Rng r = rng(rel);
        text(rel, small_file_text(r, kind, name), kind == "py" ? 0755 : 0644);
    }
    void obj(const std::string& rel, std::uint64_t size) {
        FileWriter out(root_ / rel);
        Rng r = rng(rel);
        write_obj(out, r, size, fs::path(rel).stem().string());
        finish(out, rel, 0644);
    }
    void gltf(const std::string& rel, std::uint64_t size) {
        FileWriter out(root_ / rel);
        Rng r = rng(rel);
        write_gltf(out, r, size, fs::path(rel).stem().string());
        finish(out, rel, 0644);
    }
    void texture(const std::string& rel, std::uint64_t size) {
        FileWriter out(root_ / rel);
        Rng r = rng(rel);
        write_texture(out, r, size, fs::path(rel).extension().string());
        finish(out, rel, 0644);
    }
    void vtx_sequence(const std::string& dir, const std::string& name, std::uint32_t vertices,
                      std::uint32_t first, std::uint32_t count) {
        Rng r = rng(dir + "/" + name);
        std::vector<float> xyz = base_mesh(r, vertices);
        for (std::uint32_t f = first; f < first + count; ++f) {
            if (f != first) advance_frame(r, xyz);
            const std::string rel = dir + "/" + vtx_name(name, f);
            FileWriter out(root_ / rel);
            write_vtx_frame(out, f, xyz);
            finish(out, rel, 0644);
        }
    }
    void abc(const std::string& rel, std::uint32_t vertices, std::uint64_t size) {
        FileWriter out(root_ / rel);
        Rng r = rng(rel);
        std::vector<float> xyz = base_mesh(r, vertices);
        write_abc_header(out, vertices);
        for (std::uint32_t f = 1001; out.written() < size; ++f) {
            if (f != 1001) advance_frame(r, xyz);
            write_abc_frame(out, f, xyz);
        }
        finish(out, rel, 0644);
    }

    GenStats stats;

private:
    void finish(FileWriter& out, const std::string& rel, std::uint32_t mode) {
        out.close(mode, v1_mtime(rel));
        ++stats.files;
        stats.bytes += out.written();
    }
    fs::path root_;
    double scale_;
    std::uint64_t seed_;
};

constexpr std::array<std::string_view, 4> kChars = {"hero", "sidekick", "villain", "crowd_a"};
constexpr std::array<std::string_view, 8> kProps = {"lamp",  "crate",   "bicycle", "teapot",
                                                    "lantern", "bench", "barrel",  "sign"};
constexpr std::array<std::string_view, 7> kShots = {"sq010/sh0010", "sq010/sh0020",
                                                    "sq010/sh0030", "sq010/sh0040",
                                                    "sq020/sh0010", "sq020/sh0020",
                                                    "sq020/sh0030"};
constexpr std::array<std::string_view, 4> kLooks = {"skin", "eye", "hair", "cloth"};

}  // namespace

std::string vtx_name(std::string_view name, std::uint32_t frame) {
    char digits[16];
    std::snprintf(digits, sizeof digits, "%04u", frame);
    return std::string(name) + "." + digits + ".vtx";
}

std::int64_t v1_mtime(std::string_view rel) {
    return kBaseMtime + static_cast<std::int64_t>(fnv1a(rel) % (30 * 86400));
}

std::uint32_t cache_vertices(double scale) {
    return static_cast<std::uint32_t>(std::max(64.0, std::round(42000 * scale)));
}

GenStats generate_v1(const fs::path& root, double scale, std::uint64_t seed) {
    V1Builder b(root, scale, seed);
    const std::string s = "/";

    // Characters: geometry text, a glTF scene, rig, shaders, materials, UDIM textures.
    for (std::string_view cv : kChars) {
        const std::string c(cv), a = "assets/chars/" + c;
        Rng r = b.rng(a);
        b.obj(a + "/geo/" + c + "_body.obj", b.sz(12.0 * kMiB));
        b.obj(a + "/geo/" + c + "_cloth.obj", b.sz(6.0 * kMiB));
        b.gltf(a + s + c + ".gltf", b.sz(1.5 * kMiB));
        b.small(a + "/rig/" + c + "_rig.json", "rig", c + "_rig");
        for (std::string_view look : kLooks) {
            const std::string l(look);
            b.small(a + "/shaders/" + l + ".osl", "osl", c + "_" + l);
            b.small(a + "/materials/" + l + ".json", "material", c + "_" + l);
        }
        for (std::string_view map : {"diffuse", "normal", "rough", "spec"})
            for (std::string_view udim : {"1001", "1002"})
                b.texture("textures/chars/" + c + s + c + "_" + std::string(map) + "." +
                              std::string(udim) + ".exr",
                          b.sz(r.uniform(2.0, 6.0) * kMiB));
    }

    // Props: small geometry, a glTF, a shader, a material, three textures.
    for (std::string_view pv : kProps) {
        const std::string p(pv), a = "assets/props/" + p;
        Rng r = b.rng(a);
        b.obj(a + "/geo/" + p + ".obj", b.sz(r.uniform(1.0, 4.0) * kMiB));
        b.gltf(a + s + p + ".gltf", b.sz(0.2 * kMiB));
        b.small(a + "/shaders/" + p + ".glsl", "glsl", p);
        b.small(a + "/materials/" + p + ".json", "material", p);
        for (std::string_view map : {"diffuse", "normal", "rough"})
            b.texture("textures/props/" + p + s + p + "_" + std::string(map) + ".png",
                      b.sz(r.uniform(1.0, 3.0) * kMiB));
    }

    // Sets: the city holds two of the files over 300 MB (geometry text and a texture atlas).
    b.obj(std::string(kBigObj), b.sz(330.0 * kMiB));
    b.gltf("assets/sets/city/city.gltf", b.sz(3.0 * kMiB));
    b.texture("textures/sets/city/city_atlas.1001.exr", b.sz(310.0 * kMiB));
    b.obj("assets/sets/forest/geo/forest.obj", b.sz(10.0 * kMiB));
    b.gltf("assets/sets/forest/forest.gltf", b.sz(1.0 * kMiB));
    for (std::string_view t : {"city_ground", "city_facade", "city_roof"})
        b.texture("textures/sets/city/" + std::string(t) + ".tx", b.sz(8.0 * kMiB));
    for (std::string_view t : {"forest_bark", "forest_leaf", "forest_ground"})
        b.texture("textures/sets/forest/" + std::string(t) + ".tx", b.sz(8.0 * kMiB));

    // Caches: per-frame vertex caches (two characters in four shots, 48 frames each) and
    // one multi-frame crowd cache over 300 MB.
    const std::uint32_t verts = cache_vertices(scale);
    for (std::size_t i = 0; i < 4; ++i) {
        const std::string shot(kShots[i]);
        for (std::size_t k = 0; k < 2; ++k) {
            const std::string c(kChars[(i + k) % kChars.size()]);
            b.vtx_sequence("cache/" + shot + s + c, c, verts, 1001, 48);
        }
    }
    b.abc(std::string(kBigAbc),
          static_cast<std::uint32_t>(std::max(64.0, std::round(100000 * scale))),
          b.sz(320.0 * kMiB));

    // Shots: layout, camera, render settings, lighting, notes, per-character animation.
    for (std::string_view sv : kShots) {
        const std::string shot(sv), d = "shots/" + shot;
        b.small(d + "/layout.json", "layout", shot + "_layout");
        b.small(d + "/camera.json", "camera", shot + "_camera");
        b.small(d + "/render.json", "render", shot + "_render");
        b.small(d + "/lighting.json", "render", shot + "_lighting");
        b.small(d + "/notes.txt", "txt", shot);
        for (std::string_view c : kChars)
            b.small(d + "/anim/" + std::string(c) + "_anim.json", "rig",
                    shot + "_" + std::string(c));
    }

    // Libraries and pipeline: hundreds of small files.
    for (int i = 0; i < 120; ++i) {
        const std::string n = "lib_" + std::to_string(i);
        b.small("assets/shaders/lib/" + n + (i % 3 ? ".osl" : ".glsl"), i % 3 ? "osl" : "glsl", n);
        b.small("assets/materials/library/mat_" + std::to_string(i) + ".json", "material",
                "mat_" + std::to_string(i));
    }
    for (int i = 0; i < 40; ++i)
        b.small("scripts/pipeline/step_" + std::to_string(i) + ".py", "py",
                "step_" + std::to_string(i));
    for (int i = 0; i < 20; ++i)
        b.small("config/" + std::to_string(i) + "_site.yaml", "yaml", "site_" + std::to_string(i));
    b.text("README.txt", "XiXuan synthetic animation project (benchmark data, generated).\n");

    // One relative symlink inside the project and one empty folder.
    fs::create_directories(root / "shots/sq020/sh0030/comp");
    fs::create_symlink("../../../cache/sq010/sh0010/hero", root / "shots/sq010/sh0010/hero_cache");
    set_mode_mtime(root / "shots/sq010/sh0010/hero_cache", 0777, kBaseMtime);
    // Folder mtimes last (writing into a folder moves its mtime).
    for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.is_directory() && !entry.is_symlink())
            set_mode_mtime(entry.path(), 0755,
                           v1_mtime(fs::relative(entry.path(), root).generic_string()));
    set_mode_mtime(root, 0755, kBaseMtime);
    return b.stats;
}

}  // namespace farm::bench
