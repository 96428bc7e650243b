// Network: the weights of one family member (train_family.h), held by
// libtorch behind this libtorch-free interface.
//
// A Network starts from seeded random weights (the same seed and ArchSpec give
// the same weights), is trained by TrainNetwork (train.h) and exported by
// ExportOnnx (train_export.h). Inputs are float32 [N, channels, height, width]
// batches already normalised the way the exported model's preprocessing spec
// says (mean/std applied).
//
// libtorch errors (c10::Error) never escape: they come back as Status.
//
// Thread-safety: a Network is not thread-safe; use one per thread. libtorch
// runs each call on its own intra-op thread pool.
#pragma once

#include <cstdint>
#include <memory>

#include "sweetspot/status.h"
#include "sweetspot/tensor.h"
#include "sweetspot/train_family.h"

namespace sweetspot {

class Network {
 public:
  // Builds `arch` (validated first) with weights drawn from `seed`.
  static Result<Network> Create(const ArchSpec& arch, std::uint64_t seed);

  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;
  ~Network();

  const ArchSpec& arch() const;
  // Learned parameters as PyTorch counts them (BatchNorm's scale and shift
  // included, its running statistics not).
  std::int64_t ParameterCount() const;

  // Logits [N, classes] for `batch` in inference mode (BatchNorm uses its
  // running statistics). Fails on a batch of the wrong dtype or shape.
  Result<Tensor> Forward(const Tensor& batch) const;

  // libtorch-side state, for the trainer and the exporter (src/train only).
  struct Impl;
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }

 private:
  explicit Network(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sweetspot
