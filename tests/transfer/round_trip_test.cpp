#include <catch2/catch.hpp>

#include "farm/transfer/store.h"
#include "farm/transfer/sync_client.h"
#include "test_tree.h"

using namespace farm::transfer;
namespace fs = std::filesystem;

TEST_CASE("random trees round-trip byte-exactly through the store", "[round-trip]") {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        farm::test::TempDir work;
        fs::path src = work / "src", dst = work / "dst";
        farm::test::make_random_tree(src, seed);
        TenantStore store(work / "store", "t");
        PushOptions options;
        options.chunker = {16 * 1024, 64 * 1024, 256 * 1024};
        Manifest m = snapshot_folder(src, options, &store);
        m.validate();
        restore_folder(m, store, dst);
        std::string why;
        INFO("seed " << seed);
        CHECK(farm::test::same_tree(src, dst, why));
        INFO(why);
        // The same tree gives the same snapshot id, however often it is scanned.
        CHECK(serialize(snapshot_folder(src, options, nullptr)) == serialize(m));
    }
}

TEST_CASE("symlinks escaping the project are skipped, not followed", "[round-trip][bad-input]") {
    farm::test::TempDir work;
    fs::path src = work / "src";
    fs::create_directories(src);
    farm::test::write_bytes(work / "secret", Bytes(10, 's'));
    fs::create_symlink("../secret", src / "escape");
    fs::create_symlink("/etc/passwd", src / "absolute");
    farm::test::write_bytes(src / "ok.txt", Bytes(10, 'o'));
    Manifest m = snapshot_folder(src, {}, nullptr);
    REQUIRE(m.entries.size() == 1);
    CHECK(m.entries[0].path == "ok.txt");
}

TEST_CASE("restoring refuses a non-empty destination and leaves it alone", "[round-trip]") {
    farm::test::TempDir work;
    fs::path src = work / "src", dst = work / "dst";
    farm::test::make_random_tree(src, 9);
    TenantStore store(work / "store", "t");
    Manifest m = snapshot_folder(src, {}, &store);
    fs::create_directories(dst);
    farm::test::write_bytes(dst / "keep.txt", Bytes(3, 'k'));
    CHECK_THROWS(restore_folder(m, store, dst));
    CHECK(farm::test::read_bytes(dst / "keep.txt") == Bytes(3, 'k'));
}
