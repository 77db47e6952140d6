#include "http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json.hpp>

namespace farm::worker {

namespace beast = boost::beast;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Responses are JSON, or chunk packs of about 16 MiB, or manifests.
constexpr std::uint64_t kMaxResponseBytes = 512ull << 20;

std::string Reply::error_text() const {
    boost::system::error_code ec;
    auto doc = boost::json::parse(body, ec);
    if (!ec && doc.is_object()) {
        if (auto* e = doc.as_object().if_contains("error"); e && e->is_string())
            return std::string(e->as_string());
    }
    return body.substr(0, 300);
}

GatewayAddress GatewayAddress::parse(const std::string& url, std::string token) {
    std::string rest = url;
    if (rest.starts_with("http://"))
        rest = rest.substr(7);
    else if (rest.find("://") != std::string::npos)
        throw std::invalid_argument("gateway URL must be http://host:port, got '" + url +
                                    "'");
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    GatewayAddress a;
    a.token = std::move(token);
    std::size_t colon = rest.rfind(':');
    if (colon == std::string::npos) {
        a.host = rest;
        a.port = "80";
    } else {
        a.host = rest.substr(0, colon);
        a.port = rest.substr(colon + 1);
    }
    if (a.host.empty() || a.port.empty() ||
        a.port.find_first_not_of("0123456789") != std::string::npos ||
        rest.find('/') != std::string::npos)
        throw std::invalid_argument("gateway URL must be http://host:port, got '" + url +
                                    "'");
    return a;
}

void HttpClient::run_until(const bool& done) {
    ioc_.restart();
    while (!done) {
        ioc_.run_for(std::chrono::milliseconds(100));
        if (!done && abort_ && abort_->load()) {
            if (stream_)
                stream_->close();  // completes the pending operation with an error
            ioc_.restart();
            ioc_.run();
            stream_.reset();
            throw Aborted();
        }
    }
}

void HttpClient::connect(std::chrono::seconds timeout) {
    tcp::resolver resolver(ioc_);
    bool done = false;
    beast::error_code ec;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(address_.host, address_.port,
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                               ec = e;
                               endpoints = std::move(r);
                               done = true;
                           });
    run_until(done);
    if (ec) throw TransportError("cannot resolve " + address_.host + ": " + ec.message());
    stream_.emplace(ioc_);
    stream_->expires_after(timeout);
    done = false;
    stream_->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
        ec = e;
        done = true;
    });
    run_until(done);
    if (ec) {
        stream_.reset();
        throw TransportError("cannot connect to " + address_.host + ":" + address_.port +
                             ": " + ec.message());
    }
}

void HttpClient::prepare(http::fields& fields, const http::fields& extra) {
    for (const auto& f : extra) fields.set(f.name_string(), f.value());
    fields.set(http::field::host, address_.host);
    fields.set(http::field::user_agent, "farm-worker/0.1");
    if (!address_.token.empty())
        fields.set(http::field::authorization, "Bearer " + address_.token);
}

template <class Request>
Reply HttpClient::exchange(Request& req, std::chrono::seconds timeout) {
    bool reused = stream_.has_value();
    if (!stream_) connect(timeout);
    stream_->expires_after(timeout);
    beast::error_code ec;
    bool done = false;
    http::async_write(*stream_, req, [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
    });
    run_until(done);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBytes);
    if (!ec) {
        done = false;
        http::async_read(*stream_, buffer, parser, [&](beast::error_code e, std::size_t) {
            ec = e;
            done = true;
        });
        run_until(done);
    }
    if (ec) {
        stream_.reset();
        // The server may close a kept-alive connection while idle: tell the caller so it
        // can retry once on a fresh one.
        throw TransportError(std::string(reused ? "reused:" : "") +
                             std::string(req.method_string()) + " " +
                             std::string(req.target()) + " failed: " + ec.message());
    }
    auto res = parser.release();
    if (!res.keep_alive()) stream_.reset();
    return Reply{res.result_int(), std::move(res.body())};
}

namespace {
// Strips the "reused:" marker after the retry decision was made.
[[noreturn]] void rethrow_clean(const TransportError& e) {
    std::string m = e.what();
    if (m.starts_with("reused:")) m = m.substr(7);
    throw TransportError(m);
}
}  // namespace

Reply HttpClient::request(http::verb verb, const std::string& target, std::string body,
                          const http::fields& headers, std::chrono::seconds timeout) {
    for (int attempt = 0;; ++attempt) {
        http::request<http::string_body> req{verb, target, 11};
        prepare(req.base(), headers);
        if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
            if (req[http::field::content_type].empty())
                req.set(http::field::content_type, "application/json");
            req.body() = body;
            req.prepare_payload();
        }
        try {
            return exchange(req, timeout);
        } catch (const TransportError& e) {
            if (attempt == 0 && std::string_view(e.what()).starts_with("reused:"))
                continue;
            rethrow_clean(e);
        }
    }
}

Reply HttpClient::send_file(http::verb verb, const std::string& target,
                            const std::filesystem::path& file,
                            const http::fields& headers, std::chrono::seconds timeout) {
    for (int attempt = 0;; ++attempt) {
        http::request<http::file_body> req{verb, target, 11};
        prepare(req.base(), headers);
        beast::error_code ec;
        req.body().open(file.c_str(), beast::file_mode::scan, ec);
        if (ec)
            throw std::runtime_error("cannot open " + file.string() + ": " +
                                     ec.message());
        req.prepare_payload();
        try {
            return exchange(req, timeout);
        } catch (const TransportError& e) {
            if (attempt == 0 && std::string_view(e.what()).starts_with("reused:"))
                continue;
            rethrow_clean(e);
        }
    }
}

}  // namespace farm::worker
