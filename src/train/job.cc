#include "sweetspot/train_job.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "sweetspot/backend.h"
#include "sweetspot/child_process.h"
#include "sweetspot/cpus.h"
#include "sweetspot/dataset.h"
#include "sweetspot/elapsed.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/json_numbers.h"
#include "sweetspot/measure.h"
#include "sweetspot/model_info.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/text_file.h"
#include "sweetspot/train_export.h"
#include "train/arch_json.h"
#include "train/image_shapes.h"
#include "train/pruned_start.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// A job's datasets opened and its samples chosen.
struct OpenedJob {
  TrainPlan plan;
  std::unique_ptr<Dataset> train;
  std::unique_ptr<Dataset> val;  // null: validation is held out of `train`
  std::vector<std::size_t> train_indices;
  std::vector<std::size_t> val_indices;  // into `val`, or into `train` when it is null
};

// Opens `path`; what opening it skipped goes to `notes`, named by the TrainJob `field`.
Result<std::unique_ptr<Dataset>> Open(const std::string& path, const TrainJob& job, const char* field,
                                      std::vector<std::string>* notes) {
  DatasetOptions options;
  options.class_names_file = job.classes_file;
  auto opened = OpenDataset(path, options);
  if (!opened.ok()) return opened.status().WithContext(field);
  for (const std::string& note : (*opened)->notes()) notes->push_back(fmt::format("{} '{}': {}", field, path, note));
  return std::move(opened).value();
}

Status CheckSameClasses(const Dataset& data, const Dataset& train, const std::string& path, const char* field) {
  if (data.class_names() == train.class_names()) return Status::Ok();
  return Status::InvalidData(
      fmt::format("{}: '{}' has {} classes that differ from the training data's {}; use data "
                  "with the same classes (or the same class-name file)",
                  field, path, data.class_names().size(), train.class_names().size()));
}

// Holds out round(fraction * n) samples of each class, drawn with a seeded
// shuffle, so validation has the training data's class balance.
void SplitStratified(const Dataset& data, const std::vector<std::size_t>& indices, double fraction, std::uint64_t seed,
                     std::vector<std::size_t>* train, std::vector<std::size_t>* val) {
  std::map<int, std::vector<std::size_t>> by_class;
  for (const std::size_t i : indices) by_class[data.sample(i).label].push_back(i);
  std::mt19937_64 rng(seed ^ 0x5eed5eedULL);
  for (auto& [label, members] : by_class) {
    for (std::size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[rng() % i]);
    const auto held = static_cast<std::size_t>(std::lround(fraction * static_cast<double>(members.size())));
    val->insert(val->end(), members.begin(), members.begin() + static_cast<std::ptrdiff_t>(held));
    train->insert(train->end(), members.begin() + static_cast<std::ptrdiff_t>(held), members.end());
  }
  std::sort(train->begin(), train->end());
  std::sort(val->begin(), val->end());
}

// The channels and image size the job leaves open, from every training
// image: gray only if all are (a gray image loses nothing in a colour model,
// the reverse loses the colour); one size, or the user picks one.
Status ShapeFromData(const TrainJob& job, const Dataset& train, const std::vector<std::size_t>& chosen,
                     TrainPlan* plan) {
  const int threads = job.options.threads > 0 ? job.options.threads : DefaultThreadCount();
  const ImageShapes shapes = ScanImages(train, chosen, threads);
  if (shapes.readable() == 0) {
    return Status::InvalidData(
        fmt::format("data: none of the {} images of '{}' can be decoded", chosen.size(), job.data));
  }
  ArchSpec& arch = plan->arch;
  plan->gray_images = shapes.gray;
  plan->colour_images = shapes.colour;
  if (arch.channels == 0) arch.channels = shapes.colour == 0 ? 1 : 3;
  if (arch.image_width == 0) {
    const ImageShapes::Size& common = shapes.sizes.front();
    if (shapes.sizes.size() > 1) {
      return Status::InvalidData(
                 fmt::format("data '{}': {}; resize them all to one size", job.data, DescribeSizes(shapes)))
          .WithFix({"size", "", {std::to_string(common.width), std::to_string(common.height)}});
    }
    arch.image_width = common.width;
    arch.image_height = common.height;
  }
  return Status::Ok();
}

