#include "test_bodies.h"

#include <cstring>
#include <random>

namespace farm::gateway::test {

TestChunk make_chunk(std::uint32_t seed, std::size_t size) {
    std::mt19937 rng(seed);
    TestChunk chunk;
    chunk.raw.resize(size);
    for (std::size_t i = 0; i < size / 2; ++i)
        chunk.raw[i] = static_cast<std::uint8_t>(rng());
    for (std::size_t i = size / 2; i < size; ++i) chunk.raw[i] = chunk.raw[i - size / 2];
    chunk.id = transfer::sha256(chunk.raw);
    chunk.encoded = transfer::encode_chunk(chunk.raw, 3);
    return chunk;
}

std::string id_list(const std::vector<ChunkId>& ids) {
    std::string out;
    for (const ChunkId& id : ids) out.append(id.bytes.begin(), id.bytes.end());
    return out;
}

std::vector<ChunkId> parse_id_list(const std::string& body) {
    std::vector<ChunkId> ids(body.size() / 32);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        std::memcpy(ids[i].bytes.data(), body.data() + 32 * i, 32);
    }
    return ids;
}

std::string pack_record(const ChunkId& id, const Bytes& encoded) {
    std::string out(id.bytes.begin(), id.bytes.end());
    const auto n = static_cast<std::uint32_t>(encoded.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    out.append(encoded.begin(), encoded.end());
    return out;
}

std::string pack_of(const std::vector<TestChunk>& chunks) {
    std::string out;
    for (const TestChunk& c : chunks) out += pack_record(c.id, c.encoded);
    return out;
}

transfer::Manifest manifest_of(const std::vector<TestFile>& files) {
    transfer::Manifest m;
    for (const TestFile& f : files) {
        transfer::Entry e;
        e.path = f.path;
        e.kind = transfer::EntryKind::file;
        e.mode = 0644;
        e.mtime_ns = 1'700'000'000'000'000'000;
        for (const TestChunk& c : f.chunks) {
            e.chunks.push_back({c.id, static_cast<std::uint32_t>(c.raw.size())});
            e.size += c.raw.size();
        }
        m.entries.push_back(std::move(e));
    }
    m.canonicalize();
    return m;
}

std::string serialized(const transfer::Manifest& manifest) {
    return to_string(transfer::serialize(manifest));
}

std::string to_string(const Bytes& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

Bytes to_bytes(const std::string& text) { return Bytes(text.begin(), text.end()); }

}  // namespace farm::gateway::test
