// `sweetspot train`: trains presets of a model family on the user's data and
// writes, per preset, an ONNX model that `eval` and `bench` take without flags
// and a JSON file of what it cost (docs/train.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "output.h"
#include "sweetspot/child_process.h"
#include "sweetspot/text_file.h"
#include "sweetspot/train.h"
#include "sweetspot/train_family.h"
#include "sweetspot/train_job.h"

namespace sweetspot::cli {
namespace {
namespace fs = std::filesystem;

struct TrainArgs {
  std::string data, val_data, test_data, classes_file, out, cache_dir;
  std::string family = "resnet";
  std::vector<std::string> presets{"nano", "small", "medium", "large"};
  std::vector<int> epochs{10};
  std::string optimizer = "adamw";
  std::string size;
  std::string prune_from;
  double prune = 0.0;
  double val_fraction = 0.1;
  double lr = 0.0;
  double weight_decay = -1.0;
  std::size_t limit = 0;
  std::uint64_t seed = 0;
  int batch = 128;
  int patience = 3;
  int width = 0;
  int depth = 0;
  int channels = 0;
  int threads = 0;
  bool no_crop = false;
  bool no_flip = false;
  bool no_cache = false;
};

// The train library starts a message or note with the TrainJob field it is
// about; this command's users know the field as a flag.
std::string WithTrainFlag(const std::string& text) {
  static const std::map<std::string, std::string, std::less<>> kFlags = {{"data", "--data"},
                                                                         {"val_data", "--val-data"},
                                                                         {"test_data", "--test-data"},
                                                                         {"val_fraction", "--val-fraction"},
                                                                         {"out_dir", "--out"},
                                                                         {"prune_from", "--from"},
                                                                         {"prune_fraction", "--prune"},
                                                                         {"family", "--family"},
                                                                         {"preset", "--presets"},
                                                                         {"width", "--width"},
                                                                         {"depth", "--depth"},
                                                                         {"channels", "--channels"},
                                                                         {"image_width/image_height", "--size"},
                                                                         {"optimizer", "--optimizer"},
                                                                         {"epochs", "--epochs"},
                                                                         {"batch_size", "--batch"},
                                                                         {"lr", "--lr"},
                                                                         {"weight_decay", "--weight-decay"},
                                                                         {"patience", "--patience"},
                                                                         {"threads", "--threads"}};
  const std::size_t end = text.find_first_of(" :");
  if (end == std::string::npos) return text;
  const auto flag = kFlags.find(std::string_view(text).substr(0, end));
  return flag == kFlags.end() ? text : flag->second + text.substr(end);
}

Status WithTrainFlags(const Status& status) {
  if (status.ok()) return status;
  return Status::FromCode(status.code(), WithTrainFlag(status.message()), status.fixes());
}

// One count for all presets, or one per preset.
Result<std::vector<int>> EpochsPerPreset(std::vector<int> epochs, std::size_t presets) {
  if (epochs.size() == 1) epochs.assign(presets, epochs.front());
  if (epochs.size() != presets) {
    return Status::InvalidArgument(
        fmt::format("--epochs: give one count for all presets or one per preset ({} given, "
                    "{} presets)",
                    epochs.size(), presets));
  }
  return epochs;
}

// The command line as typed, for the cost file (arguments with spaces or
// shell characters single-quoted).
std::string CommandLine() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string arg;
  std::string line = "sweetspot";
  bool first = true;
  while (std::getline(in, arg, '\0')) {
    if (first) {
      first = false;
      continue;
    }
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_=.,/:+") == std::string::npos;
    line += " " + (plain ? arg : "'" + arg + "'");
  }
  return line;
}

// "epoch 3/10 [#####.....] 23040/54000  loss 0.412  acc 85.1 %  1520 items/s  ETA 20s", redrawn on a TTY;
// everywhere the line that closes each epoch, so logs stay readable.
void ShowEpochProgress(ProgressBar& bar, const TrainProgress& p) {
  if (p.finished != nullptr) {
    const EpochStats& e = *p.finished;
    bar.Print(
        fmt::format("epoch {}/{}  loss {:.4f}  acc {:.2f} %  val loss {:.4f}  val acc {:.2f} %  {:.0f} items/s  "
                    "{:.1f} s",
                    p.epoch, p.epochs, e.train_loss, 100.0 * e.train_top1, e.val_loss, 100.0 * e.val_top1,
                    p.items_per_s, e.epoch_ms / 1000.0));
    return;
  }
  bar.Update(fmt::format("epoch {}/{}", p.epoch, p.epochs), p.done, p.total,
             fmt::format("loss {:.4f}  acc {:.2f} %  {:.0f} items/s", p.loss, 100.0 * p.top1, p.items_per_s));
}

Result<std::vector<TrainJob>> MakeJobs(const TrainArgs& a) {
  SWEETSPOT_ASSIGN_OR_RETURN(ModelFamily family, ParseModelFamily(a.family));
  const std::vector<std::string>& presets = a.presets;
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<int> epochs,
                             EpochsPerPreset(a.epochs, a.prune_from.empty() ? presets.size() : 1));
  SWEETSPOT_ASSIGN_OR_RETURN(OptimizerKind optimizer, ParseOptimizer(a.optimizer));
  if (a.channels != 0 && a.channels != 1 && a.channels != 3) {
    return Status::InvalidArgument(fmt::format("--channels {}: use 1 (gray) or 3 (RGB)", a.channels));
  }
  TrainJob base;
  base.data = a.data;
  base.val_data = a.val_data;
  base.test_data = a.test_data;
  base.classes_file = a.classes_file;
  base.val_fraction = a.val_fraction;
  base.limit = a.limit;
  base.family = family;
  base.width = a.width;
  base.depth = a.depth;
  base.channels = a.channels;
  if (!a.size.empty()) SWEETSPOT_RETURN_IF_ERROR(ParseSizeFlag(a.size, &base.image_width, &base.image_height));
  base.options.batch_size = a.batch;
  base.options.optimizer = optimizer;
  base.options.lr = a.lr;
  base.options.weight_decay = a.weight_decay;
  base.options.patience = a.patience;
  base.options.random_crop = !a.no_crop;
  base.options.flip = !a.no_flip;
  base.options.seed = a.seed;
  base.options.threads = a.threads;
  base.out_dir = a.out;
  base.cache.enabled = !a.no_cache;
  base.cache.dir = a.cache_dir;
  base.command = CommandLine();
  if (!a.prune_from.empty()) {
    // One model to prune: the presets' list has nothing to say.
    base.prune_from = a.prune_from;
    base.prune_fraction = a.prune;
    base.options.epochs = epochs.front();
    return std::vector<TrainJob>{base};
  }
  std::vector<TrainJob> jobs;
  for (std::size_t i = 0; i < presets.size(); ++i) {
    TrainJob job = base;
    job.preset = presets[i];
    job.options.epochs = epochs[i];
    jobs.push_back(std::move(job));
  }
  return jobs;
}

