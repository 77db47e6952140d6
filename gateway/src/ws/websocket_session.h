// One WebSocket watcher of the event stream (GET /api/v1/events?job=&since=), after
// Beast's chat-multi websocket_session: it runs on the connection's strand, keeps its own
// write queue with one write in flight, and is fed by the EventHub through deliver().
// Client messages {"subscribe": id} / {"unsubscribe": id} change which jobs it follows;
// anything else gets an error event and the connection stays open.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "farm/engine.h"

namespace farm::gateway {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

class WebsocketSession : public EventSink,
                         public std::enable_shared_from_this<WebsocketSession> {
  public:
    WebsocketSession(net::ip::tcp::socket&& socket, Engine& engine, std::string tenant);
    ~WebsocketSession() override;

    // Takes the upgrade request (already admitted: tenant authenticated).
    void run(bhttp::request<bhttp::string_body> request);
    void deliver(const Event& event) override;

    // True when `target` is the event stream's path.
    static bool is_events_target(std::string_view target);

  private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void on_message(const std::string& text);
    void send(std::shared_ptr<const std::string> text);  // on the strand
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void send_error(const std::string& message);
    bool wants(const Event& event) const;

    // A watcher this far behind is cut off; it reconnects with since= and loses nothing.
    static constexpr std::size_t kQueueLimit = 20000;

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    Engine& engine_;
    std::string tenant_;
    std::optional<std::string> job_;  // from ?job=
    std::set<std::string> subscribed_;
    std::optional<std::int64_t> since_;  // absent: live events only
    bool bad_since_ = false;
    std::int64_t last_seq_ = 0;  // never send an event twice
    std::deque<std::shared_ptr<const std::string>> queue_;
    bool open_ = false;
    bool closing_ = false;
};

}  // namespace farm::gateway