// The preset's architecture with the job's width/depth overrides; the data
// decides the rest.
Result<ArchSpec> JobArch(const TrainJob& job) {
  if (!job.prune_from.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(PrunedParent parent, ReadPrunedParent(job.prune_from));
    return PrunedArch(parent.arch, job.prune_fraction);
  }
  SWEETSPOT_ASSIGN_OR_RETURN(ArchSpec arch, PresetArch(job.family, job.preset));
  if (job.width > 0 || job.depth > 0) {
    if (job.width > 0) arch.width = job.width;
    if (job.depth > 0) arch.depth = job.depth;
    arch.preset = fmt::format("w{}-d{}", arch.width, arch.depth);
  }
  return arch;
}

// Where a job's model and cost file wait until both are complete.
fs::path StagedPath(const fs::path& path) { return path.string() + ".partial"; }

Result<OpenedJob> OpenJob(const TrainJob& job) {
  SWEETSPOT_RETURN_IF_ERROR(job.options.Validate());
  if (job.val_data.empty() && !(job.val_fraction > 0.0 && job.val_fraction < 1.0)) {
    return Status::InvalidArgument(
               fmt::format("val_fraction {}: hold out a fraction between 0 and 1 (e.g. 0.1), or validate on data "
                           "of its own",
                           job.val_fraction))
        .WithFix({"val_data", "", {"FOLDER"}});
  }
  std::error_code ec;
  if (job.out_dir.empty() || !fs::is_directory(job.out_dir, ec)) {
    return Status::NotFound(fmt::format("out_dir: folder '{}' does not exist; create it first (mkdir -p {})",
                                        job.out_dir.string(), job.out_dir.string()));
  }
  OpenedJob opened;
  SWEETSPOT_ASSIGN_OR_RETURN(opened.train, Open(job.data, job, "data", &opened.plan.dataset_notes));
  const Dataset& train = *opened.train;
  const std::vector<std::size_t> chosen = StratifiedSubset(train, job.limit, job.options.seed);
  std::set<int> labels;
  for (const std::size_t i : chosen) labels.insert(train.sample(i).label);
  if (labels.size() < 2) {
    const std::string name =
        labels.empty() ? "none" : train.class_names().at(static_cast<std::size_t>(*labels.begin()));
    return Status::InvalidData(
        fmt::format("data: '{}' has samples of only one class ('{}'); a classifier needs "
                    "at least 2 classes, each with its own images",
                    job.data, name));
  }

  ArchSpec& arch = opened.plan.arch;
  SWEETSPOT_ASSIGN_OR_RETURN(arch, JobArch(job));
  const int classes = static_cast<int>(train.class_names().size());
  if (job.prune_from.empty()) {
    arch.classes = classes;
    arch.channels = job.channels;
    arch.image_width = job.image_width;
    arch.image_height = job.image_height;
  } else if (arch.classes != classes) {
    return Status::InvalidData(
        fmt::format("prune_from: '{}' has {} classes and the training data '{}' {}; fine-tune on the data "
                    "the model was trained on",
                    job.prune_from, arch.classes, job.data, classes));
  }
  if (arch.channels == 0 || arch.image_width == 0) {
    SWEETSPOT_RETURN_IF_ERROR(ShapeFromData(job, train, chosen, &opened.plan));
  }
  if (Status valid = arch.Validate(); !valid.ok()) {
    return job.image_width == 0 ? valid.WithContext(fmt::format("data '{}'", job.data))
                                : valid.WithContext("image_width/image_height");
  }

  if (job.val_data.empty()) {
    SplitStratified(train, chosen, job.val_fraction, job.options.seed, &opened.train_indices, &opened.val_indices);
    if (opened.val_indices.empty() || opened.train_indices.empty()) {
      return Status::InvalidData(fmt::format("data: '{}' has too few samples ({}) to hold out a validation set; "
                                             "add data, or validate on data of its own",
                                             job.data, chosen.size()))
          .WithFix({"val_data", "", {"FOLDER"}});
    }
  } else {
    SWEETSPOT_ASSIGN_OR_RETURN(opened.val, Open(job.val_data, job, "val_data", &opened.plan.dataset_notes));
    SWEETSPOT_RETURN_IF_ERROR(CheckSameClasses(*opened.val, train, job.val_data, "val_data"));
    opened.train_indices = chosen;
    opened.val_indices = StratifiedSubset(*opened.val, 0, 0);
  }
  if (!job.test_data.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> test,
                               Open(job.test_data, job, "test_data", &opened.plan.dataset_notes));
    SWEETSPOT_RETURN_IF_ERROR(CheckSameClasses(*test, train, job.test_data, "test_data"));
    opened.plan.test_samples = test->size();
  }
  opened.plan.train_samples = opened.train_indices.size();
  opened.plan.val_samples = opened.val_indices.size();
  opened.plan.model_path = job.out_dir / (arch.Name() + ".onnx");
  opened.plan.cost_path = job.out_dir / (arch.Name() + ".cost.json");
  return opened;
}

