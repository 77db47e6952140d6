// The engine's side of farm::sched: the sites file (loaded, reloaded, kept when a reload
// is bad), and the scheduler's picture of jobs, workers, staging and estimates, kept in
// step with the database after every change and rebuilt from it after a restart.
#include <algorithm>
#include <set>

#include "farm/engine.h"
#include "farm/transfer/manifest.h"
#include "log.h"

namespace farm::gateway {

namespace {

std::int64_t interval_ns(const std::filesystem::file_time_type& t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

double Engine::sched_now() const { return now_unix(); }

sched::SitesConfig Engine::read_sites_file() const {
    if (options_.sites_file.empty()) return {};
    return sched::load_sites_file(options_.sites_file);
}

void Engine::apply_sites(sched::SitesConfig config) {
    sched_.set_config(std::move(config));
    // Vouchers already spent stay spent across restarts and reloads.
    auto st = db_.query("SELECT voucher, sum(yuan) FROM voucher_use GROUP BY voucher");
    while (st.step()) sched_.vouchers().set_used(st.text(0), st.real(1));
}

json::object Engine::reload_sites() {
    sched::SitesConfig c;
    try {
        c = read_sites_file();
    } catch (const sched::ConfigError& e) {
        log_line(std::string("sites file not reloaded, keeping the previous one: ") + e.what());
        throw ApiError(bhttp::status::bad_request,
                       std::string("sites file not reloaded (the previous one stays): ") + e.what());
    }
    std::lock_guard lock(mutex_);
    const std::size_t n = c.sites.size(), v = c.vouchers.size();
    apply_sites(std::move(c));
    std::error_code ec;
    if (!options_.sites_file.empty()) sites_mtime_ = std::filesystem::last_write_time(options_.sites_file, ec);
    std::vector<std::string> jobs;
    auto js = db_.query("SELECT id FROM jobs WHERE state IN ('queued','running','paused')");
    while (js.step()) jobs.push_back(js.text(0));
    for (const auto& j : jobs) set_job_staging(j);
    sched_.replan(sched_now());
    log_line("sites file reloaded: " + std::to_string(n) + " sites, " + std::to_string(v) + " vouchers");
    return json::object{{"reloaded", true}, {"sites", n}, {"vouchers", v}};
}

void Engine::check_sites_file() {
    if (options_.sites_file.empty()) return;
    std::error_code ec;
    const auto t = std::filesystem::last_write_time(options_.sites_file, ec);
    {
        std::lock_guard lock(mutex_);
        if (ec || interval_ns(t) == interval_ns(sites_mtime_)) return;
        sites_mtime_ = t;  // one attempt per change: a bad file is reported once
    }
    try {
        reload_sites();
    } catch (const ApiError&) {
        // logged by reload_sites; the previous configuration keeps running
    }
}

void Engine::set_job_staging(const std::string& job, const std::string& only_site) {
    auto st = db_.query("SELECT tenant, project, snapshot FROM jobs WHERE id = ?1", {job});
    if (!st.step()) return;
    const std::string tenant = st.text(0), project = st.text(1), snapshot = st.text(2);
    std::set<std::string> sites;
    if (!only_site.empty()) {
        sites.insert(only_site);
    } else {
        for (const auto& [name, s] : sched_.config().sites) sites.insert(name);
        auto ws = db_.query("SELECT DISTINCT site FROM workers");
        while (ws.step()) sites.insert(ws.text(0));
    }
    // A site holding an earlier snapshot of the project lacks only the chunks that
    // changed since (content-defined chunks: an edit moves a chunk or two).
    transfer::TenantStore& ts = store_.tenant(tenant);
    auto chunks_of = [&](const std::string& hex) {
        std::map<std::string, std::uint64_t> out;
        const auto id = transfer::ChunkId::from_hex(hex);
        if (!id || !ts.has_snapshot(*id)) return out;
        const auto m = transfer::parse_manifest(ts.get_snapshot(*id));
        for (const auto& e : m.entries)
            for (const auto& c : e.chunks) out[c.id.hex()] = c.size;
        return out;
    };
    const auto mine = chunks_of(snapshot);
    std::map<std::string, std::map<std::string, std::uint64_t>> seen;
    std::uint64_t total = 0;
    for (const auto& [id, size] : mine) total += size;
    for (const auto& site : sites) {
        if (db_.scalar("SELECT 1 FROM staged WHERE site = ?1 AND tenant = ?2 AND snapshot = ?3",
                       {site, tenant, snapshot})) {
            sched_.set_staging(site, snapshot, 0);
            continue;
        }
        std::uint64_t missing = total;
        auto prev = db_.query("SELECT s.snapshot FROM staged s JOIN jobs j ON j.snapshot = s.snapshot "
                              "AND j.tenant = s.tenant WHERE s.site = ?1 AND s.tenant = ?2 AND "
                              "j.project = ?3 ORDER BY s.unix DESC LIMIT 1",
                              {site, tenant, project});
        if (prev.step()) {
            // Sites often hold the same earlier snapshot: read each manifest once.
            auto it = seen.find(prev.text(0));
            if (it == seen.end()) it = seen.emplace(prev.text(0), chunks_of(prev.text(0))).first;
            const auto& theirs = it->second;
            missing = 0;
            for (const auto& [id, size] : mine)
                if (!theirs.count(id)) missing += size;
        }
        sched_.set_staging(site, snapshot, static_cast<double>(missing));
    }
}

void Engine::sync_job(const std::string& job) {
    auto st = db_.query(
        "SELECT tenant, snapshot, workload, priority, created_unix, deadline_unix, budget_yuan, "
        "snapshot_bytes, width, height, spp, tiles_x, tiles_y, max_depth, state, kind "
        "FROM jobs WHERE id = ?1", {job});
    if (!st.step()) {
        sched_.remove_job(job);
        return;
    }
    const std::string state = st.text(14);
    if (state == "done" || state == "failed" || state == "canceled") {
        sched_.remove_job(job);
        return;
    }
    sched::JobInfo j;
    j.id = job;
    j.tenant = st.text(0);
    j.snapshot = st.text(1);
    j.workload = st.text(2);
    j.priority = static_cast<int>(st.i64(3));
    j.submitted = static_cast<double>(st.i64(4));
    if (!st.null(5)) j.deadline = static_cast<double>(st.i64(5));
    else j.deadline = j.submitted + options_.default_deadline_s;
    if (!st.null(6)) j.budget_yuan = st.real(6);
    j.snapshot_bytes = static_cast<double>(st.i64(7));
    j.pixel_samples_per_task = static_cast<double>(st.i64(8)) * static_cast<double>(st.i64(9)) *
                               static_cast<double>(st.i64(10)) /
                               static_cast<double>(std::max<std::int64_t>(1, st.i64(11) * st.i64(12)));
    j.max_depth = static_cast<int>(st.i64(13));
    j.active = state == "queued" || state == "running";
    j.tasks_queued = static_cast<int>(
        db_.scalar("SELECT count(*) FROM tasks WHERE job_id = ?1 AND kind = 'render' AND state = 'queued'",
                   {job}).value_or(0));
    j.probes_pending = static_cast<int>(
        db_.scalar("SELECT count(*) FROM tasks WHERE job_id = ?1 AND kind = 'probe' AND state IN "
                   "('queued','leased','rendering','uploading')", {job}).value_or(0));
    auto sp = db_.query("SELECT coalesce(sum(net_yuan), 0) FROM ledger WHERE job_id = ?1", {job});
    sp.step();
    j.spent_yuan = sp.real(0);
    sched_.upsert_job(j);
}

void Engine::sync_worker(const std::string& worker) {
    auto st = db_.query("SELECT site, gpu_class, gpus, cpu_cores, score, state, admin FROM workers "
                        "WHERE id = ?1", {worker});
    if (!st.step() || st.text(5) == "lost") {
        sched_.remove_worker(worker);
        return;
    }
    sched::WorkerInfo w;
    w.id = worker;
    w.site = st.text(0);
    w.gpu_class = st.text(1);
    const json::value gpus = json::parse(st.text(2).empty() ? "[]" : st.text(2));
    w.gpus = gpus.is_array() ? static_cast<int>(gpus.as_array().size()) : 0;
    w.cpu_cores = static_cast<int>(st.i64(3));
    w.score = st.real(4);
    sched_.upsert_worker(w);
    sched_.set_worker_admin(worker, sched::admin_from_name(st.text(6)));
}

void Engine::rebuild_scheduler() {
    apply_sites(read_sites_file());
    std::error_code ec;
    if (!options_.sites_file.empty()) sites_mtime_ = std::filesystem::last_write_time(options_.sites_file, ec);
    auto sa = db_.query("SELECT site, admin FROM site_admin");
    while (sa.step()) sched_.set_site_admin(sa.text(0), sched::admin_from_name(sa.text(1)));
    std::vector<std::string> workers, jobs;
    auto ws = db_.query("SELECT id FROM workers WHERE state != 'lost'");
    while (ws.step()) workers.push_back(ws.text(0));
    for (const auto& w : workers) sync_worker(w);
    // What finished tasks taught, replayed in order.
    auto ob = db_.query(
        "SELECT j.workload, t.kind, t.pixel_samples, t.render_seconds, t.trace_seconds, t.rays, "
        "w.id, w.site, w.gpu_class, w.score FROM tasks t JOIN jobs j ON j.id = t.job_id JOIN "
        "workers w ON w.id = t.worker_id WHERE t.state = 'done' AND t.pixel_samples > 0 ORDER BY t.id");
    while (ob.step()) {
        sched::Observation o;
        o.probe = ob.text(1) == "probe";
        o.pixel_samples = ob.real(2);
        o.wall_s = ob.real(3);
        o.trace_s = ob.real(4);
        o.rays = ob.real(5);
        sched::WorkerInfo w;
        w.id = ob.text(6);
        w.site = ob.text(7);
        w.gpu_class = ob.text(8);
        w.score = ob.real(9);
        sched_.observe(ob.text(0), w, o);
    }
    auto js = db_.query("SELECT id FROM jobs WHERE state IN ('queued','running','paused')");
    while (js.step()) jobs.push_back(js.text(0));
    for (const auto& j : jobs) {
        set_job_staging(j);
        sync_job(j);
    }
    // Tasks rendering now hold their workers.
    auto rs = db_.query("SELECT worker_id, job_id, leased_unix FROM tasks WHERE state IN "
                        "('leased','rendering','uploading') AND worker_id IS NOT NULL");
    const double now = sched_now();
    while (rs.step()) {
        const double est = sched_.task_seconds(rs.text(1), rs.text(0));
        const double start = rs.null(2) ? now : rs.real(2);
        sched_.task_started(rs.text(0), rs.text(1), start, std::max(1.0, start + est - now));
    }
    sched_.replan(now);
}

bool Engine::after_change() {
    const double now = sched_now();
    const bool replanned = sched_.replan_if_stale(now);
    for (const auto& [job, why] : sched_.take_over_budget()) {
        auto st = db_.query("SELECT state, tenant FROM jobs WHERE id = ?1", {job});
        if (!st.step() || (st.text(0) != "queued" && st.text(0) != "running")) continue;
        db_.run("UPDATE jobs SET state = 'paused', paused_reason = ?2 WHERE id = ?1",
                {job, "budget: " + why});
        log_line("job " + job + " paused before exceeding its budget: " + why);
        emit(st.text(1), job, json::object{{"type", "budget"}, {"job", job}, {"state", "paused"},
                                           {"message", why}});
        emit_job(job);
        sync_job(job);
    }
    return replanned;
}

}  // namespace farm::gateway
