#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "sweetspot/prune.h"
#include "variants/prune_common.h"

namespace sweetspot {
namespace {

// Ops that act on each channel alone, so their output keeps their input's
// channels (BatchNormalization's per-channel parameters are sliced).
bool IsChannelwise(const std::string& op) {
  static const std::set<std::string> kOps = {"Relu",
                                             "LeakyRelu",
                                             "Clip",
                                             "Sigmoid",
                                             "Tanh",
                                             "HardSigmoid",
                                             "HardSwish",
                                             "Elu",
                                             "Selu",
                                             "Softplus",
                                             "Softsign",
                                             "Neg",
                                             "Abs",
                                             "Exp",
                                             "Sqrt",
                                             "Identity",
                                             "Dropout",
                                             "Mish",
                                             "Gelu",
                                             "MaxPool",
                                             "AveragePool",
                                             "LpPool",
                                             "GlobalAveragePool",
                                             "GlobalMaxPool",
                                             "BatchNormalization"};
  return kOps.contains(op);
}

std::string NodeName(const onnx::NodeProto& node) { return node.name().empty() ? node.output(0) : node.name(); }

int64_t IntAttr(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return a.i();
  }
  return fallback;
}

// Who produces and who reads each tensor, and the shapes libonnx infers.
struct GraphIndex {
  explicit GraphIndex(onnx::ModelProto* model);

  const onnx::TensorProto* Initializer(const std::string& name) const {
    const auto it = initializer.find(name);
    return it == initializer.end() ? nullptr : &graph->initializer(it->second);
  }
  onnx::TensorProto* MutableInitializer(const std::string& name) {
    return graph->mutable_initializer(initializer.at(name));
  }

  onnx::GraphProto* graph;
  std::map<std::string, int> producer;
  std::map<std::string, std::vector<std::pair<int, int>>> consumers;  // node, input slot
  std::map<std::string, int> initializer;
  std::set<std::string> outputs;
  std::map<std::string, std::vector<int64_t>> shapes;  // -1: unknown dim
};

GraphIndex::GraphIndex(onnx::ModelProto* model) : graph(model->mutable_graph()) {
  for (int i = 0; i < graph->initializer_size(); ++i) initializer[graph->initializer(i).name()] = i;
  for (int i = 0; i < graph->node_size(); ++i) {
    const auto& node = graph->node(i);
    for (const auto& out : node.output()) producer[out] = i;
    for (int s = 0; s < node.input_size(); ++s) consumers[node.input(s)].push_back({i, s});
  }
  for (const auto& out : graph->output()) outputs.insert(out.name());
  onnx::ModelProto inferred = *model;
  try {
    const onnx::ShapeInferenceOptions lenient(/*check_type_val=*/false, /*strict_mode_val=*/0);
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(), lenient);
  } catch (const std::exception&) {
    return;  // without shapes, a Flatten before a Gemm blocks its channels
  }
  const auto add = [&](const onnx::ValueInfoProto& v) {
    std::vector<int64_t> dims;
    for (const auto& d : v.type().tensor_type().shape().dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    shapes[v.name()] = dims;
  };
  for (const auto& v : inferred.graph().value_info()) add(v);
  for (const auto& v : inferred.graph().input()) add(v);
}

// A set of tensors that must keep the same channels: a Conv's output through
// per-channel ops, and every tensor joined to it by an Add.
struct Space {
  std::vector<int> producers;                              // Convs (group 1) writing its channels
  std::vector<int> through;                                // BatchNormalization, depthwise Conv: per-channel parameters
  std::vector<int> conv_consumers;                         // Convs (group 1) reading it: input channels
  std::vector<std::pair<int, int64_t>> feature_consumers;  // Gemm/MatMul after Flatten, spatial size
  std::string blocked;                                     // why it stays whole; empty: prunable
};

class SpaceFinder {
 public:
  SpaceFinder(const GraphIndex& index, ResidualChannels residual) : index_(index), residual_(residual) {}

  Space Find(const std::string& conv_output, std::set<std::string>* assigned) {
    Enqueue(conv_output);
    while (!queue_.empty()) {
      const std::string t = queue_.front();
      queue_.pop_front();
      assigned->insert(t);
      Backward(t);
      Forward(t);
    }
    return space_;
  }

