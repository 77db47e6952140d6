#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "client_cache.h"
#include "farm/transfer/error.h"
#include "farm/transfer/http_client.h"
#include "farm/transfer/sync_client.h"
#include "pack.h"
#include "snapshot_builder.h"

namespace farm::transfer {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {

// Paces uploads to a byte rate: each pack reserves its slot on a shared timeline and
// waits for it, so all connections together stay under the cap.
class RateLimiter {
public:
    explicit RateLimiter(double bytes_per_second) : rate_(bytes_per_second) {}
    void acquire(std::size_t bytes) {
        if (rate_ <= 0) return;
        std::chrono::steady_clock::time_point start;
        {
            std::lock_guard lock(mutex_);
            auto now = std::chrono::steady_clock::now();
            start = std::max(now, next_free_);
            next_free_ = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(bytes / rate_));
        }
        std::this_thread::sleep_until(start);
    }

private:
    double rate_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point next_free_{};
};

struct Batch {
    std::vector<ChunkId> ids;
    std::vector<Bytes> encoded;
    std::vector<std::uint32_t> raw_sizes;
    std::size_t bytes = 0;
};

// Sends chunks in batches over several connections: each uploader asks which of its
// batch's ids the gateway lacks (one request), then uploads just those as one pack.
class RemoteSink : public detail::ChunkSink {
public:
    RemoteSink(const Endpoint& endpoint, const PushOptions& options)
        : endpoint_(endpoint),
          batch_bytes_(options.batch_bytes),
          capacity_(2 * std::max(1u, options.connections)),
          progress_(options.progress),
          limiter_(options.max_bytes_per_second) {
        for (unsigned i = 0; i < std::max(1u, options.connections); ++i) {
            threads_.emplace_back([this] { run(); });
        }
    }
    ~RemoteSink() override { close(); }

    void accept(const ChunkId& id, std::uint32_t raw_size, Bytes encoded) override {
        current_.bytes += encoded.size();
        current_.ids.push_back(id);
        current_.raw_sizes.push_back(raw_size);
        current_.encoded.push_back(std::move(encoded));
        if (current_.bytes >= batch_bytes_ || current_.ids.size() >= 65536) flush();
    }

    // Sends what is left, waits for every upload, and rethrows the first failure.
    void finish() {
        flush();
        close();
        if (error_) std::rethrow_exception(error_);
    }

