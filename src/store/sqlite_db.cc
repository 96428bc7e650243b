#include "sweetspot/sqlite_db.h"

#include <sqlite3.h>

#include "sweetspot/text_file.h"

namespace sweetspot {

SqliteDb::~SqliteDb() {
  if (db != nullptr) sqlite3_close_v2(db);
}

Status SqliteDb::Exec(const char* sql, std::string_view doing) const {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Error(rc, doing);
}

std::int64_t SqliteDb::Changes() const { return sqlite3_changes64(db); }

std::int64_t SqliteDb::LastInsertId() const { return sqlite3_last_insert_rowid(db); }

SqliteStatement::SqliteStatement(const SqliteDb& db, const char* sql, std::string_view doing) : db_(db), doing_(doing) {
  rc_ = sqlite3_prepare_v2(db.db, sql, -1, &stmt_, nullptr);
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::Bind(std::int64_t v) {
  if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, ++index_, v);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(double v) {
  if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_double(stmt_, ++index_, v);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(std::string_view raw) {
  const std::string v = SafeText(raw);
  if (rc_ == SQLITE_OK)
    rc_ = sqlite3_bind_text(stmt_, ++index_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(const std::optional<std::int64_t>& v) { return v ? Bind(*v) : BindNull(); }

SqliteStatement& SqliteStatement::BindBlob(std::string_view bytes) {
  if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_blob64(stmt_, ++index_, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::BindNull() {
  if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_null(stmt_, ++index_);
  return *this;
}

bool SqliteStatement::Step() {
  if (rc_ != SQLITE_OK && rc_ != SQLITE_ROW) return false;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    rc_ = SQLITE_ROW;
    return true;
  }
  rc_ = rc == SQLITE_DONE ? SQLITE_OK : rc;
  return false;
}

Status SqliteStatement::Run() {
  Step();
  return status();
}

Status SqliteStatement::status() const {
  return rc_ == SQLITE_OK || rc_ == SQLITE_ROW ? Status::Ok() : db_.Error(rc_, doing_);
}

std::int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> SqliteStatement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

bool SqliteStatement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

double SqliteStatement::Real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string SqliteStatement::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  return text != nullptr ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

std::string SqliteStatement::Blob(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  return data != nullptr ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                         : std::string();
}

SqliteTransaction::SqliteTransaction(const SqliteDb& db, std::string_view doing) : db_(db), doing_(doing) {
  begun_ = db.Exec("BEGIN IMMEDIATE", doing);
}

SqliteTransaction::~SqliteTransaction() {
  if (begun_.ok() && !committed_) sqlite3_exec(db_.db, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status SqliteTransaction::Commit() {
  SWEETSPOT_RETURN_IF_ERROR(db_.Exec("COMMIT", doing_));
  committed_ = true;
  return Status::Ok();
}

}  // namespace sweetspot
