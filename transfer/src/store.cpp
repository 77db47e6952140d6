#include "farm/transfer/store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <unordered_set>

#include "farm/transfer/error.h"
#include "fs_util.h"

namespace farm::transfer {

namespace fs = std::filesystem;

MissingChunksError::MissingChunksError(std::vector<ChunkId> ids, std::size_t total)
    : std::runtime_error("snapshot names " + std::to_string(total) +
                         " chunk(s) the store does not hold, first " +
                         (ids.empty() ? std::string("?") : ids.front().hex())),
      ids_(std::move(ids)),
      total_(total) {}

void validate_name(std::string_view name, std::string_view what) {
    bool ok = !name.empty() && name.size() <= 64 && name.front() != '.';
    for (char c : name) {
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                    c == '-');
    }
    if (!ok) {
        std::string shown(name.substr(0, 80));
        std::replace(shown.begin(), shown.end(), '\0', '?');
        throw Error(ErrorKind::bad_input,
                    std::string(what) + " name '" + shown +
                        "' must be 1-64 characters of A-Z a-z 0-9 . _ - and not start "
                        "with '.'");
    }
}

TenantStore::TenantStore(const fs::path& root, const std::string& tenant) {
    validate_name(tenant, "tenant");
    dir_ = root / tenant;
    std::error_code ec;
    for (const char* sub : {"chunks", "snapshots", "projects", "tmp", "quarantine"}) {
        fs::create_directories(dir_ / sub, ec);
        if (ec) {
            throw Error(ErrorKind::io, "cannot create " + (dir_ / sub).string() + ": " +
                                           ec.message());
        }
    }
    // Leftovers of writes a crash interrupted: never renamed, so never visible. Temp
    // names start with the writer's pid; files of a live process (another worker sharing
    // this cache) are left alone.
    for (const auto& entry : fs::directory_iterator(dir_ / "tmp")) {
        std::string name = entry.path().filename().string();
        long pid = std::atol(name.c_str());
        bool alive = pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
        if (!alive || pid == ::getpid()) fs::remove_all(entry.path(), ec);
    }
    static const char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 256; ++i) {
        char name[3] = {kHex[i >> 4], kHex[i & 15], 0};
        fs::create_directory(dir_ / "chunks" / name, ec);
    }
}

fs::path TenantStore::chunk_path(const ChunkId& id) const {
    std::string hex = id.hex();
    return dir_ / "chunks" / hex.substr(0, 2) / hex;
}

bool TenantStore::has_chunk(const ChunkId& id) const {
    struct stat st;
    return ::stat(chunk_path(id).c_str(), &st) == 0;
}

bool TenantStore::freshen_chunk(const ChunkId& id) {
    return ::utimensat(AT_FDCWD, chunk_path(id).c_str(), nullptr, 0) == 0;
}

bool TenantStore::put_chunk(const ChunkId& id, ByteView encoded) {
    verify_chunk(id, encoded);
    fs::path target = chunk_path(id);
    if (has_chunk(id)) return false;
    detail::write_atomically(dir_ / "tmp", target, encoded);
    return true;
}

std::size_t TenantStore::put_chunks(std::span<const std::pair<ChunkId, ByteView>> chunks) {
    struct Pending {
        fs::path tmp, target;
    };
    std::vector<Pending> pending;
    std::unordered_set<ChunkId, ChunkIdHash> in_batch;
    std::optional<Error> failure;
    auto discard = [&] {
        std::error_code ec;
        for (const Pending& p : pending) fs::remove(p.tmp, ec);
    };
    try {
        for (std::size_t i = 0; i < chunks.size(); ++i) {
            const auto& [id, encoded] = chunks[i];
            try {
                verify_chunk(id, encoded);
            } catch (const Error& e) {
                failure.emplace(e.kind(), "chunk " + std::to_string(i) + " (" + id.hex() +
                                              "): " + e.what());
                break;
            }
            if (has_chunk(id) || !in_batch.insert(id).second) continue;
            fs::path target = chunk_path(id);
            fs::path tmp = dir_ / "tmp" /
                           (std::to_string(::getpid()) + ".b" + id.hex() + "." +
                            std::to_string(batch_counter_.fetch_add(1)));
            detail::write_unsynced(tmp, encoded);
            pending.push_back({tmp, target});
        }
        if (!pending.empty()) {
            detail::sync_filesystem(dir_);  // data durable before any name points at it
            for (const Pending& p : pending) {
                if (::rename(p.tmp.c_str(), p.target.c_str()) != 0) {
                    throw Error(ErrorKind::io, "cannot rename into " + p.target.string() +
                                                   ": " + detail::errno_text(errno));
                }
            }
            detail::sync_filesystem(dir_);  // and the names themselves
        }
    } catch (...) {
        discard();
        throw;
    }
    if (failure) throw *failure;
    return pending.size();
}

void TenantStore::quarantine(const ChunkId& id) const {
    std::error_code ec;
    fs::rename(chunk_path(id), dir_ / "quarantine" / id.hex(), ec);
}

Bytes TenantStore::get_chunk_encoded(const ChunkId& id) const {
    Bytes encoded = detail::read_file(chunk_path(id));
    try {
        verify_chunk(id, encoded);
    } catch (const Error& e) {
        quarantine(id);
        throw Error(ErrorKind::corrupt,
                    "stored chunk " + id.hex() + " is corrupt (" + e.what() +
                        "); moved to quarantine, push the project again to repair it");
    }
    return encoded;
}