std::string Mib(std::int64_t bytes) {
  return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

Status RunTrain(const TrainArgs& a) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<TrainJob> jobs, MakeJobs(a));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFolder(a.out, "--out"));
  // Every preset is checked before the first one trains: a typo in the last
  // preset must not surface an hour later.
  std::vector<TrainPlan> plans;
  for (TrainJob& job : jobs) {
    SWEETSPOT_ASSIGN_OR_RETURN(TrainPlan plan, PlanTrainJob(job));
    if (plans.empty()) {
      // Found once from every image: the later presets (and each training
      // child) take them as given instead of decoding the data again.
      for (TrainJob& later : jobs) {
        later.channels = plan.arch.channels;
        later.image_width = plan.arch.image_width;
        later.image_height = plan.arch.image_height;
      }
      for (const std::string& note : plan.dataset_notes)
        std::fprintf(stderr, "note: %s\n", SafeText(WithTrainFlag(note)).c_str());
      if (plan.gray_images > 0 && plan.colour_images > 0 && a.channels == 0) {
        std::fprintf(stderr,
                     "note: %zu of %zu training images are gray; training on 3 channels (--channels 1 for gray)\n",
                     plan.gray_images, plan.gray_images + plan.colour_images);
      }
    }
    for (const TrainPlan& earlier : plans) {
      if (earlier.model_path == plan.model_path) {
        return Status::InvalidArgument(fmt::format(
            "--presets: two presets would both write {} (--width/--depth override every preset); name one preset",
            plan.model_path.string()));
      }
    }
    plans.push_back(std::move(plan));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(const fs::path self, SelfExecutable());

  std::vector<std::string> summary;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const TrainJob& job = jobs[i];
    const ArchSpec& arch = plans[i].arch;
    std::fprintf(stderr,
                 "training %s (width %d, depth %d, %dx%dx%d, %d classes) on %zu samples, validating on %zu, "
                 "%d epochs\n",
                 arch.Name().c_str(), arch.width, arch.depth, arch.image_width, arch.image_height, arch.channels,
                 arch.classes, plans[i].train_samples, plans[i].val_samples, job.options.epochs);
    SWEETSPOT_ASSIGN_OR_RETURN(TrainOutcome outcome, RunTrainJobIsolated(self, job));
    if (!job.test_data.empty()) std::fprintf(stderr, "scoring %s on %s\n", arch.Name().c_str(), job.test_data.c_str());
    SWEETSPOT_ASSIGN_OR_RETURN(nlohmann::json cost, WriteTrainCost(job, outcome));
    const nlohmann::json& test = cost["accuracy"]["test"];
    summary.push_back(fmt::format(
        "{:<16} {:>8.2f} % {:>9} {:>10} {:>12} {:>9.1f} {:>10}  {}", arch.Name(), 100.0 * outcome.report.best_val_top1,
        test.is_null() ? std::string("-") : fmt::format("{:.2f} %", 100.0 * test["top1"].get<double>()),
        cost["model_stats"]["param_count_onnx"].get<std::int64_t>(),
        cost["model_stats"]["macs_per_image"].get<std::int64_t>(), outcome.wall_ms / 60000.0,
        Mib(outcome.peak_rss_bytes), outcome.plan.model_path.string()));
  }
  std::cout << fmt::format("{:<16} {:>10} {:>9} {:>10} {:>12} {:>9} {:>10}  {}\n", "model", "val top-1", "test top-1",
                           "params", "MACs/image", "train min", "peak RSS", "file");
  for (const std::string& line : summary) std::cout << line << "\n";
  return Status::Ok();
}

}  // namespace

