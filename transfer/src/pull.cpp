#include <fcntl.h>
#include <sys/stat.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <mutex>
#include <thread>

#include "client_cache.h"
#include "farm/transfer/error.h"
#include "farm/transfer/http_client.h"
#include "farm/transfer/sync_client.h"
#include "fs_util.h"
#include "pack.h"
#include "snapshot_builder.h"

namespace farm::transfer {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {

std::vector<SnapshotInfo> snapshots_of(HttpConnection& conn, const std::string& project) {
    validate_name(project, "project");
    auto reply = conn.request(http::verb::get, "/api/v1/projects/" + project + "/snapshots");
    expect_success(reply, "listing snapshots of " + project);
    std::vector<SnapshotInfo> out;
    // Keep the parsed document alive: a range-for over a member of a temporary dangles.
    boost::json::value doc = boost::json::parse(reply.body);
    for (const auto& v : doc.as_array()) {
        SnapshotInfo info;
        info.id = *ChunkId::from_hex(std::string(v.at("id").as_string()));
        info.created_unix_ns = v.at("created_unix_ns").to_number<std::int64_t>();
        out.push_back(info);
    }
    return out;
}

ChunkId resolve(HttpConnection& conn, const std::string& spec) {
    std::size_t at = spec.find('@');
    std::string project = spec.substr(0, at);
    auto snaps = snapshots_of(conn, project);
    if (snaps.empty()) throw Error(ErrorKind::not_found, "project " + project + " is empty");
    if (at == std::string::npos) return snaps.back().id;
    std::string prefix = spec.substr(at + 1);
    for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (prefix.size() < 8 || prefix.size() > 64 ||
        prefix.find_first_not_of("0123456789abcdef") != std::string::npos) {
        throw Error(ErrorKind::bad_input,
                    "snapshot must be 8 to 64 hex digits, got '" + prefix + "'");
    }
    std::optional<ChunkId> found;
    for (const SnapshotInfo& s : snaps) {
        if (s.id.hex().compare(0, prefix.size(), prefix) != 0) continue;
        if (found && *found != s.id) {
            throw Error(ErrorKind::bad_input, "snapshot prefix " + prefix + " is ambiguous");
        }
        found = s.id;
    }
    if (!found) {
        throw Error(ErrorKind::not_found, "project " + project + " has no snapshot " + prefix);
    }
    return *found;
}

Bytes manifest_bytes(HttpConnection& conn, const detail::ClientCache& cache, const ChunkId& id) {
    if (auto cached = cache.manifest(id)) return *cached;
    auto reply = conn.request(http::verb::get, "/api/v1/snapshots/" + id.hex());
    expect_success(reply, "fetching snapshot " + id.hex());
    Bytes bytes(reply.body.begin(), reply.body.end());
    if (snapshot_id(bytes) != id) {
        throw Error(ErrorKind::io, "snapshot " + id.hex() + " arrived corrupted");
    }
    cache.remember_manifest(id, bytes);
    return bytes;
}

// Fetches `ids` (with their raw sizes) into `cache` over several connections, in
// batches of about 16 MiB.
void fetch_chunks(const Endpoint& endpoint, const std::vector<ChunkRef>& refs,
                  TenantStore& cache, const PullOptions& options, PullResult& result) {
    std::vector<std::vector<ChunkId>> batches(1);
    std::size_t batch_raw = 0;
    for (const ChunkRef& r : refs) {
        if (batch_raw + r.size > (16u << 20) && !batches.back().empty()) {
            batches.emplace_back();
            batch_raw = 0;
        }
        batches.back().push_back(r.id);
        batch_raw += r.size;
    }
    std::mutex mutex;
    std::size_t next = 0;
    std::exception_ptr error;
    auto run = [&] {
        HttpConnection conn(endpoint);
        while (true) {
            std::vector<ChunkId>* batch;
            {
                std::lock_guard lock(mutex);
                if (next == batches.size() || error) break;
                batch = &batches[next++];
            }
            try {
                std::string body;
                for (const ChunkId& id : *batch) body.append(id.bytes.begin(), id.bytes.end());
                auto reply = conn.request(http::verb::post, "/api/v1/chunks/fetch", std::move(body));
                expect_success(reply, "fetching chunks");
                std::vector<std::pair<ChunkId, ByteView>> records;
                for_each_pack_record(
                    {reinterpret_cast<const std::uint8_t*>(reply.body.data()), reply.body.size()},
                    [&](const ChunkId& id, ByteView encoded) { records.emplace_back(id, encoded); });
                cache.put_chunks(records);  // verifies every hash
                std::size_t count = records.size();
                if (count != batch->size()) {
                    throw Error(ErrorKind::io, "gateway returned " + std::to_string(count) +
                                                   " of " + std::to_string(batch->size()) +
                                                   " chunks");
                }
                if (options.progress) options.progress->bytes_received += reply.body.size();
            } catch (...) {
                std::lock_guard lock(mutex);
                if (!error) error = std::current_exception();
            }
        }
        std::lock_guard lock(mutex);
        result.bytes_received += conn.bytes_received();
    };
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < std::max(1u, options.connections); ++i) threads.emplace_back(run);
    for (auto& t : threads) t.join();
    if (error) std::rethrow_exception(error);
    result.chunks_fetched += refs.size();
}

void write_file(const fs::path& path, const Entry& e, const TenantStore& cache) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw Error(ErrorKind::io, "cannot create " + path.string() + ": " +
                                       detail::errno_text(errno));
    }
    for (const ChunkRef& c : e.chunks) {
        Bytes raw = cache.get_chunk(c.id);
        if (raw.size() != c.size) {
            ::close(fd);
            throw Error(ErrorKind::corrupt, "chunk " + c.id.hex() + " has the wrong size");
        }
        try {
            detail::write_all(fd, raw, path);
        } catch (...) {
            ::close(fd);
            throw;
        }
    }
    ::fchmod(fd, e.mode);
    struct timespec times[2] = {{0, UTIME_OMIT},
                                {e.mtime_ns / 1'000'000'000, e.mtime_ns % 1'000'000'000}};
    ::futimens(fd, times);
    ::close(fd);
}

