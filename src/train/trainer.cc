#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numbers>
#include <random>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "sweetspot/cpus.h"
#include "sweetspot/elapsed.h"
#include "sweetspot/train.h"
#include "train/network_impl.h"

namespace sweetspot {
namespace {

using Clock = std::chrono::steady_clock;

// A [N,C,H,W] view of prepared tensors; they are only read, never written.
torch::Tensor ImagesOf(const PreparedTensors& t) {
  std::vector<int64_t> shape = {static_cast<int64_t>(t.size())};
  shape.insert(shape.end(), t.sample_shape.begin(), t.sample_shape.end());
  return torch::from_blob(const_cast<std::byte*>(t.data), shape, torch::kFloat32);
}

torch::Tensor LabelsOf(const PreparedTensors& t) {
  std::vector<int64_t> labels(t.labels.begin(), t.labels.end());
  return torch::tensor(labels, torch::kInt64);
}

torch::Tensor ChannelTensor(const std::vector<double>& values) {
  std::vector<float> v(values.begin(), values.end());
  return torch::tensor(v, torch::kFloat32).view({1, -1, 1, 1});
}

// Random crop of the image padded with black, and a random horizontal flip,
// drawn per sample in a fixed order so a seed repeats exactly.
torch::Tensor Augment(const torch::Tensor& x, const torch::Tensor& black, const TrainOptions& options,
                      std::mt19937_64& rng) {
  if (!options.random_crop && !options.flip) return x;
  const int64_t n = x.size(0);
  const int64_t c = x.size(1);
  const int64_t h = x.size(2);
  const int64_t w = x.size(3);
  const int64_t pad = std::max<int64_t>(1, std::min(h, w) / 8);
  torch::Tensor padded;
  if (options.random_crop) {
    padded = black.expand({n, c, h + 2 * pad, w + 2 * pad}).clone();
    padded.narrow(2, pad, h).narrow(3, pad, w).copy_(x);
  }
  torch::Tensor out = torch::empty_like(x);
  for (int64_t i = 0; i < n; ++i) {
    torch::Tensor sample = x[i];
    if (options.random_crop) {
      const auto dy = static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * pad + 1));
      const auto dx = static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * pad + 1));
      sample = padded[i].narrow(1, dy, h).narrow(2, dx, w);
    }
    if (options.flip && (rng() & 1U) != 0) sample = sample.flip({2});
    out[i].copy_(sample);
  }
  return out;
}

struct Scores {
  double loss = 0.0;
  double top1 = 0.0;
};

Scores Validate(Classifier& model, const PreparedTensors& val, const torch::Tensor& mean, const torch::Tensor& stdev) {
  torch::NoGradGuard no_grad;
  model->eval();
  const torch::Tensor images = ImagesOf(val);
  const torch::Tensor labels = LabelsOf(val);
  constexpr int64_t kBatch = 500;
  double loss_sum = 0.0;
  int64_t correct = 0;
  for (int64_t begin = 0; begin < images.size(0); begin += kBatch) {
    const int64_t count = std::min(kBatch, images.size(0) - begin);
    const torch::Tensor x = (images.narrow(0, begin, count) - mean) / stdev;
    const torch::Tensor y = labels.narrow(0, begin, count);
    const torch::Tensor logits = model->forward(x);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
  }
  model->train();
  const auto n = static_cast<double>(images.size(0));
  return {loss_sum / n, static_cast<double>(correct) / n};
}

// Parameters and buffers (BatchNorm's running statistics), for keeping the
// best epoch's weights.
std::vector<torch::Tensor> Snapshot(Classifier& model) {
  std::vector<torch::Tensor> state;
  for (const auto& p : model->parameters()) state.push_back(p.detach().clone());
  for (const auto& b : model->buffers()) state.push_back(b.detach().clone());
  return state;
}

void Restore(Classifier& model, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  std::size_t i = 0;
  for (auto& p : model->parameters()) p.copy_(state[i++]);
  for (auto& b : model->buffers()) b.copy_(state[i++]);
}

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(Classifier& model, const TrainOptions& options) {
  if (options.optimizer == OptimizerKind::kSgd) {
    return std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(options.EffectiveLr())
                                                                        .momentum(0.9)
                                                                        .nesterov(true)
                                                                        .weight_decay(options.EffectiveWeightDecay()));
  }
  return std::make_unique<torch::optim::AdamW>(
      model->parameters(),
      torch::optim::AdamWOptions(options.EffectiveLr()).weight_decay(options.EffectiveWeightDecay()));
}

Status CheckTensors(const PreparedTensors& t, const ArchSpec& arch, const char* what) {
  const Shape expected = {arch.channels, arch.image_height, arch.image_width};
  if (t.dtype != DType::kFloat32 || t.sample_shape != expected) {
    return Status::InvalidArgument(fmt::format("{} samples are {} {}, the network takes float32 {}", what,
                                               DTypeName(t.dtype), ShapeToString(t.sample_shape),
                                               ShapeToString(expected)));
  }
  if (t.size() == 0) return Status::InvalidArgument(fmt::format("{} set is empty", what));
  for (const int label : t.labels) {
    if (label < 0 || label >= arch.classes) {
      return Status::InvalidArgument(
          fmt::format("{} label {} is outside the network's {} classes", what, label, arch.classes));
    }
  }
  return Status::Ok();
}

