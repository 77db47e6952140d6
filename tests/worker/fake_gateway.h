// A stand-in for farm-gateway in the agent tests: the worker routes of
// docs/farm-protocol.md with canned leases, and the chunk sync routes served by the real
// farm::transfer::SyncService over a temp store. Synchronous Beast, one thread per
// connection, on 127.0.0.1. It can go down and come back on the same port, forget its
// workers (as a gateway that lost its state would), refuse results with a given status,
// and cancel leases through heartbeat replies.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "farm/transfer/store.h"
#include "farm/transfer/sync_server.h"

namespace farm::test {

struct ReceivedResult {
    std::string lease_id, body, content_encoding, render_seconds, device;
    unsigned status = 200;  // what the fake answered
};
struct ReceivedFailure {
    std::string lease_id, reason;
    bool retryable = true;
};

class FakeGateway {
  public:
    explicit FakeGateway(const std::filesystem::path& store_dir,
                         double heartbeat_interval_s = 0.5);
    ~FakeGateway();

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    farm::transfer::Store& store() { return store_; }

    void add_lease(boost::json::object lease);
    void cancel(const std::string& lease_id);
    void set_result_status(unsigned status);
    void forget_workers();
    void go_down();    // closes the listener and every open connection
    void come_back();  // listens again on the same port

    // Polls `pred` (called under the gateway's lock) until true or the timeout.
    bool wait_for(const std::function<bool()>& pred, std::chrono::seconds timeout);

    // Read these under lock() or after the agent has exited.
    std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }
    std::vector<ReceivedResult> results;
    std::vector<ReceivedFailure> failures;
    std::vector<boost::json::value> heartbeats;
    int registrations = 0;
    int leases_given = 0;

  private:
    void listen();
    void accept_loop();
    void serve(std::shared_ptr<boost::asio::ip::tcp::socket> socket);
    farm::transfer::Response route(const farm::transfer::Request& req);

    farm::transfer::Store store_;
    double heartbeat_interval_s_;
    unsigned short port_ = 0;
    boost::asio::io_context ioc_;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::thread accept_thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool up_ = false;
    std::vector<std::thread> connections_;
    std::vector<std::weak_ptr<boost::asio::ip::tcp::socket>> sockets_;
    std::deque<boost::json::object> leases_;
    std::set<std::string> workers_, canceled_;
    unsigned result_status_ = 200;
};

}  // namespace farm::test
