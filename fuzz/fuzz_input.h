// What the fuzz targets share: how an input's first bytes become the
// Inference-Header-Content-Length header, and the invariant checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sweetspot/inference_protocol.h"
#include "sweetspot/status.h"

namespace sweetspot::fuzz {

// An input as a body plus the header: first byte even, no header and the body is the
// rest; odd, the next two bytes are the header's value (little-endian) and the body is
// what follows. docs/fuzzing.md describes the layout for writing seeds.
struct FuzzBody {
  std::string_view body;
  std::optional<std::size_t> json_header_bytes;
};

inline FuzzBody SplitFuzzInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  if (size == 0 || (data[0] & 1U) == 0) return {all.substr(size == 0 ? 0 : 1), std::nullopt};
  if (size < 3) return {std::string_view(), std::nullopt};
  const std::size_t header = data[1] | (static_cast<std::size_t>(data[2]) << 8);
  return {all.substr(3), header};
}

// Aborts the run (the fuzzer records the input as a crash) when `condition` is false.
inline void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// Every failure is InvalidArgument with a one-line, non-empty message that the error
// object carries unchanged (valid UTF-8).
inline void CheckError(const Status& status) {
  Check(status.code() == StatusCode::kInvalidArgument);
  Check(!status.message().empty() && status.message().find('\n') == std::string::npos);
  Check(ParseErrorBody(ErrorBody(status.message())) == status.message());
}

}  // namespace sweetspot::fuzz