// The spec the network trains on: [0,1] pixels (TrainNetwork normalises).
PreprocessSpec TrainingSpec(const ArchSpec& arch) {
  PreprocessSpec spec;
  spec.color = arch.channels == 1 ? ColorOrder::kGray : ColorOrder::kRgb;
  spec.resize = ResizeMode::kExact;
  spec.width = arch.image_width;
  spec.height = arch.image_height;
  spec.mean.assign(static_cast<std::size_t>(arch.channels), 0.0);
  spec.std.assign(static_cast<std::size_t>(arch.channels), 1.0);
  return spec;
}

// The model and cost file of a job, written beside their final names and
// renamed into place together: a job that fails at any step leaves the
// previous pair as it was, and its staged files are removed.
class StagedPair {
 public:
  explicit StagedPair(const TrainPlan& plan) : plan_(plan) {}
  StagedPair(const StagedPair&) = delete;
  StagedPair& operator=(const StagedPair&) = delete;
  ~StagedPair() {
    if (committed_) return;
    std::error_code ec;
    fs::remove(StagedPath(plan_.model_path), ec);
    fs::remove(StagedPath(plan_.cost_path), ec);
  }

  fs::path model() const { return StagedPath(plan_.model_path); }

  // The model is renamed last: a reader that finds the new model finds its
  // cost file too.
  Status Commit(const json& cost) {
    if (std::optional<std::string> where = FirstNonFiniteNumber(cost)) {
      return Status::Internal(
          fmt::format("the cost file of {} would hold a non-finite number at {}", plan_.model_path.string(), *where));
    }
    SWEETSPOT_RETURN_IF_ERROR(WriteTextFile(StagedPath(plan_.cost_path), DumpJson(cost, 2) + "\n"));
    for (const fs::path& path : {plan_.cost_path, plan_.model_path}) {
      std::error_code ec;
      fs::rename(StagedPath(path), path, ec);
      if (ec) {
        return Status::IoError(fmt::format("cannot rename {} to {}: {}", StagedPath(path).string(),
                                           path.filename().string(), ec.message()));
      }
    }
    committed_ = true;
    return Status::Ok();
  }

 private:
  const TrainPlan& plan_;
  bool committed_ = false;
};

// A pruned model's lineage, in its metadata and its cost file.
json PrunedFromJson(const TrainJob& job) {
  return {{"model", job.prune_from},
          {"fraction", job.prune_fraction},
          {"method",
           "L1-norm channel pruning of every conv (Li et al. 2017), residual channels chosen by summed L1; "
           "BatchNorm re-estimated; fine-tuned"}};
}

