#include "train/pruned_start.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "sweetspot/onnx_model.h"
#include "sweetspot/prune.h"
#include "train/arch_json.h"
#include "train/network_impl.h"

namespace sweetspot {
namespace {

constexpr int64_t kCalibrationSamples = 512;

std::string Metadata(const onnx::ModelProto& model, const std::string& key) {
  for (const auto& p : model.metadata_props()) {
    if (p.key() == key) return p.value();
  }
  return {};
}

// The pruned parent's initializers by name, checked against the shapes the
// network expects (a mismatch is a bug: both follow the same ArchSpec).
class FoldedWeights {
 public:
  explicit FoldedWeights(const onnx::ModelProto& model) {
    for (const auto& t : model.graph().initializer()) tensors_[t.name()] = &t;
  }

  Result<torch::Tensor> Get(const std::string& name, const torch::Tensor& like) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end() || it->second->data_type() != onnx::TensorProto::FLOAT ||
        !std::equal(it->second->dims().begin(), it->second->dims().end(), like.sizes().begin(), like.sizes().end()) ||
        it->second->raw_data().size() != static_cast<std::size_t>(like.numel()) * sizeof(float)) {
      return Status::Internal(fmt::format("the pruned parent has no float tensor '{}' of the network's shape", name));
    }
    torch::Tensor t = torch::empty(like.sizes(), torch::kFloat32);
    std::memcpy(t.data_ptr<float>(), it->second->raw_data().data(), it->second->raw_data().size());
    return t;
  }

  // The conv takes the folded weight; BatchNorm starts as the identity plus
  // the folded bias (running_var 1 - eps: exactly 1 / sqrt(var + eps) = 1).
  Status LoadConvBn(const std::string& name, ConvBnImpl& m) const {
    SWEETSPOT_ASSIGN_OR_RETURN(torch::Tensor weight, Get(name + ".weight", m.conv->weight));
    SWEETSPOT_ASSIGN_OR_RETURN(torch::Tensor bias, Get(name + ".bias", m.bn->bias));
    m.conv->weight.copy_(weight);
    m.bn->weight.fill_(1.0);
    m.bn->bias.copy_(bias);
    m.bn->running_mean.zero_();
    m.bn->running_var.fill_(1.0 - m.bn->options.eps());
    return Status::Ok();
  }

 private:
  std::map<std::string, const onnx::TensorProto*> tensors_;
};

// Every ConvBn of `model` with its name in the exported graph (train_export.cc).
std::vector<std::pair<std::string, ConvBnImpl*>> NamedConvBns(ClassifierImpl& model) {
  std::vector<std::pair<std::string, ConvBnImpl*>> named;
  if (model.arch.family == ModelFamily::kCnn) {
    for (std::size_t i = 0; i < model.convs.size(); ++i)
      named.push_back({fmt::format("conv{}", i + 1), model.convs[i].get()});
    return named;
  }
  named.push_back({"stem", model.convs[0].get()});
  for (std::size_t i = 0; i < model.blocks.size(); ++i) {
    BasicBlockImpl& block = *model.blocks[i];
    named.push_back({fmt::format("block{}.a", i + 1), block.a.get()});
    named.push_back({fmt::format("block{}.b", i + 1), block.b.get()});
    if (block.shortcut) named.push_back({fmt::format("block{}.shortcut", i + 1), block.shortcut.get()});
  }
  return named;
}

// One forward pass in inference mode with every ConvBn calibrating, layer
// after layer on the already calibrated activations.
void CalibrateBatchNorm(ClassifierImpl& model, const std::vector<std::pair<std::string, ConvBnImpl*>>& convs,
                        const PreparedTensors& samples, const ChannelStats& norm) {
  const int64_t n = std::min<int64_t>(kCalibrationSamples, static_cast<int64_t>(samples.size()));
  std::vector<int64_t> shape = {n};
  shape.insert(shape.end(), samples.sample_shape.begin(), samples.sample_shape.end());
  const torch::Tensor images = torch::from_blob(const_cast<std::byte*>(samples.data), shape, torch::kFloat32);
  const std::vector<float> mean(norm.mean.begin(), norm.mean.end());
  const std::vector<float> stdev(norm.std.begin(), norm.std.end());
  const torch::Tensor x = (images - torch::tensor(mean).view({1, -1, 1, 1})) / torch::tensor(stdev).view({1, -1, 1, 1});
  const bool was_training = model.is_training();
  model.eval();
  for (const auto& [name, conv] : convs) conv->calibrate = true;
  model.forward(x);
  for (const auto& [name, conv] : convs) conv->calibrate = false;
  model.train(was_training);
}

}  // namespace