  // A Conv with group 1 and its weight (and bias) in initializers of its own.
  bool IsDenseConv(const onnx::NodeProto& node) const {
    return node.op_type() == "Conv" && IntAttr(node, "group", 1) == 1 && Owned(node, 1, node.input_size());
  }
  bool IsDepthwise(const onnx::NodeProto& node) const {
    if (node.op_type() != "Conv" || IntAttr(node, "group", 1) == 1 || !Owned(node, 1, node.input_size())) return false;
    const auto* w = index_.Initializer(node.input(1));
    return w->dims_size() >= 2 && w->dims(1) == 1 && w->dims(0) == IntAttr(node, "group", 1);
  }

 private:
  void Enqueue(const std::string& t) {
    if (seen_.insert(t).second) queue_.push_back(t);
  }
  void Block(const std::string& why) {
    if (space_.blocked.empty()) space_.blocked = why;
  }
  static void AddOnce(std::vector<int>* nodes, int node) {
    if (std::find(nodes->begin(), nodes->end(), node) == nodes->end()) nodes->push_back(node);
  }
  // Inputs [first, last) of `node` are initializers no other node reads.
  bool Owned(const onnx::NodeProto& node, int first, int last) const {
    for (int s = first; s < last; ++s) {
      if (node.input(s).empty()) continue;
      const auto* init = index_.Initializer(node.input(s));
      if (init == nullptr || !prune::ReadFloats(*init).ok() || index_.consumers.at(node.input(s)).size() != 1) {
        return false;
      }
    }
    return true;
  }
  // A per-channel op this space runs through; its other outputs unused.
  void Through(int n) {
    const auto& node = index_.graph->node(n);
    for (int o = 1; o < node.output_size(); ++o) {
      if (!node.output(o).empty() && index_.consumers.contains(node.output(o))) {
        return Block(fmt::format("its channels reach a second output of {} '{}'", node.op_type(), NodeName(node)));
      }
    }
    if (node.op_type() == "BatchNormalization" && !Owned(node, 1, 5)) {
      return Block(
          fmt::format("BatchNormalization '{}' has parameters that are not its own initializers", NodeName(node)));
    }
    if (node.op_type() == "BatchNormalization" || IsDepthwise(node)) AddOnce(&space_.through, n);
    Enqueue(node.input(0));
    Enqueue(node.output(0));
  }
  void AddNode(const onnx::NodeProto& node) {
    for (const auto& in : node.input()) {
      if (index_.Initializer(in) != nullptr) {
        return Block(fmt::format("its channels meet a constant at Add '{}'", NodeName(node)));
      }
    }
    if (residual_ == ResidualChannels::kKeep) {
      Block(fmt::format("its channels join the residual Add '{}'; residual streams are kept whole", NodeName(node)));
    }
    // Even when blocked, the whole stream joins this space: a Conv writing
    // another side of the Add must not become a space of its own.
    for (const auto& in : node.input()) Enqueue(in);
    Enqueue(node.output(0));
  }

  void Backward(const std::string& t) {
    const auto it = index_.producer.find(t);
    if (it == index_.producer.end()) return Block(fmt::format("its channels reach the graph input '{}'", t));
    const auto& node = index_.graph->node(it->second);
    if (IsDenseConv(node)) return AddOnce(&space_.producers, it->second);
    if (node.op_type() == "Add") return AddNode(node);
    if (IsChannelwise(node.op_type()) || IsDepthwise(node)) return Through(it->second);
    Block(fmt::format("its channels also come from {} '{}'", node.op_type(), NodeName(node)));
  }

  void Forward(const std::string& t) {
    if (index_.outputs.contains(t)) return Block(fmt::format("its channels reach the graph output '{}'", t));
    const auto it = index_.consumers.find(t);
    if (it == index_.consumers.end()) return;
    for (const auto& [n, slot] : it->second) {
      const auto& node = index_.graph->node(n);
      if (node.op_type() == "Add") {
        AddNode(node);
      } else if (slot != 0) {
        Block(fmt::format("its channels feed input {} of {} '{}'", slot, node.op_type(), NodeName(node)));
      } else if (IsDenseConv(node)) {
        AddOnce(&space_.conv_consumers, n);
      } else if (IsChannelwise(node.op_type()) || IsDepthwise(node)) {
        Through(n);
      } else if (node.op_type() == "Flatten") {
        Flatten(node);
      } else {
        Block(fmt::format("its channels meet at {} '{}'", node.op_type(), NodeName(node)));
      }
    }
  }

