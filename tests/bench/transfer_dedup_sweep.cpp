// What a re-push would send at other chunk sizes: chunk every file of V1 (the ids the
// gateway already holds), then every file of V2 that a push would read (path, size and
// mtime differ from V1), and count the chunks not seen yet, their raw and encoded bytes.
// Manifest and HTTP overhead are not included; a pack record costs 36 bytes per chunk.
// Two what-ifs for the same new chunks: "stream" compresses them as one zstd stream (a
// pack compressed as a whole, so similar chunks shrink each other), "prefix" compresses
// each with the previous chunk of the same file as a zstd prefix (the receiver holds it).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <unordered_set>

#include <zstd.h>

#include "farm/transfer/chunk.h"
#include "farm/transfer/chunker.h"
#include "gen_writer.h"
#include "transfer_micro.h"

namespace farm::bench {

namespace fs = std::filesystem;
using transfer::ByteView;
using transfer::Chunker;
using transfer::ChunkId;

namespace {

struct FileInfo {
    std::uint64_t size;
    std::int64_t mtime_ns;
};

std::map<std::string, FileInfo> list_files(const fs::path& root) {
    std::map<std::string, FileInfo> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        struct stat st {};
        if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        files[fs::relative(entry.path(), root).generic_string()] = {
            static_cast<std::uint64_t>(st.st_size),
            st.st_mtim.tv_sec * 1'000'000'000ll + st.st_mtim.tv_nsec};
    }
    return files;
}

// Streams a file through the chunker; fn(ByteView chunk) for each chunk.
template <class F>
void chunk_file(const Chunker& chunker, const fs::path& path, std::vector<std::uint8_t>& buf,
                F&& fn) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_errno("cannot open", path);
    std::size_t have = 0;
    bool eof = false;
    while (true) {
        while (!eof && have < buf.size()) {
            const ssize_t n = ::read(fd, buf.data() + have, buf.size() - have);
            if (n < 0) {
                ::close(fd);
                fail_errno("cannot read", path);
            }
            if (n == 0) eof = true;
            have += static_cast<std::size_t>(n);
        }
        std::size_t pos = 0;
        while (pos < have) {
            const std::size_t len =
                chunker.next_cut(ByteView(buf.data() + pos, have - pos), eof);
            if (len == 0) break;
            fn(ByteView(buf.data() + pos, len));
            pos += len;
        }
        std::memmove(buf.data(), buf.data() + pos, have - pos);
        have -= pos;
        if (eof && have == 0) break;
    }
    ::close(fd);
}

}  // namespace

