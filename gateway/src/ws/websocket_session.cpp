#include "ws/websocket_session.h"

#include <boost/asio/post.hpp>

#include "farm/api.h"
#include "log.h"

namespace farm::gateway {

WebsocketSession::WebsocketSession(net::ip::tcp::socket&& socket, Engine& engine,
                                   std::string tenant)
    : ws_(std::move(socket)), engine_(engine), tenant_(std::move(tenant)) {}

WebsocketSession::~WebsocketSession() { engine_.hub().leave(this); }

bool WebsocketSession::is_events_target(std::string_view target) {
    return target.substr(0, target.find('?')) == "/api/v1/events";
}

void WebsocketSession::run(bhttp::request<bhttp::string_body> request) {
    const std::string job = query_param(request.target(), "job");
    if (!job.empty()) job_ = job;
    const std::string since = query_param(request.target(), "since");
    try {
        if (!since.empty()) since_ = std::max<std::int64_t>(0, std::stoll(since));
    } catch (const std::exception&) {
        bad_since_ = true;  // reported once the socket is open; replays everything
        since_ = 0;
    }
    // The HTTP session's timeout no longer applies; the WebSocket one pings idle peers.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(request, beast::bind_front_handler(&WebsocketSession::on_accept,
                                                        shared_from_this()));
}

void WebsocketSession::on_accept(beast::error_code ec) {
    if (ec) return fail(ec, "websocket accept");
    open_ = true;
    if (bad_since_) send_error("'since' must be an event seq (an integer)");
    if (job_) {
        try {
            engine_.get_job(tenant_, *job_);
        } catch (const std::exception& e) {
            send_error(e.what());  // still connected: the job may be submitted later
        }
    }
    // Replay and join happen atomically inside the engine; both arrive through deliver(),
    // whose posts run on this strand after this handler returns.
    last_seq_ = engine_.attach_watcher(shared_from_this(), since_);
    do_read();
}

bool WebsocketSession::wants(const Event& e) const {
    if (e.tenant != tenant_ && e.tenant != "*") return false;
    if (!job_ && subscribed_.empty()) return true;  // all of the tenant's jobs
    if (!e.job) return false;  // worker events only to tenant-wide watchers
    return (job_ && *e.job == *job_) || subscribed_.count(*e.job) > 0;
}

void WebsocketSession::deliver(const Event& event) {
    net::post(ws_.get_executor(), [self = shared_from_this(), event] {
        if (event.seq <= self->last_seq_ || !self->wants(event)) return;
        self->last_seq_ = event.seq;
        self->send(event.text);
    });
}

void WebsocketSession::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WebsocketSession::on_read,
                                                      shared_from_this()));
}

void WebsocketSession::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        closing_ = true;
        engine_.hub().leave(this);
        return fail(ec, "websocket read");
    }
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    on_message(text);
    do_read();
}

void WebsocketSession::on_message(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return send_error("message is not a JSON object");
    const json::object& o = v.as_object();
    const json::value* sub = o.if_contains("subscribe");
    const json::value* unsub = o.if_contains("unsubscribe");
    if ((sub == nullptr) == (unsub == nullptr) || o.size() != 1)
        return send_error("expected {\"subscribe\": job} or {\"unsubscribe\": job}");
    const json::value& id = sub ? *sub : *unsub;
    if (!id.is_string()) return send_error("the job id must be a string");
    const std::string job(id.as_string());
    if (unsub) {
        subscribed_.erase(job);
        return;
    }
    try {
        engine_.get_job(tenant_, job);
    } catch (const std::exception& e) {
        return send_error(e.what());
    }
    subscribed_.insert(job);
}

void WebsocketSession::send_error(const std::string& message) {
    send(std::make_shared<const std::string>(
        json::serialize(json::object{{"type", "error"}, {"error", message}})));
}

void WebsocketSession::send(std::shared_ptr<const std::string> text) {
    if (closing_) return;
    if (queue_.size() >= kQueueLimit) {
        // Too slow to keep up: close rather than buffer without bound.
        closing_ = true;
        engine_.hub().leave(this);
        ws_.async_close(websocket::close_code::policy_error,
                        [self = shared_from_this()](beast::error_code) {});
        return;
    }
    queue_.push_back(std::move(text));
    if (queue_.size() == 1) do_write();
}

void WebsocketSession::do_write() {
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&WebsocketSession::on_write, shared_from_this()));
}

void WebsocketSession::on_write(beast::error_code ec, std::size_t) {
    if (ec) {
        closing_ = true;
        engine_.hub().leave(this);
        return fail(ec, "websocket write");
    }
    queue_.pop_front();
    if (!queue_.empty() && !closing_) do_write();
}

}  // namespace farm::gateway
