#include "farm/transfer/sync_server.h"

#include <boost/json.hpp>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "farm/transfer/error.h"
#include "pack.h"

namespace farm::transfer {

namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "/api/v1/";

struct Target {
    std::vector<std::string_view> parts;  // path after /api/v1/, split on '/'
    std::string_view query;
};

Target split_target(std::string_view target) {
    Target t;
    std::size_t q = target.find('?');
    if (q != std::string_view::npos) {
        t.query = target.substr(q + 1);
        target = target.substr(0, q);
    }
    target.remove_prefix(std::min(kPrefix.size(), target.size()));
    while (!target.empty()) {
        std::size_t slash = target.find('/');
        t.parts.push_back(target.substr(0, slash));
        if (slash == std::string_view::npos) break;
        target.remove_prefix(slash + 1);
    }
    return t;
}

std::string_view query_param(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) == key) {
            return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

ChunkId parse_id(std::string_view hex, std::string_view what) {
    auto id = ChunkId::from_hex(hex);
    if (!id) {
        throw Error(ErrorKind::bad_input,
                    std::string(what) + " must be 64 hex digits, got '" +
                        std::string(hex.substr(0, 80)) + "'");
    }
    return *id;
}

std::vector<ChunkId> parse_id_list(const std::string& body) {
    if (body.size() % 32 != 0) {
        throw Error(ErrorKind::bad_input, "id list length " + std::to_string(body.size()) +
                                              " is not a multiple of 32");
    }
    std::vector<ChunkId> ids(body.size() / 32);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        std::memcpy(ids[i].bytes.data(), body.data() + 32 * i, 32);
    }
    return ids;
}

