#include <cstring>
#include <string>
#include <utility>

#include <fmt/core.h>

#include "train/network_impl.h"

namespace sweetspot {

ConvBnImpl::ConvBnImpl(int in, int out, int kernel_size, int stride_size) : kernel(kernel_size), stride(stride_size) {
  conv = register_module(
      "conv",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false)));
  bn = register_module("bn", torch::nn::BatchNorm2d(out));
}

torch::Tensor ConvBnImpl::forward(const torch::Tensor& x) {
  const torch::Tensor z = conv(x);
  if (calibrate) {
    torch::NoGradGuard no_grad;
    const torch::Tensor mean = z.mean({0, 2, 3});
    const torch::Tensor var = z.var({0, 2, 3}, /*unbiased=*/false);
    // bn(z) = (z - mean) / sqrt(var + eps) * weight + bias = z + old bias.
    bn->weight.copy_((var + bn->options.eps()).sqrt());
    bn->bias.add_(mean);
    bn->running_mean.copy_(mean);
    bn->running_var.copy_(var);
  }
  return bn(z);
}

BasicBlockImpl::BasicBlockImpl(int in, int out, int stride) {
  a = register_module("a", ConvBn(in, out, 3, stride));
  b = register_module("b", ConvBn(out, out, 3, 1));
  if (stride != 1 || in != out) shortcut = register_module("shortcut", ConvBn(in, out, 1, stride));
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  const torch::Tensor y = b(torch::relu(a(x)));
  return torch::relu(y + (shortcut ? shortcut(x) : x));
}

ClassifierImpl::ClassifierImpl(const ArchSpec& spec) : arch(spec) {
  const int w = arch.width;
  int features = 0;
  if (arch.family == ModelFamily::kCnn) {
    convs.push_back(register_module("conv1", ConvBn(arch.channels, w, 3, 1)));
    convs.push_back(register_module("conv2", ConvBn(w, 2 * w, 3, 1)));
    features = 2 * w * (arch.image_height / 4) * (arch.image_width / 4);
  } else {
    convs.push_back(register_module("stem", ConvBn(arch.channels, w, 3, 1)));
    int in = w;
    for (int stage = 0; stage < 3; ++stage) {
      const int out = w << stage;
      for (int i = 0; i < arch.depth; ++i) {
        const int stride = (stage > 0 && i == 0) ? 2 : 1;
        blocks.push_back(
            register_module(fmt::format("stage{}_block{}", stage + 1, i + 1), BasicBlock(in, out, stride)));
        in = out;
      }
    }
    features = in;
  }
  fc = register_module("fc", torch::nn::Linear(features, arch.classes));
}

torch::Tensor ClassifierImpl::forward(torch::Tensor x) {
  if (arch.family == ModelFamily::kCnn) {
    for (auto& c : convs) x = torch::max_pool2d(torch::relu(c(x)), 2);
    return fc(x.flatten(1));
  }
  x = torch::relu(convs[0](x));
  for (auto& block : blocks) x = block(x);
  return fc(x.mean({2, 3}));
}

Status TorchError(const char* what, const std::exception& e) {
  std::string message = e.what();
  message = message.substr(0, message.find('\n'));
  return Status::RuntimeError(fmt::format("{}: libtorch: {}", what, message));
}

Network::Network(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;
Network::~Network() = default;

Result<Network> Network::Create(const ArchSpec& arch, std::uint64_t seed) {
  SWEETSPOT_RETURN_IF_ERROR(arch.Validate());
  try {
    torch::manual_seed(seed);
    auto impl = std::make_unique<Impl>();
    impl->model = Classifier(arch);
    return Network(std::move(impl));
  } catch (const std::exception& e) {
    return TorchError("building the network", e);
  }
}

const ArchSpec& Network::arch() const { return impl_->model->arch; }

std::int64_t Network::ParameterCount() const {
  std::int64_t count = 0;
  for (const auto& p : impl_->model->parameters()) count += p.numel();
  return count;
}

Result<Tensor> Network::Forward(const Tensor& batch) const {
  const ArchSpec& a = arch();
  const Shape expected = {-1, a.channels, a.image_height, a.image_width};
  const Shape& shape = batch.shape();
  if (batch.dtype() != DType::kFloat32 || shape.size() != 4 || shape[1] != a.channels || shape[2] != a.image_height ||
      shape[3] != a.image_width) {
    return Status::InvalidArgument(fmt::format("network input must be float32 {}, got {} {}", ShapeToString(expected),
                                               DTypeName(batch.dtype()), ShapeToString(shape)));
  }
  try {
    torch::NoGradGuard no_grad;
    Classifier& model = impl_->model;
    const bool was_training = model->is_training();
    model->eval();
    // from_blob does not copy; the input is only read.
    const torch::Tensor x = torch::from_blob(const_cast<void*>(batch.data()), shape, torch::kFloat32);
    const torch::Tensor logits = model->forward(x).contiguous();
    model->train(was_training);
    Tensor out = Tensor::Owned(DType::kFloat32, {logits.size(0), logits.size(1)});
    std::memcpy(out.data(), logits.data_ptr<float>(), out.size_bytes());
    return out;
  } catch (const std::exception& e) {
    return TorchError("running the network", e);
  }
}

}  // namespace sweetspot
