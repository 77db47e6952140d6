// Workers: registration, heartbeats (liveness, lease progress, cancel list), the lease
// long-poll and draining. A long-poll holds no io thread: it parks a timer that either
// runs out (204) or is cancelled by notify_waiters() when work appears.
#include <cstdio>

#include "farm/engine.h"
#include "farm/scheduler.h"
#include "log.h"

namespace farm::gateway {

struct Engine::Waiter {
    std::string worker;
    std::chrono::steady_clock::time_point deadline;
    std::unique_ptr<net::steady_timer> timer;
    Reply done;
    std::uint64_t seen_gen = 0;
};

namespace {

std::string str(const json::object& o, const char* key, const std::string& fallback = {}) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_string()) throw ApiError(bhttp::status::bad_request, std::string("'") + key + "' must be a string");
    return std::string(v->as_string());
}

std::int64_t num(const json::object& o, const char* key, std::int64_t fallback) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_int64() && !v->is_uint64())
        throw ApiError(bhttp::status::bad_request, std::string("'") + key + "' must be an integer");
    const auto n = v->to_number<std::int64_t>();
    if (n < 0) throw ApiError(bhttp::status::bad_request, std::string("'") + key + "' must be >= 0");
    return n;
}

}  // namespace

json::object Engine::register_worker(const json::value& body) {
    const json::object* o = body.if_object();
    if (!o) throw ApiError(bhttp::status::bad_request, "worker registration must be a JSON object");
    const std::string site = str(*o, "site");
    if (site.empty()) throw ApiError(bhttp::status::bad_request, "'site' is required");
    try {
        transfer::validate_name(site, "site");
    } catch (const std::exception& e) {
        throw ApiError(bhttp::status::bad_request, std::string("'site': ") + e.what());
    }
    json::array gpus;
    if (const json::value* g = o->if_contains("gpus"); g && !g->is_null()) {
        if (!g->is_array()) throw ApiError(bhttp::status::bad_request, "'gpus' must be a list");
        gpus = g->as_array();
    }
    const std::int64_t cores = num(*o, "cpu_cores", 1);
    std::lock_guard lock(mutex_);
    EngineTx tx(*this);
    const std::int64_t seq = db_.scalar("SELECT coalesce(max(seq), 0) + 1 FROM workers").value_or(1);
    char id[32];
    std::snprintf(id, sizeof id, "w-%06lld", static_cast<long long>(seq));
    db_.run("INSERT INTO workers (id, seq, name, site, cpu_cores, memory_bytes, gpus, "
            "renderer_version, slots, state, last_seen) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,'active',?10)",
            {std::string(id), seq, str(*o, "name", id), site, cores, num(*o, "memory_bytes", 0),
             json::serialize(gpus), str(*o, "renderer_version"), num(*o, "slots", 1), now_unix()});
    // A site no sites file priced still shows up in reports (at zero cost).
    db_.run("INSERT OR IGNORE INTO sites VALUES (?1, 0, 0)", {site});
    emit("*", std::nullopt, json::object{{"type", "worker"}, {"worker", id}, {"site", site},
                                         {"state", "joined"}});
    tx.commit();
    return json::object{{"worker_id", id},
                        {"heartbeat_interval_s", options_.heartbeat_interval_s},
                        {"lease_timeout_s", options_.lease_timeout_s}};
}