json EpochToJson(const EpochStats& e) {
  return {{"epoch", e.epoch},       {"train_loss", e.train_loss}, {"train_top1", e.train_top1},
          {"val_loss", e.val_loss}, {"val_top1", e.val_top1},     {"lr_end", e.lr_end},
          {"epoch_ms", e.epoch_ms}};
}

}  // namespace

json ArchToJson(const ArchSpec& a) {
  return {{"family", ModelFamilyName(a.family)},
          {"preset", a.preset},
          {"width", a.width},
          {"depth", a.depth},
          {"channels", a.channels},
          {"classes", a.classes},
          {"image_width", a.image_width},
          {"image_height", a.image_height}};
}

Result<ArchSpec> ArchFromJson(const json& j) {
  ArchSpec a;
  SWEETSPOT_ASSIGN_OR_RETURN(a.family, ParseModelFamily(j.at("family").get<std::string>()));
  a.preset = j.at("preset").get<std::string>();
  a.width = j.at("width").get<int>();
  a.depth = j.at("depth").get<int>();
  a.channels = j.at("channels").get<int>();
  a.classes = j.at("classes").get<int>();
  a.image_width = j.at("image_width").get<int>();
  a.image_height = j.at("image_height").get<int>();
  return a;
}

Result<TrainPlan> PlanTrainJob(const TrainJob& job) {
  SWEETSPOT_ASSIGN_OR_RETURN(OpenedJob opened, OpenJob(job));
  return opened.plan;
}

Result<TrainOutcome> RunTrainJob(const TrainJob& job, const TrainProgressFn& progress) {
  const auto start = Clock::now();
  SWEETSPOT_ASSIGN_OR_RETURN(OpenedJob opened, OpenJob(job));
  const ArchSpec& arch = opened.plan.arch;
  const PreprocessSpec spec = TrainingSpec(arch);
  TensorCacheOptions cache = job.cache;
  if (cache.threads == 0) cache.threads = job.options.threads;
  SWEETSPOT_ASSIGN_OR_RETURN(PreparedTensors train, PrepareTensors(*opened.train, opened.train_indices, spec, cache));
  const Dataset& val_data = opened.val ? *opened.val : *opened.train;
  SWEETSPOT_ASSIGN_OR_RETURN(PreparedTensors val, PrepareTensors(val_data, opened.val_indices, spec, cache));
  TrainOutcome outcome;
  outcome.prepare_ms = train.prepare_ms + val.prepare_ms;

  SWEETSPOT_ASSIGN_OR_RETURN(Network network, Network::Create(arch, job.options.seed));
  ChannelStats norm;
  if (job.prune_from.empty()) {
    norm = ComputeChannelStats(train);
  } else {
    SWEETSPOT_ASSIGN_OR_RETURN(PrunedParent parent, ReadPrunedParent(job.prune_from));
    SWEETSPOT_ASSIGN_OR_RETURN(norm, StartFromParent(parent, train, &network));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(outcome.report, TrainNetwork(network, train, val, norm, job.options, progress));

  PreprocessSpec export_spec = spec;
  export_spec.mean = norm.mean;
  export_spec.std = norm.std;
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto model, ExportOnnx(network, export_spec));
  if (!job.prune_from.empty()) {
    auto* lineage = model.add_metadata_props();
    lineage->set_key("sweetspot.pruned_from");
    lineage->set_value(PrunedFromJson(job).dump());
  }
  SWEETSPOT_RETURN_IF_ERROR(SaveModelAtomically(model, StagedPath(opened.plan.model_path)));

  outcome.plan = opened.plan;
  outcome.param_count = network.ParameterCount();
  outcome.wall_ms = MillisecondsSince(start);
  outcome.peak_rss_bytes = ReadSelfRss().peak_bytes;
  return outcome;
}

