// Status and Result<T>: how sweetspot reports expected failures.
//
// A function that can fail for reasons outside the program's control (a
// missing file, a corrupt model, a bad flag) returns Status or Result<T>.
// Programming errors (broken invariants) assert instead. Only `main` maps a
// Status to a process exit code.
//
// Messages are one line, name the offending file/field, and say what to do.
// Library code says what to do as FieldFix values, in the vocabulary of its
// requests (a preprocessing key, a dimension, the batch size); each app
// renders them as its own options (eval's flags, a study spec's keys), so no
// message proposes an option the command at hand lacks.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

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
  // A server's capacity is used up for now (a full request queue): the
  // request may succeed later. HTTP 503.
  kResourceExhausted,
  // A server is not taking requests (shutting down, not ready). HTTP 503.
  kUnavailable,
};

std::string_view StatusCodeName(StatusCode code);

// One change to a request field that fixes an error. Placeholders are in
// capitals ("VALUE", "WIDTH"); values are as a user types them.
struct FieldFix {
  // A preprocessing key (preprocess.h: "size", "color", "mean", "dtype", ...),
  // "dims" (a symbolic dimension's value), "batch" (the batch size), "input"
  // (a tensor file for an input), "classes" (a class-name file) or
  // "allow_corrupt" (evaluate despite unreadable images; no value).
  std::string field;
  std::string key;                  // "dims": the dimension (symbol or INPUT:AXIS); "input": the input; else ""
  std::vector<std::string> values;  // "size": width, height; "mean"/"std": one per channel or one; else one
  bool operator==(const FieldFix&) const = default;
};

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
  static Status ResourceExhausted(std::string message) { return {StatusCode::kResourceExhausted, std::move(message)}; }
  static Status Unavailable(std::string message) { return {StatusCode::kUnavailable, std::move(message)}; }
  // For codes carried across a process or file boundary; `code` must not be kOk.
  static Status FromCode(StatusCode code, std::string message, std::vector<FieldFix> fixes = {}) {
    Status status(code, std::move(message));
    status.fixes_ = std::move(fixes);
    return status;
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // Without the fixes: an app renders those (RenderedFixes).
  const std::string& message() const { return message_; }
  const std::vector<FieldFix>& fixes() const { return fixes_; }

  // Returns a copy whose message is "<context>: <message>" (fixes kept).
  Status WithContext(std::string_view context) const;
  // Returns a copy with `fix` (or `fixes`) added to the fixes.
  Status WithFix(FieldFix fix) const;
  Status WithFixes(const std::vector<FieldFix>& fixes) const;
  // Returns a copy whose message is "<message>: <fix_text>" (just the message
  // when `fix_text` is empty) and which has no fixes: an app's rendering of
  // fixes() in its own vocabulary.
  Status RenderedFixes(std::string_view fix_text) const;

  // "OK" or "<code name>: <message>".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {
    assert(code != StatusCode::kOk);
  }

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<FieldFix> fixes_;
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
