// A thin layer over SQLite's C API for the project's own database files (the
// results store, the job journal): a connection whose owner says what an
// SQLite error means for its file, prepared statements with typed binding and
// reading, and BEGIN IMMEDIATE transactions. SQLite's codes never leave the
// owner's interface: SqliteDb::Error turns them into Status.
//
// Thread-safety: none of its own; one thread at a time per connection (the
// owners open connections with SQLITE_OPEN_NOMUTEX).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sweetspot/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sweetspot {

// Owns the connection (closed on destruction).
class SqliteDb {
 public:
  SqliteDb() = default;
  virtual ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // The owner's one-line message for SQLite result code `code` (extended
  // codes allowed) while `doing` ("reading its header").
  virtual Status Error(int code, std::string_view doing) const = 0;
  // Runs `sql` (several statements allowed), no rows.
  Status Exec(const char* sql, std::string_view doing) const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t Changes() const;
  std::int64_t LastInsertId() const;

  sqlite3* db = nullptr;
};

// A prepared statement with positional binding (in call order) and typed
// column reads. The first failure sticks: later calls do nothing and
// status() names it.
class SqliteStatement {
 public:
  SqliteStatement(const SqliteDb& db, const char* sql, std::string_view doing);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& Bind(std::int64_t v);
  SqliteStatement& Bind(double v);
  // Text is stored as SafeText (text_file.h): names and paths may be bytes
  // that are not UTF-8.
  SqliteStatement& Bind(std::string_view raw);
  SqliteStatement& Bind(const std::optional<std::int64_t>& v);
  SqliteStatement& BindBlob(std::string_view bytes);
  SqliteStatement& BindNull();

  // True with a row, false when done; errors in status().
  bool Step();
  Status Run();
  Status status() const;

  std::int64_t Int(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;
  bool IsNull(int column) const;
  double Real(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;

 private:
  const SqliteDb& db_;
  std::string doing_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = 0;
  int index_ = 0;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed.
class SqliteTransaction {
 public:
  SqliteTransaction(const SqliteDb& db, std::string_view doing);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  const Status& begun() const { return begun_; }
  Status Commit();

 private:
  const SqliteDb& db_;
  std::string doing_;
  Status begun_;
  bool committed_ = false;
};

}  // namespace sweetspot
