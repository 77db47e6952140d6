// Results: a worker's EXR for its lease goes to the stitcher, the task is marked done in
// one transaction, and the last tile of a frame triggers assembly. Failures requeue with
// backoff. The ordering keeps files and database in agreement across a kill -9:
//   tile stored durably -> task done (commit) -> frame assembled -> frame row (commit)
// A crash after the first commit leaves a frame whose tasks are all done but which has no
// row; recover() assembles it again (Stitcher::assemble is repeatable).
#include <zstd.h>

#include <cmath>

#include "farm/engine.h"
#include "log.h"

namespace farm::gateway {

namespace {

constexpr std::size_t kMaxDecoded = std::size_t{1} << 30;  // a 16k x 16k RGBA half EXR

std::string unzstd(const std::string& in) {
    const unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
    if (declared == ZSTD_CONTENTSIZE_ERROR)
        throw ApiError(bhttp::status::bad_request, "body is not zstd data");
    // Streaming decode with a cap, so a lying header or a zip bomb cannot exhaust memory.
    std::string out;
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN) {
        if (declared > kMaxDecoded) throw ApiError(bhttp::status::payload_too_large, "decoded result exceeds 1 GiB");
        out.reserve(static_cast<std::size_t>(declared));
    }
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    std::string buf(ZSTD_DStreamOutSize(), '\0');
    std::size_t rc = 1;
    while (src.pos < src.size || rc != 0) {
        ZSTD_outBuffer dst{buf.data(), buf.size(), 0};
        rc = ZSTD_decompressStream(ctx.get(), &dst, &src);
        if (ZSTD_isError(rc))
            throw ApiError(bhttp::status::bad_request, std::string("bad zstd body: ") + ZSTD_getErrorName(rc));
        out.append(buf.data(), dst.pos);
        if (out.size() > kMaxDecoded) throw ApiError(bhttp::status::payload_too_large, "decoded result exceeds 1 GiB");
        if (src.pos == src.size && dst.pos == 0 && rc != 0)
            throw ApiError(bhttp::status::bad_request, "truncated zstd body");
    }
    return out;
}

bool live(const std::string& state) {
    return state == "leased" || state == "rendering" || state == "uploading";
}

}  // namespace

