// A blocking HTTP/1.1 client over one keep-alive connection to a gateway: used by push
// and pull, and by the CLI and workers for the REST API. Every call is bounded by a
// timeout; a connection the server closed while idle is re-opened once transparently.
// Not thread-safe: one connection per thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "farm/transfer/sync_client.h"

namespace farm::transfer {

namespace http = boost::beast::http;

struct Reply {
    unsigned status = 0;
    std::string body;
    http::fields headers;
};

class HttpConnection {
public:
    explicit HttpConnection(Endpoint endpoint,
                            std::chrono::seconds timeout = std::chrono::seconds(120));
    ~HttpConnection();

    // Throws Error(io) when the gateway cannot be reached or the exchange fails.
    Reply request(http::verb verb, const std::string& target, std::string body = {},
                  std::string_view content_type = "application/octet-stream",
                  const http::fields& extra_headers = {});

    std::uint64_t bytes_sent() const { return bytes_sent_; }
    std::uint64_t bytes_received() const { return bytes_received_; }
    std::uint64_t requests() const { return requests_; }

private:
    void connect();
    Reply exchange(const http::request<http::string_body>& req);

    Endpoint endpoint_;
    std::chrono::seconds timeout_;
    boost::asio::io_context ioc_;
    std::optional<boost::beast::tcp_stream> stream_;
    std::uint64_t bytes_sent_ = 0, bytes_received_ = 0, requests_ = 0;
};

// Throws an Error whose kind follows the HTTP status and whose message is the server's
// "error" field, prefixed by `what`, unless the status is 2xx.
void expect_success(const Reply& reply, std::string_view what);

}  // namespace farm::transfer
