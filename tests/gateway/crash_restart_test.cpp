// kill -9 of the gateway while pushes are in flight, then a restart on the same data dir:
// everything the gateway acknowledged (chunks stored, snapshots committed) must still be
// there and verify, and nothing half-written may be visible.
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "farm/transfer/chunk.h"
#include "gateway_process.h"
#include "test_bodies.h"
#include "test_client.h"

using namespace farm::gateway::test;
namespace fs = std::filesystem;
namespace tr = farm::transfer;
using namespace std::chrono_literals;

namespace {

// What the gateway has acknowledged so far, shared between the pusher and the test.
struct Acknowledged {
    std::mutex mutex;
    std::vector<TestChunk> chunks;
    std::vector<std::pair<std::string, std::string>> snapshots;  // id hex, manifest bytes
    int rounds = 0;
};

// Pushes round after round (a pack of new chunks, then a snapshot naming them and the
// previous round's) until the connection fails, recording every acknowledgement.
void push_until_killed(std::uint16_t port, Acknowledged& acked) {
    TestClient client(port, {}, 30s);  // a kill ends requests at once anyway
    std::vector<TestChunk> previous;
    for (std::uint32_t round = 0; round < 10000; ++round) {
        std::vector<TestChunk> fresh;
        for (std::uint32_t i = 0; i < 8; ++i)
            fresh.push_back(make_chunk(round * 8 + i, 96000));
        try {
            auto up = client.post("/api/v1/chunks", pack_of(fresh));
            if (up.result() != http::status::ok) return;
            {
                std::lock_guard lock(acked.mutex);
                acked.chunks.insert(acked.chunks.end(), fresh.begin(), fresh.end());
            }
            std::vector<TestChunk> all = previous;
            all.insert(all.end(), fresh.begin(), fresh.end());
            const std::string manifest = serialized(
                manifest_of({{"cache/frame." + std::to_string(round) + ".bin", all}}));
            auto commit = client.post("/api/v1/projects/film/snapshots", manifest);
            if (commit.result() != http::status::created) return;
            // Not json_body(): Catch2 assertions are not thread-safe, and this is not the
            // test's thread.
            const std::string id(
                boost::json::parse(commit.body()).at("snapshot").as_string());
            std::lock_guard lock(acked.mutex);
            acked.snapshots.emplace_back(id, manifest);
            ++acked.rounds;
        } catch (const std::exception&) {
            return;  // the gateway died under us: exactly what the test is about
        }
        previous = std::move(fresh);
    }
}

}  // namespace

TEST_CASE("kill -9 mid-push, then restart: committed snapshots and chunks stay readable",
          "[gateway][crash]") {
    TempDir tmp;
    GatewayOptions options;
    options.data_dir = tmp.path() / "data";
    Acknowledged acked;

    {
        GatewayProcess gateway(options);
        std::thread pusher(push_until_killed, gateway.port(), std::ref(acked));
        // Let a few rounds complete, then kill while the next is in flight.
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::lock_guard lock(acked.mutex);
                if (acked.rounds >= 4) break;
            }
            std::this_thread::sleep_for(2ms);
        }
        gateway.kill_hard();
        pusher.join();
    }
    REQUIRE(acked.rounds >= 4);

    GatewayProcess restarted(options);
    TestClient client(restarted.port());

    // Every snapshot acknowledged before the kill is listed and returns its exact bytes.
    auto listed = json_body(client.get("/api/v1/projects/film/snapshots")).as_array();
    std::vector<std::string> listed_ids;
    for (const auto& s : listed) listed_ids.emplace_back(s.at("id").as_string());
    for (const auto& [id, manifest] : acked.snapshots) {
        INFO("snapshot " << id);
        CHECK(std::find(listed_ids.begin(), listed_ids.end(), id) != listed_ids.end());
        auto res = client.get("/api/v1/snapshots/" + id);
        CHECK(res.result() == http::status::ok);
        CHECK(res.body() == manifest);
    }

    // Every acknowledged chunk is present and decodes to its content (the pack is
    // re-verified here, independently of the gateway's own hash check).
    std::vector<ChunkId> ids;
    for (const auto& c : acked.chunks) ids.push_back(c.id);
    CHECK(client.post("/api/v1/chunks/missing", id_list(ids)).body().empty());
    for (const TestChunk& c : acked.chunks) {
        auto res = client.get("/api/v1/chunks/" + c.id.hex());
        REQUIRE(res.result() == http::status::ok);
        CHECK(tr::decode_and_verify(c.id, to_bytes(res.body())) == c.raw);
    }

    // No torn write survived: the store's scratch folder was emptied at open.
    const fs::path scratch = options.data_dir / "store" / "default" / "tmp";
    CHECK((!fs::exists(scratch) || fs::is_empty(scratch)));

    // And the restarted gateway takes new work: the interrupted round can be re-pushed.
    const TestChunk next = make_chunk(999999, 5000);
    CHECK(client.post("/api/v1/chunks", pack_of({next})).result() == http::status::ok);
    auto commit = client.post("/api/v1/projects/film/snapshots",
                              serialized(manifest_of({{"after-restart.bin", {next}}})));
    CHECK(commit.result() == http::status::created);
}