json::object Engine::put_result(const std::string& lease, const std::string& worker_header,
                                 std::string body, bool zstd, const ResultInfo& in) {
    auto clean = [](double v) { return std::isfinite(v) && v > 0 ? v : 0.0; };
    const double render_seconds = clean(in.render_seconds);
    const double trace_seconds = std::min(clean(in.trace_seconds), render_seconds);
    const double rays = clean(in.rays), fetched = clean(in.fetched_bytes);
    const std::string& device = in.device;
    std::int64_t task = 0;
    std::string job;
    int frame = 0;
    bool probe = false;
    TileRect rect;
    FrameSpec spec;
    {
        std::lock_guard lock(mutex_);
        auto st = db_.query("SELECT id, state, worker_id, job_id, frame, x0, y0, x1, y1, kind FROM "
                            "tasks WHERE lease_id = ?1", {lease});
        if (!st.step()) throw ApiError(bhttp::status::conflict, "lease " + lease + " is not held");
        const std::string state = st.text(1), holder = st.text(2);
        if (!worker_header.empty() && holder != worker_header)
            throw ApiError(bhttp::status::conflict, "lease " + lease + " is not held by " + worker_header);
        // The same upload again (the worker missed our answer): accepted, nothing redone.
        if (state == "done") return json::object{{"accepted", true}, {"repeat", true}};
        if (!live(state)) throw ApiError(bhttp::status::conflict, "lease " + lease + " is " + state);
        task = st.i64(0);
        job = st.text(3);
        frame = static_cast<int>(st.i64(4));
        rect = TileRect{static_cast<int>(st.i64(5)), static_cast<int>(st.i64(6)),
                        static_cast<int>(st.i64(7)), static_cast<int>(st.i64(8))};
        probe = st.text(9) == "probe";
        spec = frame_spec(job, frame);
    }
    count_bytes_in(body.size());
    std::string exr = zstd ? unzstd(body) : std::move(body);
    try {
        // A probe's image is only evidence of cost; it never reaches the output.
        if (!probe) stitcher_.add_tile(spec, rect, exr);
    } catch (const StitchError& e) {
        // A broken result is the render's fault: retry the task elsewhere.
        std::lock_guard lock(mutex_);
        EngineTx tx(*this);
        auto st = db_.query("SELECT state, lease_id FROM tasks WHERE id = ?1", {task});
        if (st.step() && live(st.text(0)) && st.text(1) == lease)
            requeue_or_fail(task, std::string("bad result: ") + e.what(), true, true);
        tx.commit();
        throw ApiError(bhttp::status::bad_request, std::string("bad result: ") + e.what());
    }
    bool frame_complete = false, wake = false;
    {
        std::lock_guard lock(mutex_);
        EngineTx tx(*this);
        auto st = db_.query("SELECT t.state, t.lease_id, t.worker_id, t.site, t.x1 - t.x0, "
                            "t.y1 - t.y0, coalesce(t.spp, j.spp), j.tenant, j.snapshot FROM tasks t "
                            "JOIN jobs j ON j.id = t.job_id WHERE t.id = ?1",
                            {task});
        if (!st.step() || !live(st.text(0)) || st.text(1) != lease)
            throw ApiError(bhttp::status::conflict, "lease " + lease + " was lost during the upload");
        const std::string worker = st.text(2), site = st.text(3);
        const double pixel_samples = static_cast<double>(st.i64(4)) * static_cast<double>(st.i64(5)) *
                                     static_cast<double>(st.i64(6));
        const std::string tenant = st.text(7), snapshot = st.text(8);
        // A GPU worker pays its class's GPU-hour rate per GPU; a CPU-only worker (or a
        // render it ran on its CPU) its cores, all of which the renderer keeps busy.
        const bool cpu_run = device.rfind("cpu", 0) == 0;
        const double cost = charge_task(task, job, site, worker, probe ? "probe" : "render",
                                        render_seconds, cpu_run);
        charge_transfer(job, site, worker, fetched);
        db_.run("INSERT OR IGNORE INTO staged VALUES (?1, ?2, ?3, ?4)", {site, tenant, snapshot, now_unix()});
        db_.run("UPDATE tasks SET state = 'done', progress = 1, lease_expires = NULL, "
                "render_seconds = ?2, cost_yuan = ?3, error = NULL, trace_seconds = ?4, rays = ?5, "
                "pixel_samples = ?6 WHERE id = ?1",
                {task, render_seconds, cost, trace_seconds, rays, pixel_samples});
        db_.run("UPDATE workers SET tasks_done = tasks_done + 1 WHERE id = ?1", {worker});
        sched::Observation obs;
        obs.pixel_samples = pixel_samples;
        obs.wall_s = render_seconds;
        obs.trace_s = trace_seconds;
        obs.rays = rays;
        obs.probe = probe;
        sched_.task_finished(worker, job, now_unix(), obs);
        emit_task(task);
        // Budget: once the job has spent it, no new leases (running tasks finish). The
        // studio raises the budget or resumes on purpose; the bill never silently grows.
        // (after_change pauses a job earlier still: when its projection would exceed it.)
        auto bs = db_.query("SELECT j.budget_yuan, j.state, (SELECT sum(net_yuan) FROM ledger "
                            "l WHERE l.job_id = j.id) FROM jobs j WHERE j.id = ?1", {job});
        if (bs.step() && !bs.null(0) && bs.real(2) >= bs.real(0) && bs.text(1) == "running" &&
            db_.scalar("SELECT 1 FROM tasks WHERE job_id = ?1 AND state = 'queued' LIMIT 1",
                       {job}).has_value()) {
            db_.run("UPDATE jobs SET state = 'paused', paused_reason = 'budget: spent' WHERE id = ?1", {job});
            log_line("job " + job + " reached its budget: paused");
        }
        frame_complete = !probe &&
                         !db_.scalar("SELECT 1 FROM tasks WHERE job_id = ?1 AND frame = ?2 AND "
                                     "kind = 'render' AND state != 'done' LIMIT 1",
                                     {job, std::int64_t{frame}}).has_value();
        sync_job(job);
        wake = after_change();
        emit_job(job);
        if (!frame_complete) maybe_finish_job(job);
        tx.commit();
    }
    if (wake) notify_waiters();
    if (frame_complete) complete_frame(job, frame);
    return json::object{{"accepted", true}};
}

