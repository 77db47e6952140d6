#include "listener.h"

#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <sstream>
#include <stdexcept>

#include "http_session.h"
#include "log.h"

namespace farm::gateway {

namespace {

[[noreturn]] void throw_bind_error(const tcp::endpoint& endpoint, const char* step,
                                   boost::beast::error_code ec) {
    std::ostringstream text;
    text << "cannot " << step << " " << endpoint << ": " << ec.message();
    throw std::runtime_error(text.str());
}

}  // namespace

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint, Router& router)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      backoff_(acceptor_.get_executor()),
      router_(router) {
    boost::beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) throw_bind_error(endpoint, "open a socket for", ec);
    // A restarted gateway must get its port back while old connections sit in TIME_WAIT.
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) throw_bind_error(endpoint, "set SO_REUSEADDR on", ec);
    acceptor_.bind(endpoint, ec);
    if (ec) throw_bind_error(endpoint, "bind", ec);
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw_bind_error(endpoint, "listen on", ec);
}

void Listener::run() { do_accept(); }

void Listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::beast::error_code ec;
        self->acceptor_.close(ec);
        self->backoff_.cancel();
    });
}

void Listener::do_accept() {
    // Each new connection gets its own strand.
    acceptor_.async_accept(
        net::make_strand(ioc_),
        boost::beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
        fail(ec, "accept");
        backoff_.expires_after(std::chrono::milliseconds(50));
        backoff_.async_wait(
            [self = shared_from_this()](boost::beast::error_code wait_ec) {
                if (!wait_ec) self->do_accept();
            });
        return;
    }
    std::make_shared<HttpSession>(std::move(socket), router_)->run();
    do_accept();
}

}  // namespace farm::gateway
