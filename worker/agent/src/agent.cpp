#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "agent_impl.h"
#include "backoff.h"
#include "hardware.h"
#include "render_process.h"

#ifndef FARM_VERSION
#define FARM_VERSION "0.0.0"
#endif

namespace farm::worker {

namespace fs = std::filesystem;

namespace {

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "worker";
    return buf;
}

AgentOptions complete(AgentOptions o) {
    if (o.gateway_url.empty()) throw std::invalid_argument("--gateway is required");
    if (o.site.empty()) throw std::invalid_argument("--site is required");
    if (o.name.empty()) o.name = host_name();
    if (!safe_lease_id(o.name))
        throw std::invalid_argument("--name may hold only A-Z a-z 0-9 . _ -");
    if (o.slots < 1 || o.slots > 64) throw std::invalid_argument("--slots must be 1..64");
    if (o.once) o.slots = 1;
    if (o.device != "auto" && o.device != "cpu" && o.device != "cuda")
        throw std::invalid_argument("--device must be auto, cpu or cuda");
    if (o.cache_dir.empty()) o.cache_dir = "/var/tmp/farm-worker/cache";
    if (o.work_dir.empty()) o.work_dir = "/var/tmp/farm-worker/" + o.name;
    if (::access(o.renderer.c_str(), X_OK) != 0)
        throw std::invalid_argument("renderer " + o.renderer.string() +
                                    " is not an executable file (use --renderer)");
    o.cache_dir = fs::absolute(o.cache_dir);
    o.work_dir = fs::absolute(o.work_dir);
    o.renderer = fs::absolute(o.renderer);
    return o;
}

// One agent per work dir: two sharing it would deliver each other's outbox twice and
// delete each other's task scratch.
int lock_work_dir(const fs::path& work) {
    fs::create_directories(work);
    fs::path lock = work / ".lock";
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot open " + lock.string() + ": " +
                                 std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        throw std::runtime_error("another farm-worker is using work dir " +
                                 work.string() +
                                 " (give each agent its own --work or --name)");
    }
    return fd;
}

}  // namespace

Agent::Impl::Impl(AgentOptions options)
    : o_(complete(std::move(options))),
      gateway_(GatewayAddress::parse(o_.gateway_url, o_.token)),
      lock_fd_(lock_work_dir(o_.work_dir)),
      cache_(o_.cache_dir),
      outbox_(o_.work_dir / "outbox", gateway_, o_.retry_max_s) {
    set_log_name(o_.name);
    std::error_code ec;
    fs::remove_all(o_.work_dir / "tasks",
                   ec);  // scratch of a run that died: ours (locked)
    fs::create_directories(o_.work_dir / "tasks");
    info_.name = o_.name;
    info_.site = o_.site;
    info_.cpu_cores = cpu_core_count();
    info_.memory_bytes = physical_memory_bytes();
    info_.renderer_version = std::string("farm-render ") + FARM_VERSION;
    info_.slots = o_.slots;
    if (o_.device != "cpu") info_.gpus = detect_gpus();
    if (o_.device == "cuda" && info_.gpus.empty())
        log("warning: --device cuda but no NVIDIA GPU was found; renders will fail");
    measure_speed();
}

