#include <catch2/catch.hpp>
#include <fstream>

#include "farm/transfer/error.h"
#include "farm/transfer/store.h"
#include "test_tree.h"

using namespace farm::transfer;
namespace fs = std::filesystem;

namespace {

struct Stored {
    ChunkId id;
    Bytes raw;
};

Stored put(TenantStore& store, std::size_t size, std::uint64_t seed) {
    Bytes raw = farm::test::random_bytes(size, seed);
    ChunkId id = sha256(raw);
    store.put_chunk(id, encode_chunk(raw, 3));
    return {id, raw};
}

Bytes manifest_of(const std::vector<Stored>& chunks) {
    Manifest m;
    Entry e{"data.bin", EntryKind::file, 0644, 0, 0};
    for (const Stored& c : chunks) {
        e.chunks.push_back({c.id, static_cast<std::uint32_t>(c.raw.size())});
        e.size += c.raw.size();
    }
    m.entries.push_back(e);
    return serialize(m);
}

}  // namespace

TEST_CASE("chunks are stored, found and read back verified", "[store]") {
    farm::test::TempDir dir;
    TenantStore store(dir.path(), "studio");
    Stored a = put(store, 5000, 1);
    CHECK(store.has_chunk(a.id));
    CHECK(store.get_chunk(a.id) == a.raw);
    CHECK_FALSE(store.put_chunk(a.id, encode_chunk(a.raw, 3)));  // already there
    CHECK(store.chunk_count() == 1);
}

TEST_CASE("a chunk that does not match its id is refused and nothing is stored",
          "[store][bad-input]") {
    farm::test::TempDir dir;
    TenantStore store(dir.path(), "studio");
    Bytes raw = farm::test::random_bytes(1000, 3);
    ChunkId lie = sha256(farm::test::random_bytes(1000, 4));
    CHECK_THROWS_AS(store.put_chunk(lie, encode_chunk(raw, 3)), Error);
    CHECK_FALSE(store.has_chunk(lie));
    CHECK(store.chunk_count() == 0);
}

TEST_CASE("corruption on disk is detected on read and the chunk quarantined", "[store]") {
    farm::test::TempDir dir;
    TenantStore store(dir.path(), "studio");
    Stored a = put(store, 5000, 5);
    std::string hex = a.id.hex();
    fs::path file = store.dir() / "chunks" / hex.substr(0, 2) / hex;
    {
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        f.put('\x55');
    }
    try {
        store.get_chunk(a.id);
        FAIL("corrupt chunk served");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::corrupt);
    }
    CHECK_FALSE(store.has_chunk(a.id));  // a re-upload can now repair it
    CHECK(store.put_chunk(a.id, encode_chunk(a.raw, 3)));
    CHECK(store.get_chunk(a.id) == a.raw);
}

TEST_CASE("a snapshot naming missing chunks is refused with their ids", "[store][bad-input]") {
    farm::test::TempDir dir;
    TenantStore store(dir.path(), "studio");
    Stored a = put(store, 4000, 7);
    Stored absent{sha256(Bytes{1, 2, 3}), Bytes{1, 2, 3}};
    try {
        store.commit_snapshot("shot", manifest_of({a, absent}));
        FAIL("snapshot with a missing chunk committed");
    } catch (const MissingChunksError& e) {
        REQUIRE(e.ids().size() == 1);
        CHECK(e.ids()[0] == absent.id);
    }
    CHECK(store.projects().empty());
    ChunkId id = store.commit_snapshot("shot", manifest_of({a}));
    CHECK(store.snapshots("shot").size() == 1);
    CHECK(store.snapshots("shot")[0].id == id);
}

TEST_CASE("garbage collection keeps exactly the referenced chunks", "[store][gc]") {
    farm::test::TempDir dir;
    TenantStore store(dir.path(), "studio");
    Stored a = put(store, 3000, 11), b = put(store, 3000, 12), c = put(store, 3000, 13),
           d = put(store, 3000, 14);
    store.commit_snapshot("one", manifest_of({a, b}));
    store.commit_snapshot("two", manifest_of({b, c}));
    SECTION("young chunks survive the grace period") {
        GcResult r = store.collect_garbage(std::chrono::hours(1));
        CHECK(r.chunks_removed == 0);
        CHECK(store.has_chunk(d.id));
    }
    SECTION("with no grace, only referenced chunks remain") {
        GcResult r = store.collect_garbage(std::chrono::seconds(0));
        CHECK(r.chunks_removed == 1);
        CHECK(r.chunks_kept == 3);
        CHECK(store.has_chunk(a.id));
        CHECK(store.has_chunk(b.id));
        CHECK(store.has_chunk(c.id));
        CHECK_FALSE(store.has_chunk(d.id));
        CHECK(store.get_chunk(b.id) == b.raw);
    }
}

TEST_CASE("leftover temp files of a crashed writer are removed at open", "[store]") {
    farm::test::TempDir dir;
    { TenantStore store(dir.path(), "studio"); }
    fs::path stale = dir.path() / "studio" / "tmp" / "999999999.1.tmp";
    farm::test::write_bytes(stale, Bytes(100, 1));
    TenantStore reopened(dir.path(), "studio");
    CHECK_FALSE(fs::exists(stale));
    CHECK(reopened.chunk_count() == 0);
}

TEST_CASE("tenants never see each other's chunks", "[store][tenant]") {
    farm::test::TempDir dir;
    Store store(dir.path());
    Stored a = put(store.tenant("east-studio"), 2000, 21);
    CHECK(store.tenant("east-studio").has_chunk(a.id));
    CHECK_FALSE(store.tenant("other-studio").has_chunk(a.id));
    CHECK_THROWS_AS(store.tenant("other-studio").get_chunk(a.id), Error);
}

TEST_CASE("hostile tenant and project names are refused", "[store][bad-input]") {
    farm::test::TempDir dir;
    Store store(dir.path());
    for (const char* name : {"..", "../x", "a/b", "", ".hidden", "x y"}) {
        INFO(name);
        CHECK_THROWS_AS(store.tenant(name), Error);
    }
    CHECK_THROWS_AS(store.tenant("ok").commit_snapshot("../../etc", manifest_of({})), Error);
}

TEST_CASE("a batch stores every good chunk before the first bad one, and no temp files",
          "[store][bad-input]") {
    farm::test::TempDir dir;
    TenantStore store(dir.path(), "studio");
    Bytes a = farm::test::random_bytes(2000, 31), b = farm::test::random_bytes(2000, 32),
          c = farm::test::random_bytes(2000, 33);
    Bytes ea = encode_chunk(a, 3), eb = encode_chunk(b, 3), ec = encode_chunk(c, 3);
    std::vector<std::pair<ChunkId, ByteView>> batch = {
        {sha256(a), ea}, {sha256(a), ea}, {sha256(c), eb}, {sha256(c), ec}};
    try {
        store.put_chunks(batch);
        FAIL("a lying chunk was accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::bad_input);
        CHECK_THAT(e.what(), Catch::Contains("chunk 2"));
    }
    CHECK(store.has_chunk(sha256(a)));
    CHECK_FALSE(store.has_chunk(sha256(c)));
    CHECK(fs::is_empty(store.dir() / "tmp"));
    std::vector<std::pair<ChunkId, ByteView>> good = {{sha256(b), eb}, {sha256(c), ec}};
    CHECK(store.put_chunks(good) == 2);
    CHECK(store.get_chunk(sha256(c)) == c);
}
