// Post-training int8 quantization of ONNX models into the QDQ format: each
// quantized tensor x is followed by QuantizeLinear -> DequantizeLinear, which
// ONNX Runtime's graph optimiser fuses with the float op between them into
// its integer kernels (QLinearConv, QLinearMatMul, MatMulIntegerToFloat, ...).
// Format reference: ONNX Runtime's quantization tool
// (onnxruntime/python/tools/quantization, QDQ format) and the ONNX operators
// QuantizeLinear/DequantizeLinear (opset 13: per-axis scales).
//
// Naming contract (diagnosis tools such as sqnr.h rely on it): for a tensor
// `t` quantized in the output model,
//   `t_quantized`    the int8/uint8 tensor (QuantizeLinear output, or the
//                    quantized initializer for a weight),
//   `t_scale`, `t_zero_point`  its quantization parameters (initializers),
//   `t_dequantized`  the DequantizeLinear output the float op now reads.
//
// Placement (as the tool's QDQ quantizer): the inputs and output of every
// node of `op_types`; then, where their input is quantized, Relu/Clip (with
// uint8 activations folded into the producing Conv/Gemm/MatMul/Add/Mul: it
// writes the activation's output, whose range starts at 0, and the Relu is
// removed), MaxPool/Flatten/Reshape/Transpose/Squeeze/Unsqueeze (their output
// shares their input's scale and zero point), GlobalAveragePool/AveragePool/
// Sigmoid/LeakyRelu and Add/Mul/Concat (inputs and output). A graph output
// stays float32 (Gemm/MatMul still fuse, with a float output). Every reader
// of a quantized tensor reads its `t_dequantized`. A model below opset 13
// (10 for per-tensor weights) is converted by ONNX's version converter.
//
// Weights: int8 symmetric (zero point 0), per output channel when
// `per_channel` (axis 0 of a Conv weight, axis 1 of a MatMul/Gemm weight
// [K,N] or axis 0 when Gemm transB=1). Biases of Conv/Gemm: int32 with scale
// input_scale * weight_scale. Activations: uint8 asymmetric or int8 symmetric.
//
// Errors (kInvalidArgument unless noted, naming the model's problem and the
// fix): an op type in `op_types` other than Conv, Gemm, MatMul; no node of
// `op_types` outside `exclude_nodes` ("nothing to quantize"); a model that already holds
// QuantizeLinear/DequantizeLinear or integer ops ("already quantized"); a range missing for a tensor
// StaticQuantizationTensors named.
//
// Thread-safety: pure functions over protos; reentrant.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/calibration.h"
#include "sweetspot/status.h"

namespace sweetspot {

enum class ActivationType { kUint8Asymmetric, kInt8Symmetric };

struct QuantizeOptions {
  std::vector<std::string> op_types{"Conv", "Gemm", "MatMul"};
  std::vector<std::string> exclude_nodes;  // node names kept in float
  bool per_channel = true;                 // weights per output channel (else per tensor)
  // uint8 is the default because ONNX Runtime's x86 CPU kernels are U8S8:
  // its 1.21 CPU EP turns int8 Q/DQ pairs into uint8 only where a
  // QuantizeLinear feeds one DequantizeLinear, so a tensor read twice (a
  // residual) stays int8 and its readers stay float (resnet56: 29 of 57 Conv
  // and 25 of 27 Add, 3x slower than float32).
  ActivationType activations = ActivationType::kUint8Asymmetric;
};

struct QuantizeReport {
  std::vector<std::string> quantized_nodes;                  // names, graph order
  std::vector<std::pair<std::string, std::string>> skipped;  // node name, why it stayed float
};

// True when the model already holds quantization nodes or integer kernels.
bool IsQuantized(const onnx::ModelProto& model);

// The activation tensors whose ranges QuantizeStatic needs (inputs and
// outputs of the nodes it will quantize), in graph order. Also listed: the
// outputs of data-movement ops (MaxPool, Flatten, ...), which share their
// input's parameters until an excluded producer leaves them their own, so one
// calibration serves `options` with any further exclude_nodes of op_types.
Result<std::vector<std::string>> StaticQuantizationTensors(const onnx::ModelProto& model,
                                                           const QuantizeOptions& options);

// Static quantization: weights and activations, activations with `ranges`
// (calibration.h).
Result<onnx::ModelProto> QuantizeStatic(const onnx::ModelProto& model, const ActivationRanges& ranges,
                                        const QuantizeOptions& options, QuantizeReport* report = nullptr);

// Dynamic quantization: weights of MatMul/Gemm (2-D initializers) quantized
// offline (int8 symmetric, per output column when `per_channel`; Gemm's
// alpha folded into their scale, beta into its bias), activations at run time
// (DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul by both scales
// [-> Add bias], which ONNX Runtime fuses into DynamicQuantizeMatMul). Other
// op types of `op_types` (Conv: the runtime has no fused dynamic kernel) are
// reported as skipped. No calibration. Opset raised to 11 when below.
Result<onnx::ModelProto> QuantizeDynamic(const onnx::ModelProto& model, const QuantizeOptions& options,
                                         QuantizeReport* report = nullptr);

}  // namespace sweetspot