void set_mtime(const fs::path& path, std::int64_t mtime_ns) {
    struct timespec times[2] = {{0, UTIME_OMIT},
                                {mtime_ns / 1'000'000'000, mtime_ns % 1'000'000'000}};
    ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

// Writes the tree: folders first, files in parallel, symlinks last (so nothing is ever
// written through a link), then folder modes and times deepest first.
void materialize(const Manifest& m, const fs::path& dest, const TenantStore& cache) {
    for (const Entry& e : m.entries) {
        fs::path p = dest / e.path;
        if (e.kind == EntryKind::directory) fs::create_directories(p);
        else fs::create_directories(p.parent_path());
    }
    std::vector<const Entry*> files;
    for (const Entry& e : m.entries) {
        if (e.kind == EntryKind::file) files.push_back(&e);
    }
    tbb::parallel_for(std::size_t{0}, files.size(), [&](std::size_t i) {
        write_file(dest / files[i]->path, *files[i], cache);
    });
    for (const Entry& e : m.entries) {
        if (e.kind != EntryKind::symlink) continue;
        fs::create_symlink(e.link_target, dest / e.path);
    }
    for (auto it = m.entries.rbegin(); it != m.entries.rend(); ++it) {
        if (it->kind != EntryKind::directory) continue;
        fs::path p = dest / it->path;
        ::chmod(p.c_str(), it->mode);
        set_mtime(p, it->mtime_ns);
    }
}

}  // namespace