    std::uint64_t new_chunks = 0, new_raw = 0, new_encoded = 0;
    std::uint64_t sent = 0, received = 0, requests = 0;

private:
    void flush() {
        if (current_.ids.empty()) return;
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [&] { return queue_.size() < capacity_ || error_; });
        if (error_) std::rethrow_exception(error_);
        queue_.push_back(std::move(current_));
        current_ = Batch{};
        not_empty_.notify_one();
    }

    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        not_empty_.notify_all();
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
    }

    void run() {
        HttpConnection conn(endpoint_);
        while (true) {
            Batch batch;
            {
                std::unique_lock lock(mutex_);
                not_empty_.wait(lock, [&] { return !queue_.empty() || closed_; });
                if (queue_.empty()) break;
                batch = std::move(queue_.front());
                queue_.pop_front();
                not_full_.notify_one();
            }
            try {
                send_with_retry(conn, batch);
            } catch (...) {
                std::lock_guard lock(mutex_);
                if (!error_) error_ = std::current_exception();
                not_full_.notify_all();
            }
        }
        std::lock_guard lock(mutex_);
        sent += conn.bytes_sent();
        received += conn.bytes_received();
        requests += conn.requests();
    }

    void send_with_retry(HttpConnection& conn, const Batch& batch) {
        for (int attempt = 1;; ++attempt) {
            try {
                send(conn, batch);
                return;
            } catch (const Error& e) {
                // Only a broken link is worth retrying; a refusal will be refused again.
                if (e.kind() != ErrorKind::io || attempt == 3) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
            }
        }
    }

    void send(HttpConnection& conn, const Batch& batch) {
        std::string ids;
        ids.reserve(32 * batch.ids.size());
        for (const ChunkId& id : batch.ids) ids.append(id.bytes.begin(), id.bytes.end());
        std::uint64_t before = conn.bytes_sent();
        auto reply = conn.request(http::verb::post, "/api/v1/chunks/missing", std::move(ids));
        expect_success(reply, "asking which chunks are missing");
        if (reply.body.size() % 32 != 0) {
            throw Error(ErrorKind::io, "gateway sent a malformed missing-chunk list");
        }
        detail::ChunkIdSet missing;
        for (std::size_t i = 0; i < reply.body.size(); i += 32) {
            ChunkId id;
            std::memcpy(id.bytes.data(), reply.body.data() + i, 32);
            missing.insert(id);
        }
        // The pack is built straight into the request body: no second copy of ~16 MiB.
        std::string pack;
        std::uint64_t chunks = 0, raw = 0, encoded = 0;
        for (std::size_t i = 0; i < batch.ids.size(); ++i) {
            if (!missing.count(batch.ids[i])) continue;
            append_pack_record(pack, batch.ids[i], batch.encoded[i]);
            ++chunks;
            raw += batch.raw_sizes[i];
            encoded += batch.encoded[i].size();
        }
        if (!pack.empty()) {
            limiter_.acquire(pack.size());
            auto up = conn.request(http::verb::post, "/api/v1/chunks", std::move(pack));
            expect_success(up, "uploading chunks");
        }
        std::lock_guard lock(mutex_);
        new_chunks += chunks;
        new_raw += raw;
        new_encoded += encoded;
        if (progress_) {
            progress_->bytes_new += raw;
            progress_->bytes_sent += conn.bytes_sent() - before;
        }
    }

    Endpoint endpoint_;
    std::size_t batch_bytes_;
    std::size_t capacity_;
    TransferProgress* progress_;
    RateLimiter limiter_;
    Batch current_;
    std::mutex mutex_;
    std::condition_variable not_empty_, not_full_;
    std::deque<Batch> queue_;
    bool closed_ = false;
    std::exception_ptr error_;
    std::vector<std::thread> threads_;
};

std::optional<ChunkId> latest_snapshot(HttpConnection& conn, const std::string& project) {
    auto reply = conn.request(http::verb::get, "/api/v1/projects/" + project + "/snapshots");
    if (reply.status == 404) return std::nullopt;
    expect_success(reply, "listing snapshots of " + project);
    auto v = boost::json::parse(reply.body);
    const auto& arr = v.as_array();
    if (arr.empty()) return std::nullopt;
    return ChunkId::from_hex(std::string(arr.back().at("id").as_string()));
}

Bytes download_manifest(HttpConnection& conn, const ChunkId& id) {
    auto reply = conn.request(http::verb::get, "/api/v1/snapshots/" + id.hex());
    expect_success(reply, "fetching snapshot " + id.hex());
    Bytes bytes(reply.body.begin(), reply.body.end());
    if (snapshot_id(bytes) != id) {
        throw Error(ErrorKind::io, "snapshot " + id.hex() + " arrived corrupted");
    }
    return bytes;
}

