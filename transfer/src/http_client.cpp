#include "farm/transfer/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <sstream>

#include "farm/transfer/error.h"

namespace farm::transfer {

namespace beast = boost::beast;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Endpoint Endpoint::parse(std::string_view url, std::string token) {
    std::string_view rest = url;
    if (rest.substr(0, 7) == "http://") rest.remove_prefix(7);
    if (rest.substr(0, 8) == "https://") {
        throw Error(ErrorKind::bad_input, "https gateways are not supported yet: " +
                                              std::string(url));
    }
    while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    std::size_t colon = rest.rfind(':');
    Endpoint ep;
    ep.token = std::move(token);
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size() ||
        rest.find('/') != std::string_view::npos) {
        throw Error(ErrorKind::bad_input,
                    "gateway URL must look like http://HOST:PORT, got '" + std::string(url) +
                        "'");
    }
    ep.host = std::string(rest.substr(0, colon));
    ep.port = std::string(rest.substr(colon + 1));
    if (ep.host.front() == '[' && ep.host.back() == ']') {
        ep.host = ep.host.substr(1, ep.host.size() - 2);
    }
    return ep;
}

HttpConnection::HttpConnection(Endpoint endpoint, std::chrono::seconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

HttpConnection::~HttpConnection() {
    if (stream_) {
        beast::error_code ec;
        stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
    }
}

void HttpConnection::connect() {
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    auto results = resolver.resolve(endpoint_.host, endpoint_.port, ec);
    if (ec) {
        throw Error(ErrorKind::io, "cannot resolve gateway " + endpoint_.host + ":" +
                                       endpoint_.port + ": " + ec.message());
    }
    stream_.emplace(ioc_);
    stream_->expires_after(timeout_);
    stream_->connect(results, ec);
    if (ec) {
        stream_.reset();
        throw Error(ErrorKind::io, "cannot connect to gateway " + endpoint_.host + ":" +
                                       endpoint_.port + ": " + ec.message());
    }
    stream_->socket().set_option(tcp::no_delay(true));
}

Reply HttpConnection::exchange(const http::request<http::string_body>& req) {
    beast::error_code ec;
    stream_->expires_after(timeout_);
    http::write(*stream_, req, ec);
    if (ec) throw beast::system_error(ec);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    parser.header_limit(64 * 1024);
    stream_->expires_after(timeout_);
    http::read(*stream_, buffer, parser, ec);
    if (ec) throw beast::system_error(ec);
    auto res = parser.release();
    Reply reply;
    reply.status = res.result_int();
    reply.body = std::move(res.body());
    reply.headers = res.base();
    bytes_received_ += reply.body.size();
    if (!res.keep_alive()) stream_.reset();
    return reply;
}

Reply HttpConnection::request(http::verb verb, const std::string& target, std::string body,
                              std::string_view content_type,
                              const http::fields& extra_headers) {
    http::request<http::string_body> req{verb, target, 11};
    for (const auto& field : extra_headers) req.set(field.name_string(), field.value());
    req.set(http::field::host, endpoint_.host);
    req.set(http::field::user_agent, "farm/0.1");
    if (!endpoint_.token.empty()) {
        req.set(http::field::authorization, "Bearer " + endpoint_.token);
    }
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    std::ostringstream header;
    header << req.base();
    ++requests_;
    for (int attempt = 0;; ++attempt) {
        bool reused = stream_.has_value();
        if (!stream_) connect();
        try {
            Reply reply = exchange(req);
            bytes_sent_ += header.str().size() + req.body().size();
            return reply;
        } catch (const beast::system_error& e) {
            stream_.reset();
            // A kept-alive connection may have been closed by the server while idle;
            // that failure says nothing about the request, so try once on a fresh one.
            if (reused && attempt == 0) continue;
            throw Error(ErrorKind::io, std::string(http::to_string(verb)) + " " + target +
                                           " failed: " + e.code().message());
        }
    }
}

void expect_success(const Reply& reply, std::string_view what) {
    if (reply.status >= 200 && reply.status < 300) return;
    std::string message = reply.body;
    boost::system::error_code ec;
    auto v = boost::json::parse(reply.body, ec);
    if (!ec && v.is_object() && v.as_object().contains("error") &&
        v.as_object().at("error").is_string()) {
        message = std::string(v.as_object().at("error").as_string());
    }
    ErrorKind kind = ErrorKind::io;
    if (reply.status == 400) kind = ErrorKind::bad_input;
    if (reply.status == 404) kind = ErrorKind::not_found;
    if (reply.status == 409) kind = ErrorKind::conflict;
    if (reply.status == 413) kind = ErrorKind::too_large;
    throw Error(kind, std::string(what) + ": gateway answered " +
                          std::to_string(reply.status) + ": " + message);
}

}  // namespace farm::transfer