void Engine::complete_frame(const std::string& job, int frame) {
    FrameSpec spec;
    {
        std::lock_guard lock(mutex_);
        spec = frame_spec(job, frame);
    }
    FrameFiles files;
    std::string error;
    try {
        files = stitcher_.assemble(spec);
    } catch (const std::exception& e) {
        // Tiles gone but the frame on disk: assembled before a crash, row not yet written.
        files = Stitcher::files_for(spec);
        if (!std::filesystem::exists(files.exr)) error = e.what();
    }
    std::lock_guard lock(mutex_);
    EngineTx tx(*this);
    if (!error.empty()) {
        log_line("frame " + job + "/" + std::to_string(frame) + " lost its tiles (" + error +
                 "): rendering it again");
        std::vector<std::int64_t> tasks;
        auto st = db_.query("SELECT id FROM tasks WHERE job_id = ?1 AND frame = ?2 AND kind = 'render'",
                            {job, std::int64_t{frame}});
        while (st.step()) tasks.push_back(st.i64(0));
        db_.run("UPDATE tasks SET state = 'queued', lease_id = NULL, worker_id = NULL, not_before = 0 "
                "WHERE job_id = ?1 AND frame = ?2 AND kind = 'render'", {job, std::int64_t{frame}});
        sync_job(job);
        for (auto t : tasks) emit_task(t);
        tx.commit();
        notify_waiters();
        return;
    }
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(files.exr, ec);
    db_.run("INSERT INTO frames VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(job_id, frame) DO "
            "UPDATE SET exr = ?3, png = ?4, bytes = ?5, done_unix = ?6",
            {job, std::int64_t{frame}, files.exr.filename().string(), files.png.filename().string(),
             static_cast<std::int64_t>(ec ? 0 : bytes), static_cast<std::int64_t>(now_unix())});
    emit(job_tenant(job), job, json::object{{"type", "frame"}, {"job", job}, {"frame", frame},
                                            {"exr", files.exr.filename().string()},
                                            {"png", files.png.filename().string()}});
    emit_job(job);
    maybe_finish_job(job);
    tx.commit();
}

void Engine::finalize_job(const std::string& job) {
    std::string state, name;
    double fps = 24;
    {
        std::lock_guard lock(mutex_);
        auto st = db_.query("SELECT state, out_name, fps, finalized FROM jobs WHERE id = ?1", {job});
        if (!st.step() || st.i64(3)) return;
        state = st.text(0);
        name = st.text(1);
        fps = st.real(2);
    }
    if (state == "done" || state == "failed") {
        std::string error;
        const auto dir = options_.data_dir / "output" / job;
        if (std::filesystem::exists(dir) && !make_preview_movie(dir, name, fps, &error))
            log_line("preview movie for " + job + ": " + error);
    }
    std::lock_guard lock(mutex_);
    EngineTx tx(*this);
    auto st = db_.query("SELECT state FROM jobs WHERE id = ?1 AND finalized = 0", {job});
    if (!st.step() || st.text(0) != state) return;  // rerun since: it will finish again
    db_.run("UPDATE jobs SET finalized = 1 WHERE id = ?1", {job});
    emit_job(job);
    tx.commit();
}

void Engine::enqueue_finish(std::function<void()> work) {
    std::lock_guard lock(fmutex_);
    fqueue_.push_back(std::move(work));
    fcv_.notify_one();
}

void Engine::finisher_loop() {
    // One thread for slow end-of-job work (ffmpeg), so no io thread ever waits for it.
    for (;;) {
        std::function<void()> work;
        {
            std::unique_lock lock(fmutex_);
            fcv_.wait(lock, [this] { return stopping_ || !fqueue_.empty(); });
            if (stopping_) return;
            work = std::move(fqueue_.front());
            fqueue_.pop_front();
        }
        try {
            work();
        } catch (const std::exception& e) {
            log_line(std::string("finisher: ") + e.what());
        }
    }
}

json::object Engine::fail_lease(const std::string& lease, const json::value& body) {
    const json::object* o = body.if_object();
    std::string reason = "failed";
    bool retryable = true;
    if (o) {
        if (auto* r = o->if_contains("reason"); r && r->is_string()) reason = std::string(r->as_string());
        if (auto* r = o->if_contains("retryable"); r && r->is_bool()) retryable = r->as_bool();
    }
    if (reason.size() > 2000) reason.resize(2000);
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        auto st = db_.query("SELECT id, state FROM tasks WHERE lease_id = ?1", {lease});
        if (!st.step() || !live(st.text(1)))
            throw ApiError(bhttp::status::conflict, "lease " + lease + " is not held");
        EngineTx tx(*this);
        requeue_or_fail(st.i64(0), reason, retryable, true);
        tx.commit();
        wake = true;
    }
    if (wake) notify_waiters();
    return json::object{{"accepted", true}};
}

}  // namespace farm::gateway
