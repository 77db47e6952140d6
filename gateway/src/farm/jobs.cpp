// Jobs: submission (spec validation, settings from the snapshot, tasks = frames x tiles),
// listing, inspection and control (pause, resume, cancel, rerun).
#include <cstdio>
#include <set>

#include "farm/engine.h"
#include "farm/sched/frame_order.h"
#include "farm/transfer/manifest.h"
#include "farm/settings_reader.h"

namespace farm::gateway {

namespace {

constexpr std::int64_t kMaxTasks = 100000;  // one job may not flood the queue table

[[noreturn]] void bad(const std::string& msg) { throw ApiError(bhttp::status::bad_request, msg); }

const json::value* field(const json::object& o, const char* key) {
    const json::value* v = o.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
}

std::int64_t integer(const json::value& v, const std::string& name, std::int64_t lo,
                     std::int64_t hi) {
    if (!v.is_int64() && !v.is_uint64()) bad("'" + name + "' must be an integer");
    if (v.is_uint64() && v.as_uint64() > static_cast<std::uint64_t>(hi))
        bad("'" + name + "' must be at most " + std::to_string(hi));
    const auto n = v.to_number<std::int64_t>();
    if (n < lo || n > hi)
        bad("'" + name + "' must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return n;
}

std::string string_field(const json::object& o, const char* key) {
    const json::value* v = field(o, key);
    if (!v) return {};
    if (!v->is_string()) bad(std::string("'") + key + "' must be a string");
    return std::string(v->as_string());
}

std::pair<int, int> frame_pair(const json::value& v, const std::string& name) {
    if (!v.is_array() || v.as_array().size() != 2) bad("'" + name + "' must be [first, last]");
    const auto a = integer(v.as_array()[0], name + "[0]", -1000000, 1000000);
    const auto b = integer(v.as_array()[1], name + "[1]", -1000000, 1000000);
    if (a > b) bad("'" + name + "': first frame after last");
    return {static_cast<int>(a), static_cast<int>(b)};
}

}  // namespace

Engine::NewJob Engine::resolve_spec(const std::string& tenant, const json::value& spec_value,
                                   bool for_quote) {
    if (!spec_value.is_object()) bad("job spec must be a JSON object");
    const json::object& spec = spec_value.as_object();
    static const char* known[] = {"project", "snapshot", "settings", "frames", "overrides",
                                  "split", "priority", "deadline_unix", "budget_yuan", "name",
                                  "probe", "frame_order"};
    for (const auto& kv : spec) {
        bool ok = false;
        for (const char* k : known) ok = ok || kv.key() == k;
        if (!ok) bad("unknown field '" + std::string(kv.key()) + "'");
    }
    NewJob nj;
    nj.project = string_field(spec, "project");
    if (nj.project.empty()) bad("'project' is required");
    try {
        transfer::validate_name(nj.project, "project");
    } catch (const std::exception& e) {
        bad(std::string("'project': ") + e.what());
    }
    nj.settings_path = string_field(spec, "settings");
    if (nj.settings_path.empty()) nj.settings_path = "render.json";
    nj.snapshot = string_field(spec, "snapshot");
    if (!nj.snapshot.empty() &&
        (nj.snapshot.size() != 64 ||
         nj.snapshot.find_first_not_of("0123456789abcdef") != std::string::npos))
        bad("'snapshot' must be 64 lowercase hex digits");

    // Everything else is validated before the store is touched: a bad spec is a 400 even
    // for a project that does not exist.
    std::optional<std::pair<int, int>> frames;
    if (auto* v = field(spec, "frames")) frames = frame_pair(*v, "frames");
    json::object overrides;
    if (auto* v = field(spec, "overrides")) {
        if (!v->is_object()) bad("'overrides' must be an object");
        overrides = v->as_object();
        for (const auto& kv : overrides) {
            const std::string k(kv.key());
            if (k != "width" && k != "height" && k != "spp" && k != "max_depth")
                bad("unknown field 'overrides." + k + "'");
            const std::int64_t hi = k == "spp" ? kMaxSpp : k == "max_depth" ? kMaxDepth : kMaxResolution;
            integer(kv.value(), "overrides." + k, 1, hi);
        }
    }
    if (auto* v = field(spec, "split")) {
        if (!v->is_object()) bad("'split' must be an object {tiles_x, tiles_y}");
        for (const auto& kv : v->as_object())
            if (kv.key() != "tiles_x" && kv.key() != "tiles_y")
                bad("unknown field 'split." + std::string(kv.key()) + "'");
        if (auto* t = field(v->as_object(), "tiles_x")) nj.tiles_x = static_cast<int>(integer(*t, "split.tiles_x", 1, 64));
        if (auto* t = field(v->as_object(), "tiles_y")) nj.tiles_y = static_cast<int>(integer(*t, "split.tiles_y", 1, 64));
    }
    if (auto* v = field(spec, "priority")) nj.priority = integer(*v, "priority", 0, 100);
    if (auto* v = field(spec, "deadline_unix")) {
        nj.deadline = integer(*v, "deadline_unix", 0, INT64_MAX);
        const auto now = static_cast<std::int64_t>(now_unix());
        if (*nj.deadline <= now)
            bad("'deadline_unix' " + std::to_string(*nj.deadline) + " is in the past (now is " +
                std::to_string(now) + ")");
    }
    if (auto* v = field(spec, "budget_yuan")) {
        if (!v->is_number() || !(v->to_number<double>() >= 0)) bad("'budget_yuan' must be a number >= 0");
        nj.budget = v->to_number<double>();
    }
    if (auto* v = field(spec, "probe")) {
        if (!v->is_bool()) bad("'probe' must be true or false");
        nj.probe = v->as_bool();
    }
    if (const std::string order = string_field(spec, "frame_order");
        !order.empty() && !sched::parse_frame_order(order, nj.frame_order))
        bad("'frame_order' must be \"interleaved\" or \"sequential\", not '" + order + "'");
    nj.name = string_field(spec, "name");
    if (nj.name.size() > 200) bad("'name' is longer than 200 bytes");
    (void)for_quote;

    transfer::TenantStore& ts = store_.tenant(tenant);
    if (nj.snapshot.empty()) {
        std::vector<transfer::SnapshotInfo> list;
        try {
            list = ts.snapshots(nj.project);
        } catch (const std::exception&) {
            // The store reports an unknown project as an error; here it is a 404.
        }
        if (list.empty()) throw ApiError(bhttp::status::not_found, "no project " + nj.project);
        nj.snapshot = list.back().id.hex();
    }
    JobSettings s = read_settings(ts, nj.snapshot, nj.settings_path);
    if (frames) std::tie(s.frame_start, s.frame_end) = *frames;
    if (auto* v = overrides.if_contains("width")) s.width = v->to_number<int>();
    if (auto* v = overrides.if_contains("height")) s.height = v->to_number<int>();
    if (auto* v = overrides.if_contains("spp")) s.spp = v->to_number<int>();
    if (auto* v = overrides.if_contains("max_depth")) s.max_depth = v->to_number<int>();
    if (s.width < 1 || s.height < 1 || s.width > kMaxResolution || s.height > kMaxResolution)
        bad("'overrides.width'/'overrides.height': resolution out of range");
    if (s.frame_start > s.frame_end) bad("'frames': first frame after last");
    if (nj.tiles_x > s.width) bad("'split.tiles_x' exceeds the width");
    if (nj.tiles_y > s.height) bad("'split.tiles_y' exceeds the height");
    const std::int64_t frame_count = std::int64_t{s.frame_end} - s.frame_start + 1;
    if (frame_count * nj.tiles_x * nj.tiles_y > kMaxTasks)
        bad("'frames' x 'split': more than " + std::to_string(kMaxTasks) + " tasks");
    if (nj.name.empty()) nj.name = nj.project;
    nj.frame_start = s.frame_start;
    nj.frame_end = s.frame_end;
    nj.width = s.width;
    nj.height = s.height;
    nj.spp = s.spp;
    nj.max_depth = s.max_depth;
    nj.fps = s.fps;
    nj.camera = s.camera;
    nj.out_name = output_stem(s.output);
    // Rays per pixel-sample depend on the scene, its camera and the path depth, not on
    // resolution or samples: jobs (and quotes) of one workload share what is learned.
    nj.workload = nj.snapshot.substr(0, 16) + ":" + nj.settings_path + ":" + nj.camera + ":" +
                  std::to_string(nj.max_depth);
    const auto id = transfer::ChunkId::from_hex(nj.snapshot);
    if (id && ts.has_snapshot(*id)) {
        std::set<std::string> seen;
        for (const auto& e : transfer::parse_manifest(ts.get_snapshot(*id)).entries)
            for (const auto& c : e.chunks)
                if (seen.insert(c.id.hex()).second) nj.snapshot_bytes += c.size;
    }
    return nj;
}

std::string Engine::insert_job(const std::string& tenant, const NewJob& nj, const std::string& kind) {
    const std::int64_t seq = db_.scalar("SELECT coalesce(max(seq), 0) + 1 FROM jobs").value_or(1);
    char id_buf[32];
    std::snprintf(id_buf, sizeof id_buf, "j-%06lld", static_cast<long long>(seq));
    const std::string id = id_buf;
    db_.run("INSERT INTO jobs (id, seq, tenant, name, project, snapshot, settings, out_name, "
            "camera, fps, state, frame_start, frame_end, width, height, spp, max_depth, "
            "tiles_x, tiles_y, priority, deadline_unix, budget_yuan, created_unix, kind, workload, "
            "snapshot_bytes, frame_order) VALUES "
            "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,'queued',?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
            "?23,?24,?25,?26)",
            {id, seq, tenant, nj.name, nj.project, nj.snapshot, nj.settings_path, nj.out_name,
             nj.camera, nj.fps, std::int64_t{nj.frame_start}, std::int64_t{nj.frame_end},
             std::int64_t{nj.width}, std::int64_t{nj.height}, std::int64_t{nj.spp},
             std::int64_t{nj.max_depth}, std::int64_t{nj.tiles_x}, std::int64_t{nj.tiles_y},
             nj.priority, nj.deadline ? DbValue(*nj.deadline) : DbValue(nullptr),
             nj.budget ? DbValue(*nj.budget) : DbValue(nullptr),
             static_cast<std::int64_t>(now_unix()), kind, nj.workload,
             static_cast<std::int64_t>(nj.snapshot_bytes), std::string(sched::to_string(nj.frame_order))});
    return id;
}

void Engine::insert_probes(const std::string& job, const NewJob& nj) {
    // Sample frames spread over the range (first, middle, last...) at a quarter of the
    // resolution each way and a quarter of the samples: 1/64 of a frame's work each.
    const int n = std::min(options_.probes, nj.frame_end - nj.frame_start + 1);
    const int w = std::max(16, nj.width / 4), h = std::max(16, nj.height / 4);
    const int spp = std::max(1, nj.spp / 4);
    std::set<int> frames;
    for (int i = 0; i < n; ++i)
        frames.insert(nj.frame_start + (n > 1 ? i * (nj.frame_end - nj.frame_start) / (n - 1) : 0));
    for (int f : frames)
        db_.run("INSERT INTO tasks (job_id, frame, tile, x0, y0, x1, y1, state, kind, width, height, spp) "
                "VALUES (?1, ?2, -1, 0, 0, ?3, ?4, 'queued', 'probe', ?3, ?4, ?5)",
                {job, std::int64_t{f}, std::int64_t{std::min(w, nj.width)},
                 std::int64_t{std::min(h, nj.height)}, std::int64_t{spp}});
}

json::object Engine::create_job(const std::string& tenant, const json::value& spec_value) {
    const NewJob nj = resolve_spec(tenant, spec_value, false);
    const auto grid = tile_grid(nj.width, nj.height, nj.tiles_x, nj.tiles_y);
    bool wake = false;
    json::object job;
    {
        std::lock_guard lock(mutex_);
        EngineTx tx(*this);
        const std::string id = insert_job(tenant, nj, "render");
        const std::vector<int> rank = sched::frame_ranks(nj.frame_end - nj.frame_start + 1, nj.frame_order);
        for (int f = nj.frame_start; f <= nj.frame_end; ++f) {
            for (std::size_t t = 0; t < grid.size(); ++t) {
                db_.run("INSERT INTO tasks (job_id, frame, tile, x0, y0, x1, y1, state, dispatch_rank) VALUES "
                        "(?1,?2,?3,?4,?5,?6,?7,'queued',?8)",
                        {id, std::int64_t{f}, static_cast<std::int64_t>(t), std::int64_t{grid[t].x0},
                         std::int64_t{grid[t].y0}, std::int64_t{grid[t].x1}, std::int64_t{grid[t].y1},
                         std::int64_t{rank[static_cast<std::size_t>(f - nj.frame_start)]}});
            }
        }
        // A workload seen before (an earlier job or a quote) needs no probes.
        const bool known = db_.scalar("SELECT 1 FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE "
                                      "j.workload = ?1 AND t.state = 'done' AND t.pixel_samples > 0 "
                                      "LIMIT 1", {nj.workload}).has_value();
        if (nj.probe && !known && options_.probes > 0) insert_probes(id, nj);
        set_job_staging(id);
        sync_job(id);
        emit_job(id);
        wake = after_change() || true;
        job = job_json(id);
        tx.commit();
    }
    if (wake) notify_waiters();
    return job;
}

json::array Engine::list_jobs(const std::string& tenant) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    auto st = db_.query("SELECT id FROM jobs WHERE tenant = ?1 AND kind = 'render' ORDER BY seq DESC",
                        {tenant});
    while (st.step()) ids.push_back(st.text(0));
    json::array out;
    for (const auto& id : ids) out.push_back(job_json(id));
    return out;
}

json::object Engine::get_job(const std::string& tenant, const std::string& id) {
    std::lock_guard lock(mutex_);
    if (job_tenant(id) != tenant) throw ApiError(bhttp::status::not_found, "no job " + id);
    return job_json(id);
}

json::array Engine::job_tasks(const std::string& tenant, const std::string& id) {
    std::lock_guard lock(mutex_);
    if (job_tenant(id) != tenant) throw ApiError(bhttp::status::not_found, "no job " + id);
    auto st = db_.query("SELECT id, frame, x0, y0, x1, y1, state, attempt, worker_id, site, "
                        "render_seconds, error, kind, decision, cost_yuan FROM tasks WHERE job_id = ?1 "
                        "ORDER BY kind = 'render', frame, tile",
                        {id});
    json::array out;
    while (st.step()) {
        out.push_back(json::object{
            {"id", "t-" + std::to_string(st.i64(0))}, {"frame", st.i64(1)},
            {"tile", json::array{st.i64(2), st.i64(3), st.i64(4), st.i64(5)}},
            {"state", st.text(6)}, {"attempt", st.i64(7)},
            {"worker", st.null(8) ? json::value(nullptr) : json::value(st.text(8))},
            {"site", st.null(9) ? json::value(nullptr) : json::value(st.text(9))},
            {"render_seconds", st.real(10)},
            {"error", st.null(11) ? json::value(nullptr) : json::value(st.text(11))},
            {"kind", st.text(12)},
            // Why it went where it went: pool, price and tariff then, estimate, slack.
            {"decision", st.null(13) ? json::value(nullptr) : json::parse(st.text(13))},
            {"cost_yuan", st.real(14)}});
    }
    return out;
}

json::array Engine::job_frames(const std::string& tenant, const std::string& id) {
    std::lock_guard lock(mutex_);
    if (job_tenant(id) != tenant) throw ApiError(bhttp::status::not_found, "no job " + id);
    auto st = db_.query("SELECT frame, exr, png, bytes, done_unix FROM frames WHERE job_id = ?1 "
                        "ORDER BY frame", {id});
    json::array out;
    while (st.step())
        out.push_back(json::object{{"frame", st.i64(0)}, {"exr", st.text(1)}, {"png", st.text(2)},
                                   {"bytes", st.i64(3)}, {"done_unix", st.i64(4)}});
    return out;
}

std::filesystem::path Engine::frame_file(const std::string& tenant, const std::string& id,
                                         const std::string& file) {
    // Only plain names inside the job's folder: no separators, no parent references.
    if (file.empty() || file.find('/') != std::string::npos || file.find('\\') != std::string::npos ||
        file.find("..") != std::string::npos || file[0] == '.')
        throw ApiError(bhttp::status::bad_request, "bad file name '" + file + "'");
    {
        std::lock_guard lock(mutex_);
        if (job_tenant(id) != tenant) throw ApiError(bhttp::status::not_found, "no job " + id);
    }
    const auto path = options_.data_dir / "output" / id / file;
    if (!std::filesystem::is_regular_file(path))
        throw ApiError(bhttp::status::not_found, "no file " + file + " for job " + id);
    return path;
}

json::object Engine::control_job(const std::string& tenant, const std::string& id,
                                 const std::string& verb, const json::value& body) {
    bool wake = false;
    json::object job;
    {
        std::lock_guard lock(mutex_);
        if (job_tenant(id) != tenant) throw ApiError(bhttp::status::not_found, "no job " + id);
        EngineTx tx(*this);
        const std::string state = json::value_to<std::string>(job_json(id)["state"]);
        std::vector<std::int64_t> changed;
        auto collect = [&](const char* where) {
            auto st = db_.query(std::string("SELECT id FROM tasks WHERE job_id = ?1 AND ") + where, {id});
            while (st.step()) changed.push_back(st.i64(0));
        };
        if (verb == "pause") {
            if (state != "queued" && state != "running")
                throw ApiError(bhttp::status::conflict, "job " + id + " is " + state);
            db_.run("UPDATE jobs SET state = 'paused' WHERE id = ?1", {id});
        } else if (verb == "resume") {
            if (state != "paused") throw ApiError(bhttp::status::conflict, "job " + id + " is " + state);
            // Resuming a job its budget paused needs a new budget (or none: {"budget_yuan":
            // null}); otherwise it would pause again at once.
            const json::object* o = body.if_object();
            if (const json::value* b = o ? o->if_contains("budget_yuan") : nullptr) {
                if (!b->is_null() && (!b->is_number() || !(b->to_number<double>() >= 0)))
                    bad("'budget_yuan' must be a number >= 0 or null");
                db_.run("UPDATE jobs SET budget_yuan = ?2 WHERE id = ?1",
                        {id, b->is_null() ? DbValue(nullptr) : DbValue(b->to_number<double>())});
            }
            db_.run("UPDATE jobs SET paused_reason = NULL WHERE id = ?1", {id});
            const bool started = db_.scalar("SELECT 1 FROM tasks WHERE job_id = ?1 AND state != "
                                            "'queued' LIMIT 1", {id}).has_value();
            db_.run("UPDATE jobs SET state = ?2 WHERE id = ?1", {id, started ? "running" : "queued"});
            wake = true;
        } else if (verb == "cancel") {
            if (state == "done" || state == "failed" || state == "canceled")
                throw ApiError(bhttp::status::conflict, "job " + id + " is already " + state);
            collect("state IN ('queued','leased','rendering','uploading')");
            auto rs = db_.query("SELECT worker_id FROM tasks WHERE job_id = ?1 AND worker_id IS NOT "
                                "NULL AND state IN ('leased','rendering','uploading')", {id});
            while (rs.step()) sched_.task_aborted(rs.text(0), id, now_unix());
            // Running leases stay named on their tasks, so the worker's next heartbeat
            // reports a lease that is no longer live and is told to kill it.
            db_.run("UPDATE tasks SET state = 'canceled', lease_expires = NULL WHERE job_id = ?1 "
                    "AND state IN ('queued','leased','rendering','uploading')", {id});
            db_.run("UPDATE jobs SET state = 'canceled', finished_unix = ?2 WHERE id = ?1",
                    {id, static_cast<std::int64_t>(now_unix())});
            enqueue_finish([this, id] { finalize_job(id); });
        } else if (verb == "rerun") {
            const json::object* o = body.if_object();
            const json::value* fv = o ? o->if_contains("frames") : nullptr;
            if (!fv || !fv->is_array() || fv->as_array().empty())
                bad("'frames' must be a non-empty list of frame numbers");
            if (state == "canceled") throw ApiError(bhttp::status::conflict, "job " + id + " is canceled");
            auto js = db_.query("SELECT frame_start, frame_end FROM jobs WHERE id = ?1", {id});
            js.step();
            const auto lo = js.i64(0), hi = js.i64(1);
            for (const auto& f : fv->as_array()) {
                const auto n = integer(f, "frames[]", lo, hi);
                collect(("frame = " + std::to_string(n) + " AND state IN ('done','failed')").c_str());
                db_.run("UPDATE tasks SET state = 'queued', attempt = 0, error = NULL, worker_id = "
                        "NULL, site = NULL, not_before = 0, progress = 0, lease_id = NULL WHERE "
                        "job_id = ?1 AND frame = ?2 AND state IN ('done','failed')", {id, n});
                // The old files stay until the new render replaces them; the frame counts
                // as not done until then.
                db_.run("DELETE FROM frames WHERE job_id = ?1 AND frame = ?2", {id, n});
            }
            db_.run("UPDATE jobs SET state = CASE WHEN state = 'paused' THEN 'paused' ELSE "
                    "'running' END, finalized = 0, finished_unix = NULL WHERE id = ?1", {id});
            wake = true;
        } else {
            throw ApiError(bhttp::status::not_found, "no action " + verb);
        }
        for (auto t : changed) emit_task(t);
        sync_job(id);
        wake = after_change() || wake;
        emit_job(id);
        job = job_json(id);
        tx.commit();
    }
    if (wake) notify_waiters();
    return job;
}

}  // namespace farm::gateway
