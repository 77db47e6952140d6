// A thin SQLite wrapper for the farm engine: one connection, WAL, busy_timeout, and the
// numbered migrations in migrations.cpp applied at open. The engine serializes all use
// under its own mutex, so the wrapper itself is not thread-safe.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace farm::gateway {

class DbError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A bound value: NULL, integer, real or text.
using DbValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

class Stmt {
  public:
    Stmt(sqlite3* db, std::string_view sql);
    ~Stmt();
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }

    Stmt& bind(int index, const DbValue& v);  // 1-based
    // Steps once: true while a row is available.
    bool step();
    std::int64_t i64(int col) const;
    double real(int col) const;
    std::string text(int col) const;
    bool null(int col) const;

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class Db {
  public:
    // Opens (creating) the file, sets WAL, synchronous=NORMAL, busy_timeout and runs the
    // pending migrations. Throws DbError naming the file.
    explicit Db(const std::filesystem::path& file);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(std::string_view sql);
    // Runs a statement with parameters and no result rows; returns changes().
    int run(std::string_view sql, std::initializer_list<DbValue> params = {});
    Stmt query(std::string_view sql, std::initializer_list<DbValue> params = {});
    // First column of the first row, or nullopt when there is none.
    std::optional<std::int64_t> scalar(std::string_view sql,
                                       std::initializer_list<DbValue> params = {});
    std::int64_t last_id() const { return sqlite3_last_insert_rowid(db_); }
    int schema_version();

  private:
    void migrate();
    sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed without commit() (an exception).
class Tx {
  public:
    explicit Tx(Db& db);
    ~Tx();
    void commit();

  private:
    Db& db_;
    bool done_ = false;
};

}  // namespace farm::gateway
