// The chunk sync routes through the gateway: tenant isolation and every bad input the
// issue names, each refused with a clear message and without damaging the store.
#include <catch2/catch.hpp>
#include <fstream>

#include "gateway_process.h"
#include "test_bodies.h"
#include "test_client.h"

using namespace farm::gateway::test;
namespace fs = std::filesystem;
namespace tr = farm::transfer;

namespace {

struct Gateway {
    explicit Gateway(const std::string& tokens_json = {}) {
        GatewayOptions options;
        options.data_dir = tmp.path() / "data";
        if (!tokens_json.empty()) {
            options.tokens_file = tmp.path() / "tokens.json";
            std::ofstream(options.tokens_file) << tokens_json;
        }
        process.emplace(options);
    }
    fs::path store() const { return tmp.path() / "data" / "store"; }
    TempDir tmp;
    std::optional<GatewayProcess> process;
    std::uint16_t port() const { return process->port(); }
};

// Every file under `dir` whose name contains `needle` (a chunk's hex id, say).
std::vector<fs::path> files_named(const fs::path& dir, const std::string& needle) {
    std::vector<fs::path> found;
    if (!fs::exists(dir)) return found;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.path().filename().string().find(needle) != std::string::npos) {
            found.push_back(entry.path());
        }
    }
    return found;
}

bool dir_empty_or_absent(const fs::path& dir) {
    return !fs::exists(dir) || fs::is_empty(dir);
}

std::vector<std::string> hex_array(const boost::json::value& v) {
    std::vector<std::string> out;
    for (const auto& item : v.as_array()) out.emplace_back(item.as_string());
    return out;
}

}  // namespace

TEST_CASE("one tenant can neither see nor fetch another tenant's chunks",
          "[gateway][sync][auth]") {
    Gateway gw(R"({"tok-a": "studio-a", "tok-b": "studio-b"})");
    TestClient a(gw.port(), "tok-a"), b(gw.port(), "tok-b");
    const TestChunk chunk = make_chunk(1);

    auto up = a.post("/api/v1/chunks", pack_of({chunk}));
    REQUIRE(up.result() == http::status::ok);
    CHECK(json_body(up).at("stored") == 1);
    CHECK(a.post("/api/v1/chunks/missing", id_list({chunk.id})).body().empty());

    // B asking whether A's chunk exists is told it is missing: no existence probe.
    auto missing = b.post("/api/v1/chunks/missing", id_list({chunk.id}));
    REQUIRE(missing.result() == http::status::ok);
    CHECK(parse_id_list(missing.body()) == std::vector<ChunkId>{chunk.id});

    auto fetch = b.post("/api/v1/chunks/fetch", id_list({chunk.id}));
    CHECK(fetch.result() == http::status::not_found);
    CHECK(hex_array(json_body(fetch).at("missing")) ==
          std::vector<std::string>{chunk.id.hex()});
    CHECK(b.get("/api/v1/chunks/" + chunk.id.hex()).result() == http::status::not_found);

    // Nor can B commit a snapshot built on A's chunk.
    auto commit = b.post("/api/v1/projects/film/snapshots",
                         serialized(manifest_of({{"a.bin", {chunk}}})));
    CHECK(commit.result() == http::status::conflict);

    // A still gets its own chunk back, byte for byte.
    auto own = a.post("/api/v1/chunks/fetch", id_list({chunk.id}));
    REQUIRE(own.result() == http::status::ok);
    CHECK(own.body() == pack_of({chunk}));
}

TEST_CASE("a chunk whose content does not match its id is refused and not stored",
          "[gateway][sync]") {
    Gateway gw;
    TestClient client(gw.port());
    const TestChunk good = make_chunk(1), other = make_chunk(2);
    const ChunkId lie = make_chunk(3).id;

    auto res =
        client.post("/api/v1/chunks", pack_of({good}) + pack_record(lie, other.encoded));
    CHECK(res.result() == http::status::bad_request);
    CHECK_THAT(error_of(res), Catch::Contains(lie.hex()));  // names the bad record

    // The verified record before it was kept (PROTOCOL.md); the lie left nothing behind.
    auto missing = client.post("/api/v1/chunks/missing", id_list({good.id, lie}));
    CHECK(parse_id_list(missing.body()) == std::vector<ChunkId>{lie});
    CHECK(files_named(gw.store(), lie.hex()).empty());
    CHECK(files_named(gw.store(), other.id.hex()).empty());
    CHECK(dir_empty_or_absent(gw.store() / "default" / "tmp"));
    CHECK(client.get("/api/v1/chunks/" + lie.hex()).result() == http::status::not_found);
}

