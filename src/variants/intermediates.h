// Runs a model and hands back some of its intermediate tensors, batch by
// batch: the tool behind calibration (calibration.h) and the quantization
// error diagnosis (sqnr.h).
//
// Load exposes the named tensors as extra graph outputs of a copy of the
// model (declared with their element type only: ONNX Runtime takes outputs of
// unknown shape), saves the copy to a temporary file, loads it in the backend
// and deletes the file. A requested graph input is answered with the batch
// itself; a requested graph output is not added twice.
//
// Thread-safety: one runner per thread (Run may be called concurrently only
// where the backend's Session allows it, which ours does).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sweetspot/backend.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot::variants {

class IntermediateRunner {
 public:
  // Errors (kInvalidArgument naming the tensor or the model): a name that is
  // neither a graph input nor a node output of the main graph; a tensor that
  // is not float32 (or whose element type shape inference cannot tell); a
  // model with other than one graph input; the backend refusing the copy.
  static Result<IntermediateRunner> Load(Backend& backend, const onnx::ModelProto& model,
                                         std::span<const std::string> tensors, const BackendOptions& options);

  // Runs `batch` (the model's only input) and returns the requested tensors,
  // float32, in the order Load was given them. They may borrow the runtime's
  // output buffers: drop them before the next batch to keep memory bounded.
  Result<std::vector<Tensor>> Run(const Tensor& batch);

 private:
  static constexpr std::ptrdiff_t kInputBatch = -1;

  IntermediateRunner(std::unique_ptr<Session> session, std::vector<std::ptrdiff_t> sources)
      : session_(std::move(session)), sources_(std::move(sources)) {}

  std::unique_ptr<Session> session_;
  // Per requested tensor: its index among the session's tensor outputs, or
  // kInputBatch for the graph input.
  std::vector<std::ptrdiff_t> sources_;
};

}  // namespace sweetspot::variants