json::object Engine::heartbeat(const std::string& worker, const json::value& body) {
    std::lock_guard lock(mutex_);
    auto ws = db_.query("SELECT state, site FROM workers WHERE id = ?1", {worker});
    if (!ws.step()) throw ApiError(bhttp::status::not_found, "no worker " + worker);
    const std::string wstate = ws.text(0), site = ws.text(1);
    EngineTx tx(*this);
    const double now = now_unix();
    if (wstate == "lost") {
        db_.run("UPDATE workers SET state = 'active' WHERE id = ?1", {worker});
        emit("*", std::nullopt, json::object{{"type", "worker"}, {"worker", worker},
                                             {"site", site}, {"state", "joined"}});
    }
    db_.run("UPDATE workers SET last_seen = ?2 WHERE id = ?1", {worker, now});
    // A live worker keeps all its leases alive, even those it forgot to list.
    db_.run("UPDATE tasks SET lease_expires = ?2 WHERE worker_id = ?1 AND state IN "
            "('leased','rendering','uploading')", {worker, now + options_.lease_timeout_s});
    json::array cancel;
    const json::object* o = body.if_object();
    const json::value* leases = o ? o->if_contains("leases") : nullptr;
    if (leases && leases->is_array()) {
        for (const auto& l : leases->as_array()) {
            const json::object* lo = l.if_object();
            if (!lo) continue;
            const std::string lease = str(*lo, "lease_id");
            const std::string state = str(*lo, "state");
            auto ts = db_.query("SELECT id, state, worker_id FROM tasks WHERE lease_id = ?1", {lease});
            const bool found = ts.step();
            const bool held = found && ts.text(2) == worker &&
                              (ts.text(1) == "leased" || ts.text(1) == "rendering" ||
                               ts.text(1) == "uploading");
            if (!held) {
                // Done tasks are not cancelled: the upload that finished them may simply
                // have raced this heartbeat.
                if (!found || ts.text(1) != "done") cancel.push_back(json::string(lease));
                continue;
            }
            const std::int64_t task = ts.i64(0);
            double progress = 0;
            if (const json::value* p = lo->if_contains("progress"); p && p->is_number())
                progress = p->to_number<double>();
            db_.run("UPDATE tasks SET progress = ?2 WHERE id = ?1", {task, progress});
            if ((state == "rendering" || state == "uploading") && state != ts.text(1)) {
                db_.run("UPDATE tasks SET state = ?2 WHERE id = ?1", {task, state});
                emit_task(task);
            }
        }
    }
    tx.commit();
    return json::object{{"cancel", std::move(cancel)}};
}

std::optional<json::object> Engine::try_lease(const std::string& worker) {
    std::lock_guard lock(mutex_);
    auto ws = db_.query("SELECT state, site FROM workers WHERE id = ?1", {worker});
    if (!ws.step()) throw ApiError(bhttp::status::not_found, "no worker " + worker);
    const std::string wstate = ws.text(0), site = ws.text(1);
    const double now = now_unix();
    db_.run("UPDATE workers SET last_seen = ?2 WHERE id = ?1", {worker, now});
    if (wstate == "draining") return std::nullopt;
    EngineTx tx(*this);
    if (wstate == "lost") {
        db_.run("UPDATE workers SET state = 'active' WHERE id = ?1", {worker});
        emit("*", std::nullopt, json::object{{"type", "worker"}, {"worker", worker},
                                             {"site", site}, {"state", "joined"}});
    }
    const auto task = pick_task(db_, worker, now);
    if (!task) {
        tx.commit();
        return std::nullopt;
    }
    auto ts = db_.query("SELECT job_id, frame, x0, y0, x1, y1, attempt FROM tasks WHERE id = ?1", {*task});
    ts.step();
    const std::string job = ts.text(0);
    // The lease id names task and attempt, so a stale lease can never match a newer one.
    const std::string lease = "l-" + std::to_string(*task) + "-" + std::to_string(ts.i64(6)) +
                              "-" + std::to_string(static_cast<std::int64_t>(now * 1000) % 1000000);
    db_.run("UPDATE tasks SET state = 'leased', worker_id = ?2, site = ?3, lease_id = ?4, "
            "lease_expires = ?5, progress = 0, error = NULL WHERE id = ?1",
            {*task, worker, site, lease, now + options_.lease_timeout_s});
    json::object out{{"lease_id", lease},
                     {"task_id", "t-" + std::to_string(*task)},
                     {"job_id", job},
                     {"frame", ts.i64(1)},
                     {"tile", json::array{ts.i64(2), ts.i64(3), ts.i64(4), ts.i64(5)}},
                     {"attempt", ts.i64(6)}};
    auto js = db_.query("SELECT tenant, project, snapshot, settings, width, height, spp, "
                        "max_depth, camera, state FROM jobs WHERE id = ?1", {job});
    js.step();
    out["tenant"] = js.text(0);
    out["project"] = js.text(1);
    out["snapshot"] = js.text(2);
    out["settings"] = js.text(3);
    out["width"] = js.i64(4);
    out["height"] = js.i64(5);
    out["spp"] = js.i64(6);
    out["max_depth"] = js.i64(7);
    out["camera"] = js.text(8);
    const bool first = js.text(9) == "queued";
    if (first) db_.run("UPDATE jobs SET state = 'running' WHERE id = ?1", {job});
    emit_task(*task);
    if (first) emit_job(job);
    tx.commit();
    return out;
}

