#include "gen_content.h"

#include <array>
#include <cmath>
#include <cstring>
#include <functional>

namespace farm::bench {

namespace {

constexpr std::array<std::string_view, 16> kWords = {
    "hero",   "cloth", "skin",  "hair",  "eye",   "metal",  "wood",  "glass",
    "rim",    "key",   "fill",  "bounce", "dust", "rust",   "paint", "leaf"};
constexpr std::array<std::string_view, 12> kParams = {
    "roughness", "metallic", "specular", "ior",   "sss_radius", "displacement",
    "exposure",  "gain",     "offset",   "scale", "rotation",   "opacity"};

std::string_view pick(Rng& rng, auto const& list) { return list[rng.below(list.size())]; }

void vec3(TextBuf& t, Rng& rng, double lo, double hi, int decimals) {
    t.add("[").num(rng.uniform(lo, hi), decimals).add(", ").num(rng.uniform(lo, hi), decimals);
    t.add(", ").num(rng.uniform(lo, hi), decimals).add("]");
}

}  // namespace

TextBuf& TextBuf::uint(std::uint64_t v) {
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    s.append(tmp + i, static_cast<std::size_t>(24 - i));
    return *this;
}

TextBuf& TextBuf::num(double v, int decimals) {
    static constexpr double kPow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    const std::int64_t scaled = std::llround(v * kPow10[decimals]);
    char tmp[32];
    int i = 32;
    std::uint64_t u = scaled < 0 ? 0 - static_cast<std::uint64_t>(scaled)
                                 : static_cast<std::uint64_t>(scaled);
    for (int d = 0; d < decimals; ++d) {
        tmp[--i] = static_cast<char>('0' + u % 10);
        u /= 10;
    }
    if (decimals > 0) tmp[--i] = '.';
    do {
        tmp[--i] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (scaled < 0) tmp[--i] = '-';
    s.append(tmp + i, static_cast<std::size_t>(32 - i));
    return *this;
}

// ---- geometry text ---------------------------------------------------------------------

void obj_text(Rng& rng, std::uint64_t target, std::string_view name,
              const std::function<void(std::string_view)>& sink) {
    TextBuf t;
    t.s.reserve(1u << 20);
    std::uint64_t emitted = 0;
    t.add("# XiXuan synthetic geometry\n# exported by objExport 2025.1\nmtllib ")
        .add(name)
        .add(".mtl\no ")
        .add(name)
        .add("\n");
    std::uint64_t base = 1;  // OBJ indices are 1-based and global
    double x = rng.uniform(-10, 10), y = rng.uniform(0, 5), z = rng.uniform(-10, 10);
    for (std::uint64_t group = 0; emitted + t.s.size() < target; ++group) {
        const unsigned n = 1000;
        t.add("g ").add(name).add("_part").uint(group).add("\nusemtl ").add(pick(rng, kWords));
        t.add("_mat\n");
        for (unsigned i = 0; i < n; ++i) {
            x += rng.uniform(-0.02, 0.02);
            y += rng.uniform(-0.02, 0.02);
            z += rng.uniform(-0.02, 0.02);
            t.add("v ").num(x, 6).add(" ").num(y, 6).add(" ").num(z, 6).add("\n");
        }
        for (unsigned i = 0; i < n; ++i)
            t.add("vt ").num(rng.uniform(), 6).add(" ").num(rng.uniform(), 6).add("\n");
        for (unsigned i = 0; i < n; ++i) {
            t.add("vn ").num(rng.uniform(-1, 1), 4).add(" ").num(rng.uniform(-1, 1), 4);
            t.add(" ").num(rng.uniform(-1, 1), 4).add("\n");
        }
        t.add("s 1\n");
        for (unsigned i = 0; i + 2 < n; ++i) {
            const std::uint64_t a = base + i, b = base + i + 1 + (i & 1), c = base + i + 2 - (i & 1);
            t.add("f ").uint(a).add("/").uint(a).add("/").uint(a).add(" ");
            t.add("").uint(b).add("/").uint(b).add("/").uint(b).add(" ");
            t.add("").uint(c).add("/").uint(c).add("/").uint(c).add("\n");
        }
        base += n;
        if (t.s.size() > (1u << 20)) {
            sink(t.s);
            emitted += t.s.size();
            t.s.clear();
        }
    }
    sink(t.s);
}

void write_obj(FileWriter& out, Rng& rng, std::uint64_t target, std::string_view name) {
    obj_text(rng, target, name, [&](std::string_view text) { out.put(text); });
}


std::string obj_insert_text(Rng& rng, std::size_t n) {
    TextBuf t;
    t.add("g inserted_detail\n");
    double x = rng.uniform(-10, 10), y = rng.uniform(0, 5), z = rng.uniform(-10, 10);
    while (t.s.size() + 48 < n) {
        x += rng.uniform(-0.02, 0.02);
        y += rng.uniform(-0.02, 0.02);
        z += rng.uniform(-0.02, 0.02);
        t.add("v ").num(x, 6).add(" ").num(y, 6).add(" ").num(z, 6).add("\n");
    }
    // Pad with one comment line to exactly n bytes.
    const std::size_t pad = n - t.s.size();
    t.s.append("#");
    t.s.append(pad - 2, '-');
    t.s.append("\n");
    return t.s;
}

void write_gltf(FileWriter& out, Rng& rng, std::uint64_t target, std::string_view name) {
    TextBuf t;
    t.add("{\n  \"asset\": {\"version\": \"2.0\", \"generator\": \"xixuan-bench\"},\n");
    t.add("  \"scene\": 0,\n  \"scenes\": [{\"name\": \"").add(name).add("\", \"nodes\": [0]}],\n");
    t.add("  \"nodes\": [\n");
    std::uint64_t i = 0;
    for (; out.written() + t.s.size() < target * 7 / 10; ++i) {
        t.add(i ? ",\n" : "").add("    {\"name\": \"").add(name).add("_").add(pick(rng, kWords));
        t.add("_").uint(i).add("\", \"translation\": ");
        vec3(t, rng, -50, 50, 5);
        t.add(", \"rotation\": [").num(rng.uniform(-1, 1), 7).add(", ").num(rng.uniform(-1, 1), 7);
        t.add(", ").num(rng.uniform(-1, 1), 7).add(", ").num(rng.uniform(-1, 1), 7);
        t.add("], \"scale\": [1, 1, 1], \"mesh\": ").uint(rng.below(64));
        t.add(", \"children\": [").uint(i + 1).add("]}");
        if (t.s.size() > (1u << 20)) {
            out.put(t.s);
            t.s.clear();
        }
    }
    t.add("\n  ],\n  \"animations\": [{\"name\": \"").add(name).add("_anim\", \"samplers\": [\n");
    for (std::uint64_t k = 0; out.written() + t.s.size() < target; ++k) {
        t.add(k ? ",\n" : "").add("    {\"input\": ").uint(2 * k).add(", \"output\": ");
        t.add("").uint(2 * k + 1).add(", \"interpolation\": \"LINEAR\", \"keys\": [");
        for (int j = 0; j < 24; ++j) t.add(j ? ", " : "").num(rng.uniform(-3, 3), 4);
        t.add("]}");
        if (t.s.size() > (1u << 20)) {
            out.put(t.s);
            t.s.clear();
        }
    }
    t.add("\n  ]}]\n}\n");
    out.put(t.s);
}

// ---- small pipeline files --------------------------------------------------------------

std::string small_file_text(Rng& rng, std::string_view kind, std::string_view name) {
    TextBuf t;
    const std::size_t target = 512 + rng.below(kind == "txt" ? 2048 : 12 * 1024);
    if (kind == "osl" || kind == "glsl") {
        const bool osl = kind == "osl";
        t.add("// ").add(name).add(" - generated shader\n");
        t.add(osl ? "shader " : "#version 450\nlayout(location = 0) out vec4 frag_color;\n");
        if (osl) t.add(name).add("(\n");
        for (int i = 0; t.s.size() < target / 3; ++i) {
            t.add(osl ? "    float " : "uniform float ").add(pick(rng, kParams)).add("_").uint(i);
            t.add(" = ").num(rng.uniform(0, 4), 4).add(osl ? ",\n" : ";\n");
        }
        t.add(osl ? "    output color Cout = 0)\n{\n" : "void main() {\n");
        for (int i = 0; t.s.size() < target; ++i) {
            t.add("    ").add(osl ? "color" : "vec3").add(" c").uint(i).add(" = mix(c");
            t.add("").uint(i ? i - 1 : 0).add(", ").add(osl ? "color(" : "vec3(");
            t.add("").num(rng.uniform(), 4).add(", ").num(rng.uniform(), 4).add(", ");
            t.add("").num(rng.uniform(), 4).add("), ").num(rng.uniform(), 3).add(");\n");
        }
        t.add("}\n");
    } else if (kind == "py") {
        t.add("#!/usr/bin/env python3\n\"\"\"").add(name).add(": pipeline step.\"\"\"\n");
        t.add("import json\nimport os\nimport sys\n\n");
        for (int i = 0; t.s.size() < target; ++i) {
            t.add("\ndef step_").uint(i).add("_").add(pick(rng, kWords)).add("(shot, frame):\n");
            t.add("    path = os.path.join(shot, \"").add(pick(rng, kWords)).add("\")\n");
            t.add("    value = frame * ").num(rng.uniform(0, 2), 3).add(" + ");
            t.add("").num(rng.uniform(-1, 1), 3).add("\n    return path, value\n");
        }
        t.add("\nif __name__ == \"__main__\":\n    sys.exit(0)\n");
    } else if (kind == "yaml") {
        t.add("# ").add(name).add("\nversion: 3\n");
        for (int i = 0; t.s.size() < target; ++i) {
            t.add(pick(rng, kWords)).add("_").uint(i).add(":\n  enabled: ");
            t.add(rng.below(2) ? "true" : "false").add("\n  ").add(pick(rng, kParams));
            t.add(": ").num(rng.uniform(0, 10), 3).add("\n");
        }
    } else if (kind == "txt") {
        t.add("Notes for ").add(name).add("\n");
        while (t.s.size() < target) {
            t.add("- ").add(pick(rng, kWords)).add(" pass: adjust ").add(pick(rng, kParams));
            t.add(" by ").num(rng.uniform(-1, 1), 2).add("\n");
        }
    } else {  // JSON: material, render, layout, camera, rig
        t.add("{\n  \"name\": \"").add(name).add("\",\n  \"kind\": \"").add(kind).add("\",\n");
        t.add("  \"entries\": [\n");
        for (int i = 0; t.s.size() < target; ++i) {
            t.add(i ? ",\n" : "").add("    {\"id\": \"").add(pick(rng, kWords)).add("_").uint(i);
            t.add("\", \"").add(pick(rng, kParams)).add("\": ").num(rng.uniform(0, 10), 4);
            t.add(", \"xform\": ");
            vec3(t, rng, -20, 20, 4);
            t.add("}");
        }
        t.add("\n  ]\n}\n");
    }
    return t.s;
}

std::string edit_text(Rng& rng, std::size_t n) {
    TextBuf t;
    while (t.s.size() < n) {
        t.add("  ").add(pick(rng, kParams)).add("_").add(pick(rng, kWords)).add(" ");
        t.num(rng.uniform(-100, 100), 5).add(" ").num(rng.uniform(-1, 1), 6).add("\n");
    }
    t.s.resize(n);
    t.s.back() = '\n';
    return t.s;
}

// ---- vertex caches ---------------------------------------------------------------------

std::vector<float> base_mesh(Rng& rng, std::uint32_t vertices) {
    std::vector<float> xyz(static_cast<std::size_t>(vertices) * 3);
    const double major = rng.uniform(0.5, 2.0), minor = rng.uniform(0.1, 0.4);
    const std::uint32_t ring = std::max<std::uint32_t>(8, static_cast<std::uint32_t>(
                                                              std::sqrt(double(vertices))));
    for (std::uint32_t i = 0; i < vertices; ++i) {
        const double u = 2 * M_PI * (i / ring) / double(ring), v = 2 * M_PI * (i % ring) / ring;
        const double r = minor * (1 + 0.05 * rng.uniform(-1, 1));
        xyz[3 * i + 0] = static_cast<float>((major + r * std::cos(v)) * std::cos(u));
        xyz[3 * i + 1] = static_cast<float>(r * std::sin(v) + 1.0);
        xyz[3 * i + 2] = static_cast<float>((major + r * std::cos(v)) * std::sin(u));
    }
    return xyz;
}

void advance_frame(Rng& rng, std::vector<float>& xyz) {
    const std::size_t vertices = xyz.size() / 3;
    // A few regions (limbs, cloth panels) move; everything else keeps its exact bits.
    const int regions = 2 + static_cast<int>(rng.below(4));
    for (int r = 0; r < regions; ++r) {
        const std::size_t len = std::max<std::size_t>(1, vertices / (16 + rng.below(48)));
        const std::size_t start = rng.below(vertices - std::min(len, vertices - 1));
        const double dx = rng.uniform(-1e-3, 1e-3), dy = rng.uniform(-1e-3, 1e-3),
                     dz = rng.uniform(-1e-3, 1e-3);
        for (std::size_t i = start; i < std::min(vertices, start + len); ++i) {
            const double jitter = 1 + 0.1 * rng.uniform(-1, 1);
            xyz[3 * i + 0] += static_cast<float>(dx * jitter);
            xyz[3 * i + 1] += static_cast<float>(dy * jitter);
            xyz[3 * i + 2] += static_cast<float>(dz * jitter);
        }
    }
}

void write_vtx_frame(FileWriter& out, std::uint32_t frame, const std::vector<float>& xyz) {
    std::uint8_t header[64] = {'X', 'V', 'T', 'X', '0', '0', '0', '1'};
    const std::uint32_t count = static_cast<std::uint32_t>(xyz.size() / 3);
    const float time = static_cast<float>(frame) / 24.0f;
    std::memcpy(header + 8, &frame, 4);
    std::memcpy(header + 12, &count, 4);
    std::memcpy(header + 16, &time, 4);
    out.put(header, sizeof header);
    out.put(xyz.data(), xyz.size() * sizeof(float));
}

void write_abc_header(FileWriter& out, std::uint32_t vertices) {
    std::uint8_t header[kAbcHeaderSize] = {'X', 'A', 'B', 'C', '0', '0', '0', '1'};
    std::memcpy(header + 8, &vertices, 4);
    const char note[] = "xixuan synthetic multi-frame vertex cache; frames appended";
    std::memcpy(header + 16, note, sizeof note);
    out.put(header, sizeof header);
}

void write_abc_frame(FileWriter& out, std::uint32_t frame, const std::vector<float>& xyz) {
    std::uint8_t header[kAbcFrameHeaderSize] = {'F', 'R', 'A', 'M'};
    const std::uint64_t bytes = xyz.size() * sizeof(float);
    std::memcpy(header + 4, &frame, 4);
    std::memcpy(header + 8, &bytes, 8);
    out.put(header, sizeof header);
    out.put(xyz.data(), bytes);
}

// ---- textures --------------------------------------------------------------------------

void write_texture(FileWriter& out, Rng& rng, std::uint64_t size, std::string_view ext) {
    std::string header;
    if (ext == ".exr") {
        header.assign("\x76\x2f\x31\x01\x02\x00\x00\x00", 8);
        header += "channels\0chlist\0";
        header.append("\x25\x00\x00\x00", 4);
        header += std::string("A\0\x01\0\0\0\0\0\0\0\x01\0\0\0\x01\0\0\0", 18);
        header += "compression\0compression\0";
        header.append("\x01\x00\x00\x00\x00", 5);
    } else if (ext == ".png") {
        header.assign("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    } else {
        header.assign("II*\0", 4);
    }
    header.resize(std::min<std::uint64_t>(header.size(), size));
    out.put(header);
    out.put_random(rng, size - header.size());
}

}  // namespace farm::bench
