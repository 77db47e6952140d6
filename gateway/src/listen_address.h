// Parses --listen values. Kept apart from the server so it can be tested without sockets.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>

namespace farm::gateway {

// "127.0.0.1:8080", "0.0.0.0:0", "[::1]:8080" -> endpoint. Host names are refused on
// purpose: the gateway binds an address, and a name that resolves differently tomorrow
// would move it. Throws std::runtime_error naming the bad part.
boost::asio::ip::tcp::endpoint parse_listen_address(std::string_view text);

// The URL clients use for `endpoint`: "http://127.0.0.1:PORT" or "http://[::1]:PORT".
std::string endpoint_url(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace farm::gateway