  // Flatten(axis 1) of [N, C, H, W] puts channel c at features [c*H*W,
  // (c+1)*H*W): the Gemm or MatMul reading them loses those rows.
  void Flatten(const onnx::NodeProto& node) {
    const auto shape = index_.shapes.find(node.input(0));
    if (IntAttr(node, "axis", 1) != 1 || shape == index_.shapes.end() || shape->second.size() < 2) {
      return Block(fmt::format("Flatten '{}' is not on axis 1 of a tensor of known shape", NodeName(node)));
    }
    int64_t spatial = 1;
    for (std::size_t d = 2; d < shape->second.size(); ++d) spatial *= shape->second[d];
    if (spatial <= 0) return Block(fmt::format("Flatten '{}' has an unknown spatial size", NodeName(node)));
    if (index_.outputs.contains(node.output(0))) {
      return Block(fmt::format("its channels reach the graph output '{}'", node.output(0)));
    }
    const auto readers = index_.consumers.find(node.output(0));
    if (readers == index_.consumers.end()) return;
    for (const auto& [n, slot] : readers->second) {
      const auto& reader = index_.graph->node(n);
      const bool gemm = reader.op_type() == "Gemm" || reader.op_type() == "MatMul";
      if (!gemm || slot != 0 || !Owned(reader, 1, 2)) {
        return Block(fmt::format("Flatten '{}' feeds {} '{}' without a weight of its own", NodeName(node),
                                 reader.op_type(), NodeName(reader)));
      }
      space_.feature_consumers.push_back({n, spatial});
    }
  }

  const GraphIndex& index_;
  ResidualChannels residual_;
  std::deque<std::string> queue_;
  std::set<std::string> seen_;
  Space space_;
};

// Keeps the indices `keep` of axis `axis` of `tensor`.
void SliceAxis(onnx::TensorProto* tensor, int axis, const std::vector<int64_t>& keep) {
  const std::vector<float> values = prune::ReadFloats(*tensor).value();  // the finder checked the type
  std::vector<int64_t> dims(tensor->dims().begin(), tensor->dims().end());
  const int64_t outer = std::accumulate(dims.begin(), dims.begin() + axis, int64_t{1}, std::multiplies<>());
  const int64_t inner = std::accumulate(dims.begin() + axis + 1, dims.end(), int64_t{1}, std::multiplies<>());
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(outer * inner) * keep.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (const int64_t k : keep) {
      const auto first = values.begin() + (o * dims[axis] + k) * inner;
      out.insert(out.end(), first, first + inner);
    }
  }
  dims[axis] = static_cast<int64_t>(keep.size());
  prune::WriteFloats(tensor, out, dims);
}

void SetGroup(onnx::NodeProto* node, int64_t group) {
  for (auto& a : *node->mutable_attribute()) {
    if (a.name() == "group") a.set_i(group);
  }
}

// The space's channel count, from its producers and per-channel parameters;
// 0 when they disagree.
int64_t ChannelCount(const GraphIndex& index, const Space& space) {
  std::set<int64_t> counts;
  for (const int n : space.producers) counts.insert(index.Initializer(index.graph->node(n).input(1))->dims(0));
  for (const int n : space.through) {
    const auto& node = index.graph->node(n);
    counts.insert(index.Initializer(node.input(1))->dims(0));
  }
  return counts.size() == 1 ? *counts.begin() : 0;
}

// Li et al.: the channels whose filters have the largest L1 norm, summed over
// every Conv writing the space (both sides of a residual Add), in index order.
std::vector<int64_t> ChooseChannels(const GraphIndex& index, const Space& space, int64_t channels, double fraction) {
  std::vector<double> score(static_cast<std::size_t>(channels), 0.0);
  for (const int n : space.producers) {
    const std::vector<float> w = prune::ReadFloats(*index.Initializer(index.graph->node(n).input(1))).value();
    const std::size_t per_channel = w.size() / score.size();
    for (std::size_t i = 0; i < w.size(); ++i) score[i / per_channel] += std::abs(w[i]);
  }
  const auto removed = std::min<int64_t>(std::llround(fraction * static_cast<double>(channels)), channels - 1);
  std::vector<int64_t> order(static_cast<std::size_t>(channels));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return score[a] > score[b]; });
  order.resize(static_cast<std::size_t>(channels - removed));
  std::sort(order.begin(), order.end());
  return order;
}

