// The ONNX Runtime backend. Internal: users reach it via CreateBackend("onnxruntime").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sweetspot/backend.h"

namespace sweetspot::ort {

std::unique_ptr<Backend> CreateOrtBackend();

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
