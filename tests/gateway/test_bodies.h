// Builds sync protocol bodies for the gateway tests with the transfer library's own
// functions (sha256, encode_chunk, serialize), so valid bodies are valid by construction
// and each bad one differs from a valid one in exactly the way a test names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "farm/transfer/chunk.h"
#include "farm/transfer/manifest.h"

namespace farm::gateway::test {

using transfer::Bytes;
using transfer::ChunkId;

struct TestChunk {
    Bytes raw;
    ChunkId id;     // sha256(raw)
    Bytes encoded;  // encode_chunk(raw, 3)
};

// Deterministic pseudo-random content from `seed`; half of it repeats so zstd has work.
TestChunk make_chunk(std::uint32_t seed, std::size_t size = 4096);

// N x 32-byte ids, as /chunks/missing and /chunks/fetch take them.
std::string id_list(const std::vector<ChunkId>& ids);
std::vector<ChunkId> parse_id_list(const std::string& body);

// One pack record: id[32] | u32le length | encoded.
std::string pack_record(const ChunkId& id, const Bytes& encoded);
std::string pack_of(const std::vector<TestChunk>& chunks);

// A manifest with one file per entry of `files`, each made of the given chunks.
struct TestFile {
    std::string path;
    std::vector<TestChunk> chunks;
};
transfer::Manifest manifest_of(const std::vector<TestFile>& files);
std::string serialized(const transfer::Manifest& manifest);

std::string to_string(const Bytes& bytes);
Bytes to_bytes(const std::string& text);

}  // namespace farm::gateway::test