PushResult push_once(const fs::path& dir, const Endpoint& endpoint,
                     const PushOptions& options, bool trust_parent) {
    auto start = std::chrono::steady_clock::now();
    validate_name(options.project, "project");
    options.chunker.validate();
    HttpConnection conn(endpoint);
    detail::ClientCache cache(options.cache_dir, endpoint);
    PushResult result;

    Bytes parent_bytes;
    Manifest parent;
    detail::ChunkIdSet known;
    result.parent = latest_snapshot(conn, options.project);
    if (result.parent) {
        auto cached = cache.manifest(*result.parent);
        parent_bytes = cached ? std::move(*cached) : download_manifest(conn, *result.parent);
        cache.remember_manifest(*result.parent, parent_bytes);
        parent = parse_manifest(parent_bytes);
        if (trust_parent) {
            for (const Entry& e : parent.entries) {
                for (const ChunkRef& c : e.chunks) known.insert(c.id);
            }
        }
    }

    detail::BuildInput input;
    input.dir = dir;
    input.chunker = options.chunker;
    input.zstd_level = options.zstd_level;
    input.threads = options.threads;
    input.rehash = options.rehash || !trust_parent;
    input.parent = result.parent ? &parent : nullptr;
    input.known = trust_parent ? &known : nullptr;
    input.progress = options.progress;
    RemoteSink sink(endpoint, options);
    detail::BuildOutput built = detail::build_snapshot(input, sink);
    sink.finish();

    Bytes bytes = serialize(built.manifest);
    std::string target = "/api/v1/projects/" + options.project + "/snapshots";
    std::string body(bytes.begin(), bytes.end());
    if (result.parent) {
        Bytes delta = delta_encode(parent_bytes, bytes);
        if (delta.size() < bytes.size()) {
            target += "?base=" + result.parent->hex();
            body.assign(delta.begin(), delta.end());
        }
    }
    std::uint64_t before = conn.bytes_sent();
    auto reply = conn.request(http::verb::post, target, std::move(body));
    if (options.progress) options.progress->bytes_sent += conn.bytes_sent() - before;
    if (reply.status == 409 && trust_parent) {
        // The parent's chunks were assumed present and are not (collected, or the store
        // was repaired): push again trusting nothing.
        PushResult again = push_once(dir, endpoint, options, false);
        again.bytes_sent += conn.bytes_sent() + sink.sent;
        return again;
    }
    expect_success(reply, "committing the snapshot");
    auto v = boost::json::parse(reply.body);
    result.snapshot = *ChunkId::from_hex(std::string(v.at("snapshot").as_string()));
    if (result.snapshot != snapshot_id(bytes)) {
        throw Error(ErrorKind::io, "gateway stored a different snapshot id than was sent");
    }
    cache.remember_manifest(result.snapshot, bytes);

    detail::ChunkIdSet unique;
    for (const Entry& e : built.manifest.entries) {
        result.chunks += e.chunks.size();
        for (const ChunkRef& c : e.chunks) unique.insert(c.id);
    }
    result.unique_chunks = unique.size();
    result.files = built.manifest.file_count();
    result.logical_bytes = built.manifest.total_size();
    result.bytes_read = built.bytes_read;
    result.new_chunks = sink.new_chunks;
    result.new_raw_bytes = sink.new_raw;
    result.new_encoded_bytes = sink.new_encoded;
    result.manifest_bytes = bytes.size();
    result.bytes_sent = conn.bytes_sent() + sink.sent;
    result.bytes_received = conn.bytes_received() + sink.received;
    result.requests = conn.requests() + sink.requests;
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

// Stores every chunk into a local TenantStore: snapshot_folder without a network.
class StoreSink : public detail::ChunkSink {
public:
    explicit StoreSink(TenantStore* store) : store_(store) {}
    void accept(const ChunkId& id, std::uint32_t, Bytes encoded) override {
        if (store_) store_->put_chunk(id, encoded);
    }

private:
    TenantStore* store_;
};

}  // namespace

PushResult push(const fs::path& dir, const Endpoint& endpoint, const PushOptions& options) {
    return push_once(dir, endpoint, options, true);
}

Manifest snapshot_folder(const fs::path& dir, const PushOptions& options, TenantStore* store) {
    detail::BuildInput input;
    input.dir = dir;
    input.chunker = options.chunker;
    input.zstd_level = options.zstd_level;
    input.threads = options.threads;
    input.rehash = true;
    input.progress = options.progress;
    StoreSink sink(store);
    return detail::build_snapshot(input, sink).manifest;
}

}  // namespace farm::transfer
