// Quotes and plans. A quote prices a job spec without submitting it: when the workload
// (snapshot, settings, camera, depth) has been rendered before, at once from what was
// learned; otherwise a hidden quote job renders the probes first (a few yuan-fen of
// reduced-resolution frames, billed to it) and the quote is "probing" until they finish.
// Every GET prices again against the current plan, so a quote never goes stale.
#include <cmath>

#include "farm/engine.h"

namespace farm::gateway {

namespace {

json::object plan_json(const sched::QuotePlan& p) {
    json::object sites, pools;
    for (const auto& [k, v] : p.cost_by_site) sites[k] = v;
    for (const auto& [k, v] : p.tasks_by_pool) pools[k] = v;
    return json::object{{"feasible", p.feasible},
                        {"cost_yuan", p.cost_yuan},
                        {"cost_low_yuan", p.cost_lo},
                        {"cost_high_yuan", p.cost_hi},
                        {"finish_unix", p.finish},
                        {"finish_low_unix", p.finish_lo},
                        {"finish_high_unix", p.finish_hi},
                        {"voucher_yuan", p.voucher_yuan},
                        {"staging_yuan", p.staging_yuan},
                        {"cost_by_site", std::move(sites)},
                        {"tasks_by_pool", std::move(pools)}};
}

}  // namespace

json::object Engine::create_quote(const std::string& tenant, const json::value& spec) {
    const NewJob nj = resolve_spec(tenant, spec, true);
    std::string id;
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        EngineTx tx(*this);
        const std::int64_t seq = db_.scalar("SELECT coalesce(max(seq), 0) + 1 FROM quotes").value_or(1);
        char buf[32];
        std::snprintf(buf, sizeof buf, "q-%06lld", static_cast<long long>(seq));
        id = buf;
        const std::string job = insert_job(tenant, nj, "quote");
        const bool known = db_.scalar("SELECT 1 FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE "
                                      "j.workload = ?1 AND t.state = 'done' AND t.pixel_samples > 0 "
                                      "LIMIT 1", {nj.workload}).has_value();
        if (!known && options_.probes > 0) {
            insert_probes(job, nj);
            wake = true;
        } else {
            db_.run("UPDATE jobs SET state = 'done', finalized = 1 WHERE id = ?1", {job});
        }
        db_.run("INSERT INTO quotes VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                {id, seq, tenant, json::serialize(spec), job, now_unix()});
        set_job_staging(job);
        sync_job(job);
        after_change();
        tx.commit();
    }
    if (wake) notify_waiters();
    return get_quote(tenant, id);
}

json::object Engine::get_quote(const std::string& tenant, const std::string& id) {
    std::lock_guard lock(mutex_);
    auto qs = db_.query("SELECT q.tenant, q.spec, q.job_id, q.created_unix, j.state, j.snapshot, "
                        "j.workload, j.frame_start, j.frame_end, j.tiles_x, j.tiles_y, j.width, "
                        "j.height, j.spp, j.max_depth, j.priority, j.deadline_unix, j.snapshot_bytes, "
                        "j.budget_yuan FROM quotes q JOIN jobs j ON j.id = q.job_id WHERE q.id = ?1",
                        {id});
    if (!qs.step() || qs.text(0) != tenant) throw ApiError(bhttp::status::not_found, "no quote " + id);
    const std::string job = qs.text(2), jstate = qs.text(4);
    const double probing_for = now_unix() - qs.real(3);
    json::object out{{"id", id}, {"spec", json::parse(qs.text(1))}, {"created_unix", qs.real(3)}};
    const std::int64_t pending =
        db_.scalar("SELECT count(*) FROM tasks WHERE job_id = ?1 AND kind = 'probe' AND state IN "
                   "('queued','leased','rendering','uploading')", {job}).value_or(0);
    const std::int64_t done =
        db_.scalar("SELECT count(*) FROM tasks WHERE job_id = ?1 AND kind = 'probe' AND state = 'done'",
                   {job}).value_or(0);
    out["probes"] = json::object{{"pending", pending}, {"done", done}};
    auto spent = db_.query("SELECT coalesce(sum(net_yuan), 0) FROM ledger WHERE job_id = ?1", {job});
    spent.step();
    out["probe_cost_yuan"] = spent.real(0);
    // Probes that never ran (no worker, or all failed) leave the prior: said, not hidden.
    if (pending > 0 && probing_for < options_.lease_timeout_s * 10) {
        out["state"] = "probing";
        return out;
    }
    out["state"] = "ready";
    sched::QuoteSpec q;
    q.tenant = tenant;
    q.snapshot = qs.text(5);
    q.workload = qs.text(6);
    const int frames = static_cast<int>(qs.i64(8) - qs.i64(7) + 1);
    const int tiles = static_cast<int>(qs.i64(9) * qs.i64(10));
    q.tasks = frames * tiles;
    q.pixel_samples_per_task = static_cast<double>(qs.i64(11)) * static_cast<double>(qs.i64(12)) *
                               static_cast<double>(qs.i64(13)) / std::max(1, tiles);
    q.max_depth = static_cast<int>(qs.i64(14));
    q.priority = static_cast<int>(qs.i64(15));
    if (!qs.null(16)) q.deadline = static_cast<double>(qs.i64(16));
    q.snapshot_bytes = static_cast<double>(qs.i64(17));
    const double now = now_unix();
    const sched::Quote r = sched_.quote(q, now);
    out["basis"] = r.basis;
    out["observations"] = r.observations;
    out["uncertainty"] = r.uncertainty;
    out["task_seconds"] = r.task_seconds;
    out["tasks"] = q.tasks;
    out["deadline_feasible"] = r.deadline_feasible;
    out["earliest_finish_unix"] = r.earliest_finish;
    out["cheapest"] = plan_json(r.cheapest);
    out["fastest"] = plan_json(r.fastest);
    json::object sites;
    for (const auto& [s, p] : r.per_site) sites[s] = plan_json(p);
    out["sites"] = std::move(sites);
    if (!qs.null(18)) {
        out["budget_yuan"] = qs.real(18);
        out["within_budget"] = r.cheapest.cost_yuan <= qs.real(18);
    }
    return out;
}

json::object Engine::job_plan(const std::string& tenant, const std::string& id) {
    std::lock_guard lock(mutex_);
    if (job_tenant(id) != tenant) throw ApiError(bhttp::status::not_found, "no job " + id);
    json::object j = job_json(id);
    json::object out = j["plan"].as_object();
    out["job"] = id;
    out["state"] = j["state"];
    out["spent_yuan"] = j["cost_yuan"];
    out["deadline_unix"] = j["deadline_unix"];
    out["budget_yuan"] = j["budget_yuan"];
    out["planned_at_unix"] = sched_.planned_at();
    return out;
}

}  // namespace farm::gateway
