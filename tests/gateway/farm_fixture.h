// Helpers for the farm engine tests: a gateway with a pushed project, a fake worker that
// speaks the worker protocol over HTTP (no renders: it uploads synthetic EXR tiles), and
// a small WebSocket watcher with timeouts.
#pragma once

#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway_process.h"
#include "test_client.h"

namespace farm::gateway::test {

namespace json = boost::json;

// Pushes a project holding only `render_json` as render.json; returns the snapshot id.
std::string push_settings(std::uint16_t port, const std::string& project,
                          const std::string& render_json);

// A gateway process on a temp data dir plus one pushed project "shot" (4 frames, 64x32).
struct Farm {
    explicit Farm(std::vector<std::string> args = {});
    void restart(std::vector<std::string> args);  // kill -9, then start on the same data
    TestClient client() const { return TestClient(gateway->port()); }
    json::object submit(const std::string& spec_json);  // REQUIREs 201
    json::object job(const std::string& id);
    std::vector<std::string> task_states(const std::string& id);

    TempDir tmp;
    std::vector<std::string> args;
    std::unique_ptr<GatewayProcess> gateway;
    std::string snapshot;
};

// A float RGBA EXR of w x h (OpenImageIO), as bytes.
std::string make_exr(int width, int height, float value);
std::string zstd_compress(const std::string& data);

struct FakeWorker {
    FakeWorker(std::uint16_t port, std::string site = "west-a", int gpus = 0,
               std::string gpu_name = "L40", double score = 0);
    std::optional<json::object> lease(double wait_s = 0);
    json::object heartbeat(const std::vector<std::string>& leases, const char* state = "rendering");
    // PUT the result for `lease` (an EXR of the tile's size); returns the status.
    Response upload(const json::object& lease, bool zstd = true, double seconds = 3.0,
                    const std::string& extra_headers = "");
    Response fail(const std::string& lease, bool retryable = true);

    std::uint16_t port;
    std::string id;
    TestClient http;
};

// A WebSocket client of /api/v1/events; every read times out after `timeout_s`.
class Watcher {
  public:
    Watcher(std::uint16_t port, const std::string& query, int timeout_s = 15);
    // The next message, or nullopt on timeout/close.
    std::optional<json::object> next();
    void send(const std::string& text);

  private:
    boost::asio::io_context ioc_;
    std::chrono::seconds timeout_;
    boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
};

}  // namespace farm::gateway::test
