// The farm engine: jobs, tasks, workers, leases and events over one SQLite database.
// Every state change runs in one transaction under mutex_, and the events it produces are
// stored with their seq in that same transaction and broadcast (still under mutex_) right
// after the commit, so watchers see them in seq order with no gap at the replay seam.
// Slow work stays off the lock: tile intake and frame assembly touch only files, and the
// preview movie runs on the finisher thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "farm/db.h"
#include "farm/events.h"
#include "farm/gateway/stitcher.h"
#include "farm/sched/frame_order.h"
#include "farm/sched/scheduler.h"
#include "farm/transfer/store.h"

namespace farm::gateway {

namespace json = boost::json;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;

struct FarmOptions {
    std::filesystem::path data_dir;
    double lease_timeout_s = 30;
    int max_attempts = 3;
    double heartbeat_interval_s = 2;
    std::filesystem::path sites_file;  // TOML or JSON, docs/sites.md; empty: every site free
    double default_deadline_s = 86400;  // a job without a deadline: cheapest within this
    int probes = 3;                     // sample renders per new workload (0: none)
};

// An answer other than success: the REST layer turns it into {"error"} with this status.
class ApiError : public std::runtime_error {
  public:
    ApiError(bhttp::status status, const std::string& message)
        : std::runtime_error(message), status(status) {}
    bhttp::status status;
};

double now_unix();

class Engine {
  public:
    Engine(net::io_context& ioc, transfer::Store& store, FarmOptions options);
    ~Engine();

    // Recovery after a restart (frames to assemble, jobs to finalize), then the sweep.
    void start();
    void stop();

    // --- jobs (jobs.cpp) ---
    json::object create_job(const std::string& tenant, const json::value& spec);
    json::array list_jobs(const std::string& tenant);
    json::object get_job(const std::string& tenant, const std::string& id);
    json::array job_tasks(const std::string& tenant, const std::string& id);
    json::array job_frames(const std::string& tenant, const std::string& id);
    json::object control_job(const std::string& tenant, const std::string& id,
                             const std::string& verb, const json::value& body);
    std::filesystem::path frame_file(const std::string& tenant, const std::string& id,
                                     const std::string& file);

    // --- workers (workers.cpp) ---
    json::object register_worker(const json::value& body);
    json::object heartbeat(const std::string& worker, const json::value& body);
    json::array list_workers();
    // Operators: drain (no new leases, running tasks finish), disable (also hands running
    // tasks to other workers at once), enable.
    json::object admin_worker(const std::string& worker, const std::string& verb);
    json::object admin_site(const std::string& site, const std::string& verb);
    json::array list_sites();
    // Re-reads the sites file; a bad file throws ApiError 400 and the running
    // configuration stays.
    json::object reload_sites();

    // --- quotes and plans (quotes.cpp) ---
    json::object create_quote(const std::string& tenant, const json::value& spec);
    json::object get_quote(const std::string& tenant, const std::string& id);
    json::object job_plan(const std::string& tenant, const std::string& id);
    json::array job_ledger(const std::string& tenant, const std::string& id);
    // Long-poll: `done` gets the lease (200), 204 after wait_s, or an error; it may run
    // on any io thread, possibly before this returns.
    using Reply = std::function<void(bhttp::status, std::optional<json::object>)>;
    void poll_lease(const std::string& worker, double wait_s, Reply done);

    // --- results (results.cpp) ---
    struct ResultInfo {
        double render_seconds = 0;  // billed: the renderer process, start to end
        double trace_seconds = 0;   // of which tracing
        double rays = 0;
        double fetched_bytes = 0;   // snapshot bytes the worker fetched for this lease
        std::string device;
    };
    json::object put_result(const std::string& lease, const std::string& worker_header,
                            std::string body, bool zstd, const ResultInfo& info);
    json::object fail_lease(const std::string& lease, const json::value& body);

    // --- events and metrics ---
    EventHub& hub() { return hub_; }
    // Replays stored events after `since` (none when absent: live only), then joins the
    // live stream, atomically. Returns the seq the watcher is current to.
    std::int64_t attach_watcher(const std::shared_ptr<EventSink>& sink,
                                std::optional<std::int64_t> since);
    std::string metrics();
    void count_bytes_out(std::size_t n) { bytes_out_ += n; }
    void count_bytes_in(std::size_t n) { bytes_in_ += n; }

