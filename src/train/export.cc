#include "sweetspot/train_export.h"

#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "sweetspot/onnx_model.h"
#include "sweetspot/text_file.h"
#include "train/arch_json.h"
#include "train/network_impl.h"

namespace sweetspot {
namespace {

std::vector<float> ToVector(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  const float* p = c.data_ptr<float>();
  return {p, p + c.numel()};
}

Shape ShapeOf(const torch::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

class Exporter {
 public:
  explicit Exporter(GraphBuilder* graph) : g_(*graph) {}

  // Conv with the BatchNorm folded in; returns the output's name. Folding is
  // done in double so the exported weights are the closest floats to the
  // exact fold.
  std::string ConvBn(const ConvBnImpl& m, const std::string& input, const std::string& name) {
    const auto& bn = *m.bn;
    const torch::Tensor scale =
        bn.weight.detach().to(torch::kFloat64) / (bn.running_var.to(torch::kFloat64) + bn.options.eps()).sqrt();
    const torch::Tensor weight = m.conv->weight.detach().to(torch::kFloat64) * scale.view({-1, 1, 1, 1});
    const torch::Tensor bias = bn.bias.detach().to(torch::kFloat64) - bn.running_mean.to(torch::kFloat64) * scale;
    g_.Initializer(name + ".weight", ShapeOf(weight), ToVector(weight));
    g_.Initializer(name + ".bias", ShapeOf(bias), ToVector(bias));
    const int64_t k = m.kernel;
    const int64_t s = m.stride;
    const int64_t p = m.kernel / 2;
    g_.Node("Conv", {input, name + ".weight", name + ".bias"}, {name},
            {Attr("kernel_shape", std::vector<int64_t>{k, k}), Attr("strides", std::vector<int64_t>{s, s}),
             Attr("pads", std::vector<int64_t>{p, p, p, p})});
    return name;
  }

  std::string Unary(const std::string& op, const std::string& input, const std::string& name) {
    g_.Node(op, {input}, {name});
    return name;
  }

  std::string MaxPool2(const std::string& input, const std::string& name) {
    g_.Node("MaxPool", {input}, {name},
            {Attr("kernel_shape", std::vector<int64_t>{2, 2}), Attr("strides", std::vector<int64_t>{2, 2})});
    return name;
  }

  std::string Add(const std::string& a, const std::string& b, const std::string& name) {
    g_.Node("Add", {a, b}, {name});
    return name;
  }

  // Flatten (after global average pooling when `pool`) and the linear layer.
  void Head(const torch::nn::LinearImpl& fc, std::string input, bool pool, const std::string& output) {
    if (pool) {
      g_.Node("GlobalAveragePool", {input}, {"pooled"});
      input = "pooled";
    }
    g_.Node("Flatten", {input}, {"features"}, {Attr("axis", int64_t{1})});
    g_.Initializer("fc.weight", ShapeOf(fc.weight), ToVector(fc.weight));
    g_.Initializer("fc.bias", ShapeOf(fc.bias), ToVector(fc.bias));
    g_.Node("Gemm", {"features", "fc.weight", "fc.bias"}, {output}, {Attr("transB", int64_t{1})});
  }

 private:
  GraphBuilder& g_;
};

}  // namespace

Result<onnx::ModelProto> ExportOnnx(const Network& network, const PreprocessSpec& spec) {
  const ArchSpec& arch = network.arch();
  if (spec.width != arch.image_width || spec.height != arch.image_height || spec.channels() != arch.channels ||
      spec.layout != Layout::kNchw || spec.dtype != DType::kFloat32) {
    return Status::InvalidArgument(fmt::format(
        "export: the preprocessing ({}x{}, {} channel(s), {}, {}) does not match the network's float32 NCHW "
        "input {}x{} with {} channel(s)",
        spec.width, spec.height, spec.channels(), LayoutName(spec.layout), DTypeName(spec.dtype), arch.image_width,
        arch.image_height, arch.channels));
  }
  SWEETSPOT_RETURN_IF_ERROR(spec.Validate().WithContext("export"));
  try {
    torch::NoGradGuard no_grad;
    const ClassifierImpl& model = *network.impl().model;
    GraphBuilder g(arch.Name(), 13);
    g.Input("image", DType::kFloat32, {-1, arch.channels, arch.image_height, arch.image_width}, {"N"});
    Exporter ex(&g);
    std::string x = "image";
    if (arch.family == ModelFamily::kCnn) {
      for (std::size_t i = 0; i < model.convs.size(); ++i) {
        const std::string name = fmt::format("conv{}", i + 1);
        x = ex.ConvBn(*model.convs[i], x, name);
        x = ex.Unary("Relu", x, name + ".relu");
        x = ex.MaxPool2(x, name + ".pool");
      }
    } else {
      x = ex.Unary("Relu", ex.ConvBn(*model.convs[0], x, "stem"), "stem.relu");
      for (std::size_t i = 0; i < model.blocks.size(); ++i) {
        const BasicBlockImpl& block = *model.blocks[i];
        const std::string name = fmt::format("block{}", i + 1);
        std::string y = ex.Unary("Relu", ex.ConvBn(*block.a, x, name + ".a"), name + ".a.relu");
        y = ex.ConvBn(*block.b, y, name + ".b");
        const std::string shortcut = block.shortcut ? ex.ConvBn(*block.shortcut, x, name + ".shortcut") : x;
        x = ex.Unary("Relu", ex.Add(y, shortcut, name + ".add"), name + ".relu");
      }
    }
    ex.Head(*model.fc, x, arch.family == ModelFamily::kResnet, "logits");
    g.Output("logits", DType::kFloat32, {-1, arch.classes}, {"N"});
    g.Metadata(std::string(kPreprocessMetadataKey), spec.ToToml());
    g.Metadata("sweetspot.arch", ArchToJson(arch).dump());
    onnx::ModelProto proto = g.Build();
    proto.set_producer_name("sweetspot train");
    proto.set_producer_version(SWEETSPOT_VERSION);
    return proto;
  } catch (const std::exception& e) {
    return TorchError("exporting the network", e);
  }
}

Status SaveModelAtomically(const onnx::ModelProto& model, const std::filesystem::path& path) {
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    return Status::Internal(fmt::format("cannot serialise the model for '{}'", path.string()));
  }
  const Status status = WriteTextFile(path, bytes);
  // A full disk is the user's to fix (kFailedPrecondition, exit 2).
  if (status.code() != StatusCode::kFailedPrecondition) return status;
  return Status::FailedPrecondition(status.message() + " (choose another output folder)");
}

}  // namespace sweetspot
