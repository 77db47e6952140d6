// One lease, start to finish: fetch the snapshot, render it in a child process, queue the
// result (or the failure) in the outbox.
#include <thread>

#include "agent_impl.h"
#include "backoff.h"
#include "farm/transfer/manifest.h"
#include "render_process.h"

namespace farm::worker {

namespace fs = std::filesystem;

namespace {

std::string describe(const Lease& l) {
    std::string s = "task " + l.task_id + " of job " + l.job_id + ", frame " +
                    std::to_string(l.frame);
    if (l.tile) {
        const auto& t = *l.tile;
        s += ", tile " + std::to_string(t[0]) + "," + std::to_string(t[1]) + "," +
             std::to_string(t[2]) + "," + std::to_string(t[3]);
    }
    return s + ", attempt " + std::to_string(l.attempt);
}

constexpr int kFetchAttempts = 4;

}  // namespace

void Agent::Impl::report_failure(const Lease& lease, const std::string& reason,
                                 bool retryable) {
    log("lease " + lease.lease_id + " failed" + (retryable ? " (retryable)" : "") + ": " +
        reason);
    OutboxEntry e;
    e.lease_id = lease.lease_id;
    e.reason = reason;
    e.retryable = retryable;
    try {
        outbox_.add_failure(std::move(e));
    } catch (const std::exception& ex) {
        log("cannot queue the failure report of lease " + lease.lease_id + ": " +
            ex.what());
    }
}

fs::path Agent::Impl::fetch_snapshot(GatewayApi& api, const Lease& lease,
                                     const ActiveLease& active, double* fetched_bytes) {
    Backoff backoff(0.5, 4);
    for (int attempt = 1;; ++attempt) {
        try {
            FetchStats st;
            auto start = std::chrono::steady_clock::now();
            fs::path dir = cache_.ensure(api.http(), lease.tenant, lease.snapshot, &st);
            *fetched_bytes += static_cast<double>(st.bytes_received);
            if (st.materialized) {
                double s = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - start)
                               .count();
                log("snapshot " + lease.snapshot.substr(0, 12) + ": fetched " +
                    std::to_string(st.chunks_fetched) + " missing chunks (" +
                    std::to_string(st.bytes_received) + " bytes) and materialized in " +
                    std::to_string(s) + " s");
            }
            return dir;
        } catch (const TransportError& e) {
            // A short outage should not cost the task; a long one loses the lease anyway.
            if (attempt == kFetchAttempts || active.cancel) throw;
            log(std::string("fetching snapshot: ") + e.what() + "; retrying");
            if (!sleep_unless(stop_, backoff.next())) throw Aborted();
        }
    }
}

void Agent::Impl::run_task(GatewayApi& api, const Lease& lease,
                           const std::string& worker_id) {
    if (!safe_lease_id(lease.lease_id)) {
        log("ignoring a lease with an unusable id '" + lease.lease_id + "'");
        return;
    }
    auto active = std::make_shared<ActiveLease>();
    active->lease = lease;
    {
        std::lock_guard lock(active_mutex_);
        active_[lease.lease_id] = active;
    }
    fs::path task_dir = o_.work_dir / "tasks" / lease.lease_id;
    struct Cleanup {
        Impl* self;
        std::string id;
        fs::path dir;
        ~Cleanup() {
            std::lock_guard lock(self->active_mutex_);
            self->active_.erase(id);
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{this, lease.lease_id, task_dir};
    log("lease " + lease.lease_id + ": " + describe(lease));

    try {
        farm::transfer::validate_relative_path(lease.settings);
    } catch (const std::exception& e) {
        report_failure(lease, std::string("bad settings path in the lease: ") + e.what(),
                       false);
        return;
    }
    fs::path project;
    double fetched = 0;
    try {
        project = fetch_snapshot(api, lease, *active, &fetched);
    } catch (const Aborted&) {
        report_failure(lease, "worker stopping before the render started", true);
        return;
    } catch (const TransportError& e) {
        report_failure(lease, std::string("cannot fetch the snapshot: ") + e.what(),
                       true);
        return;
    } catch (const SnapshotError& e) {
        report_failure(lease, std::string("cannot fetch the snapshot: ") + e.what(),
                       e.retryable());
        return;
    } catch (const std::exception& e) {  // the local disk: full, unwritable, ...
        report_failure(lease, std::string("cannot fetch the snapshot: ") + e.what(),
                       true);
        return;
    }
    if (active->cancel) {
        log("lease " + lease.lease_id + " canceled by the gateway before rendering");
        return;
    }

    fs::create_directories(task_dir);
    const fs::path output = task_dir / "result.exr";
    std::optional<RenderProcess> child;
    try {
        child.emplace(render_command(o_.renderer, project / lease.settings, lease,
                                     o_.device, output),
                      task_dir / "render.out", task_dir / "render.err");
    } catch (const std::exception& e) {
        report_failure(lease, std::string("cannot start farm-render: ") + e.what(), true);
        return;
    }
    log("lease " + lease.lease_id + ": rendering (farm-render pid " +
        std::to_string(child->pid()) + ")");
    while (!child->poll()) {
        active->progress = child->progress();
        if (active->cancel) {
            child->kill();
            log("lease " + lease.lease_id +
                " canceled by the gateway: killed farm-render pid " +
                std::to_string(child->pid()));
            return;
        }
        if (stop_) {
            child->kill();
            report_failure(lease, "worker stopping: render abandoned", true);
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (active->cancel) {
        log("lease " + lease.lease_id +
            " canceled by the gateway as the render ended: result dropped");
        return;
    }
    std::error_code ec;
    if (!child->exited_ok() || !fs::is_regular_file(output, ec)) {
        std::string tail = file_tail(task_dir / "render.err");
        if (tail.empty()) tail = file_tail(task_dir / "render.out", 500);
        // A clean error exit means farm-render judged the input bad: it would fail
        // anywhere. A crash, a kill or a missing binary (127) may be this host's fault.
        bool retryable =
            child->signal() != 0 || child->exit_code() == 127 || child->exit_code() == 0;
        report_failure(
            lease,
            "farm-render " + child->describe_exit() + (tail.empty() ? "" : ": " + tail),
            retryable);
        return;
    }
    active->progress = 1.0;
    OutboxEntry entry;
    entry.lease_id = lease.lease_id;
    entry.render_seconds = child->seconds();
    const RenderSummary summary = parse_summary(file_tail(task_dir / "render.out", 4000));
    entry.device = summary.device;
    entry.trace_seconds = summary.trace_seconds;
    entry.rays = summary.rays;
    entry.fetched_bytes = fetched;
    entry.worker_id = worker_id;
    try {
        outbox_.add_result(entry, output);  // queued before the lease leaves active_
    } catch (const std::exception& e) {
        report_failure(lease, std::string("cannot store the result: ") + e.what(), true);
        return;
    }
    log("lease " + lease.lease_id + ": rendered in " + std::to_string(child->seconds()) +
        " s on " + (entry.device.empty() ? "?" : entry.device) +
        "; result queued for upload");
}

}  // namespace farm::worker