  private:
    friend class EngineTx;
    struct Waiter;

    // helpers (engine.cpp)
    json::object job_json(const std::string& id);  // caller holds mutex_
    std::string job_tenant(const std::string& id);  // throws 404
    void emit(const std::string& tenant, const std::optional<std::string>& job,
              json::object event);
    void emit_task(std::int64_t task_id);
    void emit_job(const std::string& job);
    void publish_pending();
    void maybe_finish_job(const std::string& job);
    // `count_attempt` false: the task is not to blame (an operator took its worker away).
    void requeue_or_fail(std::int64_t task_id, const std::string& reason, bool retryable,
                         bool backoff, bool count_attempt = true);
    FrameSpec frame_spec(const std::string& job, int frame);
    void sweep();
    // placement.cpp: the scheduler's picture of the database (caller holds mutex_)
    sched::SitesConfig read_sites_file() const;
    void apply_sites(sched::SitesConfig config);
    void check_sites_file();
    void sync_job(const std::string& job);
    void sync_worker(const std::string& worker);
    void rebuild_scheduler();
    // What each site lacks of the job's snapshot (one site when `only_site` is given).
    void set_job_staging(const std::string& job, const std::string& only_site = {});
    bool after_change();  // replans when due, pauses jobs over budget; true: plan changed
    void hand_over_running(const char* column, const std::string& value, const std::string& reason);
    double sched_now() const;
    // job creation helpers (jobs.cpp)
    struct NewJob {
        std::string project, snapshot, settings_path, name, out_name, camera, workload;
        int frame_start = 1, frame_end = 1, width = 0, height = 0, spp = 0, max_depth = 0;
        int tiles_x = 1, tiles_y = 1;
        double fps = 24;
        std::int64_t priority = 50;
        std::optional<std::int64_t> deadline;
        std::optional<double> budget;
        bool probe = true;
        sched::FrameOrder frame_order = sched::FrameOrder::interleaved;
        std::uint64_t snapshot_bytes = 0;
    };
    NewJob resolve_spec(const std::string& tenant, const json::value& spec, bool for_quote);
    std::string insert_job(const std::string& tenant, const NewJob& nj, const std::string& kind);
    void insert_probes(const std::string& job, const NewJob& nj);
    // ledger.cpp
    double charge_task(std::int64_t task, const std::string& job, const std::string& site,
                       const std::string& worker, const std::string& kind, double seconds,
                       bool cpu_run);
    void charge_transfer(const std::string& job, const std::string& site,
                         const std::string& worker, double bytes);
    void arm_sweep();
    void recover();
    // results.cpp
    void complete_frame(const std::string& job, int frame);
    void finalize_job(const std::string& job);
    void finisher_loop();
    void enqueue_finish(std::function<void()> work);
    // workers.cpp
    std::optional<json::object> try_lease(const std::string& worker);
    void notify_waiters();
    void attempt_waiter(const std::shared_ptr<Waiter>& w);

    net::io_context& ioc_;
    transfer::Store& store_;
    FarmOptions options_;
    std::mutex mutex_;  // guards db_ and pending_
    Db db_;
    Stitcher stitcher_;
    EventHub hub_;
    std::vector<Event> pending_;  // stored in the open transaction, sent after commit

    std::mutex wmutex_;  // guards waiters_ and their timers
    std::vector<std::shared_ptr<Waiter>> waiters_;
    std::uint64_t wake_gen_ = 0;

    net::steady_timer sweep_timer_;
    std::atomic<bool> stopping_{false};

    std::mutex fmutex_;
    std::condition_variable fcv_;
    std::deque<std::function<void()>> fqueue_;
    std::thread finisher_;

    std::atomic<std::uint64_t> bytes_in_{0}, bytes_out_{0};

    sched::Scheduler sched_;  // under mutex_
    std::filesystem::file_time_type sites_mtime_{};
    std::map<std::string, std::string> held_;  // worker -> why it got nothing (under mutex_)
};

// A transaction whose events are broadcast once it commits (and dropped on rollback).
class EngineTx {
  public:
    explicit EngineTx(Engine& e) : e_(e), tx_(e.db_) { e_.pending_.clear(); }
    ~EngineTx() { e_.pending_.clear(); }
    void commit() {
        tx_.commit();
        e_.publish_pending();
    }

  private:
    Engine& e_;
    Tx tx_;
};

}  // namespace farm::gateway
