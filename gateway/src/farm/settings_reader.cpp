#include "farm/settings_reader.h"

#include <boost/json.hpp>

#include "farm/engine.h"
#include "farm/transfer/manifest.h"

namespace farm::gateway {

namespace {

constexpr std::size_t kMaxSettingsBytes = 1u << 20;

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    throw ApiError(bhttp::status::bad_request, "settings " + path + ": " + what);
}

int int_field(const json::object& o, const char* key, int fallback, int lo, int hi,
              const std::string& path) {
    const json::value* v = o.if_contains(key);
    if (!v) return fallback;
    if (!v->is_int64() && !v->is_uint64()) bad(path, std::string("'") + key + "' is not an integer");
    const auto n = v->to_number<std::int64_t>();
    if (n < lo || n > hi)
        bad(path, std::string("'") + key + "' out of range [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
    return static_cast<int>(n);
}

}  // namespace

std::string output_stem(const std::string& pattern) {
    std::string name = pattern;
    if (auto slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);
    if (auto hash = name.find('#'); hash != std::string::npos) name = name.substr(0, hash);
    else if (auto dot = name.rfind('.'); dot != std::string::npos) name = name.substr(0, dot);
    while (!name.empty() && (name.back() == '.' || name.back() == '_')) name.pop_back();
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    if (name.empty() || name[0] == '.') name = "frame";
    return name;
}

JobSettings read_settings(transfer::TenantStore& store, const std::string& snapshot_hex,
                          const std::string& path) {
    const auto parsed = transfer::ChunkId::from_hex(snapshot_hex);
    if (!parsed) throw ApiError(bhttp::status::bad_request, "'snapshot' is not a 64-hex snapshot id");
    const transfer::ChunkId id = *parsed;
    if (!store.has_snapshot(id)) throw ApiError(bhttp::status::not_found, "no snapshot " + snapshot_hex);
    const transfer::Bytes bytes = store.get_snapshot(id);
    const transfer::Manifest manifest = transfer::parse_manifest(bytes);
    const transfer::Entry* entry = nullptr;
    for (const auto& e : manifest.entries)
        if (e.path == path && e.kind == transfer::EntryKind::file) entry = &e;
    if (!entry) throw ApiError(bhttp::status::not_found, "'settings': no file " + path + " in the snapshot");
    if (entry->size > kMaxSettingsBytes) bad(path, "larger than 1 MiB");
    std::string text;
    for (const auto& c : entry->chunks) {
        const transfer::Bytes raw = store.get_chunk(c.id);
        text.append(reinterpret_cast<const char*>(raw.data()), raw.size());
    }
    boost::system::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec || !doc.is_object()) bad(path, "not a JSON object");
    const json::object& o = doc.as_object();
    JobSettings s;
    if (const json::value* f = o.if_contains("frames")) {
        if (!f->is_array() || f->as_array().size() != 2 || !f->as_array()[0].is_number() ||
            !f->as_array()[1].is_number())
            bad(path, "'frames' is not [first, last]");
        s.frame_start = f->as_array()[0].to_number<int>();
        s.frame_end = f->as_array()[1].to_number<int>();
    }
    if (const json::value* r = o.if_contains("resolution")) {
        if (!r->is_array() || r->as_array().size() != 2) bad(path, "'resolution' is not [w, h]");
        s.width = r->as_array()[0].to_number<int>();
        s.height = r->as_array()[1].to_number<int>();
    }
    if (const json::value* f = o.if_contains("fps")) {
        if (!f->is_number() || f->to_number<double>() <= 0) bad(path, "'fps' must be > 0");
        s.fps = f->to_number<double>();
    }
    s.spp = int_field(o, "spp", s.spp, 1, kMaxSpp, path);
    s.max_depth = int_field(o, "max_depth", s.max_depth, 1, kMaxDepth, path);
    if (const json::value* c = o.if_contains("camera"); c && c->is_string())
        s.camera = std::string(c->as_string());
    if (const json::value* c = o.if_contains("output"); c && c->is_string())
        s.output = std::string(c->as_string());
    return s;
}

}  // namespace farm::gateway
