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
};

}  // namespace farm::gateway
