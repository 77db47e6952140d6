// farm-bench-transfer [micro] [--seconds S]
//     Per-core (one thread) throughput of SHA-256 (OpenSSL EVP), FastCDC chunking
//     (farm::transfer::Chunker), zstd -3 on compressible text and incompressible bytes,
//     the chunk encoder, the whole per-chunk pipeline, and memcpy.
// farm-bench-transfer sweep V1DIR V2DIR [--avg 16,64,256,1024] [--level 3] [--files]
//     For each average chunk size (KiB): the chunks a re-push of V2 over V1 would send.
#include <openssl/evp.h>
#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "bench_rng.h"
#include "farm/transfer/chunk.h"
#include "farm/transfer/chunker.h"
#include "gen_content.h"
#include "transfer_micro.h"

namespace {

using farm::transfer::ByteView;
using farm::transfer::Chunker;

constexpr std::size_t kMiB = 1u << 20;
volatile std::uint64_t g_sink = 0;  // keeps results observable
void consume(std::uint64_t v) { g_sink = g_sink + v; }

struct Row {
    std::string key, what;
    farm::bench::Rate rate;
    std::string note;
};

std::vector<std::uint8_t> random_bytes(std::size_t n) {
    std::vector<std::uint8_t> out(n);
    farm::bench::Rng rng(42, "micro random");
    rng.fill(out.data(), n);
    return out;
}

std::vector<std::uint8_t> obj_bytes(std::size_t n) {
    std::vector<std::uint8_t> out;
    out.reserve(n + (2u << 20));
    farm::bench::Rng rng(42, "micro text");
    farm::bench::obj_text(rng, n, "micro", [&](std::string_view t) {
        out.insert(out.end(), t.begin(), t.end());
    });
    out.resize(n);
    return out;
}

// Calls fn(offset, length) for every chunk of `data`.
template <class F>
void for_each_chunk(const Chunker& chunker, ByteView data, F&& fn) {
    std::size_t pos = 0;
    while (pos < data.size()) {
        const std::size_t len = chunker.next_cut(data.subspan(pos), true);
        fn(pos, len);
        pos += len;
    }
}

std::string fmt(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

int run_micro(double seconds) {
    const std::size_t n = 64 * kMiB;
    const auto rnd = random_bytes(n);
    const auto text = obj_bytes(n);
    std::vector<std::uint8_t> dst(n);
    const Chunker chunker;  // library defaults
    const std::size_t avg = chunker.params().avg_size;
    std::vector<Row> rows;

    // SHA-256, 1 MiB buffers, one digest per buffer (as `openssl speed -bytes 1048576`).
    {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        const EVP_MD* md = EVP_sha256();
        const auto mbps = farm::bench::throughput(n, seconds, [&] {
            unsigned char out[32];
            for (std::size_t off = 0; off < n; off += kMiB) {
                EVP_DigestInit_ex(ctx, md, nullptr);
                EVP_DigestUpdate(ctx, rnd.data() + off, kMiB);
                EVP_DigestFinal_ex(ctx, out, nullptr);
                consume(out[0]);
            }
        });
        EVP_MD_CTX_free(ctx);
        rows.push_back({"sha256_evp_1m_mbps", "SHA-256 EVP, 1 MiB buffers", mbps, ""});
    }
    {
        const auto mbps = farm::bench::throughput(n, seconds, [&] {
            for (std::size_t off = 0; off < n; off += avg)
                consume(farm::transfer::sha256(ByteView(rnd).subspan(off, avg)).bytes[0]);
        });
        rows.push_back({"sha256_lib_mbps", "farm::transfer::sha256, avg-chunk buffers", mbps,
                        std::to_string(avg / 1024) + " KiB each"});
    }

    // FastCDC chunking alone.
    for (int which = 0; which < 2; ++which) {
        const auto& data = which == 0 ? rnd : text;
        std::size_t chunks = 0;
        const auto mbps = farm::bench::throughput(n, seconds, [&] {
            chunks = 0;
            for_each_chunk(chunker, data, [&](std::size_t, std::size_t) { ++chunks; });
        });
        rows.push_back({which == 0 ? "chunk_random_mbps" : "chunk_text_mbps",
                        std::string("FastCDC chunking, ") + (which == 0 ? "random" : "OBJ text"),
                        mbps, "avg chunk " + std::to_string(n / std::max<std::size_t>(1, chunks) / 1024) +
                                  " KiB"});
    }

    // zstd -3 per chunk-sized block (context reused), and the library's chunk encoder.
    {
        ZSTD_CCtx* cctx = ZSTD_createCCtx();
        std::vector<std::uint8_t> out(ZSTD_compressBound(avg));
        for (int which = 0; which < 2; ++which) {
            const auto& data = which == 0 ? text : rnd;
            std::uint64_t packed = 0;
            const auto mbps = farm::bench::throughput(n, seconds, [&] {
                packed = 0;
                for (std::size_t off = 0; off < n; off += avg)
                    packed += ZSTD_compressCCtx(cctx, out.data(), out.size(), data.data() + off,
                                                avg, 3);
            });
            rows.push_back({which == 0 ? "zstd3_text_mbps" : "zstd3_random_mbps",
                            std::string("zstd -3, ") + (which == 0 ? "OBJ text" : "random"),
                            mbps, "ratio " + fmt(double(n) / double(packed), 2)});
        }
        ZSTD_freeCCtx(cctx);
    }
    for (int which = 0; which < 2; ++which) {
        const auto& data = which == 0 ? text : rnd;
        std::uint64_t packed = 0;
        const auto mbps = farm::bench::throughput(n, seconds, [&] {
            packed = 0;
            for (std::size_t off = 0; off < n; off += avg)
                packed += farm::transfer::encode_chunk(ByteView(data).subspan(off, avg), 3).size();
        });
        rows.push_back({which == 0 ? "encode_text_mbps" : "encode_random_mbps",
                        std::string("encode_chunk(3), ") + (which == 0 ? "OBJ text" : "random"),
                        mbps, "ratio " + fmt(double(n) / double(packed), 2)});
    }

    // The whole per-chunk work of a push on one core: cut, hash, encode.
    for (int which = 0; which < 2; ++which) {
        const auto& data = which == 0 ? text : rnd;
        const auto mbps = farm::bench::throughput(n, seconds, [&] {
            for_each_chunk(chunker, data, [&](std::size_t off, std::size_t len) {
                const ByteView chunk = ByteView(data).subspan(off, len);
                consume(farm::transfer::sha256(chunk).bytes[0]);
                consume(farm::transfer::encode_chunk(chunk, 3).size());
            });
        });
        rows.push_back({which == 0 ? "pipeline_text_mbps" : "pipeline_random_mbps",
                        std::string("cut+hash+encode, ") + (which == 0 ? "OBJ text" : "random"),
                        mbps, "one core"});
    }

    // memcpy bandwidth (bytes copied per second).
    {
        const auto mbps = farm::bench::throughput(n, seconds, [&] {
            std::memcpy(dst.data(), rnd.data(), n);
            consume(dst[n / 2]);
        });
        rows.push_back({"memcpy_mbps", "memcpy 64 MiB", mbps, "bytes copied"});
    }

    // Per CPU-second is the per-core figure (as `openssl speed`, which divides by user CPU
    // time unless -elapsed); per wall-second shows how much of the core this run got.
    std::printf("%-44s %10s %10s  %s\n", "one thread", "MB/cpu-s", "MB/wall-s", "");
    for (const Row& r : rows)
        std::printf("%-44s %10.0f %10.0f  %s\n", r.what.c_str(), r.rate.cpu_mbps,
                    r.rate.wall_mbps, r.note.c_str());
    std::ostringstream line;
    line << "BENCH micro";
    for (const Row& r : rows) line << ' ' << r.key << '=' << fmt(r.rate.cpu_mbps, 0);
    for (const Row& r : rows) {
        std::string key = r.key;
        key.insert(key.size() - 5, "_wall");  // x_mbps -> x_wall_mbps
        line << ' ' << key << '=' << fmt(r.rate.wall_mbps, 0);
    }
    line << " chunk_min=" << chunker.params().min_size << " chunk_avg=" << avg
         << " chunk_max=" << chunker.params().max_size;
    std::printf("%s\n", line.str().c_str());
    return 0;
}

int usage() {
    std::fprintf(stderr,
                 "usage: farm-bench-transfer [micro] [--seconds S]\n"
                 "       farm-bench-transfer sweep V1DIR V2DIR [--avg KiB,KiB,...] [--level N] [--files]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> pos;
    double seconds = 1.0;
    farm::bench::SweepOptions sweep;
    sweep.avg_sizes = {16 << 10, 64 << 10, 256 << 10, 1 << 20};
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "--seconds" && i + 1 < argc) {
                seconds = std::stod(argv[++i]);
            } else if (a == "--files") {
                sweep.per_file = true;
            } else if (a == "--level" && i + 1 < argc) {
                sweep.level = std::stoi(argv[++i]);
            } else if (a == "--avg" && i + 1 < argc) {
                sweep.avg_sizes.clear();
                std::stringstream list(argv[++i]);
                for (std::string item; std::getline(list, item, ',');)
                    sweep.avg_sizes.push_back(std::stoull(item) * 1024);
            } else if (a == "-h" || a == "--help") {
                return usage(), 0;
            } else if (!a.empty() && a[0] == '-') {
                std::fprintf(stderr, "farm-bench-transfer: unknown option %s\n", a.c_str());
                return usage();
            } else {
                pos.push_back(a);
            }
        }
        if (pos.empty() || (pos.size() == 1 && pos[0] == "micro")) return run_micro(seconds);
        if (pos.size() == 3 && pos[0] == "sweep") {
            sweep.v1 = pos[1];
            sweep.v2 = pos[2];
            return farm::bench::run_dedup_sweep(sweep);
        }
        return usage();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "farm-bench-transfer: %s\n", e.what());
        return 1;
    }
}
