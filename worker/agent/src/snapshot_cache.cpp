#include "snapshot_cache.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <unordered_set>

#include "farm/transfer/error.h"
#include "farm/transfer/sync_client.h"
#include "gateway_api.h"

namespace farm::worker {

namespace fs = std::filesystem;
namespace tr = farm::transfer;

namespace {

constexpr std::size_t kBatchRawBytes = 16u << 20;  // per /chunks/fetch request

bool pid_alive(long pid) {
    return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
}

// Pack records: id[32] | u32le length | encoded chunk (transfer/PROTOCOL.md).
std::vector<std::pair<tr::ChunkId, tr::ByteView>> parse_pack(const std::string& body) {
    std::vector<std::pair<tr::ChunkId, tr::ByteView>> out;
    auto* p = reinterpret_cast<const std::uint8_t*>(body.data());
    std::size_t pos = 0, n = body.size();
    while (pos < n) {
        if (n - pos < 36)
            throw TransportError("chunk pack truncated at byte " + std::to_string(pos));
        tr::ChunkId id;
        std::memcpy(id.bytes.data(), p + pos, 32);
        std::uint32_t len = 0;
        for (int i = 0; i < 4; ++i) len |= std::uint32_t(p[pos + 32 + i]) << (8 * i);
        if (n - pos - 36 < len) throw TransportError("chunk pack record cut short");
        out.emplace_back(id, tr::ByteView(p + pos + 36, len));
        pos += 36 + len;
    }
    return out;
}

http::fields tenant_header(const std::string& tenant) {
    http::fields h;
    h.set("X-Farm-Tenant", tenant);
    h.set(http::field::content_type, "application/octet-stream");
    return h;
}

// Flushes the new folder's files before it becomes visible under its final name.
void sync_filesystem(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::syncfs(fd);
    ::close(fd);
}

}  // namespace

SnapshotCache::SnapshotCache(fs::path cache_dir)
    : dir_(std::move(cache_dir)), chunks_(dir_ / "chunks") {
    fs::create_directories(dir_ / "snapshots");
    std::error_code ec;
    for (const auto& tenant : fs::directory_iterator(dir_ / "snapshots", ec)) {
        for (const auto& e : fs::directory_iterator(tenant.path(), ec)) {
            std::string name = e.path().filename().string();
            if (!name.starts_with(".build-")) continue;
            if (!pid_alive(std::atol(name.c_str() + 7))) fs::remove_all(e.path(), ec);
        }
    }
}

fs::path SnapshotCache::ensure(HttpClient& http, const std::string& tenant,
                               const std::string& snapshot, FetchStats* stats) {
    FetchStats local;
    FetchStats& st = stats ? *stats : local;
    try {
        tr::validate_name(tenant, "tenant");
    } catch (const std::exception& e) {
        throw SnapshotError(e.what(), false);
    }
    auto id = tr::ChunkId::from_hex(snapshot);
    if (!id)
        throw SnapshotError("snapshot id '" + snapshot + "' is not 64 hex digits", false);
    const std::string hex = id->hex();
    fs::path final_dir = folder(tenant, hex);
    if (fs::is_directory(final_dir)) return final_dir;

    Reply r = http.request(http::verb::get, "/api/v1/snapshots/" + hex, {},
                           tenant_header(tenant));
    throw_if_server_error(r, "fetching snapshot " + hex);
    if (r.status != 200)
        throw SnapshotError("snapshot " + hex + ": gateway answered " +
                                std::to_string(r.status) + ": " + r.error_text(),
                            true);
    tr::ByteView manifest_bytes(reinterpret_cast<const std::uint8_t*>(r.body.data()),
                                r.body.size());
    if (tr::snapshot_id(manifest_bytes) != *id)
        throw TransportError("snapshot " + hex + " arrived corrupted");
    tr::Manifest manifest;
    try {
        manifest = tr::parse_manifest(manifest_bytes);
    } catch (const std::exception& e) {
        throw SnapshotError("snapshot " + hex + ": " + e.what(), false);
    }

    tr::TenantStore& store = chunks_.tenant(tenant);
    std::unordered_set<tr::ChunkId, tr::ChunkIdHash> seen;
    std::vector<std::vector<tr::ChunkId>> batches(1);
    std::size_t batch_raw = 0;
    for (const tr::Entry& e : manifest.entries) {
        for (const tr::ChunkRef& c : e.chunks) {
            if (!seen.insert(c.id).second || store.has_chunk(c.id)) continue;
            if (batch_raw + c.size > kBatchRawBytes && !batches.back().empty()) {
                batches.emplace_back();
                batch_raw = 0;
            }
            batches.back().push_back(c.id);
            batch_raw += c.size;
            ++st.chunks_needed;
        }
    }
    for (const auto& batch : batches) {
        if (batch.empty()) continue;
        std::string ids;
        for (const tr::ChunkId& c : batch) ids.append(c.bytes.begin(), c.bytes.end());
        Reply pack =
            http.request(http::verb::post, "/api/v1/chunks/fetch", std::move(ids),
                         tenant_header(tenant), std::chrono::seconds(300));
        throw_if_server_error(pack, "fetching chunks");
        if (pack.status != 200)
            throw SnapshotError("fetching chunks of " + hex + ": gateway answered " +
                                    std::to_string(pack.status) + ": " +
                                    pack.error_text(),
                                true);
        auto records = parse_pack(pack.body);
        try {
            store.put_chunks(records);  // verifies every hash before storing
        } catch (const tr::Error& e) {
            throw TransportError("chunks of " + hex + " arrived corrupted: " + e.what());
        }
        if (records.size() != batch.size())
            throw TransportError("gateway sent " + std::to_string(records.size()) +
                                 " of " + std::to_string(batch.size()) + " chunks");
        st.chunks_fetched += records.size();
        st.bytes_received += pack.body.size();
    }

    static std::atomic<unsigned> counter{0};
    fs::path build = dir_ / "snapshots" / tenant /
                     (".build-" + std::to_string(::getpid()) + "-" +
                      std::to_string(counter++) + "-" + hex);
    fs::create_directories(build.parent_path());
    try {
        tr::restore_folder(manifest, store, build);
        sync_filesystem(build);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(build, ec);
        throw;
    }
    if (::rename(build.c_str(), final_dir.c_str()) != 0) {
        int err = errno;
        std::error_code ec;
        fs::remove_all(build, ec);
        // Another agent (or slot) finished the same snapshot first: use theirs.
        if ((err == EEXIST || err == ENOTEMPTY) && fs::is_directory(final_dir))
            return final_dir;
        throw std::runtime_error("cannot rename " + build.string() + ": " +
                                 std::strerror(err));
    }
    st.materialized = true;
    return final_dir;
}

}  // namespace farm::worker