Response make_response(const Request& req, http::status status, std::string body,
                       std::string_view content_type) {
    Response res{status, req.version()};
    res.set(http::field::content_type, content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

Response json_response(const Request& req, http::status status, const json::value& v) {
    return make_response(req, status, json::serialize(v), "application/json");
}

Response binary_response(const Request& req, std::string body) {
    return make_response(req, http::status::ok, std::move(body), "application/octet-stream");
}

ByteView body_bytes(const Request& req) {
    return {reinterpret_cast<const std::uint8_t*>(req.body().data()), req.body().size()};
}

std::string to_string(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

enum class Route { none, missing, upload, fetch, chunk, projects, snapshots, commit, manifest, gc };

// The one place that maps a method and path to an operation; accepts() and the handler
// both use it, so what the router advertises is exactly what is served.
Route route_of(http::verb verb, const Target& t) {
    const auto& p = t.parts;
    const bool get = verb == http::verb::get, post = verb == http::verb::post;
    switch (p.size()) {
        case 1:
            if (p[0] == "chunks" && post) return Route::upload;
            if (p[0] == "projects" && get) return Route::projects;
            if (p[0] == "gc" && post) return Route::gc;
            break;
        case 2:
            if (p[0] == "chunks" && p[1] == "missing" && post) return Route::missing;
            if (p[0] == "chunks" && p[1] == "fetch" && post) return Route::fetch;
            if (p[0] == "chunks" && get) return Route::chunk;
            if (p[0] == "snapshots" && get) return Route::manifest;
            break;
        case 3:
            if (p[0] == "projects" && p[2] == "snapshots") {
                if (get) return Route::snapshots;
                if (post) return Route::commit;
            }
            break;
    }
    return Route::none;
}

class Handler {
public:
    Handler(TenantStore& store, const Request& req) : store_(store), req_(req) {}

    Response run() {
        Target t = split_target(req_.target());
        const auto& p = t.parts;
        switch (route_of(req_.method(), t)) {
            case Route::missing: return missing();
            case Route::upload: return upload();
            case Route::fetch: return fetch();
            case Route::chunk:
                return binary_response(
                    req_, to_string(store_.get_chunk_encoded(parse_id(p[1], "chunk id"))));
            case Route::projects: return projects();
            case Route::snapshots: return snapshots(std::string(p[1]));
            case Route::commit: return commit(std::string(p[1]), t.query);
            case Route::manifest: return manifest(p[1], t.query);
            case Route::gc: return gc(t.query);
            case Route::none: break;
        }
        return error_response(req_, http::status::not_found,
                              "no route " + std::string(req_.method_string()) + " " +
                                  std::string(req_.target()));
    }

private:
    Response missing() {
        std::vector<ChunkId> ids = parse_id_list(req_.body());
        std::string out;
        for (const ChunkId& id : ids) {
            if (!store_.freshen_chunk(id)) out.append(id.bytes.begin(), id.bytes.end());
        }
        return binary_response(req_, std::move(out));
    }

    Response upload() {
        // Structure first (a truncated record fails here), then content: the store
        // verifies every chunk and keeps those before the first bad one.
        std::vector<std::pair<ChunkId, ByteView>> records;
        std::optional<Error> malformed;
        try {
            for_each_pack_record(body_bytes(req_), [&](const ChunkId& id, ByteView encoded) {
                records.emplace_back(id, encoded);
            });
        } catch (const Error& e) {
            malformed = e;
        }
        std::size_t stored = store_.put_chunks(records);
        if (malformed) throw *malformed;
        return json_response(req_, http::status::ok,
                             {{"stored", stored}, {"present", records.size() - stored}});
    }

    Response fetch() {
        std::vector<ChunkId> ids = parse_id_list(req_.body());
        json::array missing;
        for (const ChunkId& id : ids) {
            if (!store_.has_chunk(id)) missing.push_back(json::string(id.hex()));
        }
        if (!missing.empty()) {
            return json_response(req_, http::status::not_found,
                                 {{"error", "chunks not found"}, {"missing", missing}});
        }
        std::string pack;
        for (const ChunkId& id : ids) {
            append_pack_record(pack, id, store_.get_chunk_encoded(id));
            if (pack.size() > kMaxPackBytes) {
                throw Error(ErrorKind::too_large, "fetch asks for more than one pack holds");
            }
        }
        return binary_response(req_, std::move(pack));
    }

    Response projects() {
        json::array out;
        for (const std::string& name : store_.projects()) {
            auto snaps = store_.snapshots(name);
            if (snaps.empty()) continue;
            out.push_back({{"name", name},
                           {"snapshots", snaps.size()},
                           {"latest", snaps.back().id.hex()},
                           {"latest_unix_ns", snaps.back().created_unix_ns}});
        }
        return json_response(req_, http::status::ok, out);
    }

    Response snapshots(const std::string& project) {
        json::array out;
        for (const SnapshotInfo& s : store_.snapshots(project)) {
            out.push_back({{"id", s.id.hex()}, {"created_unix_ns", s.created_unix_ns}});
        }
        return json_response(req_, http::status::ok, out);
    }

    Response commit(const std::string& project, std::string_view query) {
        Bytes manifest(req_.body().begin(), req_.body().end());
        std::string_view base = query_param(query, "base");
        if (!base.empty()) {
            Bytes base_bytes = store_.get_snapshot(parse_id(base, "base snapshot id"));
            manifest = delta_decode(base_bytes, manifest, kMaxManifestBytes);
        }
        try {
            ChunkId id = store_.commit_snapshot(project, manifest);
            return json_response(req_, http::status::created,
                                 {{"snapshot", id.hex()}, {"project", project}});
        } catch (const MissingChunksError& e) {
            json::array ids;
            for (const ChunkId& id : e.ids()) ids.push_back(json::string(id.hex()));
            return json_response(req_, http::status::conflict,
                                 {{"error", e.what()},
                                  {"missing_total", e.total()},
                                  {"missing", ids}});
        }
    }

    Response manifest(std::string_view id_hex, std::string_view query) {
        Bytes bytes = store_.get_snapshot(parse_id(id_hex, "snapshot id"));
        std::string_view base = query_param(query, "base");
        if (!base.empty()) {
            ChunkId base_id = parse_id(base, "base snapshot id");
            if (store_.has_snapshot(base_id)) {
                Response res =
                    binary_response(req_, to_string(delta_encode(
                                              store_.get_snapshot(base_id), bytes)));
                res.set("X-Farm-Delta-Base", base_id.hex());
                return res;
            }
        }
        return binary_response(req_, to_string(bytes));
    }

    Response gc(std::string_view query) {
        long grace = 3600;
        std::string_view g = query_param(query, "grace_s");
        if (!g.empty()) {
            try {
                grace = std::stol(std::string(g));
            } catch (...) {
                grace = -1;
            }
            if (grace < 0) throw Error(ErrorKind::bad_input, "grace_s must be a number >= 0");
        }
        GcResult r = store_.collect_garbage(std::chrono::seconds(grace));
        return json_response(req_, http::status::ok,
                             {{"kept", r.chunks_kept},
                              {"removed", r.chunks_removed},
                              {"bytes_removed", r.bytes_removed}});
    }

    TenantStore& store_;
    const Request& req_;
};

http::status status_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::bad_input: return http::status::bad_request;
        case ErrorKind::not_found: return http::status::not_found;
        case ErrorKind::conflict: return http::status::conflict;
        case ErrorKind::too_large: return http::status::payload_too_large;
        case ErrorKind::corrupt:
        case ErrorKind::io: return http::status::internal_server_error;
    }
    return http::status::internal_server_error;
}

}  // namespace

Response error_response(const Request& request, http::status status,
                        std::string_view message) {
    return json_response(request, status, {{"error", message}});
}

bool SyncService::owns(std::string_view target) {
    if (target.substr(0, kPrefix.size()) != kPrefix) return false;
    Target t = split_target(target);
    if (t.parts.empty()) return false;
    auto first = t.parts[0];
    return first == "chunks" || first == "projects" || first == "snapshots" || first == "gc";
}

bool SyncService::accepts(http::verb method, std::string_view target) {
    return owns(target) && route_of(method, split_target(target)) != Route::none;
}

std::size_t SyncService::body_limit(http::verb method, std::string_view target) {
    if (method != http::verb::post && method != http::verb::put) return kMaxSmallBody;
    Target t = split_target(target);
    const auto& p = t.parts;
    if (p.size() == 1 && p[0] == "chunks") return kMaxPackBytes;
    if (p.size() == 2 && p[0] == "chunks") return kMaxIdListBytes;
    if (p.size() == 3 && p[0] == "projects") return kMaxManifestBytes;
    return kMaxSmallBody;
}

Response SyncService::handle(const Request& request, const std::string& tenant) {
    try {
        return Handler(store_.tenant(tenant), request).run();
    } catch (const Error& e) {
        return error_response(request, status_for(e.kind()), e.what());
    } catch (const std::exception& e) {
        return error_response(request, http::status::internal_server_error, e.what());
    }
}

}  // namespace farm::transfer