Result<TrainOutcome> RunTrainJobIsolated(const fs::path& self_exe, const TrainJob& job) {
  ChildOptions options;
  options.share_stderr = true;  // the child draws the epoch progress
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) options.extra_env.emplace_back("OMP_WAIT_POLICY=PASSIVE");
  Result<ChildOutcome> ran =
      RunChildProcess(self_exe, "__train-child", ToJson(job),
                      fmt::format("training {} '{}'", ModelFamilyName(job.family), job.preset), {}, options);
  if (!ran.ok()) {
    // A child that died after staging its model leaves no one else to remove it.
    if (Result<ArchSpec> arch = JobArch(job); arch.ok()) {
      std::error_code ec;
      fs::remove(StagedPath(job.out_dir / (arch->Name() + ".onnx")), ec);
    }
    return ran.status();
  }
  const ChildOutcome& child = *ran;
  SWEETSPOT_ASSIGN_OR_RETURN(TrainOutcome outcome, TrainOutcomeFromJson(child.result));
  outcome.peak_rss_bytes = child.peak_rss_bytes;
  outcome.peak_rss_isolated = true;
  return outcome;
}

Status RunTrainChild(const fs::path& job_file, const fs::path& result_file, const TrainProgressFn& progress) {
  const auto run = [&]() -> Result<json> {
    SWEETSPOT_ASSIGN_OR_RETURN(json request, ReadChildRequest(job_file));
    SWEETSPOT_ASSIGN_OR_RETURN(TrainJob job, TrainJobFromJson(request));
    SWEETSPOT_ASSIGN_OR_RETURN(TrainOutcome outcome, RunTrainJob(job, progress));
    return ToJson(outcome);
  };
  return WriteChildResult(result_file, run());
}

Result<json> WriteTrainCost(const TrainJob& job, const TrainOutcome& outcome) {
  const TrainPlan& plan = outcome.plan;
  StagedPair staged(plan);
  SWEETSPOT_ASSIGN_OR_RETURN(ModelInfo info, InspectModel(staged.model()));
  json test = nullptr;
  if (!job.test_data.empty()) {
    // The exported file alone, through the same pipeline as `sweetspot eval`.
    EvalRequest request;
    request.model_path = staged.model().string();  // the exported file, before it replaces the old pair
    request.dataset_path = job.test_data;
    request.classes_file = job.classes_file;
    request.threads = job.options.threads;
    request.cache_enabled = job.cache.enabled;
    request.cache_dir = job.cache.dir.string();
    const auto start = Clock::now();
    auto evaluated = Evaluate(request);
    if (!evaluated.ok()) return evaluated.status().WithContext("test_data");
    const ClassificationMetrics& m = evaluated->metrics;
    test = {{"data", job.test_data}, {"samples", m.count},
            {"top1", m.top1},        {"top1_ci95", {m.top1_ci.lower, m.top1_ci.upper}},
            {"top5", m.top5},        {"eval_ms", MillisecondsSince(start)}};
  }
  const TrainReport& r = outcome.report;
  double epoch_ms_sum = 0.0;
  json history = json::array();
  for (const EpochStats& e : r.epochs) {
    epoch_ms_sum += e.epoch_ms;
    history.push_back(EpochToJson(e));
  }
  std::error_code ec;
  json cost = {{"model", plan.model_path.filename().string()},
               {"command", job.command},
               {"arch", ArchToJson(plan.arch)},
               {"training",
                {{"data", job.data},
                 {"val_data", job.val_data.empty() ? json(fmt::format("{:g} of data, stratified", job.val_fraction))
                                                   : json(job.val_data)},
                 {"train_samples", r.train_samples},
                 {"val_samples", r.val_samples},
                 {"optimizer", OptimizerName(job.options.optimizer)},
                 {"lr", job.options.EffectiveLr()},
                 {"weight_decay", job.options.EffectiveWeightDecay()},
                 {"batch_size", job.options.batch_size},
                 {"epochs_requested", job.options.epochs},
                 {"epochs_run", r.epochs.size()},
                 {"stopped_early", r.stopped_early},
                 {"best_epoch", r.best_epoch},
                 {"seed", job.options.seed},
                 {"threads", job.options.threads > 0 ? job.options.threads : DefaultThreadCount()},
                 {"random_crop", job.options.random_crop},
                 {"flip", job.options.flip}}},
               {"cost",
                {{"wall_ms", outcome.wall_ms},
                 {"prepare_ms", outcome.prepare_ms},
                 {"train_ms", r.train_ms},
                 {"mean_epoch_ms", r.epochs.empty() ? 0.0 : epoch_ms_sum / static_cast<double>(r.epochs.size())},
                 {"peak_rss_bytes", outcome.peak_rss_bytes},
                 {"peak_rss_source", outcome.peak_rss_isolated ? "wait4 ru_maxrss of the training child process"
                                                               : "VmHWM of the training process"}}},
               {"model_stats",
                {{"param_count_torch", outcome.param_count},
                 {"param_count_onnx", info.param_count},
                 {"macs_per_image", info.total_macs},
                 {"file_bytes", static_cast<std::int64_t>(fs::file_size(staged.model(), ec))}}},
               {"accuracy", {{"val_top1", r.best_val_top1}, {"test", test}}},
               {"history", history}};
  if (!job.prune_from.empty()) cost["pruned_from"] = PrunedFromJson(job);
  SWEETSPOT_RETURN_IF_ERROR(staged.Commit(cost));
  return cost;
}

