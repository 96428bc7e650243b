#include "sweetspot/sqnr.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/core.h>

#include "variants/intermediates.h"

namespace sweetspot {
namespace {

// An activation the QDQ model quantizes: QuantizeLinear(t, t_scale,
// t_zero_point) -> t_quantized (quantize.h's naming contract).
struct QuantizedActivation {
  std::string tensor;
  std::string node;  // first consumer of t_dequantized
  float scale = 1.0F;
  float zero_point = 0.0F;
  float lowest = 0.0F;  // the integer type's range
  float highest = 0.0F;
};

// Sums over every value of every batch.
struct NoiseSums {
  double signal = 0.0;
  double local_noise = 0.0;
  double cumulative_noise = 0.0;
};

const onnx::TensorProto* FindInitializer(const onnx::GraphProto& graph, const std::string& name) {
  for (const auto& init : graph.initializer()) {
    if (init.name() == name) return &init;
  }
  return nullptr;
}

// The value of a one-element float, int8 or uint8 initializer.
Result<float> ScalarValue(const onnx::TensorProto& init) {
  const bool one = std::all_of(init.dims().begin(), init.dims().end(), [](int64_t d) { return d == 1; });
  const bool raw = init.has_raw_data();
  if (!one) return Status::Unsupported(fmt::format("'{}' has several values (per-axis activations)", init.name()));
  switch (init.data_type()) {
    case onnx::TensorProto::FLOAT: {
      if (!raw && init.float_data_size() == 1) return init.float_data(0);
      float value = 0.0F;
      if (init.raw_data().size() != sizeof value) break;
      std::memcpy(&value, init.raw_data().data(), sizeof value);
      return value;
    }
    case onnx::TensorProto::UINT8:
      if (raw && init.raw_data().size() == 1) return static_cast<float>(static_cast<uint8_t>(init.raw_data()[0]));
      if (!raw && init.int32_data_size() == 1) return static_cast<float>(init.int32_data(0));
      break;
    case onnx::TensorProto::INT8:
      if (raw && init.raw_data().size() == 1) return static_cast<float>(static_cast<int8_t>(init.raw_data()[0]));
      if (!raw && init.int32_data_size() == 1) return static_cast<float>(init.int32_data(0));
      break;
    default: break;
  }
  return Status::InvalidData(fmt::format("'{}' is not a float, int8 or uint8 scalar", init.name()));
}

std::string FirstConsumer(const onnx::GraphProto& graph, const std::string& tensor) {
  for (const auto& node : graph.node()) {
    if (std::find(node.input().begin(), node.input().end(), tensor) != node.input().end()) return node.name();
  }
  return "";
}

Result<QuantizedActivation> ReadActivation(const onnx::GraphProto& graph, const std::string& tensor) {
  const auto* scale = FindInitializer(graph, tensor + "_scale");
  const auto* zero_point = FindInitializer(graph, tensor + "_zero_point");
  if (scale == nullptr || zero_point == nullptr) {
    return Status::InvalidArgument(
        fmt::format("the QDQ model quantizes '{}' without the initializers '{}_scale' and '{}_zero_point'", tensor,
                    tensor, tensor));
  }
  QuantizedActivation activation{tensor, FirstConsumer(graph, tensor + "_dequantized")};
  SWEETSPOT_ASSIGN_OR_RETURN(activation.scale, ScalarValue(*scale));
  SWEETSPOT_ASSIGN_OR_RETURN(activation.zero_point, ScalarValue(*zero_point));
  const bool is_unsigned = zero_point->data_type() == onnx::TensorProto::UINT8;
  activation.lowest = is_unsigned ? 0.0F : -128.0F;
  activation.highest = is_unsigned ? 255.0F : 127.0F;
  return activation;
}

// The activations quantized by a QuantizeLinear node t -> t_quantized, in graph order.
Result<std::vector<QuantizedActivation>> QuantizedActivations(const onnx::GraphProto& graph) {
  std::vector<QuantizedActivation> activations;
  for (const auto& node : graph.node()) {
    if (node.op_type() != "QuantizeLinear" || node.input_size() < 1 || node.output_size() != 1) continue;
    if (node.output(0) != node.input(0) + "_quantized") continue;
    SWEETSPOT_ASSIGN_OR_RETURN(auto activation, ReadActivation(graph, node.input(0)));
    activations.push_back(std::move(activation));
  }
  if (activations.empty()) {
    return Status::InvalidArgument(
        "the QDQ model quantizes no activation the way QuantizeStatic names them "
        "(QuantizeLinear 't' -> 't_quantized' with initializers 't_scale', 't_zero_point')");
  }
  return activations;
}

// QuantizeLinear then DequantizeLinear as ONNX defines them: round half to
// even (the default rounding mode of nearbyint), saturate, in float.
float QuantizeDequantize(float x, const QuantizedActivation& a) {
  const float q = std::clamp(std::nearbyint(x / a.scale) + a.zero_point, a.lowest, a.highest);
  return (q - a.zero_point) * a.scale;
}

Status Accumulate(const QuantizedActivation& activation, const Tensor& reference, const Tensor& dequantized,
                  NoiseSums* sums) {
  const auto x = reference.values<float>();
  const auto y = dequantized.values<float>();
  if (x.size() != y.size()) {
    return Status::InvalidArgument(fmt::format("'{}' has {} values in the float model but {} in the QDQ model",
                                               activation.tensor, x.size(), y.size()));
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double local = static_cast<double>(x[i]) - QuantizeDequantize(x[i], activation);
    const double cumulative = static_cast<double>(x[i]) - y[i];
    sums->signal += static_cast<double>(x[i]) * x[i];
    sums->local_noise += local * local;
    sums->cumulative_noise += cumulative * cumulative;
  }
  return Status::Ok();
}

double SqnrDb(double signal, double noise) {
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

}  // namespace

Result<std::vector<LayerSqnr>> DiagnoseQuantization(Backend& backend, const onnx::ModelProto& float_model,
                                                    const onnx::ModelProto& qdq_model, std::span<const Tensor> batches,
                                                    const BackendOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto activations, QuantizedActivations(qdq_model.graph()));
  if (batches.empty()) return Status::InvalidArgument("the SQNR diagnosis needs at least one batch, got none");
  std::vector<std::string> tensors;
  std::vector<std::string> dequantized;
  for (const auto& a : activations) {
    tensors.push_back(a.tensor);
    dequantized.push_back(a.tensor + "_dequantized");
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto reference,
                             variants::IntermediateRunner::Load(backend, float_model, tensors, options));
  SWEETSPOT_ASSIGN_OR_RETURN(auto quantized,
                             variants::IntermediateRunner::Load(backend, qdq_model, dequantized, options));
  std::vector<NoiseSums> sums(activations.size());
  for (std::size_t b = 0; b < batches.size(); ++b) {
    const auto context = fmt::format("SQNR batch {} of {}", b + 1, batches.size());
    auto x = reference.Run(batches[b]);
    if (!x.ok()) return x.status().WithContext(context + ", float model");
    auto y = quantized.Run(batches[b]);
    if (!y.ok()) return y.status().WithContext(context + ", QDQ model");
    for (std::size_t i = 0; i < activations.size(); ++i) {
      SWEETSPOT_RETURN_IF_ERROR(Accumulate(activations[i], (*x)[i], (*y)[i], &sums[i]));
    }
  }
  std::vector<LayerSqnr> layers;
  for (std::size_t i = 0; i < activations.size(); ++i) {
    layers.push_back({activations[i].tensor, activations[i].node, SqnrDb(sums[i].signal, sums[i].local_noise),
                      SqnrDb(sums[i].signal, sums[i].cumulative_noise)});
  }
  std::stable_sort(layers.begin(), layers.end(),
                   [](const LayerSqnr& a, const LayerSqnr& b) { return a.cumulative_db < b.cumulative_db; });
  return layers;
}

std::vector<std::string> RenderWorstSqnr(std::span<const LayerSqnr> worst, std::size_t total) {
  std::vector<std::string> lines;
  if (worst.empty()) return lines;
  lines.push_back(
      fmt::format("SQNR of the {} quantized activations, worst {} by cumulative SQNR:", total, worst.size()));
  for (const LayerSqnr& l : worst) {
    lines.push_back(fmt::format("  {} ({}): cumulative {:.1f} dB, local {:.1f} dB", l.node.empty() ? "-" : l.node,
                                l.tensor, l.cumulative_db, l.local_db));
  }
  return lines;
}

nlohmann::json SqnrToJson(std::span<const LayerSqnr> layers) {
  nlohmann::json rows = nlohmann::json::array();
  const auto db = [](double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr); };
  for (const LayerSqnr& l : layers) {
    rows.push_back(
        {{"tensor", l.tensor}, {"node", l.node}, {"local_db", db(l.local_db)}, {"cumulative_db", db(l.cumulative_db)}});
  }
  return rows;
}

std::vector<LayerSqnr> SqnrFromJson(const nlohmann::json& rows) {
  std::vector<LayerSqnr> layers;
  if (!rows.is_array()) return layers;
  const auto db = [](const nlohmann::json& row, const char* key) {
    const auto it = row.find(key);
    return it != row.end() && it->is_number() ? it->get<double>() : std::numeric_limits<double>::infinity();
  };
  for (const auto& row : rows) {
    if (!row.is_object()) continue;
    layers.push_back({row.value("tensor", ""), row.value("node", ""), db(row, "local_db"), db(row, "cumulative_db")});
  }
  return layers;
}

}  // namespace sweetspot