void RegisterTrain(CLI::App& root, Action* selected) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = root.add_subcommand(
      "train", "Train presets of a model family (fast to accurate) on your data; write ONNX models and their costs");
  cmd->footer(
      "Families: cnn (two conv layers) and resnet (residual, three stages); presets nano, small,\n"
      "medium, large grow width and depth (docs/train.md). Each preset trains in its own process\n"
      "(its peak memory is its own) and writes OUT/<family>-<preset>.onnx, with the preprocessing\n"
      "in its metadata so `sweetspot eval MODEL --data ...` needs no flags, and\n"
      "OUT/<family>-<preset>.cost.json (times, peak RSS, parameters, MACs, accuracies, the command).\n\n"
      "Examples:\n"
      "  sweetspot train --data /usr/share/datasets/fashion-mnist/train \\\n"
      "      --test-data /usr/share/datasets/fashion-mnist/t10k --presets small,large --epochs 10 --out models\n"
      "  sweetspot train --data photos/ --family cnn --presets nano --size 32 --epochs 20 --out models\n"
      "  sweetspot train --data /usr/share/datasets/fashion-mnist/train --prune 0.5 \\\n"
      "      --from models/resnet-large.onnx --epochs 3 --out models    # writes resnet-large-pruned50.onnx");
  cmd->add_option("--data", args->data, "training data: image folder, manifest (.csv/.tsv) or IDX prefix")->required();
  cmd->add_option("--out", args->out, "existing folder for the models and cost files")->required();
  cmd->add_option("--val-data", args->val_data, "validation data (default: hold out --val-fraction of --data)");
  cmd->add_option("--val-fraction", args->val_fraction, "stratified share of --data held out for validation (0.1)");
  cmd->add_option("--test-data", args->test_data, "test data, scored on the exported model as `sweetspot eval` does");
  cmd->add_option("--classes", args->classes_file,
                  "class-name file (one per line): the classes, in order, of a manifest, IDX data or image folder");
  cmd->add_option("--limit", args->limit, "train on a stratified subset of N samples of --data");
  cmd->add_option("--family", args->family, "cnn|resnet (default resnet)");
  cmd->add_option("--presets", args->presets, "comma-separated presets (default nano,small,medium,large)")
      ->delimiter(',');
  cmd->add_option("--width", args->width, "override the presets' first-stage width (channels)");
  cmd->add_option("--depth", args->depth, "override the presets' blocks per stage (resnet)");
  cmd->add_option("--size", args->size,
                  "input size, 28 or WIDTHxHEIGHT, multiples of 4 (default: the data's, if all images have one)");
  cmd->add_option("--channels", args->channels, "1 (gray) or 3 (RGB) (default: 1 if every training image is gray)");
  cmd->add_option("--epochs", args->epochs, "epochs, one count or one per preset, e.g. 15,10,8,6 (default 10)")
      ->delimiter(',');
  cmd->add_option("--batch", args->batch, "batch size (default 128)");
  cmd->add_option("--optimizer", args->optimizer, "adamw|sgd (default adamw)");
  cmd->add_option("--lr", args->lr, "peak learning rate of the cosine schedule (default 2e-3 adamw, 0.05 sgd)");
  cmd->add_option("--weight-decay", args->weight_decay, "default 0.05 adamw (decoupled), 5e-4 sgd");
  cmd->add_option("--patience", args->patience, "stop after N epochs without a better val top-1 (0: never; default 3)");
  cmd->add_flag("--no-crop", args->no_crop, "no random-crop augmentation");
  cmd->add_flag("--no-flip", args->no_flip, "no horizontal-flip augmentation (for digits, text, ...)");
  cmd->add_option("--seed", args->seed, "seed of weights, data order, split and augmentation (default 0)");
  cmd->add_option("--threads", args->threads,
                  "training threads (default 0: the CPUs this process may use, or OMP_NUM_THREADS when set)");
  CLI::Option* prune =
      cmd->add_option("--prune", args->prune,
                      "fine-tune a copy of --from with this fraction of every conv's channels pruned (by L1 norm)");
  CLI::Option* from = cmd->add_option("--from", args->prune_from, "a model `sweetspot train` wrote, to --prune");
  prune->needs(from);
  from->needs(prune);
  for (const char* name : {"--family", "--presets", "--width", "--depth", "--size", "--channels"}) {
    from->excludes(cmd->get_option(name));
  }
  cmd->add_option("--cache-dir", args->cache_dir, "tensor cache folder");
  cmd->add_flag("--no-cache", args->no_cache, "decode without reading or writing the tensor cache");
  cmd->callback([args, selected] { *selected = [args] { return WithTrainFlags(RunTrain(*args)); }; });

  auto child_args = std::make_shared<std::vector<std::string>>();
  CLI::App* child = root.add_subcommand("__train-child", "");
  child->group("");  // hidden from --help
  child->add_option("files", *child_args)->expected(2)->required();
  child->callback([child_args, selected] {
    *selected = [child_args]() -> Status {
      auto progress = std::make_shared<ProgressBar>();
      const Status status = RunTrainChild((*child_args)[0], (*child_args)[1],
                                          [progress](const TrainProgress& p) { ShowEpochProgress(*progress, p); });
      // The result file carries everything, errors included; leaving without
      // static destructors keeps libtorch's teardown out of the peak RSS.
      std::fflush(nullptr);
      _exit(status.ok() ? 0 : 1);
    };
  });
}

}  // namespace sweetspot::cli