json ToJson(const TrainJob& job) {
  const TrainOptions& o = job.options;
  return {{"data", job.data},
          {"val_data", job.val_data},
          {"test_data", job.test_data},
          {"classes_file", job.classes_file},
          {"val_fraction", job.val_fraction},
          {"limit", job.limit},
          {"family", ModelFamilyName(job.family)},
          {"preset", job.preset},
          {"width", job.width},
          {"depth", job.depth},
          {"image_width", job.image_width},
          {"image_height", job.image_height},
          {"channels", job.channels},
          {"prune_from", job.prune_from},
          {"prune_fraction", job.prune_fraction},
          {"options",
           {{"epochs", o.epochs},
            {"batch_size", o.batch_size},
            {"optimizer", OptimizerName(o.optimizer)},
            {"lr", o.lr},
            {"weight_decay", o.weight_decay},
            {"patience", o.patience},
            {"random_crop", o.random_crop},
            {"flip", o.flip},
            {"seed", o.seed},
            {"threads", o.threads}}},
          {"out_dir", job.out_dir.string()},
          {"cache", {{"enabled", job.cache.enabled}, {"dir", job.cache.dir.string()}, {"threads", job.cache.threads}}},
          {"command", job.command}};
}

Result<TrainJob> TrainJobFromJson(const json& j) {
  try {
    TrainJob job;
    job.data = j.at("data").get<std::string>();
    job.val_data = j.at("val_data").get<std::string>();
    job.test_data = j.at("test_data").get<std::string>();
    job.classes_file = j.at("classes_file").get<std::string>();
    job.val_fraction = j.at("val_fraction").get<double>();
    job.limit = j.at("limit").get<std::size_t>();
    SWEETSPOT_ASSIGN_OR_RETURN(job.family, ParseModelFamily(j.at("family").get<std::string>()));
    job.preset = j.at("preset").get<std::string>();
    job.width = j.at("width").get<int>();
    job.depth = j.at("depth").get<int>();
    job.image_width = j.at("image_width").get<int>();
    job.image_height = j.at("image_height").get<int>();
    job.channels = j.at("channels").get<int>();
    job.prune_from = j.at("prune_from").get<std::string>();
    job.prune_fraction = j.at("prune_fraction").get<double>();
    const json& o = j.at("options");
    job.options.epochs = o.at("epochs").get<int>();
    job.options.batch_size = o.at("batch_size").get<int>();
    SWEETSPOT_ASSIGN_OR_RETURN(job.options.optimizer, ParseOptimizer(o.at("optimizer").get<std::string>()));
    job.options.lr = o.at("lr").get<double>();
    job.options.weight_decay = o.at("weight_decay").get<double>();
    job.options.patience = o.at("patience").get<int>();
    job.options.random_crop = o.at("random_crop").get<bool>();
    job.options.flip = o.at("flip").get<bool>();
    job.options.seed = o.at("seed").get<std::uint64_t>();
    job.options.threads = o.at("threads").get<int>();
    job.out_dir = j.at("out_dir").get<std::string>();
    job.cache.enabled = j.at("cache").at("enabled").get<bool>();
    job.cache.dir = j.at("cache").at("dir").get<std::string>();
    job.cache.threads = j.at("cache").at("threads").get<int>();
    job.command = j.at("command").get<std::string>();
    return job;
  } catch (const json::exception& e) {
    return Status::InvalidData(fmt::format("train job: {}", e.what()));
  }
}

