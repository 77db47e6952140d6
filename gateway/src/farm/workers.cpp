// Workers: registration, heartbeats (liveness, lease progress, cancel list), the lease
// long-poll and draining. A long-poll holds no io thread: it parks a timer that either
// runs out (204) or is cancelled by notify_waiters() when work appears.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "farm/engine.h"
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
    // The speed score from the worker's start-up benchmark (Mrays/s on its device).
    double score = 0;
    if (const json::value* b = o->if_contains("bench"); b && !b->is_null()) {
        const json::object* bo = b->if_object();
        const json::value* m = bo ? bo->if_contains("mrays_per_s") : nullptr;
        if (!m || !m->is_number() || !(m->to_number<double>() >= 0) || m->to_number<double>() > 1e7)
            throw ApiError(bhttp::status::bad_request, "'bench.mrays_per_s' must be a number in [0, 1e7]");
        score = m->to_number<double>();
    }
    std::lock_guard lock(mutex_);
    const sched::SitesConfig& cfg = sched_.config();
    if (!cfg.sites.empty() && !cfg.site(site))
        throw ApiError(bhttp::status::bad_request,
                       "unknown site '" + site + "': the sites file " + cfg.source + " does not list it");
    // A GPU worker belongs to a priced class; one the sites file cannot price is refused
    // rather than billed wrongly.
    std::string gpu_class = "cpu";
    if (!gpus.empty()) {
        std::string name;
        if (const json::object* g0 = gpus[0].if_object())
            if (const json::value* n = g0->if_contains("name"); n && n->is_string()) name = n->as_string();
        if (!cfg.sites.empty()) {
            gpu_class = cfg.classify_gpu(name);
            if (gpu_class.empty())
                throw ApiError(bhttp::status::bad_request,
                               "GPU '" + name + "' matches no GPU class of the sites file " + cfg.source);
            const sched::Site* s = cfg.site(site);
            if (!s->yuan_per_gpu_hour.count(gpu_class))
                throw ApiError(bhttp::status::bad_request,
                               "site '" + site + "' has no price for GPU class '" + gpu_class + "'");
        } else {
            gpu_class.clear();
            for (char c : name)
                if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') gpu_class += c;
            if (gpu_class.empty()) gpu_class = "gpu";
        }
    }
    EngineTx tx(*this);
    const std::int64_t seq = db_.scalar("SELECT coalesce(max(seq), 0) + 1 FROM workers").value_or(1);
    char id[32];
    std::snprintf(id, sizeof id, "w-%06lld", static_cast<long long>(seq));
    // Sites of the sites file and sites with workers already have their staging set;
    // only a site seen for the first time needs it, and only for that site.
    const bool new_site = !cfg.site(site) &&
                          !db_.scalar("SELECT 1 FROM workers WHERE site = ?1 LIMIT 1", {site});
    db_.run("INSERT INTO workers (id, seq, name, site, cpu_cores, memory_bytes, gpus, "
            "renderer_version, slots, state, last_seen, gpu_class, score) VALUES "
            "(?1,?2,?3,?4,?5,?6,?7,?8,?9,'active',?10,?11,?12)",
            {std::string(id), seq, str(*o, "name", id), site, cores, num(*o, "memory_bytes", 0),
             json::serialize(gpus), str(*o, "renderer_version"), num(*o, "slots", 1), now_unix(),
             gpu_class, score});
    sync_worker(id);
    if (new_site) {
        std::vector<std::string> live;
        auto js = db_.query("SELECT id FROM jobs WHERE state IN ('queued','running','paused')");
        while (js.step()) live.push_back(js.text(0));
        for (const auto& j : live) set_job_staging(j, site);
    }
    // A site no sites file priced still shows up in reports (at zero cost).
    db_.run("INSERT OR IGNORE INTO sites VALUES (?1, 0, 0)", {site});
    emit("*", std::nullopt, json::object{{"type", "worker"}, {"worker", id}, {"site", site},
                                         {"state", "joined"}});
    tx.commit();
    return json::object{{"worker_id", id},
                        {"heartbeat_interval_s", options_.heartbeat_interval_s},
                        {"lease_timeout_s", options_.lease_timeout_s},
                        {"gpu_class", gpu_class}};
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
        sync_worker(worker);
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
    EngineTx tx(*this);
    if (wstate == "lost") {
        db_.run("UPDATE workers SET state = 'active' WHERE id = ?1", {worker});
        sync_worker(worker);
        emit("*", std::nullopt, json::object{{"type", "worker"}, {"worker", worker},
                                             {"site", site}, {"state", "joined"}});
    }
    // The scheduler names a job (or a probe of one); its next ready task is leased. A
    // task in retry backoff is not ready, and the scheduler then offers its next choice.
    std::int64_t task = 0;
    auto take = [&](const std::string& job, bool probe) {
        auto st = db_.query("SELECT t.id FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE "
                            "t.job_id = ?1 AND t.kind = ?2 AND t.state = 'queued' AND "
                            "t.not_before <= ?3 AND j.state IN ('queued','running') "
                            "ORDER BY t.dispatch_rank, t.frame, t.tile LIMIT 1",
                            {job, probe ? "probe" : "render", now});
        if (!st.step()) return false;
        task = st.i64(0);
        return true;
    };
    std::string why;
    const std::optional<sched::Decision> d = sched_.dispatch(worker, now, take, &why);
    if (!d) {
        held_[worker] = why;
        after_change();
        tx.commit();
        return std::nullopt;
    }
    held_.erase(worker);
    auto ts = db_.query("SELECT job_id, frame, x0, y0, x1, y1, attempt, kind, width, height, spp "
                        "FROM tasks WHERE id = ?1", {task});
    ts.step();
    const std::string job = ts.text(0);
    const bool probe = ts.text(7) == "probe";
    // The lease id names task and attempt, so a stale lease can never match a newer one.
    const std::string lease = "l-" + std::to_string(task) + "-" + std::to_string(ts.i64(6)) +
                              "-" + std::to_string(static_cast<std::int64_t>(now * 1000) % 1000000);
    json::object decision{{"pool", d->pool},           {"yuan_per_hour", d->yuan_per_hour},
                          {"multiplier", d->multiplier}, {"period", d->period},
                          {"voucher_pct", d->voucher_pct}, {"est_seconds", d->est_seconds},
                          {"why", d->why},               {"at_unix", now}};
    if (std::isfinite(d->slack_s)) decision["slack_s"] = d->slack_s;
    db_.run("UPDATE tasks SET state = 'leased', worker_id = ?2, site = ?3, lease_id = ?4, "
            "lease_expires = ?5, progress = 0, error = NULL, decision = ?6, leased_unix = ?7 "
            "WHERE id = ?1",
            {task, worker, site, lease, now + options_.lease_timeout_s, json::serialize(decision), now});
    json::object out{{"lease_id", lease},
                     {"task_id", "t-" + std::to_string(task)},
                     {"job_id", job},
                     {"kind", probe ? "probe" : "render"},
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
    // A probe renders the whole frame at its own reduced resolution and samples.
    out["width"] = ts.null(8) ? js.i64(4) : ts.i64(8);
    out["height"] = ts.null(9) ? js.i64(5) : ts.i64(9);
    out["spp"] = ts.null(10) ? js.i64(6) : ts.i64(10);
    out["max_depth"] = js.i64(7);
    out["camera"] = js.text(8);
    const bool first = js.text(9) == "queued";
    if (first) db_.run("UPDATE jobs SET state = 'running' WHERE id = ?1", {job});
    sched_.task_started(worker, job, now, d->est_seconds);
    sync_job(job);
    emit_task(task);
    if (first) emit_job(job);
    after_change();
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

namespace {

// drain -> draining, disable -> disabled, enable -> enabled; anything else is a 404.
std::string admin_state(const std::string& verb) {
    if (verb == "drain") return "draining";
    if (verb == "disable") return "disabled";
    if (verb == "enable") return "enabled";
    throw ApiError(bhttp::status::not_found, "no action " + verb);
}

}  // namespace

void Engine::hand_over_running(const char* column, const std::string& value,
                               const std::string& reason) {
    // Disabling hands what is rendering to other workers now; the next heartbeat of the
    // old worker is told to drop those leases. No attempt is counted: not the task's
    // fault. Finished work is never touched.
    std::vector<std::int64_t> running;
    auto ts = db_.query(std::string("SELECT id FROM tasks WHERE ") + column +
                            " = ?1 AND state IN ('leased','rendering','uploading')", {value});
    while (ts.step()) running.push_back(ts.i64(0));
    for (auto t : running) requeue_or_fail(t, reason, true, false, false);
}

json::object Engine::admin_worker(const std::string& worker, const std::string& verb) {
    const std::string admin = admin_state(verb);
    {
        std::lock_guard lock(mutex_);
        auto ws = db_.query("SELECT site FROM workers WHERE id = ?1", {worker});
        if (!ws.step()) throw ApiError(bhttp::status::not_found, "no worker " + worker);
        const std::string site = ws.text(0);
        EngineTx tx(*this);
        db_.run("UPDATE workers SET admin = ?2 WHERE id = ?1", {worker, admin});
        sync_worker(worker);
        if (verb == "disable") hand_over_running("worker_id", worker, "worker disabled by the operator");
        emit("*", std::nullopt, json::object{{"type", "worker"}, {"worker", worker},
                                             {"site", site}, {"state", admin}});
        sched_.replan(now_unix());
        tx.commit();
    }
    notify_waiters();
    return json::object{{"id", worker}, {"admin", admin}};
}

json::object Engine::admin_site(const std::string& site, const std::string& verb) {
    const std::string admin = admin_state(verb);
    {
        std::lock_guard lock(mutex_);
        const bool known = sched_.config().site(site) ||
                           db_.scalar("SELECT 1 FROM workers WHERE site = ?1 LIMIT 1", {site}).has_value();
        if (!known) throw ApiError(bhttp::status::not_found, "no site " + site);
        EngineTx tx(*this);
        if (admin == "enabled") db_.run("DELETE FROM site_admin WHERE site = ?1", {site});
        else db_.run("INSERT INTO site_admin VALUES (?1, ?2) ON CONFLICT(site) DO UPDATE SET admin = ?2",
                     {site, admin});
        sched_.set_site_admin(site, sched::admin_from_name(admin));
        if (verb == "disable") hand_over_running("site", site, "site disabled by the operator");
        emit("*", std::nullopt, json::object{{"type", "site"}, {"site", site}, {"state", admin}});
        sched_.replan(now_unix());
        tx.commit();
    }
    notify_waiters();
    return json::object{{"name", site}, {"admin", admin}};
}

json::array Engine::list_workers() {
    std::lock_guard lock(mutex_);
    auto st = db_.query(
        "SELECT w.id, w.name, w.site, w.state, w.gpus, w.cpu_cores, w.last_seen, "
        "(SELECT count(*) FROM tasks t WHERE t.worker_id = w.id AND t.state IN "
        "('leased','rendering','uploading')), w.tasks_done, w.memory_bytes, w.renderer_version, "
        "w.gpu_class, w.score, w.admin FROM workers w ORDER BY w.seq");
    json::array out;
    while (st.step()) {
        std::string state = st.text(3);
        const std::string admin = st.text(13);
        if (state == "active" && admin != "enabled") state = admin;
        else if (state == "active") state = st.i64(7) > 0 ? "busy" : "idle";
        json::object w{{"id", st.text(0)}, {"name", st.text(1)}, {"site", st.text(2)},
                       {"state", state}, {"admin", admin}, {"gpus", json::parse(st.text(4))},
                       {"gpu_class", st.text(11)}, {"score_mrays_per_s", st.real(12)},
                       {"cpu_cores", st.i64(5)},
                       {"last_seen_unix", static_cast<std::int64_t>(st.real(6))},
                       {"tasks_done", st.i64(8)}, {"memory_bytes", st.i64(9)},
                       {"renderer_version", st.text(10)}};
        if (auto it = held_.find(st.text(0)); it != held_.end() && state == "idle")
            w["held"] = it->second;
        out.push_back(std::move(w));
    }
    return out;
}

json::array Engine::list_sites() {
    std::lock_guard lock(mutex_);
    const double now = now_unix();
    std::set<std::string> names;
    for (const auto& [n, s] : sched_.config().sites) names.insert(n);
    auto ws = db_.query("SELECT DISTINCT site FROM workers UNION SELECT DISTINCT site FROM ledger");
    while (ws.step()) names.insert(ws.text(0));
    json::array out;
    for (const auto& name : names) {
        json::object o{{"name", name}, {"admin", sched::admin_name(sched_.site_admin(name))}};
        if (const sched::Site* s = sched_.config().site(name)) {
            o["region"] = s->region;
            json::object gpu;
            for (const auto& [cls, price] : s->yuan_per_gpu_hour) gpu[cls] = price;
            o["yuan_per_gpu_hour"] = std::move(gpu);
            o["yuan_per_cpu_core_hour"] = s->yuan_per_cpu_core_hour;
            o["tariff_period"] = s->tariff.period_at(now);
            o["tariff_multiplier"] = s->tariff.multiplier_at(now);
            o["tariff_next_change_unix"] = s->tariff.next_change(now);
            o["link"] = json::object{{"bandwidth_mbps", s->link.bandwidth_mbps},
                                     {"rtt_ms", s->link.rtt_ms},
                                     {"yuan_per_gb", s->link.yuan_per_gb}};
            if (s->carbon_g_per_kwh) o["carbon_g_per_kwh"] = *s->carbon_g_per_kwh;
        } else {
            o["priced"] = false;  // seen from workers, not in the sites file: free
        }
        auto ls = db_.query("SELECT coalesce(sum(device_seconds), 0), coalesce(sum(gross_yuan), 0), "
                            "coalesce(sum(voucher_yuan), 0), coalesce(sum(net_yuan), 0), "
                            "coalesce(sum(bytes), 0) FROM ledger WHERE site = ?1", {name});
        ls.step();
        o["render_seconds"] = ls.real(0);
        o["gross_yuan"] = ls.real(1);
        o["voucher_yuan"] = ls.real(2);
        o["cost_yuan"] = ls.real(3);
        o["transfer_bytes"] = ls.i64(4);
        o["workers"] = db_.scalar("SELECT count(*) FROM workers WHERE site = ?1 AND state != 'lost'",
                                  {name}).value_or(0);
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace farm::gateway
