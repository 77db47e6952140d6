// The farm schema, as numbered migrations embedded in the binary. Never edit a step that
// has shipped: append a new one (Db::migrate applies those a database has not seen).
#include <string_view>
#include <vector>

namespace farm::gateway {

extern const std::vector<std::string_view> kMigrations;

const std::vector<std::string_view> kMigrations = {
    // 1: jobs, tasks, workers, sites, frames, events.
    R"sql(
CREATE TABLE jobs (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, tenant TEXT NOT NULL,
    name TEXT NOT NULL, project TEXT NOT NULL, snapshot TEXT NOT NULL,
    settings TEXT NOT NULL, out_name TEXT NOT NULL, camera TEXT NOT NULL DEFAULT '',
    fps REAL NOT NULL DEFAULT 24, state TEXT NOT NULL,
    frame_start INTEGER NOT NULL, frame_end INTEGER NOT NULL,
    width INTEGER NOT NULL, height INTEGER NOT NULL, spp INTEGER NOT NULL,
    max_depth INTEGER NOT NULL, tiles_x INTEGER NOT NULL, tiles_y INTEGER NOT NULL,
    priority INTEGER NOT NULL, deadline_unix INTEGER, budget_yuan REAL,
    created_unix INTEGER NOT NULL, finished_unix INTEGER,
    -- 1 once the preview movie is made and the final job event sent; a job that ended
    -- with 0 here is finalized again after a restart.
    finalized INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(id),
    frame INTEGER NOT NULL, tile INTEGER NOT NULL,
    x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,
    state TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 0,
    worker_id TEXT, lease_id TEXT, lease_expires REAL,
    not_before REAL NOT NULL DEFAULT 0, progress REAL NOT NULL DEFAULT 0,
    render_seconds REAL NOT NULL DEFAULT 0, cost_yuan REAL NOT NULL DEFAULT 0,
    site TEXT, error TEXT
);
CREATE INDEX tasks_job ON tasks(job_id, frame);
CREATE INDEX tasks_state ON tasks(state);
CREATE UNIQUE INDEX tasks_lease ON tasks(lease_id);
CREATE TABLE workers (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,
    site TEXT NOT NULL, cpu_cores INTEGER NOT NULL, memory_bytes INTEGER NOT NULL,
    gpus TEXT NOT NULL, renderer_version TEXT NOT NULL, slots INTEGER NOT NULL,
    state TEXT NOT NULL, last_seen REAL NOT NULL, tasks_done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sites (
    name TEXT PRIMARY KEY, yuan_per_gpu_hour REAL NOT NULL,
    yuan_per_cpu_core_hour REAL NOT NULL
);
CREATE TABLE frames (
    job_id TEXT NOT NULL, frame INTEGER NOT NULL, exr TEXT NOT NULL, png TEXT NOT NULL,
    bytes INTEGER NOT NULL, done_unix INTEGER NOT NULL, PRIMARY KEY (job_id, frame)
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, job TEXT, body TEXT NOT NULL
);
CREATE INDEX events_job ON events(job, seq);
CREATE TABLE usage (
    job_id TEXT NOT NULL, site TEXT NOT NULL, render_seconds REAL NOT NULL,
    cost_yuan REAL NOT NULL
);
CREATE TABLE counters (name TEXT PRIMARY KEY, value REAL NOT NULL);
)sql",
    // 2: cost-first scheduling (issue 5): probe tasks and their reduced settings, the
    // reason each task went where it went, a ledger of charges (render, probe, transfer)
    // with the vouchers they used, snapshots staged at sites, operator states of sites
    // and workers, workers' GPU classes and speed scores, quotes.
    R"sql(
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'render';
ALTER TABLE jobs ADD COLUMN workload TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN snapshot_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN paused_reason TEXT;
ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'render';
ALTER TABLE tasks ADD COLUMN width INTEGER;
ALTER TABLE tasks ADD COLUMN height INTEGER;
ALTER TABLE tasks ADD COLUMN spp INTEGER;
ALTER TABLE tasks ADD COLUMN decision TEXT;
ALTER TABLE tasks ADD COLUMN leased_unix REAL;
ALTER TABLE tasks ADD COLUMN trace_seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN rays REAL NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN pixel_samples REAL NOT NULL DEFAULT 0;
ALTER TABLE workers ADD COLUMN gpu_class TEXT NOT NULL DEFAULT 'cpu';
ALTER TABLE workers ADD COLUMN score REAL NOT NULL DEFAULT 0;
ALTER TABLE workers ADD COLUMN admin TEXT NOT NULL DEFAULT 'enabled';
CREATE TABLE site_admin (site TEXT PRIMARY KEY, admin TEXT NOT NULL);
CREATE TABLE ledger (
    id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, task_id INTEGER, site TEXT NOT NULL,
    worker_id TEXT, kind TEXT NOT NULL, start_unix REAL, end_unix REAL,
    device_seconds REAL NOT NULL DEFAULT 0, rate_yuan_per_hour REAL NOT NULL DEFAULT 0,
    multiplier REAL NOT NULL DEFAULT 1, period TEXT NOT NULL DEFAULT 'flat',
    gross_yuan REAL NOT NULL, voucher_yuan REAL NOT NULL DEFAULT 0, net_yuan REAL NOT NULL,
    bytes INTEGER NOT NULL DEFAULT 0, created_unix REAL NOT NULL
);
CREATE INDEX ledger_job ON ledger(job_id);
CREATE INDEX ledger_site ON ledger(site);
CREATE TABLE voucher_use (voucher TEXT NOT NULL, ledger_id INTEGER NOT NULL, yuan REAL NOT NULL);
CREATE INDEX voucher_use_voucher ON voucher_use(voucher);
CREATE TABLE staged (
    site TEXT NOT NULL, tenant TEXT NOT NULL, snapshot TEXT NOT NULL, unix REAL NOT NULL,
    PRIMARY KEY (site, tenant, snapshot)
);
CREATE TABLE quotes (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, tenant TEXT NOT NULL,
    spec TEXT NOT NULL, job_id TEXT NOT NULL, created_unix REAL NOT NULL
);
-- Charges so far carry over into the ledger (flat tariff, no vouchers, as billed then).
INSERT INTO ledger (job_id, site, kind, device_seconds, gross_yuan, net_yuan, created_unix)
    SELECT job_id, site, 'render', render_seconds, cost_yuan, cost_yuan, 0 FROM usage;
)sql",
    // 3: the order a job's frames are handed out in (farm/sched/frame_order.h). Jobs from
    // before keep frame order: their tasks all rank 0, so frame and tile decide.
    R"sql(
ALTER TABLE jobs ADD COLUMN frame_order TEXT NOT NULL DEFAULT 'sequential';
ALTER TABLE tasks ADD COLUMN dispatch_rank INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_dispatch ON tasks(job_id, kind, state, dispatch_rank, frame, tile);
)sql",
};

}  // namespace farm::gateway
