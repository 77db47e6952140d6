// Engine core: construction, the shared helpers every domain uses (job objects, events,
// retries, job completion), the periodic sweep and recovery after a restart.
#include "farm/engine.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "log.h"

namespace farm::gateway {

double now_unix() {
    return std::chrono::duration<double>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {

std::filesystem::path ensure_dir(const std::filesystem::path& p) {
    std::filesystem::create_directories(p);
    return p;
}

}  // namespace

Engine::Engine(net::io_context& ioc, transfer::Store& store, FarmOptions options)
    : ioc_(ioc),
      store_(store),
      options_(std::move(options)),
      db_(ensure_dir(options_.data_dir) / "farm.db"),
      stitcher_(ensure_dir(options_.data_dir / "tiles")),
      sweep_timer_(ioc),
      sched_([&] {
          sched::Options o;
          o.lease_timeout_s = options_.lease_timeout_s;
          o.default_deadline_s = options_.default_deadline_s;
          return o;
      }()) {
    // A bad sites file stops the gateway here, naming the file and the entry.
    apply_sites(read_sites_file());
}

Engine::~Engine() { stop(); }

void Engine::start() {
    finisher_ = std::thread([this] { finisher_loop(); });
    recover();
    arm_sweep();
}

void Engine::stop() {
    if (stopping_.exchange(true)) return;
    {
        std::lock_guard lock(fmutex_);
        fcv_.notify_all();
    }
    if (finisher_.joinable()) finisher_.join();
}

std::string Engine::job_tenant(const std::string& id) {
    auto st = db_.query("SELECT tenant FROM jobs WHERE id = ?1", {id});
    if (!st.step()) throw ApiError(bhttp::status::not_found, "no job " + id);
    return st.text(0);
}

json::object Engine::job_json(const std::string& id) {
    auto st = db_.query(
        "SELECT id, tenant, name, project, snapshot, settings, state, frame_start, "
        "frame_end, width, height, spp, max_depth, tiles_x, tiles_y, priority, "
        "deadline_unix, budget_yuan, created_unix, paused_reason, workload, frame_order FROM jobs WHERE id = ?1",
        {id});
    if (!st.step()) throw ApiError(bhttp::status::not_found, "no job " + id);
    json::object j;
    j["id"] = st.text(0);
    j["tenant"] = st.text(1);
    j["name"] = st.text(2);
    j["project"] = st.text(3);
    j["snapshot"] = st.text(4);
    j["settings"] = st.text(5);
    j["state"] = st.text(6);
    j["frames"] = json::array{st.i64(7), st.i64(8)};
    const char* ints[] = {"width", "height", "spp", "max_depth", "tiles_x", "tiles_y",
                          "priority"};
    for (int i = 0; i < 7; ++i) j[ints[i]] = st.i64(9 + i);
    j["deadline_unix"] = st.null(16) ? json::value(nullptr) : json::value(st.i64(16));
    j["budget_yuan"] = st.null(17) ? json::value(nullptr) : json::value(st.real(17));
    j["created_unix"] = st.i64(18);
    j["paused_reason"] = st.null(19) ? json::value(nullptr) : json::value(st.text(19));
    j["workload"] = st.text(20);
    j["frame_order"] = st.text(21);
    const std::int64_t frames_total = st.i64(8) - st.i64(7) + 1;

    json::object tasks{{"total", 0}, {"queued", 0}, {"leased", 0}, {"rendering", 0},
                       {"uploading", 0}, {"done", 0}, {"failed", 0}, {"canceled", 0}};
    std::int64_t total = 0;
    double seconds = 0, cost = 0, done_seconds = 0;
    std::int64_t done = 0;
    auto ts = db_.query("SELECT state, count(*), sum(render_seconds), sum(cost_yuan) "
                        "FROM tasks WHERE job_id = ?1 AND kind = 'render' GROUP BY state", {id});
    while (ts.step()) {
        tasks[ts.text(0)] = ts.i64(1);
        total += ts.i64(1);
        if (ts.text(0) == "done") {
            done = ts.i64(1);
            done_seconds = ts.real(2);
        }
    }
    tasks["total"] = total;
    j["tasks"] = std::move(tasks);
    // Cost counts every charge in the ledger: renders (including attempts later redone),
    // probes and snapshot transfers, net of vouchers.
    auto us = db_.query("SELECT site, sum(device_seconds), sum(net_yuan), sum(voucher_yuan), "
                        "sum(CASE WHEN kind = 'transfer' THEN net_yuan ELSE 0 END), sum(bytes) "
                        "FROM ledger WHERE job_id = ?1 GROUP BY site", {id});
    json::object sites;
    double vouchers = 0, transfer = 0;
    while (us.step()) {
        seconds += us.real(1);
        cost += us.real(2);
        vouchers += us.real(3);
        transfer += us.real(4);
        sites[us.text(0)] = json::object{{"render_seconds", us.real(1)}, {"cost_yuan", us.real(2)},
                                         {"voucher_yuan", us.real(3)}, {"transfer_yuan", us.real(4)},
                                         {"transfer_bytes", us.i64(5)}};
    }
    const std::int64_t frames_done =
        db_.scalar("SELECT count(*) FROM frames WHERE job_id = ?1", {id}).value_or(0);
    j["frames_done"] = frames_done;
    j["frames_total"] = frames_total;
    j["progress"] = total ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
    // ETA: the remaining tasks at the mean time of those done, spread over the workers
    // busy on this job (at least one).
    const std::int64_t busy =
        db_.scalar("SELECT count(DISTINCT worker_id) FROM tasks WHERE job_id = ?1 AND kind = 'render' AND "
                   "state IN ('leased','rendering','uploading')", {id}).value_or(0);
    const std::int64_t left = total - done -
                              json::value_to<std::int64_t>(j["tasks"].as_object()["failed"]) -
                              json::value_to<std::int64_t>(j["tasks"].as_object()["canceled"]);
    j["eta_s"] = done ? json::value(done_seconds / static_cast<double>(done) *
                                    static_cast<double>(left) /
                                    static_cast<double>(std::max<std::int64_t>(1, busy)))
                      : json::value(nullptr);
    j["render_seconds"] = seconds;
    j["cost_yuan"] = cost;
    j["voucher_yuan"] = vouchers;
    j["transfer_yuan"] = transfer;
    j["cost_by_site"] = std::move(sites);
    j["probes"] = db_.scalar("SELECT count(*) FROM tasks WHERE job_id = ?1 AND kind = 'probe'", {id}).value_or(0);
    // What the scheduler expects of the rest: finish, cost, whether the deadline holds.
    const sched::Outlook o = sched_.outlook(id);
    json::object plan{{"planned", o.planned}, {"probing", o.probing}, {"on_time", o.on_time},
                      {"uncertainty", o.uncertainty}};
    if (o.planned || o.finish > 0) plan["finish_unix"] = o.finish;
    plan["remaining_cost_yuan"] = o.cost_yuan;
    plan["projected_cost_yuan"] = cost + o.cost_yuan;
    plan["voucher_yuan"] = o.voucher_yuan;
    plan["staging_yuan"] = o.staging_yuan;
    json::object pools;
    for (const auto& [k, n] : o.tasks_by_pool) pools[k] = n;
    plan["tasks_by_pool"] = std::move(pools);
    j["plan"] = std::move(plan);
    j["output_dir"] = (options_.data_dir / "output" / id).string();
    return j;
}

void Engine::emit(const std::string& tenant, const std::optional<std::string>& job,
                  json::object event) {
    event["time"] = now_unix();
    db_.run("INSERT INTO events (tenant, job, body) VALUES (?1, ?2, '')",
            {tenant, job ? DbValue(*job) : DbValue(nullptr)});
    const std::int64_t seq = db_.last_id();
    event["seq"] = seq;
    std::string text = json::serialize(event);
    db_.run("UPDATE events SET body = ?1 WHERE seq = ?2", {text, seq});
    pending_.push_back(Event{seq, tenant, job, std::make_shared<const std::string>(std::move(text))});
}

void Engine::publish_pending() {
    for (const auto& e : pending_) hub_.publish(e);
    pending_.clear();
}

void Engine::emit_task(std::int64_t task_id) {
    auto st = db_.query(
        "SELECT t.job_id, t.frame, t.x0, t.y0, t.x1, t.y1, t.state, t.attempt, t.worker_id, "
        "t.site, t.error, j.tenant FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE t.id = ?1",
        {task_id});
    if (!st.step()) return;
    json::object e{{"type", "task"},
                   {"job", st.text(0)},
                   {"task", "t-" + std::to_string(task_id)},
                   {"frame", st.i64(1)},
                   {"tile", json::array{st.i64(2), st.i64(3), st.i64(4), st.i64(5)}},
                   {"state", st.text(6)},
                   {"attempt", st.i64(7)},
                   {"worker", st.null(8) ? json::value(nullptr) : json::value(st.text(8))},
                   {"site", st.null(9) ? json::value(nullptr) : json::value(st.text(9))}};
    if (!st.null(10)) e["error"] = st.text(10);
    emit(st.text(11), st.text(0), std::move(e));
}

void Engine::emit_job(const std::string& id) {
    json::object j = job_json(id);
    json::object e{{"type", "job"},           {"job", id},
                   {"state", j["state"]},     {"progress", j["progress"]},
                   {"frames_done", j["frames_done"]}, {"frames_total", j["frames_total"]},
                   {"eta_s", j["eta_s"]},     {"cost_yuan", j["cost_yuan"]},
                   {"voucher_yuan", j["voucher_yuan"]},
                   {"projected_cost_yuan", j["plan"].as_object()["projected_cost_yuan"]},
                   {"on_time", j["plan"].as_object()["on_time"]},
                   {"render_seconds", j["render_seconds"]}};
    if (!j["paused_reason"].is_null()) e["paused_reason"] = j["paused_reason"];
    emit(json::value_to<std::string>(j["tenant"]), id, std::move(e));
}

void Engine::requeue_or_fail(std::int64_t task_id, const std::string& reason,
                             bool retryable, bool backoff, bool count_attempt) {
    auto st = db_.query("SELECT attempt, job_id, worker_id, state FROM tasks WHERE id = ?1", {task_id});
    if (!st.step()) return;
    const std::int64_t attempt = st.i64(0) + (count_attempt ? 1 : 0);
    const std::string job = st.text(1);
    const std::string state = st.text(3);
    if (!st.null(2) && (state == "leased" || state == "rendering" || state == "uploading"))
        sched_.task_aborted(st.text(2), job, now_unix());
    if (!retryable || (count_attempt && attempt >= options_.max_attempts)) {
        db_.run("UPDATE tasks SET state = 'failed', attempt = ?2, error = ?3, lease_expires "
                "= NULL WHERE id = ?1", {task_id, attempt, reason});
    } else {
        // Backoff 2^attempt s keeps a task that fails at once from spinning through
        // workers; an expired lease is requeued at once (the worker is gone, not the task).
        const double delay = backoff ? std::pow(2.0, static_cast<double>(attempt)) : 0.0;
        db_.run("UPDATE tasks SET state = 'queued', attempt = ?2, error = ?3, worker_id = "
                "NULL, site = NULL, lease_expires = NULL, progress = 0, not_before = ?4 "
                "WHERE id = ?1", {task_id, attempt, reason, now_unix() + delay});
    }
    emit_task(task_id);
    sync_job(job);
    maybe_finish_job(job);
}

void Engine::maybe_finish_job(const std::string& job) {
    auto st = db_.query("SELECT state, frame_end - frame_start + 1 FROM jobs WHERE id = ?1", {job});
    if (!st.step()) return;
    const std::string state = st.text(0);
    const std::int64_t frames_total = st.i64(1);
    if (state != "queued" && state != "running" && state != "paused") return;
    // Quotes end when their probes do; jobs when their renders do (a failed probe costs
    // only the estimate).
    auto ks = db_.query("SELECT kind FROM jobs WHERE id = ?1", {job});
    const std::string kind = ks.step() ? ks.text(0) : "render";
    const char* tasks_kind = kind == "quote" ? "probe" : "render";
    const auto active = db_.scalar("SELECT count(*) FROM tasks WHERE job_id = ?1 AND kind = ?2 AND "
                                   "state IN ('queued','leased','rendering','uploading')",
                                   {job, tasks_kind});
    if (active.value_or(0) > 0) return;
    const auto failed = db_.scalar(
        "SELECT count(*) FROM tasks WHERE job_id = ?1 AND kind = 'render' AND state = 'failed'", {job});
    const auto frames = db_.scalar("SELECT count(*) FROM frames WHERE job_id = ?1", {job});
    std::string end;
    if (kind == "quote") {
        end = "done";
    } else if (failed.value_or(0) > 0) {
        end = "failed";
    } else if (frames.value_or(0) >= frames_total) {
        end = "done";
    } else {
        return;  // the last frame is still being assembled
    }
    db_.run("UPDATE jobs SET state = ?2, finished_unix = ?3 WHERE id = ?1",
            {job, end, static_cast<std::int64_t>(now_unix())});
    sync_job(job);
    if (kind == "quote") {
        db_.run("UPDATE jobs SET finalized = 1 WHERE id = ?1", {job});
        emit_job(job);
        return;
    }
    // The final job event goes out from finalize_job, after the preview movie exists.
    enqueue_finish([this, job] { finalize_job(job); });
}

FrameSpec Engine::frame_spec(const std::string& job, int frame) {
    auto st = db_.query("SELECT width, height, tiles_x, tiles_y, out_name FROM jobs WHERE id = ?1",
                        {job});
    if (!st.step()) throw ApiError(bhttp::status::not_found, "no job " + job);
    FrameSpec f;
    f.job = job;
    f.frame = frame;
    f.width = static_cast<int>(st.i64(0));
    f.height = static_cast<int>(st.i64(1));
    f.tiles = tile_grid(f.width, f.height, static_cast<int>(st.i64(2)), static_cast<int>(st.i64(3)));
    f.output_dir = options_.data_dir / "output" / job;
    f.name = st.text(4);
    return f;
}

void Engine::arm_sweep() {
    sweep_timer_.expires_after(std::chrono::milliseconds(500));
    sweep_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_) return;
        try {
            sweep();
        } catch (const std::exception& e) {
            log_line(std::string("sweep: ") + e.what());
        }
        arm_sweep();
    });
}

