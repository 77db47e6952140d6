// Accepts connections and starts an HttpSession for each, after Beast's advanced_server.
// Every connection is accepted onto its own strand, so a session's handlers never run
// concurrently while different sessions run in parallel on the io_context's threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <memory>

#include "router.h"

namespace farm::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class Listener : public std::enable_shared_from_this<Listener> {
  public:
    // Opens, binds and listens at once, so the real port is known (and errors are thrown,
    // naming the address) before the server announces itself.
    Listener(net::io_context& ioc, const tcp::endpoint& endpoint, Router& router);

    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    void run();
    // Stops accepting; sessions already running finish on their own.
    void stop();

  private:
    void do_accept();
    void on_accept(boost::beast::error_code ec, tcp::socket socket);

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    // Waits before accepting again after an error such as EMFILE, which would otherwise
    // repeat at once and spin a core.
    net::steady_timer backoff_;
    Router& router_;
};

}  // namespace farm::gateway