PullResult pull(const Endpoint& endpoint, const std::string& spec, const fs::path& dest,
                const PullOptions& options) {
    auto start = std::chrono::steady_clock::now();
    std::error_code ec;
    if (fs::exists(dest, ec) && !(fs::is_directory(dest, ec) && fs::is_empty(dest, ec))) {
        throw Error(ErrorKind::bad_input, "destination " + dest.string() +
                                              " exists and is not an empty folder");
    }
    HttpConnection conn(endpoint);
    detail::ClientCache client_cache(options.cache_dir, endpoint);
    PullResult result;
    result.snapshot = resolve(conn, spec);
    Manifest m = parse_manifest(manifest_bytes(conn, client_cache, result.snapshot));

    // Chunks land in a local store first (verified), so an interrupted pull resumes and a
    // second pull of a similar snapshot fetches only the difference.
    fs::path cache_root = client_cache.chunk_dir();
    fs::path scratch;
    if (cache_root.empty()) {
        scratch = dest.parent_path() / (".farm-pull-" + std::to_string(::getpid()));
        cache_root = scratch;
    }
    struct Cleanup {
        fs::path dir;
        ~Cleanup() {
            std::error_code ec;
            if (!dir.empty()) fs::remove_all(dir, ec);
        }
    } cleanup{scratch};
    TenantStore cache(cache_root, "chunks");

    detail::ChunkIdSet seen;
    std::vector<ChunkRef> needed;
    for (const Entry& e : m.entries) {
        for (const ChunkRef& c : e.chunks) {
            if (!seen.insert(c.id).second) continue;
            if (cache.has_chunk(c.id)) ++result.chunks_from_cache;
            else needed.push_back(c);
        }
    }
    if (options.progress) {
        options.progress->files_total = m.file_count();
        options.progress->bytes_total = m.total_size();
        options.progress->scanning_done = true;
    }
    fetch_chunks(endpoint, needed, cache, options, result);
    fs::create_directories(dest);
    materialize(m, dest, cache);
    if (options.progress) {
        options.progress->files_done = m.file_count();
        options.progress->bytes_scanned = m.total_size();
    }
    result.files = m.file_count();
    result.logical_bytes = m.total_size();
    result.bytes_received += conn.bytes_received();
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

void restore_folder(const Manifest& manifest, const TenantStore& chunks, const fs::path& dest) {
    std::error_code ec;
    if (fs::exists(dest, ec) && !(fs::is_directory(dest, ec) && fs::is_empty(dest, ec))) {
        throw Error(ErrorKind::bad_input, "destination " + dest.string() +
                                              " exists and is not an empty folder");
    }
    fs::create_directories(dest);
    materialize(manifest, dest, chunks);
}

std::vector<ProjectSummary> list_projects(const Endpoint& endpoint) {
    HttpConnection conn(endpoint);
    auto reply = conn.request(http::verb::get, "/api/v1/projects");
    expect_success(reply, "listing projects");
    std::vector<ProjectSummary> out;
    // Keep the parsed document alive: a range-for over a member of a temporary dangles.
    boost::json::value doc = boost::json::parse(reply.body);
    for (const auto& v : doc.as_array()) {
        ProjectSummary p;
        p.name = std::string(v.at("name").as_string());
        p.snapshot_count = v.at("snapshots").to_number<std::size_t>();
        p.latest = *ChunkId::from_hex(std::string(v.at("latest").as_string()));
        p.latest_unix_ns = v.at("latest_unix_ns").to_number<std::int64_t>();
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<SnapshotInfo> list_snapshots(const Endpoint& endpoint, const std::string& project) {
    HttpConnection conn(endpoint);
    return snapshots_of(conn, project);
}

Manifest fetch_manifest(const Endpoint& endpoint, const ChunkId& snapshot) {
    HttpConnection conn(endpoint);
    detail::ClientCache none({}, endpoint);
    return parse_manifest(manifest_bytes(conn, none, snapshot));
}

}  // namespace farm::transfer
