// farm-worker --gateway URL --site NAME [--name N] [--cache DIR] [--work DIR] [--token T]
//             [--slots 1] [--device auto|cpu|cuda] [--renderer PATH] [--once]
// SIGTERM/SIGINT: stop taking leases, abandon the running render (reported so it is
// re-queued), deliver finished results within a grace period, exit. A second signal
// exits at once (finished results stay in the outbox for the next start).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <thread>

#include "farm/worker/agent.h"

namespace {

std::filesystem::path beside_this_binary(const char* name) {
    std::error_code ec;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path(name) : self.parent_path() / name;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"farm-worker: render-farm agent for a western site"};
    farm::worker::AgentOptions o;
    std::string cache, work, renderer;
    app.add_option("--gateway", o.gateway_url, "gateway URL, http://host:port")
        ->required();
    app.add_option("--site", o.site, "site name (prices and placement are per site)")
        ->required();
    app.add_option("--name", o.name, "worker name (default: host name)");
    app.add_option("--cache", cache,
                   "host chunk and snapshot cache, shareable by agents on one host "
                   "(default /var/tmp/farm-worker/cache)");
    app.add_option("--work", work,
                   "this agent's scratch and outbox (default /var/tmp/farm-worker/NAME)");
    app.add_option("--token", o.token, "bearer token with the worker role");
    app.add_option("--slots", o.slots, "tasks rendered at once")
        ->check(CLI::Range(1, 64));
    app.add_option("--device", o.device, "render device")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    app.add_option("--renderer", renderer,
                   "farm-render binary (default: beside farm-worker)");
    app.add_flag("--once", o.once, "handle one lease, deliver its result, exit");
    app.add_option("--speed-score", o.speed_score,
                   "Mrays/s to report instead of running farm-render --benchmark at start")
        ->check(CLI::Range(0.0, 1e7));
    // Knobs for tests and operators who know why; not in --help.
    app.add_option("--lease-wait-s", o.lease_wait_s, "")
        ->group("")
        ->check(CLI::Range(0, 300));
    app.add_option("--retry-max-s", o.retry_max_s, "")
        ->group("")
        ->check(CLI::Range(0.1, 3600.0));
    app.add_option("--grace-s", o.shutdown_grace_s, "")
        ->group("")
        ->check(CLI::Range(0.0, 3600.0));
    CLI11_PARSE(app, argc, argv);
    o.cache_dir = cache;
    o.work_dir = work;
    o.renderer = renderer.empty() ? beside_this_binary("farm-render")
                                  : std::filesystem::path(renderer);

    // Signals are taken by one thread with sigwait, so no handler runs inside the agent.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    try {
        farm::worker::Agent agent(o);
        std::thread([&agent, set] {
            int sig = 0;
            sigwait(&set, &sig);
            std::fprintf(stderr, "farm-worker: %s: stopping (again to exit at once)\n",
                         ::sigabbrev_np(sig));
            agent.stop();
            sigwait(&set, &sig);
            ::_exit(130);
        }).detach();
        return agent.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "farm-worker: error: %s\n", e.what());
        return 2;
    }
}
