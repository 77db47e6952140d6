#include "http_session.h"

#include <boost/asio/dispatch.hpp>
#include <sstream>

#include "farm/api.h"
#include "log.h"
#include "ws/websocket_session.h"

namespace farm::gateway {

namespace {

// Long enough for a full pack over a slow long-haul link (>= 1 MiB/s), short enough that
// a peer that stopped reading does not pin a session forever.
std::chrono::seconds write_timeout(std::size_t body_bytes) {
    return std::chrono::seconds(30 + body_bytes / (1u << 20));
}

bool is_http_error(beast::error_code ec) {
    return ec.category() == make_error_code(http::error::bad_target).category();
}

}  // namespace

HttpSession::HttpSession(tcp::socket&& socket, Router& router)
    : stream_(std::move(socket)), router_(router) {
    // Beast sizes each socket read by the buffer's free capacity (at least 512 bytes, at
    // most 64 KiB): without room up front a 16 MiB chunk pack arrives in ~32K reads.
    buffer_.reserve(1 << 20);
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) {
        std::ostringstream text;
        text << remote;
        peer_ = text.str();
    }
}

void HttpSession::run() {
    // Start on the session's strand: every handler below then runs on it.
    net::dispatch(
        stream_.get_executor(),
        beast::bind_front_handler(&HttpSession::do_read_header, shared_from_this()));
}

void HttpSession::do_read_header() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // No limit while reading the header: Beast would refuse a large Content-Length
    // against its 1 MiB default before the router has chosen the route's own limit.
    parser_->body_limit(boost::none);
    stream_.expires_after(kHeaderTimeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&HttpSession::on_read_header, shared_from_this()));
}

void HttpSession::on_read_header(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
        // The peer is done sending; finish writing what it asked for, then close.
        reading_done_ = true;
        if (queue_.empty()) do_close();
        return;
    }
    if (ec) return on_read_error(ec, "read header");
    started_ = std::chrono::steady_clock::now();

    Admission verdict = router_.admit(parser_->get());
    if (verdict.reject) return respond(parser_->get(), std::move(*verdict.reject));
    tenant_ = std::move(verdict.tenant);
    body_limit_ = verdict.body_limit;
    // Also bounds chunked bodies, whose size is unknown until they end.
    parser_->body_limit(verdict.body_limit);

    // WebSocket upgrades (the progress event stream) are taken here, after admission has
    // authenticated the tenant and before any body is read. The socket keeps its strand.
    if (websocket::is_upgrade(parser_->get()) && router_.farm() &&
        WebsocketSession::is_events_target(parser_->get().target())) {
        std::make_shared<WebsocketSession>(stream_.release_socket(),
                                           router_.farm()->engine(), std::move(tenant_))
            ->run(parser_->release());
        return;
    }

    // A client that sent "Expect: 100-continue" holds its body back until told to go on
    // (curl does for large uploads); refusals above went out instead of the 100. Only
    // when no response is being written, since the two writes must not interleave; a
    // client that hears nothing sends its body after its own short wait anyway.
    const auto& head = parser_->get();
    if (!parser_->is_done() && queue_.empty() && head.version() == 11 &&
        beast::iequals(head[http::field::expect], "100-continue")) {
        return do_continue();
    }
    do_read_body();
}

void HttpSession::do_continue() {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(kBodyIdleTimeout);
    net::async_write(
        stream_, net::buffer(kContinue.data(), kContinue.size()),
        beast::bind_front_handler(&HttpSession::on_continue, shared_from_this()));
}

void HttpSession::on_continue(beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, "write 100-continue");
    do_read_body();
}

void HttpSession::do_read_body() {
    if (parser_->is_done()) return on_request();
    // Renewed on every read: a large pack on a slow link may take minutes in total, but
    // a peer that stops sending for kBodyIdleTimeout is gone.
    stream_.expires_after(kBodyIdleTimeout);
    http::async_read_some(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&HttpSession::on_read_body, shared_from_this()));
}

