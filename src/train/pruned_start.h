// The start of `sweetspot train --prune` (private to src/train): a model that
// sweetspot trained, its Conv output channels pruned by L1 norm (prune.h),
// becomes the first weights of the same family member at a smaller width,
// which then fine-tunes like any other training run.
//
// The parent's file holds BatchNorm folded into each conv (train_export.h):
// weight W' and bias b'. The network takes W' as its conv weight, and each
// BatchNorm is re-estimated on a batch of training images so that, in both
// training and inference mode, it outputs W'x + b' (scale sqrt(var + eps),
// shift b' + mean of that batch): fine-tuning starts from the pruned parent's
// function, not from renormalised activations.
//
// Thread-safety: reentrant; one call at a time per Network.
#pragma once

#include <filesystem>

#include <onnx/onnx_pb.h>

#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor_cache.h"
#include "sweetspot/train.h"
#include "sweetspot/train_family.h"
#include "sweetspot/train_network.h"

namespace sweetspot {

struct PrunedParent {
  ArchSpec arch;        // from its "sweetspot.arch" metadata
  PreprocessSpec spec;  // its preprocessing: the normalisation its weights expect
  onnx::ModelProto model;
};

// Reads a model written by `sweetspot train`; one without the metadata (or
// not loadable) is an error naming --from and the file.
Result<PrunedParent> ReadPrunedParent(const std::filesystem::path& path);

// `parent` at width round((1 - fraction) * width), preset
// "<preset>-pruned<percent>" ("large-pruned50"). A fraction outside (0, 1),
// or one that would keep every channel or none, names --prune.
Result<ArchSpec> PrunedArch(const ArchSpec& parent, double fraction);

// Copies the channels PruneChannels keeps of `parent` into `network` (built
// with PrunedArch's architecture) and re-estimates BatchNorm on the first
// (at most 512) of `samples` ([0,1] tensors of the training data). Returns the
// parent's normalisation, which the fine-tuning must keep.
Result<ChannelStats> StartFromParent(const PrunedParent& parent, const PreparedTensors& samples, Network* network);

}  // namespace sweetspot
