#include "sweetspot/status.h"

#include <string>

namespace sweetspot {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kInvalidData: return "invalid data";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kIoError: return "I/O error";
    case StatusCode::kRuntimeError: return "runtime error";
    case StatusCode::kInternal: return "internal error";
    case StatusCode::kFailedPrecondition: return "failed precondition";
    case StatusCode::kResourceExhausted: return "resource exhausted";
    case StatusCode::kUnavailable: return "unavailable";
  }
  return "unknown";
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return FromCode(code_, std::string(context) + ": " + message_, fixes_);
}

Status Status::WithFix(FieldFix fix) const {
  assert(!ok());
  Status status = *this;
  status.fixes_.push_back(std::move(fix));
  return status;
}

Status Status::WithFixes(const std::vector<FieldFix>& fixes) const {
  assert(!ok());
  Status status = *this;
  status.fixes_.insert(status.fixes_.end(), fixes.begin(), fixes.end());
  return status;
}

Status Status::RenderedFixes(std::string_view fix_text) const {
  if (ok()) return *this;
  return {code_, fix_text.empty() ? message_ : message_ + ": " + std::string(fix_text)};
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

}  // namespace sweetspot
