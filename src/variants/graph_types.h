// Helpers the float16, input-resize and graph-diagnosis rewrites share
// (private to src/variants): element types and shapes from libonnx's
// inference, node labels, and a scratch folder for models handed to the
// runtime.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>

#include <onnx/onnx_pb.h>

namespace sweetspot::variants {

// Runs libonnx shape inference on `model` in place. Lenient mode skips the
// nodes it cannot infer (unknown ops, contrib domains); strict mode stops at
// the first node whose shapes do not fit and names it. Returns what libonnx
// threw, or nullopt.
std::optional<std::string> InferShapesInPlace(onnx::ModelProto* model, bool strict);

// Element type of every value of the main graph whose type is declared or
// inferred (inputs, outputs, value_info, initializers, Constant outputs), on
// an inferred copy of `model`. A value of unknown type is absent.
std::unordered_map<std::string, int32_t> ElementTypes(const onnx::ModelProto& model);

// A node's name, or "<op_type>#<index>" when it has none (as inspect names it).
std::string NodeLabel(const onnx::NodeProto& node, int index);

// A private temporary folder, removed with this object; path() is empty when
// it could not be made.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sweetspot::variants
