#include "variants/prune_common.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <string>

#include <fmt/core.h>

#include "sweetspot/backend.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot::prune {

Result<std::vector<float>> ReadFloats(const onnx::TensorProto& tensor) {
  if (tensor.data_type() != onnx::TensorProto::FLOAT || tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    return Status::Unsupported(
        fmt::format("initializer '{}' is not float32 data stored in the model; only those are pruned", tensor.name()));
  }
  std::int64_t count = 1;
  for (const auto d : tensor.dims()) count *= d;
  std::vector<float> values(static_cast<std::size_t>(count));
  if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() != values.size() * sizeof(float)) {
      return Status::InvalidData(fmt::format("initializer '{}': raw data does not match its shape", tensor.name()));
    }
    std::memcpy(values.data(), tensor.raw_data().data(), tensor.raw_data().size());
  } else {
    if (tensor.float_data_size() != count) {
      return Status::InvalidData(fmt::format("initializer '{}': float data does not match its shape", tensor.name()));
    }
    std::copy(tensor.float_data().begin(), tensor.float_data().end(), values.begin());
  }
  return values;
}

void WriteFloats(onnx::TensorProto* tensor, const std::vector<float>& values, const std::vector<int64_t>& dims) {
  tensor->clear_float_data();
  tensor->set_raw_data(values.data(), values.size() * sizeof(float));
  if (dims.empty()) return;
  tensor->clear_dims();
  for (const auto d : dims) tensor->add_dims(d);
}

std::int64_t CountParameters(const onnx::GraphProto& graph, bool nonzero_only) {
  std::int64_t count = 0;
  for (const auto& init : graph.initializer()) {
    std::int64_t n = 1;
    for (const auto d : init.dims()) n *= d;
    auto values = ReadFloats(init);
    if (nonzero_only && values.ok()) {
      n = static_cast<std::int64_t>(std::count_if(values->begin(), values->end(), [](float v) { return v != 0.0F; }));
    }
    count += n;
  }
  return count;
}

Result<std::int64_t> CompressedBytes(const onnx::ModelProto& model) {
  std::string bytes;
  if (!model.SerializeToString(&bytes)) return Status::Internal("cannot serialise the model");
  uLongf size = compressBound(static_cast<uLong>(bytes.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(bytes.data()),
                static_cast<uLong>(bytes.size()), Z_BEST_COMPRESSION) != Z_OK) {
    return Status::Internal("zlib could not compress the model");
  }
  return static_cast<std::int64_t>(size);
}

Status CheckRewritten(const onnx::ModelProto& model, std::string_view what) {
  try {
    onnx::ModelProto copy = model;
    const onnx::ShapeInferenceOptions strict(/*check_type_val=*/true, /*strict_mode_val=*/1);
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), strict);
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("{}: the rewritten model fails shape inference: {}", what, e.what()));
  }
  static std::atomic<int> counter{0};
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("sweetspot-{}-{}-{}.onnx", what, getpid(), counter.fetch_add(1));
  Status status = SaveOnnxModel(model, path);
  if (status.ok()) {
    auto backend = CreateBackend("onnxruntime");
    status = backend.ok() ? backend.value()->Load(path, BackendOptions{}).status() : backend.status();
  }
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  if (status.ok()) return status;
  return Status::Internal(fmt::format("{}: ONNX Runtime cannot load the rewritten model: {}", what, status.message()));
}

}  // namespace sweetspot::prune
