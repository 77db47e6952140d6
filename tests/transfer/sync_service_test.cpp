// The sync routes exercised in-process (the gateway tests run them over real sockets).
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "farm/transfer/sync_server.h"
#include "pack.h"
#include "test_tree.h"

using namespace farm::transfer;

namespace {

Request make(http::verb verb, std::string target, const Bytes& body = {}) {
    Request req{verb, target, 11};
    req.body().assign(body.begin(), body.end());
    req.prepare_payload();
    return req;
}

Bytes id_list(std::initializer_list<ChunkId> ids) {
    Bytes out;
    for (const ChunkId& id : ids) out.insert(out.end(), id.bytes.begin(), id.bytes.end());
    return out;
}

}  // namespace

TEST_CASE("missing, upload, commit and fetch work together", "[sync]") {
    farm::test::TempDir dir;
    Store store(dir.path());
    SyncService service(store);
    Bytes raw = farm::test::random_bytes(3000, 1);
    ChunkId id = sha256(raw);

    auto missing = service.handle(make(http::verb::post, "/api/v1/chunks/missing", id_list({id})), "a");
    REQUIRE(missing.result() == http::status::ok);
    CHECK(missing.body().size() == 32);

    Bytes pack;
    append_pack_record(pack, id, encode_chunk(raw, 3));
    auto up = service.handle(make(http::verb::post, "/api/v1/chunks", pack), "a");
    REQUIRE(up.result() == http::status::ok);
    CHECK(boost::json::parse(up.body()).at("stored").as_int64() == 1);

    missing = service.handle(make(http::verb::post, "/api/v1/chunks/missing", id_list({id})), "a");
    CHECK(missing.body().empty());
    // Another tenant must not learn that the chunk exists.
    missing = service.handle(make(http::verb::post, "/api/v1/chunks/missing", id_list({id})), "b");
    CHECK(missing.body().size() == 32);

    Manifest m;
    m.entries.push_back({"f.bin", EntryKind::file, 0644, 0, raw.size(), "", {{id, 3000}}});
    auto commit = service.handle(make(http::verb::post, "/api/v1/projects/shot/snapshots", serialize(m)), "a");
    REQUIRE(commit.result() == http::status::created);
    auto other = service.handle(make(http::verb::post, "/api/v1/projects/shot/snapshots", serialize(m)), "b");
    CHECK(other.result() == http::status::conflict);

    auto fetched = service.handle(make(http::verb::post, "/api/v1/chunks/fetch", id_list({id})), "a");
    REQUIRE(fetched.result() == http::status::ok);
    auto denied = service.handle(make(http::verb::post, "/api/v1/chunks/fetch", id_list({id})), "b");
    CHECK(denied.result() == http::status::not_found);
}

TEST_CASE("bad requests get 4xx with a JSON error", "[sync][bad-input]") {
    farm::test::TempDir dir;
    Store store(dir.path());
    SyncService service(store);
    auto status_of = [&](Request req) { return service.handle(req, "a").result(); };
    CHECK(status_of(make(http::verb::post, "/api/v1/chunks/missing", Bytes(31, 0))) ==
          http::status::bad_request);
    CHECK(status_of(make(http::verb::get, "/api/v1/chunks/zz")) == http::status::bad_request);
    CHECK(status_of(make(http::verb::get, "/api/v1/snapshots/" + std::string(64, 'a'))) ==
          http::status::not_found);
    CHECK(status_of(make(http::verb::get, "/api/v1/projects/..%2f..%2fetc/snapshots")) ==
          http::status::bad_request);
    CHECK(status_of(make(http::verb::post, "/api/v1/projects/p/snapshots", Bytes{1, 2, 3})) ==
          http::status::bad_request);
    Bytes truncated(40, 0);
    CHECK(status_of(make(http::verb::post, "/api/v1/chunks", truncated)) ==
          http::status::bad_request);
    auto res = service.handle(make(http::verb::get, "/api/v1/nothing"), "a");
    CHECK(res.result() == http::status::not_found);
    CHECK(boost::json::parse(res.body()).as_object().contains("error"));
    CHECK(SyncService::body_limit(http::verb::post, "/api/v1/chunks") == kMaxPackBytes);
    CHECK(SyncService::accepts(http::verb::post, "/api/v1/chunks/missing"));
    CHECK(SyncService::accepts(http::verb::get, "/api/v1/snapshots/abc?base=def"));
    CHECK_FALSE(SyncService::accepts(http::verb::get, "/api/v1/chunks/x/y"));
    CHECK_FALSE(SyncService::accepts(http::verb::delete_, "/api/v1/projects"));
    CHECK(SyncService::body_limit(http::verb::get, "/api/v1/projects") == kMaxSmallBody);
}
