// GET /metrics in Prometheus text format (docs/farm-protocol.md, Metrics), and the
// watcher attach that replays stored events before the live stream.
#include <sstream>

#include "farm/engine.h"

namespace farm::gateway {

namespace {

// Label values are quoted; backslash, quote and newline must be escaped.
std::string label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

std::string Engine::metrics() {
    std::ostringstream m;
    std::lock_guard lock(mutex_);
    m << "# HELP farm_queue_depth Tasks queued and eligible to lease.\n"
         "# TYPE farm_queue_depth gauge\n"
      << "farm_queue_depth "
      << db_.scalar("SELECT count(*) FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE "
                    "t.state = 'queued' AND j.state IN ('queued','running')").value_or(0)
      << "\n# HELP farm_tasks Tasks by state.\n# TYPE farm_tasks gauge\n";
    std::map<std::string, std::int64_t> by_state{{"queued", 0}, {"leased", 0}, {"rendering", 0},
                                                 {"uploading", 0}, {"done", 0}, {"failed", 0},
                                                 {"canceled", 0}};
    auto st = db_.query("SELECT state, count(*) FROM tasks GROUP BY state");
    while (st.step()) by_state[st.text(0)] = st.i64(1);
    for (const auto& [s, n] : by_state) m << "farm_tasks{state=\"" << s << "\"} " << n << "\n";

    m << "# HELP farm_workers Workers by site and state.\n# TYPE farm_workers gauge\n";
    auto ws = db_.query(
        "SELECT site, CASE WHEN state = 'active' THEN (CASE WHEN EXISTS (SELECT 1 FROM tasks t "
        "WHERE t.worker_id = w.id AND t.state IN ('leased','rendering','uploading')) THEN "
        "'busy' ELSE 'idle' END) ELSE state END AS s, count(*) FROM workers w GROUP BY site, s");
    while (ws.step())
        m << "farm_workers{site=\"" << label(ws.text(0)) << "\",state=\"" << ws.text(1) << "\"} "
          << ws.i64(2) << "\n";

    m << "# HELP farm_bytes_in_total Result bytes received from workers.\n"
         "# TYPE farm_bytes_in_total counter\nfarm_bytes_in_total "
      << bytes_in_.load() << "\n# HELP farm_bytes_out_total Frame bytes served to clients.\n"
      << "# TYPE farm_bytes_out_total counter\nfarm_bytes_out_total " << bytes_out_.load() << "\n";

    m << "# HELP farm_render_seconds_total Render seconds reported, by site.\n"
         "# TYPE farm_render_seconds_total counter\n";
    auto us = db_.query("SELECT site, sum(device_seconds), sum(net_yuan) FROM ledger GROUP BY site");
    std::ostringstream cost;
    while (us.step()) {
        m << "farm_render_seconds_total{site=\"" << label(us.text(0)) << "\"} " << us.real(1) << "\n";
        cost << "farm_cost_yuan_total{site=\"" << label(us.text(0)) << "\"} " << us.real(2) << "\n";
    }
    m << "# HELP farm_cost_yuan_total Render cost in yuan, by site.\n"
         "# TYPE farm_cost_yuan_total counter\n"
      << cost.str();
    const auto& ss = sched_.stats();
    m << "# HELP farm_scheduler_decisions_total Lease polls the scheduler answered.\n"
         "# TYPE farm_scheduler_decisions_total counter\nfarm_scheduler_decisions_total "
      << ss.decisions << "\n# HELP farm_scheduler_replans_total Plans made.\n"
      << "# TYPE farm_scheduler_replans_total counter\nfarm_scheduler_replans_total " << ss.replans
      << "\n# HELP farm_scheduler_replan_seconds_total Time spent planning.\n"
      << "# TYPE farm_scheduler_replan_seconds_total counter\nfarm_scheduler_replan_seconds_total "
      << ss.replan_seconds << "\n# HELP farm_workers_held Idle workers held back for cost.\n"
      << "# TYPE farm_workers_held gauge\nfarm_workers_held " << held_.size() << "\n";
    m << "# HELP farm_frames_done_total Frames stitched and on disk.\n"
         "# TYPE farm_frames_done_total counter\nfarm_frames_done_total "
      << db_.scalar("SELECT count(*) FROM frames").value_or(0) << "\n";
    m << "# HELP farm_event_watchers WebSocket event watchers connected.\n"
         "# TYPE farm_event_watchers gauge\nfarm_event_watchers " << hub_.size() << "\n";
    return m.str();
}

std::int64_t Engine::attach_watcher(const std::shared_ptr<EventSink>& sink,
                                    std::optional<std::int64_t> since) {
    // Under mutex_ no event can be stored or published, so the replay ends exactly where
    // the live stream begins: no gap, no duplicate. The sink filters by tenant and job.
    std::lock_guard lock(mutex_);
    if (!since) {
        hub_.join(sink);
        return db_.scalar("SELECT max(seq) FROM events").value_or(0);
    }
    auto st = db_.query("SELECT seq, tenant, job, body FROM events WHERE seq > ?1 ORDER BY seq",
                        {*since});
    while (st.step()) {
        sink->deliver(Event{st.i64(0), st.text(1),
                            st.null(2) ? std::nullopt : std::optional<std::string>(st.text(2)),
                            std::make_shared<const std::string>(st.text(3))});
    }
    hub_.join(sink);
    return *since;
}

}  // namespace farm::gateway
