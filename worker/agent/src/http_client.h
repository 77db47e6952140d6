// A small blocking HTTP/1.1 client over one keep-alive connection, for the agent's calls
// to the gateway. Unlike transfer's client it can be aborted from another thread (a
// stop request must not wait out a 20 s long-poll) and can stream a request body from a
// file (results may be large). One client per thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace farm::worker {

namespace http = boost::beast::http;

// The gateway could not be reached, or the exchange broke off: worth retrying later.
class TransportError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};
// The caller's abort flag was raised while the request was in flight.
class Aborted : public std::runtime_error {
  public:
    Aborted() : std::runtime_error("aborted") {}
};

struct Reply {
    unsigned status = 0;
    std::string body;
    // The server's {"error": "..."} message when there is one, else the raw body (short).
    std::string error_text() const;
};

struct GatewayAddress {
    std::string host = "127.0.0.1";
    std::string port = "8080";
    std::string token;
    // Accepts "http://host:port", "host:port" or "http://host"; throws
    // std::invalid_argument.
    static GatewayAddress parse(const std::string& url, std::string token = {});
};

class HttpClient {
  public:
    explicit HttpClient(GatewayAddress address, const std::atomic<bool>* abort = nullptr)
        : address_(std::move(address)), abort_(abort) {}

    // Throws TransportError or Aborted; any HTTP status is returned, not thrown.
    Reply request(http::verb verb, const std::string& target, std::string body = {},
                  const http::fields& headers = {},
                  std::chrono::seconds timeout = std::chrono::seconds(60));
    // PUT/POST with the body streamed from `file`.
    Reply send_file(http::verb verb, const std::string& target,
                    const std::filesystem::path& file, const http::fields& headers,
                    std::chrono::seconds timeout = std::chrono::seconds(300));

  private:
    template <class Request>
    Reply exchange(Request& request, std::chrono::seconds timeout);
    void connect(std::chrono::seconds timeout);
    // Runs the io_context until `done`, polling the abort flag.
    void run_until(const bool& done);
    void prepare(http::fields& fields, const http::fields& extra);

    GatewayAddress address_;
    const std::atomic<bool>* abort_;
    boost::asio::io_context ioc_;
    std::optional<boost::beast::tcp_stream> stream_;
};

}  // namespace farm::worker