void HttpSession::on_read_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec, "read body");
    do_read_body();
}

void HttpSession::on_read_error(beast::error_code ec, const char* what) {
    // A malformed or oversized request still gets a JSON answer; then the connection
    // closes, because the rest of the stream can no longer be framed.
    const Request& head = parser_->get();
    if (ec == http::error::body_limit) {
        return respond(head, Router::error(head, http::status::payload_too_large,
                                           "request body exceeds the limit of " +
                                               std::to_string(body_limit_) + " bytes"));
    }
    if (ec == http::error::header_limit) {
        return respond(
            head, Router::error(head, http::status::request_header_fields_too_large,
                                "request header exceeds " + std::to_string(kHeaderLimit) +
                                    " bytes"));
    }
    if (is_http_error(ec)) {
        return respond(head, Router::error(head, http::status::bad_request,
                                           "malformed HTTP request: " + ec.message()));
    }
    fail(ec, what);  // network failure or timeout: nobody left to answer
}

void HttpSession::on_request() {
    Request request = parser_->release();
    // A long-poll answers later: nothing more is read from this connection until it
    // does, so responses stay in request order.
    auto head = std::make_shared<Request>(request.method(), request.target(), request.version());
    head->keep_alive(request.keep_alive());
    head->content_length(request.body().size());
    if (router_.handle_async(request, tenant_, [self = shared_from_this(), head](Response res) {
            net::post(self->stream_.get_executor(), [self, head, res = std::move(res)]() mutable {
                self->respond(*head, std::move(res));
            });
        })) {
        return;
    }
    Response res = router_.handle(request, tenant_);
    respond(request, std::move(res));
}

void HttpSession::respond(const Request& head, Response res) {
    // Keep the connection only when the peer wants it and its whole request was read;
    // after a refusal from the header alone, the unread body would be taken for the
    // next request.
    const bool complete = parser_ && parser_->is_done();
    res.keep_alive(res.keep_alive() && head.keep_alive() && complete);

    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started_)
                            .count();
    std::ostringstream line;
    line << peer_ << ' ' << head.method_string() << ' ' << head.target() << ' '
         << res.result_int() << " tenant=" << (tenant_.empty() ? "-" : tenant_)
         << " in=" << head.payload_size().value_or(0) << " out=" << res.body().size()
         << ' ' << micros / 1000.0 << "ms";
    log_line(line.str());
    tenant_.clear();

    const bool keep_alive = res.keep_alive();
    queue_.push(std::move(res));
    if (queue_.size() == 1) do_write();

    if (!keep_alive) {
        reading_done_ = true;  // the write loop closes after this response
    } else if (queue_.size() < kQueueLimit) {
        do_read_header();  // pipelining: read the next request while this one is written
    } else {
        read_paused_ = true;
    }
}

void HttpSession::do_write() {
    Response& res = queue_.front();  // std::queue (a deque) keeps it in place
    stream_.expires_after(write_timeout(res.body().size()));
    http::async_write(
        stream_, res,
        beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
}

void HttpSession::on_write(beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, "write");
    const bool keep_alive = queue_.front().keep_alive();
    queue_.pop();
    if (!keep_alive) return do_close();
    if (read_paused_) {
        read_paused_ = false;
        do_read_header();
    }
    if (!queue_.empty()) return do_write();
    if (reading_done_) do_close();
}

void HttpSession::do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    drain_.resize(64 * 1024);
    stream_.expires_after(kLinger);  // one deadline for the whole drain
    do_drain();
}

void HttpSession::do_drain() {
    stream_.async_read_some(
        net::buffer(drain_),
        beast::bind_front_handler(&HttpSession::on_drain, shared_from_this()));
}

void HttpSession::on_drain(beast::error_code ec, std::size_t bytes) {
    // EOF, a timeout or an error all end the drain; the socket closes with the session.
    if (ec) return;
    drained_ += bytes;
    if (drained_ < kDrainCap) do_drain();
}

}  // namespace farm::gateway
