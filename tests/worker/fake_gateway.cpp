#include "fake_gateway.h"

#include <sys/socket.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace farm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using farm::transfer::Request;
using farm::transfer::Response;

namespace {

Response reply(const Request& req, http::status status, const json::value& body) {
    Response res{status, req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
}

Response empty(const Request& req, http::status status) {
    Response res{status, req.version()};
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

// "/api/v1/workers/w-1/lease?wait_s=2" -> {"api","v1","workers","w-1","lease"}
std::vector<std::string> segments(std::string_view target) {
    target = target.substr(0, target.find('?'));
    std::vector<std::string> out;
    std::size_t pos = 1;
    while (pos <= target.size()) {
        std::size_t next = std::min(target.find('/', pos), target.size());
        out.emplace_back(target.substr(pos, next - pos));
        pos = next + 1;
    }
    return out;
}

}  // namespace

FakeGateway::FakeGateway(const std::filesystem::path& store_dir,
                         double heartbeat_interval_s)
    : store_(store_dir), heartbeat_interval_s_(heartbeat_interval_s) {
    listen();
}

FakeGateway::~FakeGateway() {
    go_down();
    for (auto& t : connections_) t.join();
}

void FakeGateway::listen() {
    acceptor_ = std::make_unique<tcp::acceptor>(ioc_);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port_);
    acceptor_->open(ep.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(ep);
    acceptor_->listen();
    port_ = acceptor_->local_endpoint().port();
    // Non-blocking accept polled with a short sleep, so go_down() needs no cross-thread
    // cancel of a blocking call.
    acceptor_->non_blocking(true);
    up_ = true;
    accept_thread_ = std::thread([this] { accept_loop(); });
}

void FakeGateway::accept_loop() {
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (!up_) return;
        }
        beast::error_code ec;
        auto socket = std::make_shared<tcp::socket>(ioc_);
        acceptor_->accept(*socket, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        if (ec) return;
        socket->non_blocking(false);
        std::lock_guard lock(mutex_);
        sockets_.push_back(socket);
        connections_.emplace_back([this, socket] { serve(socket); });
    }
}

void FakeGateway::go_down() {
    {
        std::lock_guard lock(mutex_);
        if (!up_) return;
        up_ = false;
        changed_.notify_all();
    }
    accept_thread_.join();
    acceptor_->close();
    std::lock_guard lock(mutex_);
    for (auto& w : sockets_)
        if (auto s = w.lock())
            ::shutdown(s->native_handle(), SHUT_RDWR);  // wakes blocked reads
    sockets_.clear();
}

void FakeGateway::come_back() { listen(); }

void FakeGateway::serve(std::shared_ptr<tcp::socket> socket) {
    beast::flat_buffer buffer;
    while (true) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(512u << 20);
        beast::error_code ec;
        http::read(*socket, buffer, parser, ec);
        if (ec) break;
        Request req = parser.release();
        Response res = route(req);
        http::write(*socket, res, ec);
        if (ec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    socket->shutdown(tcp::socket::shutdown_both, ignored);
}

Response FakeGateway::route(const Request& req) {
    std::string target(req.target());
    if (farm::transfer::SyncService::owns(target)) {
        std::string tenant(req["X-Farm-Tenant"]);
        farm::transfer::SyncService sync(store_);
        return sync.handle(req, tenant.empty() ? "default" : tenant);
    }
    auto seg = segments(target);
    std::unique_lock lock(mutex_);
    if (seg.size() == 3 && seg[2] == "workers" && req.method() == http::verb::post) {
        std::string id = "w-" + std::to_string(++registrations);
        workers_.insert(id);
        changed_.notify_all();
        return reply(req, http::status::created,
                     json::object{{"worker_id", id},
                                  {"heartbeat_interval_s", heartbeat_interval_s_},
                                  {"lease_timeout_s", 30}});
    }
    if (seg.size() == 5 && seg[2] == "workers") {
        if (!workers_.count(seg[3]))
            return reply(req, http::status::not_found,
                         json::object{{"error", "unknown worker " + seg[3]}});
        if (seg[4] == "lease") {
            // Long-poll, shortened: the agent asks again at once after a 204.
            changed_.wait_for(lock, std::chrono::seconds(1),
                              [&] { return !leases_.empty() || !up_; });
            if (leases_.empty() || !up_) return empty(req, http::status::no_content);
            json::object lease = std::move(leases_.front());
            leases_.pop_front();
            ++leases_given;
            changed_.notify_all();
            return reply(req, http::status::ok, lease);
        }
        if (seg[4] == "heartbeat") {
            heartbeats.push_back(json::parse(req.body()));
            json::array cancel;
            for (const auto& id : canceled_) cancel.emplace_back(id);
            changed_.notify_all();
            return reply(req, http::status::ok,
                         json::object{{"cancel", std::move(cancel)}});
        }
    }
    if (seg.size() == 5 && seg[2] == "leases" && seg[4] == "result" &&
        req.method() == http::verb::put) {
        results.push_back({seg[3], req.body(),
                           std::string(req[http::field::content_encoding]),
                           std::string(req["X-Farm-Render-Seconds"]),
                           std::string(req["X-Farm-Device"]), result_status_});
        changed_.notify_all();
        if (result_status_ != 200)
            return reply(req, static_cast<http::status>(result_status_),
                         json::object{{"error", "lease " + seg[3] +
                                                    " is not held by this worker"}});
        return reply(req, http::status::ok, json::object{{"accepted", true}});
    }
    if (seg.size() == 5 && seg[2] == "leases" && seg[4] == "fail" &&
        req.method() == http::verb::post) {
        json::object body = json::parse(req.body()).as_object();
        failures.push_back({seg[3], std::string(body.at("reason").as_string()),
                            body.at("retryable").as_bool()});
        changed_.notify_all();
        return reply(req, http::status::ok, json::object{{"ok", true}});
    }
    return reply(req, http::status::not_found,
                 json::object{{"error", "no route " + target}});
}

void FakeGateway::add_lease(json::object lease) {
    std::lock_guard lock(mutex_);
    leases_.push_back(std::move(lease));
    changed_.notify_all();
}

void FakeGateway::cancel(const std::string& lease_id) {
    std::lock_guard lock(mutex_);
    canceled_.insert(lease_id);
}

void FakeGateway::set_result_status(unsigned status) {
    std::lock_guard lock(mutex_);
    result_status_ = status;
}

void FakeGateway::forget_workers() {
    std::lock_guard lock(mutex_);
    workers_.clear();
}

bool FakeGateway::wait_for(const std::function<bool()>& pred,
                           std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, pred);
}

}  // namespace farm::test
