#include <zstd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "farm/transfer/chunk.h"
#include "farm/transfer/error.h"
#include "test_tree.h"

using namespace farm::transfer;

namespace {
Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
}  // namespace

TEST_CASE("sha256 matches the FIPS 180-2 test vector", "[chunk]") {
    CHECK(sha256(text("abc")).hex() ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256({}).hex() ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("chunk ids parse from hex and refuse anything else", "[chunk]") {
    ChunkId id = sha256(text("x"));
    CHECK(ChunkId::from_hex(id.hex()) == id);
    CHECK_FALSE(ChunkId::from_hex(id.hex().substr(1)));
    CHECK_FALSE(ChunkId::from_hex(std::string(63, 'a') + "g"));
    CHECK_FALSE(ChunkId::from_hex("../../etc/passwd"));
}

TEST_CASE("compressible chunks are stored as zstd and round-trip", "[chunk]") {
    Bytes raw(200'000, 'a');
    Bytes enc = encode_chunk(raw, 3);
    CHECK(enc[0] == static_cast<std::uint8_t>(ChunkEncoding::zstd));
    CHECK(enc.size() < raw.size() / 10);
    CHECK(decode_and_verify(sha256(raw), enc) == raw);
}

TEST_CASE("incompressible chunks are stored raw, never larger than 1 byte over", "[chunk]") {
    Bytes raw = farm::test::random_bytes(100'000, 1);
    Bytes enc = encode_chunk(raw, 3);
    CHECK(enc[0] == static_cast<std::uint8_t>(ChunkEncoding::raw));
    CHECK(enc.size() == raw.size() + 1);
    CHECK(decode_chunk(enc) == raw);
}

TEST_CASE("a chunk whose content does not match its id is rejected", "[chunk][bad-input]") {
    Bytes raw = text("hello world");
    Bytes enc = encode_chunk(raw, 3);
    ChunkId wrong = sha256(text("something else"));
    REQUIRE_THROWS_AS(decode_and_verify(wrong, enc), Error);
    try {
        decode_and_verify(wrong, enc);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::bad_input);
        CHECK_THAT(e.what(), Catch::Contains("does not match"));
    }
}

TEST_CASE("a zstd frame declaring more than the limit is refused before decoding",
          "[chunk][bad-input]") {
    // 64 MiB of zeros compresses to a few KB: a decompression bomb against a 16 MiB limit.
    Bytes zeros(64u << 20, 0);
    Bytes frame(ZSTD_compressBound(zeros.size()));
    frame.resize(ZSTD_compress(frame.data(), frame.size(), zeros.data(), zeros.size(), 1));
    Bytes enc{static_cast<std::uint8_t>(ChunkEncoding::zstd)};
    enc.insert(enc.end(), frame.begin(), frame.end());
    try {
        decode_chunk(enc);
        FAIL("bomb accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::too_large);
        CHECK_THAT(e.what(), Catch::Contains("past the limit"));
    }
}

TEST_CASE("malformed encodings are rejected with a reason", "[chunk][bad-input]") {
    Bytes good = encode_chunk(Bytes(10'000, 'z'), 3);
    SECTION("empty") { CHECK_THROWS_WITH(decode_chunk({}), Catch::Contains("empty")); }
    SECTION("unknown flag") {
        Bytes bad = good;
        bad[0] = 7;
        CHECK_THROWS_WITH(decode_chunk(bad), Catch::Contains("unknown chunk encoding"));
    }
    SECTION("truncated frame") {
        Bytes bad(good.begin(), good.end() - 3);
        CHECK_THROWS_AS(decode_chunk(bad), Error);
    }
    SECTION("trailing garbage after the frame") {
        Bytes bad = good;
        bad.push_back(0);
        CHECK_THROWS_WITH(decode_chunk(bad), Catch::Contains("exactly one complete zstd frame"));
    }
    SECTION("not zstd at all") {
        Bytes bad{1, 'n', 'o', 't', ' ', 'z', 's', 't', 'd'};
        CHECK_THROWS_WITH(decode_chunk(bad), Catch::Contains("not a zstd frame"));
    }
    SECTION("frame without declared size") {
        Bytes raw(5000, 'q');
        ZSTD_CCtx* c = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
        Bytes out(ZSTD_compressBound(raw.size()));
        // Streaming API with unknown size never writes the content size.
        ZSTD_outBuffer ob{out.data(), out.size(), 0};
        ZSTD_inBuffer ib{raw.data(), raw.size(), 0};
        ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end);
        ZSTD_freeCCtx(c);
        Bytes enc{1};
        enc.insert(enc.end(), out.begin(), out.begin() + ob.pos);
        CHECK_THROWS_WITH(decode_chunk(enc), Catch::Contains("declare its content size"));
    }
    SECTION("raw chunk past the limit") {
        Bytes big(1000, 0);
        CHECK_THROWS_AS(decode_chunk(big, 100), Error);
    }
}
