// The farm-gateway command line. Kept in the library so main() is one line and tests can
// see exactly what the binary does.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>

#include "farm/gateway/server.h"

namespace farm::gateway {

namespace {

// Readers poll for the port file; tmp + fsync + rename means they never see a partial
// number, and a stale file from an earlier run is replaced in one step.
void write_port_file(const std::filesystem::path& path, std::uint16_t port) {
    const std::filesystem::path tmp =
        path.string() + ".tmp." + std::to_string(static_cast<long>(::getpid()));
    const std::string text = std::to_string(port) + "\n";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error("cannot write port file " + tmp.string() + ": " +
                                 std::strerror(errno));
    }
    const bool ok =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
        ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = ok ? errno : saved;
        std::filesystem::remove(tmp);
        throw std::runtime_error("cannot write port file " + path.string() + ": " +
                                 std::strerror(err));
    }
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"farm-gateway: XiXuan's gateway, serving the chunk sync protocol"};
    ServerOptions options;
    app.add_option("--listen", options.listen,
                   "address:port to listen on; port 0 picks a free port")
        ->capture_default_str();
    app.add_option("--data", options.data_dir,
                   "data directory (chunk store in DIR/store)")
        ->required();
    app.add_option(
           "--tokens", options.tokens_file,
           "JSON object {\"token\": \"tenant\"}; without it the gateway runs open "
           "and every request is tenant \"default\"")
        ->check(CLI::ExistingFile);
    app.add_option("--port-file", options.port_file,
                   "write the bound port number here once listening");
    app.add_option("--threads", options.threads, "io threads (default max(4, 2 x cores))")
        ->check(CLI::Range(1u, 1024u));
    app.add_option("--lease-timeout", options.lease_timeout_s,
                   "seconds without a heartbeat before a worker's leases are requeued")
        ->capture_default_str()
        ->check(CLI::Range(0.5, 86400.0));
    app.add_option("--max-attempts", options.max_attempts,
                   "renders of one task before it fails for good")
        ->capture_default_str()
        ->check(CLI::Range(1, 100));
    app.add_option("--heartbeat-interval", options.heartbeat_interval_s,
                   "seconds between worker heartbeats (told to workers)")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 3600.0));
    app.add_option("--sites", options.sites_file,
                   "sites file (TOML or JSON, docs/sites.md): GPU classes, prices, tariffs, "
                   "links, vouchers; reloaded when it changes")
        ->check(CLI::ExistingFile);
    app.add_option("--default-deadline", options.default_deadline_h,
                   "hours: a job without a deadline runs on the cheapest capacity within this")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 24.0 * 365));
    app.add_option("--probes", options.probes,
                   "reduced-resolution sample renders that price a new workload (0: none)")
        ->capture_default_str()
        ->check(CLI::Range(0, 16));
    CLI11_PARSE(app, argc, argv);

    try {
        Server server(options);
        if (!options.port_file.empty()) write_port_file(options.port_file, server.port());
        // Exactly one line on stdout: scripts and tests read the URL from it.
        std::cout << "farm-gateway listening on " << server.url() << std::endl;
        server.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "farm-gateway: " << e.what() << std::endl;
        return 1;
    }
}

}  // namespace farm::gateway