Bytes TenantStore::get_chunk(const ChunkId& id) const {
    Bytes encoded = detail::read_file(chunk_path(id));
    try {
        return decode_and_verify(id, encoded);
    } catch (const Error& e) {
        quarantine(id);
        throw Error(ErrorKind::corrupt, "stored chunk " + id.hex() + " is corrupt (" +
                                            e.what() + "); moved to quarantine");
    }
}

std::uint64_t TenantStore::chunk_count() const {
    std::uint64_t n = 0;
    for (const auto& bucket : fs::directory_iterator(dir_ / "chunks")) {
        for ([[maybe_unused]] const auto& f : fs::directory_iterator(bucket.path())) ++n;
    }
    return n;
}

ChunkId TenantStore::commit_snapshot(const std::string& project, ByteView manifest_bytes) {
    validate_name(project, "project");
    Manifest manifest = parse_manifest(manifest_bytes);
    ChunkId id = snapshot_id(manifest_bytes);

    std::lock_guard lock(refs_mutex_);
    std::vector<ChunkId> missing;
    std::size_t missing_total = 0;
    std::unordered_set<ChunkId, ChunkIdHash> seen;
    for (const Entry& e : manifest.entries) {
        for (const ChunkRef& c : e.chunks) {
            if (!seen.insert(c.id).second) continue;
            if (!has_chunk(c.id)) {
                if (missing.size() < 1000) missing.push_back(c.id);
                ++missing_total;
            }
        }
    }
    if (missing_total) throw MissingChunksError(std::move(missing), missing_total);

    fs::path snapshot_file = dir_ / "snapshots" / id.hex();
    if (!fs::exists(snapshot_file)) {
        detail::write_atomically(dir_ / "tmp", snapshot_file, manifest_bytes);
    }
    fs::path log = dir_ / "projects" / project;
    Bytes lines;
    if (fs::exists(log)) lines = detail::read_file(log);
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    std::string line = std::to_string(now) + " " + id.hex() + "\n";
    lines.insert(lines.end(), line.begin(), line.end());
    detail::write_atomically(dir_ / "tmp", log, lines);
    return id;
}

bool TenantStore::has_snapshot(const ChunkId& id) const {
    return fs::exists(dir_ / "snapshots" / id.hex());
}

Bytes TenantStore::get_snapshot(const ChunkId& id) const {
    fs::path path = dir_ / "snapshots" / id.hex();
    if (!fs::exists(path)) throw Error(ErrorKind::not_found, "no snapshot " + id.hex());
    Bytes bytes = detail::read_file(path);
    if (snapshot_id(bytes) != id) {
        throw Error(ErrorKind::corrupt, "stored snapshot " + id.hex() + " is corrupt");
    }
    return bytes;
}

std::vector<std::string> TenantStore::projects() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_ / "projects")) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<SnapshotInfo> TenantStore::snapshots(const std::string& project) const {
    validate_name(project, "project");
    fs::path log = dir_ / "projects" / project;
    std::lock_guard lock(refs_mutex_);
    if (!fs::exists(log)) throw Error(ErrorKind::not_found, "no project " + project);
    Bytes bytes = detail::read_file(log);
    std::vector<SnapshotInfo> out;
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        std::size_t space = line.find(' ');
        SnapshotInfo info;
        auto id = space == std::string_view::npos ? std::nullopt
                                                  : ChunkId::from_hex(line.substr(space + 1));
        auto parsed = std::from_chars(line.data(), line.data() + space, info.created_unix_ns);
        if (!id || parsed.ec != std::errc()) {
            throw Error(ErrorKind::corrupt, "project log " + log.string() + " is corrupt");
        }
        info.id = *id;
        out.push_back(info);
    }
    return out;
}

GcResult TenantStore::collect_garbage(std::chrono::seconds grace) {
    std::lock_guard lock(refs_mutex_);
    std::unordered_set<ChunkId, ChunkIdHash> live;
    for (const auto& entry : fs::directory_iterator(dir_ / "snapshots")) {
        auto id = ChunkId::from_hex(entry.path().filename().string());
        if (!id) continue;
        Manifest m = parse_manifest(detail::read_file(entry.path()));
        for (const Entry& e : m.entries) {
            for (const ChunkRef& c : e.chunks) live.insert(c.id);
        }
    }
    GcResult result;
    auto cutoff = fs::file_time_type::clock::now() - grace;
    for (const auto& bucket : fs::directory_iterator(dir_ / "chunks")) {
        for (const auto& f : fs::directory_iterator(bucket.path())) {
            auto id = ChunkId::from_hex(f.path().filename().string());
            if (id && live.count(*id)) {
                ++result.chunks_kept;
                continue;
            }
            std::error_code ec;
            if (f.last_write_time(ec) > cutoff && !ec) {
                ++result.chunks_kept;  // young: may belong to a push not committed yet
                continue;
            }
            auto size = f.file_size(ec);
            if (fs::remove(f.path(), ec)) {
                ++result.chunks_removed;
                result.bytes_removed += size;
            }
        }
    }
    return result;
}

Store::Store(fs::path root) : root_(std::move(root)) {
    std::error_code ec;
    fs::create_directories(root_, ec);
    if (ec) throw Error(ErrorKind::io, "cannot create " + root_.string() + ": " + ec.message());
}

TenantStore& Store::tenant(const std::string& name) {
    validate_name(name, "tenant");
    std::lock_guard lock(mutex_);
    for (auto& [n, store] : tenants_) {
        if (n == name) return *store;
    }
    tenants_.emplace_back(name, std::make_unique<TenantStore>(root_, name));
    return *tenants_.back().second;
}

}  // namespace farm::transfer