void Engine::poll_lease(const std::string& worker, double wait_s, Reply done) {
    auto w = std::make_shared<Waiter>();
    w->worker = worker;
    w->deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<std::int64_t>(std::clamp(wait_s, 0.0, 60.0) * 1000));
    w->timer = std::make_unique<net::steady_timer>(ioc_);
    w->done = std::move(done);
    {
        std::lock_guard lock(wmutex_);
        waiters_.push_back(w);
    }
    attempt_waiter(w);
}

void Engine::attempt_waiter(const std::shared_ptr<Waiter>& w) {
    std::uint64_t gen;
    {
        std::lock_guard lock(wmutex_);
        gen = wake_gen_;
    }
    std::optional<json::object> lease;
    bhttp::status status = bhttp::status::ok;
    try {
        lease = try_lease(w->worker);
    } catch (const ApiError& e) {
        status = e.status;
    } catch (const std::exception& e) {
        log_line(std::string("lease: ") + e.what());
        status = bhttp::status::internal_server_error;
    }
    const bool expired = std::chrono::steady_clock::now() >= w->deadline;
    if (lease || status != bhttp::status::ok || expired || stopping_) {
        {
            std::lock_guard lock(wmutex_);
            std::erase(waiters_, w);
        }
        if (status != bhttp::status::ok) return w->done(status, json::object{});
        return w->done(lease ? bhttp::status::ok : bhttp::status::no_content, std::move(lease));
    }
    std::lock_guard lock(wmutex_);
    // Work that appeared between try_lease and here bumped the generation: look again
    // at once instead of sleeping through it.
    if (gen != wake_gen_) w->timer->expires_at(std::chrono::steady_clock::now());
    else w->timer->expires_at(w->deadline);
    w->timer->async_wait([this, w](boost::system::error_code) { attempt_waiter(w); });
}

void Engine::notify_waiters() {
    std::lock_guard lock(wmutex_);
    ++wake_gen_;
    for (auto& w : waiters_) w->timer->cancel();
}

json::object Engine::drain_worker(const std::string& worker) {
    std::lock_guard lock(mutex_);
    auto ws = db_.query("SELECT site FROM workers WHERE id = ?1", {worker});
    if (!ws.step()) throw ApiError(bhttp::status::not_found, "no worker " + worker);
    db_.run("UPDATE workers SET state = 'draining' WHERE id = ?1", {worker});
    return json::object{{"id", worker}, {"state", "draining"}};
}

json::array Engine::list_workers() {
    std::lock_guard lock(mutex_);
    auto st = db_.query(
        "SELECT w.id, w.name, w.site, w.state, w.gpus, w.cpu_cores, w.last_seen, "
        "(SELECT count(*) FROM tasks t WHERE t.worker_id = w.id AND t.state IN "
        "('leased','rendering','uploading')), w.tasks_done, w.memory_bytes, w.renderer_version "
        "FROM workers w ORDER BY w.seq");
    json::array out;
    while (st.step()) {
        std::string state = st.text(3);
        if (state == "active") state = st.i64(7) > 0 ? "busy" : "idle";
        out.push_back(json::object{{"id", st.text(0)}, {"name", st.text(1)}, {"site", st.text(2)},
                                   {"state", state}, {"gpus", json::parse(st.text(4))},
                                   {"cpu_cores", st.i64(5)},
                                   {"last_seen_unix", static_cast<std::int64_t>(st.real(6))},
                                   {"tasks_done", st.i64(8)}, {"memory_bytes", st.i64(9)},
                                   {"renderer_version", st.text(10)}});
    }
    return out;
}

json::array Engine::list_sites() {
    std::lock_guard lock(mutex_);
    auto st = db_.query(
        "SELECT s.name, s.yuan_per_gpu_hour, s.yuan_per_cpu_core_hour, "
        "(SELECT coalesce(sum(render_seconds), 0) FROM usage u WHERE u.site = s.name), "
        "(SELECT coalesce(sum(cost_yuan), 0) FROM usage u WHERE u.site = s.name), "
        "(SELECT count(*) FROM workers w WHERE w.site = s.name AND w.state != 'lost') "
        "FROM sites s ORDER BY s.name");
    json::array out;
    while (st.step())
        out.push_back(json::object{{"name", st.text(0)}, {"yuan_per_gpu_hour", st.real(1)},
                                   {"yuan_per_cpu_core_hour", st.real(2)},
                                   {"render_seconds", st.real(3)}, {"cost_yuan", st.real(4)},
                                   {"workers", st.i64(5)}});
    return out;
}

}  // namespace farm::gateway