TEST_CASE("a truncated pack is refused", "[gateway][sync]") {
    Gateway gw;
    TestClient client(gw.port());
    const TestChunk chunk = make_chunk(7);
    const std::string whole = pack_of({chunk});

    SECTION("cut inside the chunk") {
        auto res = client.post("/api/v1/chunks", whole.substr(0, whole.size() - 10));
        CHECK(res.result() == http::status::bad_request);
        CHECK_THAT(error_of(res), Catch::Contains("truncated"));
    }
    SECTION("cut inside the record header") {
        auto res = client.post("/api/v1/chunks", whole.substr(0, 20));
        CHECK(res.result() == http::status::bad_request);
        CHECK_THAT(error_of(res), Catch::Contains("truncated"));
    }
    auto missing = client.post("/api/v1/chunks/missing", id_list({chunk.id}));
    CHECK(parse_id_list(missing.body()) == std::vector<ChunkId>{chunk.id});
    CHECK(files_named(gw.store(), chunk.id.hex()).empty());
}

TEST_CASE("a manifest with a hostile path is refused", "[gateway][sync]") {
    Gateway gw;
    TestClient client(gw.port());
    const TestChunk chunk = make_chunk(11);
    REQUIRE(client.post("/api/v1/chunks", pack_of({chunk})).result() == http::status::ok);

    const std::string path =
        GENERATE(std::string("../../etc/passwd"), std::string("/etc/passwd"),
                 std::string("a\0b", 3), std::string("scene/../../x"));
    INFO("path: " << path);
    auto res = client.post("/api/v1/projects/film/snapshots",
                           serialized(manifest_of({{path, {chunk}}})));
    CHECK(res.result() == http::status::bad_request);
    CHECK_FALSE(error_of(res).empty());
    CHECK(json_body(client.get("/api/v1/projects")).as_array().empty());
    CHECK(dir_empty_or_absent(gw.store() / "default" / "snapshots"));
}

TEST_CASE("a symlink pointing out of the project is refused", "[gateway][sync]") {
    Gateway gw;
    TestClient client(gw.port());
    tr::Manifest m;
    tr::Entry link;
    link.path = "textures/escape";
    link.kind = tr::EntryKind::symlink;
    link.mode = 0777;
    link.link_target = "../../etc/passwd";
    m.entries.push_back(link);
    auto res = client.post("/api/v1/projects/film/snapshots", serialized(m));
    CHECK(res.result() == http::status::bad_request);
    CHECK_THAT(error_of(res), Catch::Contains("outside"));
}

TEST_CASE("a manifest naming missing chunks gets 409 listing them", "[gateway][sync]") {
    Gateway gw;
    TestClient client(gw.port());
    const TestChunk present = make_chunk(21), absent = make_chunk(22);
    REQUIRE(client.post("/api/v1/chunks", pack_of({present})).result() ==
            http::status::ok);

    auto res = client.post("/api/v1/projects/film/snapshots",
                           serialized(manifest_of({{"shot/a.abc", {present, absent}}})));
    CHECK(res.result() == http::status::conflict);
    CHECK_FALSE(error_of(res).empty());
    CHECK(hex_array(json_body(res).at("missing")) ==
          std::vector<std::string>{absent.id.hex()});
    // Never visible before all its data is.
    CHECK(json_body(client.get("/api/v1/projects")).as_array().empty());
}

TEST_CASE("chunks uploaded then a manifest committed: 201, listed and readable",
          "[gateway][sync]") {
    Gateway gw;
    TestClient client(gw.port());
    const std::vector<TestChunk> chunks = {make_chunk(31, 70000), make_chunk(32, 1),
                                           make_chunk(33, 300000)};
    std::vector<ChunkId> ids;
    for (const auto& c : chunks) ids.push_back(c.id);

    CHECK(parse_id_list(client.post("/api/v1/chunks/missing", id_list(ids)).body()) ==
          ids);
    auto up = client.post("/api/v1/chunks", pack_of(chunks));
    REQUIRE(up.result() == http::status::ok);
    CHECK(json_body(up).at("stored") == 3);
    CHECK(client.post("/api/v1/chunks/missing", id_list(ids)).body().empty());
    auto again = client.post("/api/v1/chunks", pack_of(chunks));  // a resumed push
    CHECK(json_body(again).at("present") == 3);

    const std::string manifest = serialized(manifest_of(
        {{"shots/010/anim.abc", {chunks[0], chunks[1]}}, {"tex/wood.exr", {chunks[2]}}}));
    const std::string id = tr::snapshot_id(to_bytes(manifest)).hex();
    auto commit = client.post("/api/v1/projects/film/snapshots", manifest);
    REQUIRE(commit.result() == http::status::created);
    CHECK(json_body(commit).at("snapshot") == id.c_str());
    CHECK(json_body(commit).at("project") == "film");

    auto projects = json_body(client.get("/api/v1/projects")).as_array();
    REQUIRE(projects.size() == 1);
    CHECK(projects[0].at("name") == "film");
    CHECK(projects[0].at("latest") == id.c_str());
    auto snaps = json_body(client.get("/api/v1/projects/film/snapshots")).as_array();
    REQUIRE(snaps.size() == 1);
    CHECK(snaps[0].at("id") == id.c_str());

    CHECK(client.get("/api/v1/snapshots/" + id).body() == manifest);
    CHECK(client.post("/api/v1/chunks/fetch", id_list(ids)).body() == pack_of(chunks));
    CHECK(client.get("/api/v1/chunks/" + ids[2].hex()).body() ==
          to_string(chunks[2].encoded));
}
