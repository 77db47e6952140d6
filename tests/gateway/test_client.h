// A small synchronous Beast HTTP client for the gateway tests: one keep-alive connection,
// every operation bounded by a timeout so a hung server fails a test instead of hanging
// it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace farm::gateway::test {

namespace http = boost::beast::http;
using Response = http::response<http::string_body>;

class TestClient {
  public:
    explicit TestClient(std::uint16_t port, std::string token = {},
                        std::chrono::seconds timeout = std::chrono::seconds(20));

    // Sends one request on the open connection (connecting first when needed) and reads
    // the answer. Reconnects on the next call when the server closed the connection.
    Response request(http::verb method, const std::string& target, std::string body = {},
                     const std::string& content_type = "application/octet-stream");
    Response get(const std::string& target) { return request(http::verb::get, target); }
    Response post(const std::string& target, std::string body = {}) {
        return request(http::verb::post, target, std::move(body));
    }

    // Writes `bytes` as they are (any framing, or none) and reads one response.
    Response raw_exchange(const std::string& bytes);
    // Writes bytes without reading anything (for pipelining tests).
    void write_raw(const std::string& bytes);
    Response read_response();

    // True when the server has closed the connection: a read returns EOF (or a reset)
    // within the timeout instead of data.
    bool server_closed();

    void set_token(std::string token) { token_ = std::move(token); }

  private:
    void ensure_connected();

    boost::asio::io_context ioc_;
    std::optional<boost::beast::tcp_stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::uint16_t port_;
    std::string token_;
    std::chrono::seconds timeout_;
};

// Parses a JSON body; fails the running test when it is not JSON.
boost::json::value json_body(const Response& res);
// The "error" member of a JSON error body ("" when there is none).
std::string error_of(const Response& res);

}  // namespace farm::gateway::test
