// TrainNetwork: supervised training of a Network on prepared tensors.
//
// Recipe: cross-entropy; AdamW (decoupled weight decay) or SGD with Nesterov
// momentum; the learning rate follows a cosine from `lr` down to 0 over
// `epochs`, stepped every batch; each epoch visits the training samples in a
// seeded random order; augmentation is a random crop of the image padded by
// size/8 pixels of black on each side, and a horizontal flip with
// probability 1/2 (turn it off for data where mirroring changes the class,
// e.g. digits or text). After every epoch the validation set is scored; the
// weights of the best epoch are kept, and training stops once `patience`
// epochs in a row did not beat it (early stopping). The network comes back
// holding the best epoch's weights.
//
// Determinism: the sample order and the augmentation draw from a portable
// PRNG seeded with `seed`, and the weights from torch::manual_seed(seed)
// (Network::Create). With one thread a run repeats bit for bit; with more,
// libtorch's parallel kernels may round differently.
//
// Inputs are PreparedTensors of float32 [C,H,W] samples with values in
// [0,1] (the spec without mean/std); TrainNetwork normalises each batch with
// `norm`, the statistics the exported spec records.
//
// Thread-safety: one call at a time per Network; progress runs on the
// calling thread. Sets libtorch's (process-wide) intra-op thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "sweetspot/status.h"
#include "sweetspot/tensor_cache.h"
#include "sweetspot/train_network.h"

namespace sweetspot {

enum class OptimizerKind { kAdamW, kSgd };
std::string_view OptimizerName(OptimizerKind kind);  // "adamw" | "sgd"
Result<OptimizerKind> ParseOptimizer(std::string_view name);

struct TrainOptions {
  int epochs = 10;
  int batch_size = 128;
  OptimizerKind optimizer = OptimizerKind::kAdamW;
  double lr = 0.0;             // 0: 2e-3 for AdamW, 0.05 for SGD
  double weight_decay = -1.0;  // negative: 0.05 for AdamW (decoupled), 5e-4 for SGD (L2)
  int patience = 3;            // epochs without a better validation top-1 before stopping; 0: never stop early
  bool random_crop = true;
  bool flip = true;
  std::uint64_t seed = 0;
  int threads = 0;  // libtorch intra-op threads; 0: DefaultThreadCount() (cpus.h)

  double EffectiveLr() const;
  double EffectiveWeightDecay() const;
  // Names the field out of range ("epochs must be at least 1").
  Status Validate() const;
};

// Per-channel mean and standard deviation of [0,1] pixel values.
struct ChannelStats {
  std::vector<double> mean;
  std::vector<double> std;
};
// Over every sample of `tensors` (float32 [C,H,W]); a zero std becomes 1 so
// normalising never divides by zero.
ChannelStats ComputeChannelStats(const PreparedTensors& tensors);

struct EpochStats {
  int epoch = 0;            // 1-based
  double train_loss = 0.0;  // mean over the epoch's batches (augmented)
  double train_top1 = 0.0;  // on the augmented batches, in [0,1]
  double val_loss = 0.0;
  double val_top1 = 0.0;
  double lr_end = 0.0;    // learning rate at the epoch's last step
  double epoch_ms = 0.0;  // training and validation wall time
};

struct TrainReport {
  std::vector<EpochStats> epochs;  // the epochs run
  int best_epoch = 0;              // 1-based; the weights kept
  double best_val_top1 = 0.0;
  bool stopped_early = false;
  double train_ms = 0.0;  // all epochs
  std::size_t train_samples = 0;
  std::size_t val_samples = 0;
};

struct TrainProgress {
  int epoch = 0;  // 1-based
  int epochs = 0;
  std::size_t done = 0;  // training samples done this epoch
  std::size_t total = 0;
  double loss = 0.0;  // running mean this epoch
  double top1 = 0.0;  // running training top-1 this epoch
  double items_per_s = 0.0;
  double eta_s = 0.0;                    // rest of this epoch
  const EpochStats* finished = nullptr;  // set once per epoch, after validation
};
using TrainProgressFn = std::function<void(const TrainProgress&)>;

// Trains `network` in place. `train` and `val` must hold float32 samples of
// the network's [channels, height, width] and labels below its class count;
// `val` must not be empty. A training or validation loss that becomes NaN or
// infinite stops training at once: InvalidArgument naming the epoch and the
// learning rate, and suggesting a lower one (the network is then unusable).
Result<TrainReport> TrainNetwork(Network& network, const PreparedTensors& train, const PreparedTensors& val,
                                 const ChannelStats& norm, const TrainOptions& options,
                                 const TrainProgressFn& progress = {});

}  // namespace sweetspot
