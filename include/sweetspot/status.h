// Status and Result<T>: how sweetspot reports expected failures.
//
// A function that can fail for reasons outside the program's control (a
// missing file, a corrupt model, a bad flag) returns Status or Result<T>.
// Programming errors (broken invariants) assert instead. Only `main` maps a
// Status to a process exit code.
//
// Messages are one line, name the offending file/field, and say what to do.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sweetspot {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // a flag, option or request field is wrong
  kNotFound,         // a named file or entity does not exist
  kInvalidData,      // an input file exists but its content is unusable
  kUnsupported,      // valid input that this build/runtime cannot handle
  kIoError,          // the OS failed a read/write
  kRuntimeError,     // a backend failed while running
  kInternal,         // a failure of sweetspot itself
  // The input is fine but the system is not in a state the operation needs,
  // and the user can change that: a full disk, a locked database, a folder
  // that cannot be written. Exits 2 like bad input, not 1 like a crash.
  kFailedPrecondition,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string message) { return {StatusCode::kInvalidArgument, std::move(message)}; }
  static Status NotFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
  static Status InvalidData(std::string message) { return {StatusCode::kInvalidData, std::move(message)}; }
  static Status Unsupported(std::string message) { return {StatusCode::kUnsupported, std::move(message)}; }
  static Status IoError(std::string message) { return {StatusCode::kIoError, std::move(message)}; }
  static Status RuntimeError(std::string message) { return {StatusCode::kRuntimeError, std::move(message)}; }
  static Status Internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }
  static Status FailedPrecondition(std::string message) {
    return {StatusCode::kFailedPrecondition, std::move(message)};
  }
  // For codes carried across a process or file boundary; `code` must not be kOk.
  static Status FromCode(StatusCode code, std::string message) { return {code, std::move(message)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

  // "OK" or "<code name>: <message>".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {
    assert(code != StatusCode::kOk);
  }

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(data_).ok() && "Result<T> needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }

  T& value() & {
    assert(ok());
    return std::get<T>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(data_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace sweetspot

#define SWEETSPOT_CONCAT_INNER_(a, b) a##b
#define SWEETSPOT_CONCAT_(a, b) SWEETSPOT_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define SWEETSPOT_RETURN_IF_ERROR(expr)                    \
  do {                                                     \
    ::sweetspot::Status sweetspot_status_ = (expr);        \
    if (!sweetspot_status_.ok()) return sweetspot_status_; \
  } while (false)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define SWEETSPOT_ASSIGN_OR_RETURN(lhs, expr) \
  SWEETSPOT_ASSIGN_OR_RETURN_IMPL_(SWEETSPOT_CONCAT_(sweetspot_result_, __LINE__), lhs, expr)
#define SWEETSPOT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return tmp.status();                    \
  lhs = std::move(tmp).value()
