#include "farm/db.h"

#include <string>

namespace farm::gateway {

// Defined in migrations.cpp: schema steps, applied in order, each exactly once.
extern const std::vector<std::string_view> kMigrations;

namespace {

[[noreturn]] void throw_db(sqlite3* db, std::string_view what) {
    throw DbError(std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
        throw_db(db, "prepare " + std::string(sql.substr(0, 60)));
    }
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::bind(int i, const DbValue& v) {
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(stmt_, i);
    } else if (auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt_, i, *n);
    } else if (auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt_, i, *d);
    } else {
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()),
                               SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) throw_db(db_, "bind");
    return *this;
}

bool Stmt::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_db(db_, "step");
}

std::int64_t Stmt::i64(int c) const { return sqlite3_column_int64(stmt_, c); }
double Stmt::real(int c) const { return sqlite3_column_double(stmt_, c); }
bool Stmt::null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
std::string Stmt::text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
             : std::string();
}

Db::Db(const std::filesystem::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw DbError("cannot open " + file.string() + ": " + msg);
    }
    // WAL lets readers run beside the writer; synchronous=NORMAL in WAL mode loses nothing
    // committed when the process is killed (only on power loss), which is the crash the
    // gateway must survive without an fsync per lease.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
    sqlite3_busy_timeout(db_, 5000);
    migrate();
}

Db::~Db() { sqlite3_close(db_); }

void Db::exec(std::string_view sql) {
    char* err = nullptr;
    std::string s(sql);
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "?";
        sqlite3_free(err);
        throw DbError("exec " + s.substr(0, 60) + ": " + msg);
    }
}

Stmt Db::query(std::string_view sql, std::initializer_list<DbValue> params) {
    Stmt st(db_, sql);
    int i = 1;
    for (const auto& p : params) st.bind(i++, p);
    return st;
}

int Db::run(std::string_view sql, std::initializer_list<DbValue> params) {
    Stmt st = query(sql, params);
    while (st.step()) {
    }
    return sqlite3_changes(db_);
}

std::optional<std::int64_t> Db::scalar(std::string_view sql,
                                       std::initializer_list<DbValue> params) {
    Stmt st = query(sql, params);
    if (!st.step() || st.null(0)) return std::nullopt;
    return st.i64(0);
}

int Db::schema_version() { return static_cast<int>(scalar("PRAGMA user_version").value_or(0)); }

void Db::migrate() {
    // user_version counts the migrations applied; each runs in its own transaction with
    // the version bump, so a crash mid-migration leaves the previous schema intact.
    for (int v = schema_version(); v < static_cast<int>(kMigrations.size()); ++v) {
        Tx tx(*this);
        exec(kMigrations[static_cast<std::size_t>(v)]);
        exec("PRAGMA user_version=" + std::to_string(v + 1));
        tx.commit();
    }
}

Tx::Tx(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Tx::~Tx() {
    if (!done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
        }
    }
}
void Tx::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace farm::gateway