void Engine::sweep() {
    check_sites_file();
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        const double now = now_unix();
        EngineTx tx(*this);
        // Leases whose worker stopped heartbeating: back to the queue (attempt + 1).
        std::vector<std::int64_t> expired;
        auto st = db_.query("SELECT id FROM tasks WHERE state IN ('leased','rendering',"
                            "'uploading') AND lease_expires < ?1", {now});
        while (st.step()) expired.push_back(st.i64(0));
        for (auto id : expired) requeue_or_fail(id, "lease expired", true, false);
        std::vector<std::pair<std::string, std::string>> lost;
        auto ws = db_.query("SELECT id, site FROM workers WHERE state IN ('active','draining') "
                            "AND last_seen < ?1", {now - options_.lease_timeout_s});
        while (ws.step()) lost.emplace_back(ws.text(0), ws.text(1));
        for (const auto& [id, site] : lost) {
            db_.run("UPDATE workers SET state = 'lost' WHERE id = ?1", {id});
            sync_worker(id);
            emit("*", std::nullopt, json::object{{"type", "worker"}, {"worker", id},
                                                 {"site", site}, {"state", "lost"}});
        }
        // A plan that moved (a tariff period began, capacity changed) may have work for
        // workers it held back.
        const bool replanned = after_change();
        tx.commit();
        wake = replanned;
        // Tasks whose retry backoff has passed are new work for the pollers.
        wake = wake || !expired.empty() ||
               db_.scalar("SELECT 1 FROM tasks WHERE state = 'queued' AND not_before <= ?1 "
                          "AND not_before > ?2 LIMIT 1", {now, now - 1.0}).has_value();
    }
    if (wake) notify_waiters();
}

