// farm-gateway's public face: the options it runs with and the server that serves them.
// Today it serves the chunk sync protocol (transfer/PROTOCOL.md) and /healthz; the REST
// API for jobs and workers and the WebSocket event stream (issue 4) join the same port
// later. The routes are written down in gateway/api/openapi.yaml.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace farm::gateway {

struct ServerOptions {
    // "host:port" or "[v6]:port"; port 0 picks an ephemeral port.
    std::string listen = "127.0.0.1:8080";
    // Holds the chunk store at <data_dir>/store; created when absent.
    std::filesystem::path data_dir;
    // JSON object {"token": "tenant", ...}; empty runs open, every request tenant
    // "default".
    std::filesystem::path tokens_file;
    // When set, the bound port number is written here (atomically) once listening.
    std::filesystem::path port_file;
    // io_context threads; 0 = max(4, 2 x cores). Handlers do blocking disk IO and
    // hashing, so more threads than cores keep the network side responsive.
    unsigned threads = 0;

    // The farm engine (docs/farm-protocol.md). State lives in <data_dir>/farm.db.
    double lease_timeout_s = 30;      // a lease dies this long after its last heartbeat
    int max_attempts = 3;             // renders of one task before it fails for good
    double heartbeat_interval_s = 2;  // told to workers at registration
    std::filesystem::path sites_file;  // TOML or JSON (docs/sites.md); reloaded when it changes
    double default_deadline_h = 24;    // a job without a deadline: cheapest within this
    int probes = 3;                    // sample renders per new workload (0: none)
};

class Server {
  public:
    // Opens the store, loads the tokens and binds the listening socket. Throws
    // std::runtime_error (or farm::transfer::Error) with a message naming what was wrong.
    explicit Server(ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // The bound port (the real one when the options asked for port 0).
    std::uint16_t port() const;
    // "http://127.0.0.1:PORT"
    std::string url() const;

    // Serves until stop() or SIGINT/SIGTERM; returns once every thread has finished.
    void run();
    // Thread-safe; may be called before or during run().
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The farm-gateway command line: parses argv, prints the "listening on" line, writes the
// port file and serves. Returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace farm::gateway
