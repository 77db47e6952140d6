// The scheduler: which queued task a polling worker gets. One commented query, kept in
// one function so issue 5 can replace it with cost-first placement.
#include "farm/scheduler.h"

namespace farm::gateway {

std::optional<std::int64_t> pick_task(Db& db, const std::string& worker, double now) {
    (void)worker;  // every worker can render every task for now
    // Eligible: queued, its retry backoff passed, and its job neither paused nor ended.
    // Order: highest job priority, then the oldest job (submission order), then frames in
    // order, so a watcher sees whole frames finish early instead of every frame at once.
    auto st = db.query(
        "SELECT t.id FROM tasks t JOIN jobs j ON j.id = t.job_id "
        "WHERE t.state = 'queued' AND t.not_before <= ?1 AND j.state IN ('queued','running') "
        "ORDER BY j.priority DESC, j.seq ASC, t.frame ASC, t.tile ASC LIMIT 1",
        {now});
    if (!st.step()) return std::nullopt;
    return st.i64(0);
}

}  // namespace farm::gateway
