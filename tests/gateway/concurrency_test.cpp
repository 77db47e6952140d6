// Many studios' pushes at once: the gateway runs sessions on several threads and its
// handlers do blocking disk IO, so concurrent uploads of overlapping chunks and
// concurrent commits must all succeed and leave exactly one copy of each chunk.
#include <atomic>
#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "gateway_process.h"
#include "test_bodies.h"
#include "test_client.h"

using namespace farm::gateway::test;
namespace fs = std::filesystem;

TEST_CASE("concurrent uploads and commits on many connections all land",
          "[gateway][concurrency]") {
    TempDir tmp;
    GatewayOptions options;
    options.data_dir = tmp.path() / "data";
    GatewayProcess gateway(options);

    std::vector<TestChunk> pool;
    for (std::uint32_t i = 0; i < 48; ++i)
        pool.push_back(make_chunk(1000 + i, 20000 + i));

    constexpr int kClients = 8;
    std::atomic<int> failures{0}, uploads{0}, commits{0};
    std::vector<std::string> errors(kClients);
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            // No Catch2 assertions here: they are not thread-safe. Record, check later.
            try {
                TestClient client(gateway.port());
                std::mt19937 rng(c);
                std::vector<TestChunk> order = pool;
                std::shuffle(order.begin(), order.end(), rng);
                for (std::size_t at = 0; at < order.size(); at += 6) {
                    std::vector<TestChunk> pack(order.begin() + at,
                                                order.begin() + at + 6);
                    auto res = client.post("/api/v1/chunks", pack_of(pack));
                    if (res.result() != http::status::ok)
                        throw std::runtime_error(res.body());
                    ++uploads;
                }
                auto manifest = serialized(manifest_of({{"all.bin", order}}));
                auto res = client.post(
                    "/api/v1/projects/p" + std::to_string(c) + "/snapshots", manifest);
                if (res.result() != http::status::created)
                    throw std::runtime_error(res.body());
                ++commits;
            } catch (const std::exception& e) {
                errors[c] = e.what();
                ++failures;
            }
        });
    }
    for (auto& t : clients) t.join();
    for (const auto& e : errors) CHECK(e.empty());
    CHECK(failures == 0);
    CHECK(uploads == kClients * 8);
    CHECK(commits == kClients);

    TestClient client(gateway.port());
    std::vector<ChunkId> ids;
    for (const auto& c : pool) ids.push_back(c.id);
    CHECK(client.post("/api/v1/chunks/missing", id_list(ids)).body().empty());
    CHECK(client.post("/api/v1/chunks/fetch", id_list(ids)).body() == pack_of(pool));
    CHECK(json_body(client.get("/api/v1/projects")).as_array().size() == kClients);

    std::size_t chunk_files = 0;
    for (const auto& e : fs::recursive_directory_iterator(options.data_dir / "store" /
                                                          "default" / "chunks")) {
        if (e.is_regular_file()) ++chunk_files;
    }
    CHECK(chunk_files == pool.size());
}