// A loss that is NaN or infinite never recovers, and the weights it leaves
// are useless: stop at once, naming where and the fix. The default rate is
// the suggested one when it is lower, else a tenth of the rate used.
Status Diverged(std::string_view what, double loss, int epoch, const TrainOptions& options) {
  TrainOptions defaults;
  defaults.optimizer = options.optimizer;
  const double lr = options.EffectiveLr();
  const double suggestion = defaults.EffectiveLr() < lr ? defaults.EffectiveLr() : lr / 10.0;
  return Status::InvalidArgument(fmt::format("training diverged: the {} loss became {} in epoch {}/{} at learning rate "
                                             "{:g}; lower the learning rate",
                                             what, std::isnan(loss) ? "NaN" : (loss > 0 ? "infinite" : "-infinite"),
                                             epoch, options.epochs, lr))
      .WithFix({"lr", "", {fmt::format("{:g}", suggestion)}});
}

}  // namespace

std::string_view OptimizerName(OptimizerKind kind) { return kind == OptimizerKind::kSgd ? "sgd" : "adamw"; }

Result<OptimizerKind> ParseOptimizer(std::string_view name) {
  if (name == "adamw") return OptimizerKind::kAdamW;
  if (name == "sgd") return OptimizerKind::kSgd;
  return Status::InvalidArgument(fmt::format("optimizer: unknown optimizer '{}' (use adamw or sgd)", name));
}

double TrainOptions::EffectiveLr() const {
  if (lr > 0) return lr;
  return optimizer == OptimizerKind::kSgd ? 0.05 : 2e-3;
}

double TrainOptions::EffectiveWeightDecay() const {
  if (weight_decay >= 0) return weight_decay;
  return optimizer == OptimizerKind::kSgd ? 5e-4 : 0.05;
}

Status TrainOptions::Validate() const {
  if (epochs < 1) return Status::InvalidArgument(fmt::format("epochs {}: train for at least 1 epoch", epochs));
  if (batch_size < 1)
    return Status::InvalidArgument(fmt::format("batch_size {}: use a batch of at least 1", batch_size));
  if (!(lr >= 0) || !std::isfinite(lr)) return Status::InvalidArgument("lr must be a positive number");
  if (!std::isfinite(weight_decay)) return Status::InvalidArgument("weight_decay must be a number");
  if (patience < 0) return Status::InvalidArgument("patience must be 0 (never stop early) or more");
  if (threads < 0) return Status::InvalidArgument("threads must be 0 (all cores) or more");
  return Status::Ok();
}

ChannelStats ComputeChannelStats(const PreparedTensors& tensors) {
  const auto channels = static_cast<std::size_t>(tensors.sample_shape.at(0));
  const std::size_t per_sample = tensors.sample_size_bytes() / sizeof(float);
  const std::size_t plane = per_sample / channels;
  std::vector<double> sum(channels, 0.0);
  std::vector<double> sum_sq(channels, 0.0);
  const auto* values = reinterpret_cast<const float*>(tensors.data);
  for (std::size_t s = 0; s < tensors.size(); ++s) {
    for (std::size_t c = 0; c < channels; ++c) {
      const float* p = values + s * per_sample + c * plane;
      for (std::size_t i = 0; i < plane; ++i) {
        sum[c] += p[i];
        sum_sq[c] += static_cast<double>(p[i]) * p[i];
      }
    }
  }
  ChannelStats stats;
  const double n = static_cast<double>(tensors.size() * plane);
  for (std::size_t c = 0; c < channels; ++c) {
    const double mean = n > 0 ? sum[c] / n : 0.0;
    const double var = n > 0 ? std::max(0.0, sum_sq[c] / n - mean * mean) : 0.0;
    stats.mean.push_back(mean);
    stats.std.push_back(var > 0 ? std::sqrt(var) : 1.0);
  }
  return stats;
}

