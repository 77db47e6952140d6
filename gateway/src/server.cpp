#include "farm/gateway/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "auth.h"
#include "farm/api.h"
#include "farm/engine.h"
#include "farm/transfer/store.h"
#include "listen_address.h"
#include "listener.h"
#include "log.h"
#include "router.h"

namespace farm::gateway {

namespace {

unsigned thread_count(unsigned requested) {
    if (requested != 0) return requested;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    return std::max(4u, 2 * cores);
}

transfer::Store open_store_root(const std::filesystem::path& data_dir) {
    if (data_dir.empty())
        throw std::runtime_error("a data directory is required (--data)");
    const auto root = data_dir / "store";
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) {
        throw std::runtime_error("cannot create data directory " + root.string() + ": " +
                                 ec.message());
    }
    return transfer::Store(root);
}

}  // namespace

// Members are declared in destruction-safe order: the io_context (whose pending handlers
// own the sessions) goes first, the router and store the sessions point to go last.
struct Server::Impl {
    explicit Impl(ServerOptions opts)
        : options(std::move(opts)),
          store(open_store_root(options.data_dir)),
          router(store, options.tokens_file.empty()
                            ? TokenTable{}
                            : TokenTable::load(options.tokens_file)),
          threads(thread_count(options.threads)),
          ioc(static_cast<int>(threads)),
          engine(ioc, store,
                 FarmOptions{options.data_dir, options.lease_timeout_s, options.max_attempts,
                             options.heartbeat_interval_s, options.sites_file,
                             options.default_deadline_h * 3600, options.probes}),
          farm(engine),
          signals(ioc, SIGINT, SIGTERM),
          hangup(ioc, SIGHUP),
          listener(std::make_shared<Listener>(ioc, parse_listen_address(options.listen),
                                              router)) {
        router.attach_farm(&farm);
    }

    ServerOptions options;
    transfer::Store store;
    Router router;
    unsigned threads;
    net::io_context ioc;
    Engine engine;  // after ioc: its timers live on it
    FarmApi farm;
    net::signal_set signals;
    net::signal_set hangup;  // SIGHUP: reload the sites file
    std::shared_ptr<Listener> listener;
};

Server::Server(ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() = default;

std::uint16_t Server::port() const { return impl_->listener->local_endpoint().port(); }

std::string Server::url() const {
    return endpoint_url(impl_->listener->local_endpoint());
}

void Server::run() {
    Impl& s = *impl_;
    s.signals.async_wait([&s](boost::beast::error_code ec, int signal) {
        if (ec) return;
        log_line("signal " + std::to_string(signal) + ": shutting down");
        // Handlers already running finish (a commit in progress completes); the rest
        // are dropped. Every store write is crash-safe, so nothing half-done remains.
        s.ioc.stop();
    });
    // SIGHUP re-reads the sites file (a bad one is logged and the old one stays).
    std::function<void()> arm_hangup = [&s, &arm_hangup] {
        s.hangup.async_wait([&s, &arm_hangup](boost::beast::error_code ec, int) {
            if (ec) return;
            try {
                s.engine.reload_sites();
            } catch (const std::exception&) {
            }
            arm_hangup();
        });
    };
    arm_hangup();
    s.engine.start();
    s.listener->run();
    log_line("serving " + endpoint_url(s.listener->local_endpoint()) + " with " +
             std::to_string(s.threads) + " threads, store " + s.store.root().string() +
             (s.router.open() ? ", open (no tokens file)" : ""));

    std::vector<std::thread> pool;
    pool.reserve(s.threads - 1);
    for (unsigned i = 1; i < s.threads; ++i) pool.emplace_back([&s] { s.ioc.run(); });
    s.ioc.run();
    for (auto& t : pool) t.join();
    s.engine.stop();
}

void Server::stop() { impl_->ioc.stop(); }

}  // namespace farm::gateway
