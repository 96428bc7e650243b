// The libtorch modules behind Network (private to src/train): the trainer
// runs them, the exporter walks them layer by layer.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "sweetspot/train_network.h"

namespace sweetspot {

// conv (no bias) followed by BatchNorm: the unit the exporter folds.
struct ConvBnImpl : torch::nn::Module {
  ConvBnImpl(int in, int out, int kernel, int stride);
  torch::Tensor forward(const torch::Tensor& x);

  int kernel;
  int stride;
  // Set while a batch re-estimates BatchNorm over folded weights
  // (pruned_start.cc): forward then sets the statistics to the batch's and
  // scale and shift so that the output stays conv(x) + bias.
  bool calibrate = false;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(ConvBn);

// relu(b(relu(a(x))) + shortcut(x)); shortcut is identity when empty.
struct BasicBlockImpl : torch::nn::Module {
  BasicBlockImpl(int in, int out, int stride);
  torch::Tensor forward(const torch::Tensor& x);

  ConvBn a{nullptr};
  ConvBn b{nullptr};
  ConvBn shortcut{nullptr};
};
TORCH_MODULE(BasicBlock);

// cnn: convs[0] relu maxpool convs[1] relu maxpool flatten fc; resnet:
// convs[0] relu blocks... global-average-pool fc.
struct ClassifierImpl : torch::nn::Module {
  explicit ClassifierImpl(const ArchSpec& arch);
  torch::Tensor forward(torch::Tensor x);

  ArchSpec arch;
  std::vector<ConvBn> convs;
  std::vector<BasicBlock> blocks;
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Classifier);

struct Network::Impl {
  Classifier model{nullptr};
};

// "<what>: <c10 message's first line>", as a RuntimeError.
Status TorchError(const char* what, const std::exception& e);

}  // namespace sweetspot
