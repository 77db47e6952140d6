// The ledger: every charge a job incurs, one row each. Render and probe rows price the
// device time at the worker's rate, weighted by the site's tariff over the exact interval
// and less the tenant's vouchers; transfer rows price the bytes a site fetched to stage
// a snapshot at the link's yuan per GB. Job, site and report totals are sums of rows.
#include "farm/engine.h"

namespace farm::gateway {

double Engine::charge_task(std::int64_t task, const std::string& job, const std::string& site,
                           const std::string& worker, const std::string& kind, double seconds,
                           bool cpu_run) {
    const double now = now_unix();
    auto ws = db_.query("SELECT gpu_class, gpus, cpu_cores FROM workers WHERE id = ?1", {worker});
    std::string cls = "cpu";
    int gpus = 0, cores = 1;
    if (ws.step()) {
        cls = ws.text(0);
        const json::value g = json::parse(ws.text(1).empty() ? "[]" : ws.text(1));
        gpus = g.is_array() ? static_cast<int>(g.as_array().size()) : 0;
        cores = static_cast<int>(std::max<std::int64_t>(1, ws.i64(2)));
    }
    // A render the worker ran on its CPU (X-Farm-Device: cpu) is billed as CPU.
    if (cpu_run) cls = "cpu";
    const std::string tenant = job_tenant(job);
    sched::Charge c;
    double rate = 0;
    if (const sched::Site* s = sched_.config().site(site)) {
        rate = sched::base_rate_per_hour(*s, cls, gpus, cores);
        c = sched_.vouchers().charge(*s, tenant, rate, now - seconds, now);
    } else {
        c.period = "flat";
    }
    db_.run("INSERT INTO ledger (job_id, task_id, site, worker_id, kind, start_unix, end_unix, "
            "device_seconds, rate_yuan_per_hour, multiplier, period, gross_yuan, voucher_yuan, "
            "net_yuan, created_unix) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
            {job, task, site, worker, kind, now - seconds, now, seconds, rate, c.multiplier,
             c.period, c.gross_yuan, c.discount_yuan, c.net_yuan, now});
    const std::int64_t row = db_.last_id();
    for (const auto& [voucher, yuan] : c.vouchers)
        db_.run("INSERT INTO voucher_use VALUES (?1, ?2, ?3)", {voucher, row, yuan});
    return c.net_yuan;
}

void Engine::charge_transfer(const std::string& job, const std::string& site,
                             const std::string& worker, double bytes) {
    if (!(bytes > 0)) return;
    const sched::Site* s = sched_.config().site(site);
    const double cost = s ? bytes / 1e9 * s->link.yuan_per_gb : 0.0;
    const double now = now_unix();
    db_.run("INSERT INTO ledger (job_id, site, worker_id, kind, gross_yuan, net_yuan, bytes, "
            "created_unix) VALUES (?1, ?2, ?3, 'transfer', ?4, ?4, ?5, ?6)",
            {job, site, worker, cost, static_cast<std::int64_t>(bytes), now});
}

json::array Engine::job_ledger(const std::string& tenant, const std::string& id) {
    std::lock_guard lock(mutex_);
    if (job_tenant(id) != tenant) throw ApiError(bhttp::status::not_found, "no job " + id);
    auto st = db_.query("SELECT l.id, l.task_id, l.site, l.worker_id, l.kind, l.start_unix, l.end_unix, "
                        "l.device_seconds, l.rate_yuan_per_hour, l.multiplier, l.period, l.gross_yuan, "
                        "l.voucher_yuan, l.net_yuan, l.bytes, (SELECT group_concat(voucher) FROM "
                        "voucher_use v WHERE v.ledger_id = l.id) FROM ledger l WHERE l.job_id = ?1 "
                        "ORDER BY l.id", {id});
    json::array out;
    auto opt_real = [&](int c) { return st.null(c) ? json::value(nullptr) : json::value(st.real(c)); };
    while (st.step()) {
        json::object r{{"id", st.i64(0)},
                       {"task", st.null(1) ? json::value(nullptr) : json::value("t-" + std::to_string(st.i64(1)))},
                       {"site", st.text(2)},
                       {"worker", st.null(3) ? json::value(nullptr) : json::value(st.text(3))},
                       {"kind", st.text(4)},
                       {"start_unix", opt_real(5)},
                       {"end_unix", opt_real(6)},
                       {"device_seconds", st.real(7)},
                       {"yuan_per_hour", st.real(8)},
                       {"multiplier", st.real(9)},
                       {"period", st.text(10)},
                       {"gross_yuan", st.real(11)},
                       {"voucher_yuan", st.real(12)},
                       {"net_yuan", st.real(13)},
                       {"bytes", st.i64(14)}};
        if (!st.null(15)) r["vouchers"] = st.text(15);
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace farm::gateway