void Agent::Impl::measure_speed() {
    if (o_.speed_score > 0) {
        info_.bench_mrays_per_s = o_.speed_score;
        info_.bench_device = "given";
        return;
    }
    // The same built-in tile on every worker: the gateway compares scores across sites
    // and classes. A failed benchmark is not fatal (the gateway then uses the class's
    // default speed), but it is said.
    const fs::path dir = o_.work_dir / "benchmark";
    fs::create_directories(dir);
    try {
        RenderProcess p({o_.renderer.string(), "--benchmark", "--device", o_.device, "-q"},
                        dir / "out", dir / "err");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (!p.poll()) {
            if (std::chrono::steady_clock::now() > deadline) {
                p.kill();
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        std::string device;
        info_.bench_mrays_per_s = p.exited_ok() ? benchmark_score(file_tail(dir / "out", 2000), &device) : 0;
        info_.bench_device = device;
        if (info_.bench_mrays_per_s > 0)
            log("speed score " + std::to_string(info_.bench_mrays_per_s) + " Mrays/s on " + device);
        else
            log("benchmark failed (" + p.describe_exit() + "): " + file_tail(dir / "err", 300));
    } catch (const std::exception& e) {
        log(std::string("benchmark failed: ") + e.what());
    }
}

Agent::Impl::~Impl() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string Agent::Impl::ensure_registered(GatewayApi& api) {
    static Throttle failures;
    Backoff backoff(0.5, o_.retry_max_s);
    std::unique_lock lock(reg_mutex_);
    while (true) {
        if (!reg_.worker_id.empty()) return reg_.worker_id;
        if (stop_) throw Aborted();
        if (registering_) {
            reg_cv_.wait_for(lock, std::chrono::milliseconds(200));
            continue;
        }
        registering_ = true;
        lock.unlock();
        std::optional<Registration> got;
        try {
            got = api.register_worker(info_);
        } catch (const Aborted&) {
        } catch (const std::exception& e) {
            failures.log(std::string("cannot register: ") + e.what() + "; retrying");
        }
        lock.lock();
        registering_ = false;
        reg_cv_.notify_all();
        if (got) {
            failures.reset();
            reg_ = *got;
            log("registered as " + reg_.worker_id + " at site " + o_.site + " (" +
                std::to_string(info_.cpu_cores) + " cores, " +
                std::to_string(info_.gpus.size()) + " GPUs, heartbeat every " +
                std::to_string(reg_.heartbeat_interval_s) + " s)");
            return reg_.worker_id;
        }
        lock.unlock();
        sleep_unless(stop_, backoff.next());
        lock.lock();
    }
}

void Agent::Impl::forget_registration(const std::string& worker_id) {
    std::lock_guard lock(reg_mutex_);
    if (reg_.worker_id != worker_id) return;  // another thread already re-registered
    log("gateway does not know worker " + worker_id + " (restarted?): registering again");
    reg_.worker_id.clear();
}

double Agent::Impl::heartbeat_interval_s() {
    std::lock_guard lock(reg_mutex_);
    return std::clamp(reg_.heartbeat_interval_s, 0.2, 60.0);
}

void Agent::Impl::heartbeat_loop() {
    GatewayApi api(gateway_, &stop_heartbeat_);
    Throttle failures;
    while (!stop_heartbeat_) {
        std::string id;
        {
            std::lock_guard lock(reg_mutex_);
            id = reg_.worker_id;
        }
        if (id.empty()) {
            sleep_unless(stop_heartbeat_, std::chrono::milliseconds(200));
            continue;
        }
        std::vector<LeaseReport> reports;
        {
            std::lock_guard lock(active_mutex_);
            for (const auto& [lease_id, a] : active_)
                reports.push_back({lease_id, "rendering", a->progress.load()});
        }
        for (const std::string& lease_id : outbox_.pending_results())
            reports.push_back({lease_id, "uploading", 1.0});
        try {
            for (const std::string& lease_id : api.heartbeat(id, reports)) {
                std::lock_guard lock(active_mutex_);
                if (auto it = active_.find(lease_id); it != active_.end())
                    it->second->cancel = true;
                if (outbox_.contains(lease_id)) {
                    log("lease " + lease_id +
                        " canceled by the gateway: dropping its result");
                    outbox_.drop(lease_id);
                }
            }
            failures.reset();
        } catch (const UnknownWorker&) {
            forget_registration(id);
        } catch (const Aborted&) {
            break;
        } catch (const std::exception& e) {
            failures.log(std::string("heartbeat failed: ") + e.what());
        }
        sleep_unless(
            stop_heartbeat_,
            std::chrono::milliseconds(static_cast<long>(heartbeat_interval_s() * 1000)));
    }
}

void Agent::Impl::slot_loop(int slot) {
    GatewayApi api(gateway_, &stop_);
    Backoff backoff(0.5, o_.retry_max_s);
    Throttle failures;
    std::string id;
    while (!stop_) {
        try {
            id = ensure_registered(api);
            auto asked = std::chrono::steady_clock::now();
            std::optional<Lease> lease = api.poll_lease(id, o_.lease_wait_s);
            if (int n = failures.reset(); n > 0)
                log("gateway reachable again after " + std::to_string(n) +
                    " failed lease polls");
            backoff.reset();
            if (!lease) {
                // A gateway that answers 204 at once (no long-poll) must not make
                // every idle worker spin on it.
                auto floor = asked + std::chrono::seconds(1);
                auto now = std::chrono::steady_clock::now();
                if (now < floor)
                    sleep_unless(stop_,
                                 std::chrono::duration_cast<std::chrono::milliseconds>(
                                     floor - now));
                continue;
            }
            run_task(api, *lease, id);
            if (o_.once) {
                // Deliver before exiting: --once means "this task, end to end".
                while (!stop_ && outbox_.contains(lease->lease_id))
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                stop_ = true;
            }
        } catch (const UnknownWorker&) {
            forget_registration(id);
        } catch (const Aborted&) {
            break;
        } catch (const std::exception& e) {
            // Unreachable gateway, 5xx, a malformed lease: wait and ask again.
            failures.log("slot " + std::to_string(slot) + ": " + e.what());
            sleep_unless(stop_, backoff.next());
        }
    }
}

int Agent::Impl::run() {
    log("starting: gateway " + o_.gateway_url + ", cache " + o_.cache_dir.string() +
        ", work " + o_.work_dir.string() + ", " + std::to_string(o_.slots) +
        " slot(s), device " + o_.device);
    std::atomic<bool> outbox_done{false};
    std::thread outbox_thread([&] {
        outbox_.run();
        outbox_done = true;
    });
    std::thread heartbeat_thread([&] { heartbeat_loop(); });
    std::vector<std::thread> slots;
    for (int i = 0; i < o_.slots; ++i) slots.emplace_back([this, i] { slot_loop(i); });
    for (auto& t : slots) t.join();

    // Stopping: results already rendered get the grace period to reach the gateway;
    // whatever is left stays in the outbox for the next start.
    outbox_.finish();
    auto deadline =
        std::chrono::steady_clock::now() +
        std::chrono::milliseconds(static_cast<long>(o_.shutdown_grace_s * 1000));
    while (!outbox_done && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    outbox_.abort();
    outbox_thread.join();
    stop_heartbeat_ = true;
    heartbeat_thread.join();
    if (std::size_t left = outbox_.size())
        log(std::to_string(left) + " undelivered entries kept in " +
            (o_.work_dir / "outbox").string());
    log("stopped");
    return 0;
}

Agent::Agent(AgentOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Agent::~Agent() = default;
int Agent::run() { return impl_->run(); }
void Agent::stop() { impl_->stop(); }

}  // namespace farm::worker
