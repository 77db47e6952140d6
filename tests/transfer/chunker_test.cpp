#include <catch2/catch.hpp>
#include <set>

#include "farm/transfer/chunk.h"
#include "farm/transfer/chunker.h"
#include "farm/transfer/error.h"
#include "test_tree.h"

using namespace farm::transfer;

namespace {

// Cuts a buffer the way the pipeline does: in blocks, carrying the tail over, to prove
// the boundaries do not depend on how the file was read.
std::vector<Bytes> cut(const Chunker& chunker, const Bytes& data, std::size_t block) {
    std::vector<Bytes> chunks;
    Bytes pending;
    std::size_t pos = 0;
    while (true) {
        std::size_t take = std::min(block, data.size() - pos);
        pending.insert(pending.end(), data.begin() + pos, data.begin() + pos + take);
        pos += take;
        bool eof = pos == data.size();
        std::size_t at = 0;
        while (at < pending.size()) {
            std::size_t len = chunker.next_cut({pending.data() + at, pending.size() - at}, eof);
            if (len == 0) break;
            chunks.emplace_back(pending.begin() + at, pending.begin() + at + len);
            at += len;
        }
        pending.erase(pending.begin(), pending.begin() + at);
        if (eof) break;
    }
    return chunks;
}

std::multiset<ChunkId> ids(const std::vector<Bytes>& chunks) {
    std::multiset<ChunkId> out;
    for (const Bytes& c : chunks) out.insert(sha256(c));
    return out;
}

}  // namespace

TEST_CASE("chunks respect min and max, and concatenate back to the input", "[chunker]") {
    Chunker chunker;
    Bytes data = farm::test::random_bytes(20u << 20, 42);
    auto chunks = cut(chunker, data, 8u << 20);
    Bytes joined;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        if (i + 1 < chunks.size()) CHECK(chunks[i].size() >= chunker.params().min_size);
        CHECK(chunks[i].size() <= chunker.params().max_size);
        joined.insert(joined.end(), chunks[i].begin(), chunks[i].end());
    }
    CHECK(joined == data);
    // Normalized chunking keeps the mean near the configured average.
    double mean = static_cast<double>(data.size()) / static_cast<double>(chunks.size());
    CHECK(mean > 0.6 * chunker.params().avg_size);
    CHECK(mean < 1.6 * chunker.params().avg_size);
}

TEST_CASE("boundaries do not depend on the read block size", "[chunker]") {
    Chunker chunker;
    Bytes data = farm::test::random_bytes(6u << 20, 7);
    CHECK(ids(cut(chunker, data, 8u << 20)) == ids(cut(chunker, data, 1u << 20)));
}

TEST_CASE("a 4 KiB insertion in the middle of 64 MiB reuses at least 95% of chunks",
          "[chunker][shift]") {
    Chunker chunker;
    Bytes original = farm::test::random_bytes(64u << 20, 1234);
    Bytes edited = original;
    Bytes insert = farm::test::random_bytes(4096, 99);
    edited.insert(edited.begin() + edited.size() / 2, insert.begin(), insert.end());

    auto before = ids(cut(chunker, original, 8u << 20));
    auto after = cut(chunker, edited, 8u << 20);
    std::size_t reused = 0;
    for (const Bytes& c : after) reused += before.count(sha256(c)) ? 1 : 0;
    double share = static_cast<double>(reused) / static_cast<double>(after.size());
    INFO("reused " << reused << " of " << after.size() << " chunks");
    CHECK(share >= 0.95);
    CHECK(after.size() - reused <= 3);  // an insertion disturbs a chunk or two
}

TEST_CASE("deleting bytes in the middle also leaves almost all chunks unchanged",
          "[chunker][shift]") {
    Chunker chunker({16 * 1024, 64 * 1024, 256 * 1024});
    Bytes original = farm::test::random_bytes(16u << 20, 5);
    Bytes edited = original;
    edited.erase(edited.begin() + 8'000'000, edited.begin() + 8'010'000);
    auto before = ids(cut(chunker, original, 4u << 20));
    auto after = cut(chunker, edited, 4u << 20);
    std::size_t fresh = 0;
    for (const Bytes& c : after) fresh += before.count(sha256(c)) ? 0 : 1;
    CHECK(fresh <= 3);
}

TEST_CASE("chunker parameters are validated", "[chunker][bad-input]") {
    CHECK_THROWS_AS(Chunker({1024, 1000, 4096}), Error);       // avg not a power of two
    CHECK_THROWS_AS(Chunker({8192, 4096, 65536}), Error);      // min > avg
    CHECK_THROWS_AS(Chunker({1024, 4096, 64u << 20}), Error);  // max past the chunk limit
    CHECK_THROWS_AS(Chunker({8, 4096, 65536}), Error);         // min too small
    CHECK_NOTHROW(Chunker({1024, 4096, 16384}));
}