Result<TrainReport> TrainNetwork(Network& network, const PreparedTensors& train, const PreparedTensors& val,
                                 const ChannelStats& norm, const TrainOptions& options,
                                 const TrainProgressFn& progress) {
  SWEETSPOT_RETURN_IF_ERROR(options.Validate());
  const ArchSpec& arch = network.arch();
  SWEETSPOT_RETURN_IF_ERROR(CheckTensors(train, arch, "training"));
  SWEETSPOT_RETURN_IF_ERROR(CheckTensors(val, arch, "validation"));
  if (norm.mean.size() != static_cast<std::size_t>(arch.channels) || norm.std.size() != norm.mean.size()) {
    return Status::InvalidArgument(fmt::format("normalisation needs {} mean/std values", arch.channels));
  }
  try {
    torch::set_num_threads(options.threads > 0 ? options.threads : DefaultThreadCount());
    Classifier& model = network.impl().model;
    model->train();
    const torch::Tensor images = ImagesOf(train);
    const torch::Tensor labels = LabelsOf(train);
    const torch::Tensor mean = ChannelTensor(norm.mean);
    const torch::Tensor stdev = ChannelTensor(norm.std);
    const torch::Tensor black = (torch::zeros_like(mean) - mean) / stdev;
    std::unique_ptr<torch::optim::Optimizer> optimizer = MakeOptimizer(model, options);

    const auto n = static_cast<int64_t>(train.size());
    const int64_t batch = options.batch_size;
    const int64_t steps_per_epoch = (n + batch - 1) / batch;
    const double total_steps = static_cast<double>(steps_per_epoch * options.epochs);
    const double base_lr = options.EffectiveLr();
    std::mt19937_64 rng(options.seed);
    std::vector<int64_t> order(static_cast<std::size_t>(n));

    TrainReport report;
    report.train_samples = train.size();
    report.val_samples = val.size();
    std::vector<torch::Tensor> best;
    int since_best = 0;
    int64_t step = 0;
    const auto train_start = Clock::now();
    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
      const auto epoch_start = Clock::now();
      // Fisher-Yates with the raw engine output: std::shuffle's draws are
      // implementation-defined, so the order would differ between platforms.
      for (int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
      for (int64_t i = n - 1; i > 0; --i) {
        std::swap(order[static_cast<std::size_t>(i)], order[rng() % static_cast<uint64_t>(i + 1)]);
      }
      const torch::Tensor permutation = torch::tensor(order, torch::kInt64);
      double loss_sum = 0.0;
      int64_t correct = 0;
      int64_t seen = 0;
      double lr = base_lr;
      for (int64_t begin = 0; begin < n; begin += batch, ++step) {
        const int64_t count = std::min(batch, n - begin);
        const torch::Tensor index = permutation.narrow(0, begin, count);
        const torch::Tensor x = Augment((images.index_select(0, index) - mean) / stdev, black, options, rng);
        const torch::Tensor y = labels.index_select(0, index);
        lr = base_lr * 0.5 * (1.0 + std::cos(std::numbers::pi * static_cast<double>(step) / total_steps));
        for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
        optimizer->zero_grad();
        const torch::Tensor logits = model->forward(x);
        const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, y);
        loss.backward();
        const double batch_loss = loss.item<double>();
        if (!std::isfinite(batch_loss)) return Diverged("training", batch_loss, epoch, options);
        optimizer->step();
        loss_sum += batch_loss * static_cast<double>(count);
        correct += logits.argmax(1).eq(y).sum().item<int64_t>();
        seen += count;
        if (progress) {
          const double seconds = MillisecondsSince(epoch_start) / 1000.0;
          TrainProgress p;
          p.epoch = epoch;
          p.epochs = options.epochs;
          p.done = static_cast<std::size_t>(seen);
          p.total = static_cast<std::size_t>(n);
          p.loss = loss_sum / static_cast<double>(seen);
          p.top1 = static_cast<double>(correct) / static_cast<double>(seen);
          p.items_per_s = seconds > 0 ? static_cast<double>(seen) / seconds : 0.0;
          p.eta_s = p.items_per_s > 0 ? static_cast<double>(n - seen) / p.items_per_s : 0.0;
          progress(p);
        }
      }
      const Scores scores = Validate(model, val, mean, stdev);
      if (!std::isfinite(scores.loss)) return Diverged("validation", scores.loss, epoch, options);
      EpochStats stats;
      stats.epoch = epoch;
      stats.train_loss = loss_sum / static_cast<double>(n);
      stats.train_top1 = static_cast<double>(correct) / static_cast<double>(n);
      stats.val_loss = scores.loss;
      stats.val_top1 = scores.top1;
      stats.lr_end = lr;
      stats.epoch_ms = MillisecondsSince(epoch_start);
      report.epochs.push_back(stats);
      if (best.empty() || scores.top1 > report.best_val_top1) {
        report.best_val_top1 = scores.top1;
        report.best_epoch = epoch;
        best = Snapshot(model);
        since_best = 0;
      } else {
        ++since_best;
      }
      if (progress) {
        TrainProgress p;
        p.epoch = epoch;
        p.epochs = options.epochs;
        p.done = p.total = static_cast<std::size_t>(n);
        p.loss = stats.train_loss;
        p.top1 = stats.train_top1;
        p.items_per_s = static_cast<double>(n) / (stats.epoch_ms / 1000.0);
        p.finished = &stats;
        progress(p);
      }
      if (options.patience > 0 && since_best >= options.patience && epoch < options.epochs) {
        report.stopped_early = true;
        break;
      }
    }
    Restore(model, best);
    model->eval();
    report.train_ms = MillisecondsSince(train_start);
    return report;
  } catch (const std::exception& e) {
    return TorchError("training", e);
  }
}

}  // namespace sweetspot
