#include "test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

namespace farm::gateway::test {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// tcp_stream timeouts only apply to asynchronous operations, so every step runs async on
// the client's own io_context; a timeout then surfaces as beast::error::timeout.
template <typename Start>
beast::error_code run_async(net::io_context& ioc, Start&& start) {
    beast::error_code result;
    start([&result](beast::error_code ec, std::size_t = 0) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
}

void check(beast::error_code ec, const char* what) {
    if (ec) throw beast::system_error(ec, what);
}

}  // namespace

TestClient::TestClient(std::uint16_t port, std::string token,
                       std::chrono::seconds timeout)
    : port_(port), token_(std::move(token)), timeout_(timeout) {}

void TestClient::ensure_connected() {
    if (stream_ && stream_->socket().is_open()) return;
    stream_.emplace(ioc_);
    buffer_.clear();
    stream_->expires_after(timeout_);
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port_);
    check(
        run_async(ioc_, [&](auto handler) { stream_->async_connect(endpoint, handler); }),
        "connect");
}

Response TestClient::request(http::verb method, const std::string& target,
                             std::string body, const std::string& content_type) {
    ensure_connected();
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    stream_->expires_after(timeout_);
    check(
        run_async(ioc_, [&](auto handler) { http::async_write(*stream_, req, handler); }),
        "write request");
    Response res = read_response();
    if (!res.keep_alive()) stream_.reset();  // the server closes after this answer
    return res;
}

Response TestClient::raw_exchange(const std::string& bytes) {
    write_raw(bytes);
    return read_response();
}

void TestClient::write_raw(const std::string& bytes) {
    ensure_connected();
    stream_->expires_after(timeout_);
    check(run_async(ioc_,
                    [&](auto handler) {
                        net::async_write(*stream_, net::buffer(bytes), handler);
                    }),
          "write");
}

Response TestClient::read_response() {
    // Packs and manifests may be large; the default 8 MiB response limit is too small.
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    stream_->expires_after(timeout_);
    check(run_async(ioc_,
                    [&](auto handler) {
                        http::async_read(*stream_, buffer_, parser, handler);
                    }),
          "read response");
    return parser.release();
}

bool TestClient::server_closed() {
    if (!stream_) return true;
    char byte;
    stream_->expires_after(timeout_);
    // A timed-out read reports beast::error::timeout: the server kept it open.
    const auto ec = run_async(ioc_, [&](auto handler) {
        stream_->async_read_some(net::buffer(&byte, 1), handler);
    });
    const bool closed = ec == net::error::eof || ec == net::error::connection_reset;
    stream_.reset();
    return closed;
}

boost::json::value json_body(const Response& res) {
    INFO("body: " << res.body());
    boost::json::error_code ec;
    auto value = boost::json::parse(res.body(), ec);
    REQUIRE_FALSE(ec);
    return value;
}

std::string error_of(const Response& res) {
    auto value = json_body(res);
    if (!value.is_object()) return {};
    const auto* error = value.as_object().if_contains("error");
    return error && error->is_string() ? std::string(error->as_string()) : std::string();
}

}  // namespace farm::gateway::test
