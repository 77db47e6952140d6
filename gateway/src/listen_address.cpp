#include "listen_address.h"

#include <charconv>
#include <stdexcept>

namespace farm::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;

tcp::endpoint parse_listen_address(std::string_view text) {
    const std::string quoted = "listen address '" + std::string(text) + "'";
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        throw std::runtime_error(quoted + " needs a port: HOST:PORT");
    }
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() ||
        end != port_text.data() + port_text.size() || port > 65535) {
        throw std::runtime_error(quoted + ": port must be a number 0-65535");
    }
    boost::system::error_code addr_ec;
    const auto address = net::ip::make_address(std::string(host), addr_ec);
    if (addr_ec) {
        throw std::runtime_error(quoted + ": '" + std::string(host) +
                                 "' is not an IPv4 or IPv6 address");
    }
    return {address, static_cast<unsigned short>(port)};
}

std::string endpoint_url(const tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    std::string host = address.to_string();
    if (address.is_v6()) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(endpoint.port());
}

}  // namespace farm::gateway