json ToJson(const TrainOutcome& outcome) {
  const TrainPlan& p = outcome.plan;
  const TrainReport& r = outcome.report;
  json epochs = json::array();
  for (const EpochStats& e : r.epochs) epochs.push_back(EpochToJson(e));
  return {{"plan",
           {{"arch", ArchToJson(p.arch)},
            {"train_samples", p.train_samples},
            {"val_samples", p.val_samples},
            {"test_samples", p.test_samples},
            {"model_path", p.model_path.string()},
            {"cost_path", p.cost_path.string()}}},
          {"report",
           {{"epochs", epochs},
            {"best_epoch", r.best_epoch},
            {"best_val_top1", r.best_val_top1},
            {"stopped_early", r.stopped_early},
            {"train_ms", r.train_ms},
            {"train_samples", r.train_samples},
            {"val_samples", r.val_samples}}},
          {"param_count", outcome.param_count},
          {"prepare_ms", outcome.prepare_ms},
          {"wall_ms", outcome.wall_ms},
          {"peak_rss_bytes", outcome.peak_rss_bytes},
          {"peak_rss_isolated", outcome.peak_rss_isolated}};
}

Result<TrainOutcome> TrainOutcomeFromJson(const json& j) {
  try {
    TrainOutcome o;
    const json& p = j.at("plan");
    SWEETSPOT_ASSIGN_OR_RETURN(o.plan.arch, ArchFromJson(p.at("arch")));
    o.plan.train_samples = p.at("train_samples").get<std::size_t>();
    o.plan.val_samples = p.at("val_samples").get<std::size_t>();
    o.plan.test_samples = p.at("test_samples").get<std::size_t>();
    o.plan.model_path = p.at("model_path").get<std::string>();
    o.plan.cost_path = p.at("cost_path").get<std::string>();
    const json& r = j.at("report");
    for (const json& e : r.at("epochs")) {
      EpochStats s;
      s.epoch = e.at("epoch").get<int>();
      s.train_loss = e.at("train_loss").get<double>();
      s.train_top1 = e.at("train_top1").get<double>();
      s.val_loss = e.at("val_loss").get<double>();
      s.val_top1 = e.at("val_top1").get<double>();
      s.lr_end = e.at("lr_end").get<double>();
      s.epoch_ms = e.at("epoch_ms").get<double>();
      o.report.epochs.push_back(s);
    }
    o.report.best_epoch = r.at("best_epoch").get<int>();
    o.report.best_val_top1 = r.at("best_val_top1").get<double>();
    o.report.stopped_early = r.at("stopped_early").get<bool>();
    o.report.train_ms = r.at("train_ms").get<double>();
    o.report.train_samples = r.at("train_samples").get<std::size_t>();
    o.report.val_samples = r.at("val_samples").get<std::size_t>();
    o.param_count = j.at("param_count").get<std::int64_t>();
    o.prepare_ms = j.at("prepare_ms").get<double>();
    o.wall_ms = j.at("wall_ms").get<double>();
    o.peak_rss_bytes = j.at("peak_rss_bytes").get<std::int64_t>();
    o.peak_rss_isolated = j.at("peak_rss_isolated").get<bool>();
    return o;
  } catch (const json::exception& e) {
    return Status::InvalidData(fmt::format("train outcome: {}", e.what()));
  }
}

}  // namespace sweetspot
