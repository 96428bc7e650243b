// The ONNX Runtime backend. Internal: users reach it via CreateBackend("onnxruntime")
// or CreateBackend("onnxruntime@VERSION").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/backend.h"

namespace sweetspot::ort {

struct OrtLibrary;  // ort_library.h

// A backend on `library`, which this process then uses for good; fails as
// UseOrtLibrary (ort_library.h) does.
Result<std::unique_ptr<Backend>> CreateOrtBackend(const OrtLibrary& library);

// The provider name table: ONNX Runtime's name ("CPUExecutionProvider", as
// Ort::GetAvailableProviders lists it) <-> ours ("cpu"); "" when the table
// lacks it (such a provider is not offered).
std::string ShortProviderName(std::string_view ort_name);
std::string OrtProviderName(std::string_view short_name);
// Every short name in the table, "cpu" first.
std::vector<std::string> ProviderTable();

// Appends provider `short_name` to fresh session options without checking that
// this build has it, and returns ONNX Runtime's answer: lets a test check that
// the runtime knows every name the table hands it.
Status AppendProviderForTest(std::string_view short_name);

}  // namespace sweetspot::ort
