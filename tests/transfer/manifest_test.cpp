#include <catch2/catch.hpp>

#include "farm/transfer/error.h"
#include "farm/transfer/manifest.h"

using namespace farm::transfer;

namespace {

ChunkRef ref(char c, std::uint32_t size) {
    ChunkRef r;
    r.id = sha256(Bytes{static_cast<std::uint8_t>(c)});
    r.size = size;
    return r;
}

Manifest sample() {
    Manifest m;
    Entry dir{"assets", EntryKind::directory, 0755, 1'700'000'000'000'000'000};
    Entry file{"assets/hero.glb", EntryKind::file, 0644, 1'700'000'000'123'456'789, 300};
    file.chunks = {ref('a', 100), ref('b', 200)};
    Entry empty{"assets/empty.txt", EntryKind::file, 0600, -5, 0};
    Entry link{"assets/latest.glb", EntryKind::symlink, 0777, 0, 0, "hero.glb"};
    m.entries = {file, link, dir, empty};
    m.canonicalize();
    return m;
}

void expect_rejected(const Manifest& m, const std::string& fragment) {
    try {
        parse_manifest(serialize(m));
        FAIL("accepted a manifest that should be refused: " << fragment);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::bad_input);
        CHECK_THAT(e.what(), Catch::Contains(fragment));
    }
}

}  // namespace

TEST_CASE("manifests round-trip byte-exactly and hash to a stable id", "[manifest]") {
    Manifest m = sample();
    Bytes bytes = serialize(m);
    Manifest back = parse_manifest(bytes);
    CHECK(back.entries == m.entries);
    CHECK(serialize(back) == bytes);
    CHECK(snapshot_id(bytes) == snapshot_id(serialize(back)));
    CHECK(m.total_size() == 300);
    CHECK(m.file_count() == 2);
}

TEST_CASE("entry order does not change the snapshot id once canonical", "[manifest]") {
    Manifest a = sample();
    Manifest b = a;
    std::reverse(b.entries.begin(), b.entries.end());
    b.canonicalize();
    CHECK(snapshot_id(serialize(a)) == snapshot_id(serialize(b)));
}

TEST_CASE("hostile paths are rejected", "[manifest][bad-input]") {
    for (const char* path : {"../../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "./a",
                             "a/", "a\\b"}) {
        Manifest m = sample();
        m.entries[0].path = path;
        m.canonicalize();
        INFO(path);
        CHECK_THROWS_AS(parse_manifest(serialize(m)), Error);
    }
    Manifest nul = sample();
    nul.entries[0].path = std::string("a\0b", 3);
    nul.canonicalize();
    expect_rejected(nul, "NUL");
    Manifest long_name = sample();
    long_name.entries[0].path = std::string(300, 'x');
    long_name.canonicalize();
    expect_rejected(long_name, "longer than 255");
    CHECK_THROWS_AS(validate_relative_path(std::string(5000, 'a')), Error);
    CHECK_THROWS_AS(validate_relative_path(""), Error);
}

TEST_CASE("symlinks may not point outside the project", "[manifest][bad-input]") {
    Manifest m = sample();
    for (auto& e : m.entries) {
        if (e.kind == EntryKind::symlink) e.link_target = "../../etc/shadow";
    }
    expect_rejected(m, "outside the project");
    for (auto& e : m.entries) {
        if (e.kind == EntryKind::symlink) e.link_target = "/etc/shadow";
    }
    expect_rejected(m, "outside the project");
    for (auto& e : m.entries) {
        if (e.kind == EntryKind::symlink) e.link_target = "../assets/./hero.glb";
    }
    CHECK_NOTHROW(parse_manifest(serialize(m)));
}

TEST_CASE("inconsistent entries are rejected", "[manifest][bad-input]") {
    SECTION("size differs from chunks") {
        Manifest m = sample();
        for (auto& e : m.entries) {
            if (!e.chunks.empty()) e.size = 999;
        }
        expect_rejected(m, "differs from its chunks");
    }
    SECTION("duplicate path") {
        Manifest m = sample();
        m.entries.push_back(m.entries[0]);
        m.canonicalize();
        expect_rejected(m, "duplicate path");
    }
    SECTION("entry under a file") {
        Manifest m = sample();
        Entry child{"assets/hero.glb/inner", EntryKind::file, 0644, 0, 0};
        m.entries.push_back(child);
        m.canonicalize();
        expect_rejected(m, "not a directory");
    }
    SECTION("mode bits") {
        Manifest m = sample();
        m.entries[0].mode = 0170000;
        CHECK_THROWS_AS(parse_manifest(serialize(m)), Error);
    }
}

TEST_CASE("non-canonical or damaged bytes are rejected", "[manifest][bad-input]") {
    Bytes good = serialize(sample());
    SECTION("bad magic") {
        Bytes bad = good;
        bad[0] = 'Y';
        CHECK_THROWS_WITH(parse_manifest(bad), Catch::Contains("bad magic"));
    }
    SECTION("trailing bytes") {
        Bytes bad = good;
        bad.push_back(0);
        CHECK_THROWS_WITH(parse_manifest(bad), Catch::Contains("trailing"));
    }
    SECTION("every truncation") {
        for (std::size_t n = 0; n < good.size(); ++n) {
            Bytes bad(good.begin(), good.begin() + n);
            CHECK_THROWS_AS(parse_manifest(bad), Error);
        }
    }
    SECTION("unsorted entries") {
        Manifest m = sample();
        std::swap(m.entries[0], m.entries[1]);
        CHECK_THROWS_WITH(parse_manifest(serialize(m)), Catch::Contains("canonical order"));
    }
    SECTION("a huge entry count does not allocate") {
        Bytes bad(good.begin(), good.begin() + 8);
        for (int i = 0; i < 9; ++i) bad.push_back(0xff);
        bad.push_back(0x01);
        CHECK_THROWS_WITH(parse_manifest(bad), Catch::Contains("exceeds the data"));
    }
}

TEST_CASE("a manifest delta reproduces the target from its base", "[manifest]") {
    Manifest base = sample();
    Manifest next = base;
    next.entries.push_back({"assets/new.txt", EntryKind::file, 0644, 7, 100, "", {ref('c', 100)}});
    next.canonicalize();
    Bytes b = serialize(base), t = serialize(next);
    Bytes delta = delta_encode(b, t);
    CHECK(delta_decode(b, delta, 1 << 20) == t);
    CHECK_THROWS_AS(delta_decode(b, delta, 10), Error);  // declared size past the limit
}
