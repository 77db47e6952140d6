// One HTTP/1.1 connection, after Beast's advanced_server: it runs on its own strand,
// reads each request header first so the router can refuse it (401, 413) before any body
// byte arrives, then reads the body under that route's limit, and pipelines: it keeps
// reading while earlier responses are still being written, up to kQueueLimit of them.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "router.h"

namespace farm::gateway {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    // The socket must have been accepted onto its own strand (see Listener).
    HttpSession(tcp::socket&& socket, Router& router);

    void run();

  private:
    void do_read_header();
    void on_read_header(beast::error_code ec, std::size_t bytes);
    void do_continue();
    void on_continue(beast::error_code ec, std::size_t bytes);
    void do_read_body();
    void on_read_body(beast::error_code ec, std::size_t bytes);
    void on_read_error(beast::error_code ec, const char* what);
    void on_request();

    // Queues `res` as the answer to `head` and decides whether to read on.
    void respond(const Request& head, Response res);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);

    // Half-closes, then reads and discards what the peer still sends for a moment, so the
    // kernel does not answer unread bytes with a RST that could destroy our response
    // before the peer has read it.
    void do_close();
    void do_drain();
    void on_drain(beast::error_code ec, std::size_t bytes);

    static constexpr std::size_t kQueueLimit = 8;
    static constexpr std::size_t kHeaderLimit = 16 * 1024;
    // Waiting for a request header (keep-alive idle, or a header trickled slowly).
    static constexpr std::chrono::seconds kHeaderTimeout{60};
    // Waiting for the next piece of a body: an idle timeout, renewed on every read.
    static constexpr std::chrono::seconds kBodyIdleTimeout{30};
    static constexpr std::chrono::seconds kLinger{2};
    static constexpr std::size_t kDrainCap = 8u << 20;

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    Router& router_;
    std::string peer_;

    // The request being read. Reset for every request: a parser reads one message.
    std::optional<http::request_parser<http::string_body>> parser_;
    std::string tenant_;
    std::size_t body_limit_ = 0;
    std::chrono::steady_clock::time_point started_;

    // Responses waiting to be written, oldest first; one write in flight at a time.
    std::queue<Response> queue_;
    bool read_paused_ = false;   // the queue was full; on_write resumes reading
    bool reading_done_ = false;  // the peer closed, or a closing response is queued

    std::vector<char> drain_;
    std::size_t drained_ = 0;
};

}  // namespace farm::gateway