void Engine::recover() {
    std::vector<std::pair<std::string, int>> frames;
    std::vector<std::string> unfinished;
    {
        std::lock_guard lock(mutex_);
        rebuild_scheduler();
        // Frames whose tasks all finished but whose assembly the crash interrupted.
        auto st = db_.query(
            "SELECT t.job_id, t.frame FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE "
            "j.state IN ('queued','running','paused','done','failed') AND t.kind = 'render' "
            "GROUP BY t.job_id, t.frame "
            "HAVING sum(t.state != 'done') = 0 AND NOT EXISTS (SELECT 1 FROM frames f WHERE "
            "f.job_id = t.job_id AND f.frame = t.frame)");
        while (st.step()) frames.emplace_back(st.text(0), static_cast<int>(st.i64(1)));
        auto js = db_.query("SELECT id FROM jobs WHERE finalized = 0 AND state IN "
                            "('done','failed','canceled')");
        while (js.step()) unfinished.push_back(js.text(0));
    }
    for (const auto& [job, frame] : frames) {
        log_line("recovery: assembling " + job + " frame " + std::to_string(frame));
        complete_frame(job, frame);
    }
    for (const auto& job : unfinished) enqueue_finish([this, job] { finalize_job(job); });
}

}  // namespace farm::gateway