Result<PrunedParent> ReadPrunedParent(const std::filesystem::path& path) {
  PrunedParent parent;
  auto loaded = LoadOnnxModel(path);
  if (!loaded.ok()) return loaded.status().WithContext("prune_from");
  parent.model = std::move(loaded).value();
  const std::string arch = Metadata(parent.model, "sweetspot.arch");
  const std::string spec = Metadata(parent.model, std::string(kPreprocessMetadataKey));
  if (arch.empty() || spec.empty()) {
    return Status::InvalidArgument(fmt::format(
        "prune_from: '{}' was not trained by `sweetspot train` (no sweetspot.arch metadata); prune a model it wrote, "
        "or use structured pruning of any ONNX model in a study",
        path.string()));
  }
  try {
    SWEETSPOT_ASSIGN_OR_RETURN(parent.arch, ArchFromJson(nlohmann::json::parse(arch)));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(
        fmt::format("prune_from: '{}': its sweetspot.arch metadata is not valid: {}", path.string(), e.what()));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(parent.spec, ParsePreprocessToml(spec, path.string()));
  return parent;
}

Result<ArchSpec> PrunedArch(const ArchSpec& parent, double fraction) {
  const int width = static_cast<int>(std::lround((1.0 - fraction) * parent.width));
  if (!(fraction > 0.0 && fraction < 1.0) || width < 1 || width >= parent.width) {
    // round((1 - f) * w) is in [1, w - 1] for f in (0.5 / w, 1 - 0.5 / w].
    const double lowest = std::ceil(50.0 / parent.width + 1e-9) / 100.0;
    const double highest = std::floor(100.0 - 50.0 / parent.width) / 100.0;
    return Status::InvalidArgument(fmt::format(
        "prune_fraction {}: {} has width {}, and pruning must remove at least one channel of it and keep one; "
        "use a fraction between {:.2f} and {:.2f}",
        fraction, parent.Name(), parent.width, lowest, highest));
  }
  ArchSpec arch = parent;
  arch.width = width;
  arch.preset = fmt::format("{}-pruned{}", parent.preset, std::lround(100.0 * fraction));
  return arch;
}

Result<ChannelStats> StartFromParent(const PrunedParent& parent, const PreparedTensors& samples, Network* network) {
  ClassifierImpl& model = *network->impl().model;
  // The fraction that leaves exactly the network's width in every layer
  // (stage s of the resnet: (width << s) of (parent width << s) channels).
  const double fraction = 1.0 - static_cast<double>(model.arch.width) / parent.arch.width;
  PruneReport report;
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto pruned,
                             PruneChannels(parent.model, fraction, ResidualChannels::kPrune, &report));
  if (!report.kept.empty()) {
    return Status::Internal(fmt::format("pruning {}: {} kept its channels: {}", parent.arch.Name(),
                                        report.kept[0].first, report.kept[0].second));
  }
  const ChannelStats norm{parent.spec.mean, parent.spec.std};
  try {
    torch::NoGradGuard no_grad;
    const FoldedWeights weights(pruned);
    const auto convs = NamedConvBns(model);
    for (const auto& [name, conv] : convs) SWEETSPOT_RETURN_IF_ERROR(weights.LoadConvBn(name, *conv));
    SWEETSPOT_ASSIGN_OR_RETURN(torch::Tensor fc_weight, weights.Get("fc.weight", model.fc->weight));
    SWEETSPOT_ASSIGN_OR_RETURN(torch::Tensor fc_bias, weights.Get("fc.bias", model.fc->bias));
    model.fc->weight.copy_(fc_weight);
    model.fc->bias.copy_(fc_bias);
    CalibrateBatchNorm(model, convs, samples, norm);
  } catch (const std::exception& e) {
    return TorchError("starting from the pruned parent", e);
  }
  return norm;
}

}  // namespace sweetspot