int run_dedup_sweep(const SweepOptions& o) {
    const auto v1 = list_files(o.v1), v2 = list_files(o.v2);
    std::printf("%-18s %9s %7s %10s %10s %10s %10s %10s %11s %6s\n", "min/avg/max", "v1 chunks",
                "new", "new raw B", "encoded B", "+36 B/chk", "stream B", "prefix B",
                "v1 encoded", "s");
    for (const std::size_t avg : o.avg_sizes) {
        const auto t0 = std::chrono::steady_clock::now();
        transfer::ChunkerParams params;
        params.min_size = avg / 4;
        params.avg_size = avg;
        params.max_size = avg * 4;
        const Chunker chunker(params);
        std::vector<std::uint8_t> buf(std::max<std::size_t>(8u << 20, 2 * params.max_size));
        std::unordered_set<ChunkId, transfer::ChunkIdHash> seen;
        std::uint64_t v1_chunks = 0, v1_encoded = 0;
        for (const auto& [rel, info] : v1)
            chunk_file(chunker, o.v1 / rel, buf, [&](ByteView chunk) {
                ++v1_chunks;
                if (seen.insert(transfer::sha256(chunk)).second)
                    v1_encoded += transfer::encode_chunk(chunk, o.level).size();
            });
        std::uint64_t new_chunks = 0, new_raw = 0, new_encoded = 0, new_prefix = 0;
        ZSTD_CCtx* stream = ZSTD_createCCtx();
        ZSTD_CCtx* prefix = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(stream, ZSTD_c_compressionLevel, o.level);
        std::vector<std::uint8_t> zout(ZSTD_compressBound(params.max_size) + (1u << 16));
        std::uint64_t new_stream = 0;
        std::vector<std::uint8_t> previous;
        std::map<std::string, std::uint64_t> per_file;  // new encoded bytes by v2 path
        for (const auto& [rel, info] : v2) {
            const auto old = v1.find(rel);
            if (old != v1.end() && old->second.size == info.size &&
                old->second.mtime_ns == info.mtime_ns)
                continue;  // a push reuses the parent's chunk list for it
            previous.clear();
            chunk_file(chunker, o.v2 / rel, buf, [&](ByteView chunk) {
                if (seen.insert(transfer::sha256(chunk)).second) {
                    ++new_chunks;
                    new_raw += chunk.size();
                    const std::size_t encoded = transfer::encode_chunk(chunk, o.level).size();
                    new_encoded += encoded;
                    per_file[rel] += encoded;
                    ZSTD_inBuffer in{chunk.data(), chunk.size(), 0};
                    while (in.pos < in.size) {
                        ZSTD_outBuffer out{zout.data(), zout.size(), 0};
                        ZSTD_compressStream2(stream, &out, &in, ZSTD_e_continue);
                        new_stream += out.pos;
                    }
                    ZSTD_CCtx_reset(prefix, ZSTD_reset_session_and_parameters);
                    ZSTD_CCtx_setParameter(prefix, ZSTD_c_compressionLevel, o.level);
                    if (!previous.empty())
                        ZSTD_CCtx_refPrefix(prefix, previous.data(), previous.size());
                    const std::size_t n = ZSTD_compress2(prefix, zout.data(), zout.size(),
                                                         chunk.data(), chunk.size());
                    new_prefix += 1 + std::min<std::size_t>(ZSTD_isError(n) ? chunk.size() : n,
                                                            chunk.size());
                }
                previous.assign(chunk.begin(), chunk.end());
            });
        }
        for (std::size_t left = 1; left != 0;) {
            ZSTD_inBuffer in{nullptr, 0, 0};
            ZSTD_outBuffer out{zout.data(), zout.size(), 0};
            left = ZSTD_compressStream2(stream, &out, &in, ZSTD_e_end);
            new_stream += out.pos;
        }
        ZSTD_freeCCtx(stream);
        ZSTD_freeCCtx(prefix);
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        char label[64];
        std::snprintf(label, sizeof label, "%zuK/%zuK/%zuK", params.min_size >> 10, avg >> 10,
                      params.max_size >> 10);
        std::printf("%-18s %9llu %7llu %10llu %10llu %10llu %10llu %10llu %11llu %6.1f\n", label,
                    static_cast<unsigned long long>(v1_chunks),
                    static_cast<unsigned long long>(new_chunks),
                    static_cast<unsigned long long>(new_raw),
                    static_cast<unsigned long long>(new_encoded),
                    static_cast<unsigned long long>(new_encoded + 36 * new_chunks),
                    static_cast<unsigned long long>(new_stream),
                    static_cast<unsigned long long>(new_prefix),
                    static_cast<unsigned long long>(v1_encoded), secs);
        std::printf(
            "BENCH sweep min=%zu avg=%zu max=%zu v1_chunks=%llu new_chunks=%llu "
            "new_raw_bytes=%llu new_encoded_bytes=%llu est_sent_bytes=%llu "
            "stream_bytes=%llu prefix_bytes=%llu v1_encoded_bytes=%llu seconds=%.1f\n",
            params.min_size, avg, params.max_size, static_cast<unsigned long long>(v1_chunks),
            static_cast<unsigned long long>(new_chunks), static_cast<unsigned long long>(new_raw),
            static_cast<unsigned long long>(new_encoded),
            static_cast<unsigned long long>(new_encoded + 36 * new_chunks),
            static_cast<unsigned long long>(new_stream), static_cast<unsigned long long>(new_prefix),
            static_cast<unsigned long long>(v1_encoded), secs);
        if (o.per_file) {
            std::vector<std::pair<std::uint64_t, std::string>> top;
            for (const auto& [rel, bytes] : per_file) top.emplace_back(bytes, rel);
            std::sort(top.rbegin(), top.rend());
            for (const auto& [bytes, rel] : top)
                std::printf("    %12llu  %s\n", static_cast<unsigned long long>(bytes), rel.c_str());
        }
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace farm::bench