void ApplyChannels(GraphIndex* index, const Space& space, const std::vector<int64_t>& keep) {
  auto slice = [&](const std::string& name, int axis, const std::vector<int64_t>& indices) {
    if (!name.empty()) SliceAxis(index->MutableInitializer(name), axis, indices);
  };
  for (const int n : space.producers) {
    const auto& node = index->graph->node(n);
    for (int s = 1; s < node.input_size(); ++s) slice(node.input(s), 0, keep);
  }
  for (const int n : space.through) {
    auto* node = index->graph->mutable_node(n);
    for (int s = 1; s < node->input_size(); ++s) slice(node->input(s), 0, keep);
    if (node->op_type() == "Conv") SetGroup(node, static_cast<int64_t>(keep.size()));
  }
  for (const int n : space.conv_consumers) slice(index->graph->node(n).input(1), 1, keep);
  for (const auto& [n, spatial] : space.feature_consumers) {
    const auto& node = index->graph->node(n);
    std::vector<int64_t> features;
    for (const int64_t c : keep) {
      for (int64_t j = 0; j < spatial; ++j) features.push_back(c * spatial + j);
    }
    const bool rows_are_outputs = node.op_type() == "Gemm" && IntAttr(node, "transB", 0) == 1;
    slice(node.input(1), rows_are_outputs ? 1 : 0, features);
  }
}

}  // namespace

Result<onnx::ModelProto> PruneChannels(const onnx::ModelProto& model, double fraction, ResidualChannels residual,
                                       PruneReport* report) {
  if (!(fraction >= 0.0 && fraction < 1.0)) {
    return Status::InvalidArgument(fmt::format("fraction must be in [0, 1), got {}", fraction));
  }
  onnx::ModelProto pruned = model;
  GraphIndex index(&pruned);
  const SpaceFinder probe(index, residual);
  std::vector<Space> spaces;
  std::set<std::string> assigned;
  for (const auto& node : index.graph->node()) {
    if (!probe.IsDenseConv(node) || assigned.contains(node.output(0))) continue;
    spaces.push_back(SpaceFinder(index, residual).Find(node.output(0), &assigned));
  }
  PruneReport result;
  result.params_before = prune::CountParameters(model.graph(), false);
  std::vector<std::pair<const Space*, std::vector<int64_t>>> plans;
  for (Space& space : spaces) {
    const int64_t channels = ChannelCount(index, space);
    if (channels == 0) space.blocked = "the Convs and per-channel ops meeting here disagree on the channel count";
    for (const int n : space.blocked.empty() ? std::vector<int>{} : space.producers) {
      result.kept.push_back({NodeName(index.graph->node(n)), space.blocked});
    }
    if (space.blocked.empty()) plans.push_back({&space, ChooseChannels(index, space, channels, fraction)});
  }
  if (plans.empty()) {
    return Status::InvalidArgument(
        fmt::format("no Conv output channels can be pruned{}",
                    result.kept.empty() ? std::string(": the model has no Conv with group 1")
                                        : fmt::format(" ({}: {})", result.kept[0].first, result.kept[0].second)));
  }
  for (const auto& [space, keep] : plans) ApplyChannels(&index, *space, keep);
  index.graph->clear_value_info();  // the old shapes; the runtime infers the new ones
  SWEETSPOT_RETURN_IF_ERROR(prune::CheckRewritten(pruned, "channel pruning"));
  result.params_after = prune::CountParameters(pruned.graph(), false);
  SWEETSPOT_ASSIGN_OR_RETURN(result.compressed_bytes_before, prune::CompressedBytes(model));
  SWEETSPOT_ASSIGN_OR_RETURN(result.compressed_bytes_after, prune::CompressedBytes(pruned));
  result.achieved_sparsity = 1.0 - static_cast<double>(result.params_after) / static_cast<double>(result.params_before);
  if (report != nullptr) *report = std::move(result);
  return pruned;
}

}  // namespace sweetspot
