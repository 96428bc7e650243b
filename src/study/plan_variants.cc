#include "study/plan_variants.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "sweetspot/accuracy_aware.h"
#include "sweetspot/backend.h"
#include "sweetspot/calibration_data.h"
#include "sweetspot/content_hash.h"
#include "sweetspot/cpus.h"
#include "sweetspot/dataset.h"
#include "sweetspot/graph_diagnosis.h"

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string>& VariantsOf(const StudySpec& spec, const StudyModel& model) {
  return model.variants.empty() ? spec.variants : model.variants;
}

// Every entry was checked by ParseStudySpec.
VariantSpec Parsed(const std::string& canonical) { return ParseVariantSpec(canonical).value(); }

bool AnyCalibrated(const StudySpec& spec) {
  for (const StudyModel& m : spec.models) {
    for (const auto& v : VariantsOf(spec, m)) {
      if (Parsed(v).NeedsCalibration()) return true;
    }
  }
  return false;
}

struct CalibrationSet {
  std::unique_ptr<Dataset> dataset;
  std::vector<std::size_t> indices;  // ascending
  std::string source;
  bool held_out = false;
};

// `calibration_samples` drawn from `calibration`, or held out of the dataset.
Result<CalibrationSet> OpenCalibrationSet(const StudySpec& spec) {
  CalibrationSet set;
  set.held_out = spec.calibration_path.empty();
  const fs::path path = set.held_out ? spec.dataset_path : spec.calibration_path;
  const std::string where =
      fmt::format("{} [dataset] {}", spec.spec_path.string(), set.held_out ? "calibration_samples" : "calibration");
  DatasetOptions options;
  if (set.held_out) options.class_names_file = spec.classes_file;
  auto opened = OpenDataset(path, options);
  if (!opened.ok()) return opened.status().WithContext(where);
  set.dataset = std::move(opened).value();
  const std::size_t size = set.dataset->size();
  std::size_t count = spec.calibration_samples;
  if (count == 0) {
    count = std::min(kDefaultCalibrationSamples, set.held_out ? std::max<std::size_t>(1, size / 10) : size);
  }
  if (set.held_out && count >= size) {
    return Status::InvalidArgument(fmt::format(
        "{}: holding {} samples out of the {} of '{}' leaves none to evaluate; ask for fewer, or name another set "
        "with calibration = \"PATH\"",
        where, count, size, path.string()));
  }
  if (count > size) {
    return Status::InvalidArgument(fmt::format("{}: asks for {} samples but '{}' has {}; ask for at most {}", where,
                                               count, path.string(), size, size));
  }
  set.indices = StratifiedSubset(*set.dataset, count, spec.seed);
  set.source = set.held_out ? fmt::format(
                                  "{} samples held out of {} (stratified, seed {}) and excluded from every "
                                  "accuracy run",
                                  count, set.dataset->description(), spec.seed)
                            : fmt::format("{} samples of {} (stratified, seed {})", count, set.dataset->description(),
                                          spec.seed);
  return set;
}

Result<CalibrationData> PrepareCalibration(const StudySpec& spec, const StudyModel& model, const CalibrationSet& set,
                                           Backend& backend, const fs::path& tensor_cache_dir) {
  TensorCacheOptions cache;
  cache.dir = tensor_cache_dir;
  cache.threads = EvalThreads(spec.eval_threads);
  return PrepareCalibrationData(backend, model.path, *set.dataset, set.indices, ModelPreprocessLayers(spec, model),
                                cache, spec.eval_batch, set.source);
}

// What making the variants of one model needs, prepared when first needed.
struct VariantContext {
  const StudySpec& spec;
  Backend& backend;
  fs::path tensor_cache_dir;
  fs::path variant_dir;
  const CalibrationSet* calibration_set = nullptr;
  std::unique_ptr<Dataset> evaluation_dataset;  // set when a variant is accuracy-aware
  std::vector<std::size_t> evaluation_indices;
};

struct ModelSamples {
  std::optional<Result<CalibrationData>> calibration;
  std::optional<Result<EvaluationData>> evaluation;
};

Result<EvaluationData> PrepareEvaluation(const VariantContext& context, const StudyModel& model) {
  TensorCacheOptions cache;
  cache.dir = context.tensor_cache_dir;
  cache.threads = EvalThreads(context.spec.eval_threads);
  return PrepareEvaluationData(context.backend, model.path, *context.evaluation_dataset, context.evaluation_indices,
                               ModelPreprocessLayers(context.spec, model), cache, context.spec.eval_batch);
}

// The search scores on the study's evaluation samples and times each step
// as the study's first runtime setting, with the study's durations.
AccuracyAwareSearch MakeSearch(const VariantContext& context, const VariantSpec& variant,
                               const EvaluationData& evaluation) {
  const StudySpec& spec = context.spec;
  AccuracyAwareOptions options;
  const int threads = spec.settings.empty() ? 1 : spec.settings.front().threads;
  options.backend.intra_op_threads = threads > 0 ? threads : DefaultThreadCount();
  options.latency.stopping.min_duration = std::chrono::duration<double>(spec.duration_s);
  options.latency.stopping.max_duration = std::chrono::duration<double>(spec.max_duration_s);
  options.latency.stopping.min_count = spec.min_count;
  options.latency.warmup_max_duration = std::chrono::duration<double>(spec.max_duration_s);
  return MakeAccuracyAwareSearch(context.backend, variant, evaluation, options);
}

DerivedModel Failed(DerivedModel d, Status failure) {
  d.failure = std::move(failure);
  return d;
}

DerivedModel MakeDerived(VariantContext& context, std::size_t parent, const std::string& canonical,
                         ModelSamples* samples, bool* from_cache) {
  const StudySpec& spec = context.spec;
  const VariantSpec variant = Parsed(canonical);
  const StudyModel& from = spec.models[parent];
  DerivedModel d;
  d.parent = parent;
  d.canonical = canonical;
  d.model = from;
  d.model.name = fmt::format("{}/{}", from.name, canonical);
  d.model.variants.clear();
  d.lineage.transform = std::string(TransformName(variant.transform));
  d.lineage.canonical = canonical;
  d.lineage.parameters_json = variant.ParametersJson();
  if (variant.transform == Transform::kResize) {
    d.preprocess_override = fmt::format("width = {}\nheight = {}\n", variant.width, variant.height);
  }
  VariantRequest request;
  if (variant.NeedsCalibration()) {
    if (!samples->calibration) {
      samples->calibration =
          PrepareCalibration(spec, from, *context.calibration_set, context.backend, context.tensor_cache_dir);
    }
    if (!samples->calibration->ok()) {
      return Failed(std::move(d), samples->calibration->status().WithContext("calibration samples"));
    }
    request.calibration = &samples->calibration->value();
  }
  if (variant.transform == Transform::kInt8Aware) {
    if (!samples->evaluation) samples->evaluation = PrepareEvaluation(context, from);
    if (!samples->evaluation->ok()) {
      return Failed(std::move(d), samples->evaluation->status().WithContext("evaluation samples"));
    }
    request.accuracy_aware = MakeSearch(context, variant, samples->evaluation->value());
    request.evaluation_sha256 = samples->evaluation->value().sha256;
  }
  request.parent = from.path;
  request.spec = variant;
  request.cache_dir = context.variant_dir;
  request.backend.intra_op_threads = EvalThreads(spec.eval_threads);
  // The file carries the preprocessing it was made and is measured with.
  auto metadata = VariantMetadata(context.backend, from.path, ModelPreprocessLayers(spec, from), variant);
  if (!metadata.ok()) return Failed(std::move(d), metadata.status().WithContext("preprocessing"));
  request.metadata = *std::move(metadata);
  auto made = MakeVariant(context.backend, request, &d.notes);
  if (!made.ok()) return Failed(std::move(d), made.status());
  *from_cache = made->from_cache;
  d.model.path = made->path;
  d.lineage = made->lineage;
  d.notes = made->notes;
  d.sqnr = made->sqnr;
  return d;
}

bool AnyAware(const StudySpec& spec) {
  for (const StudyModel& m : spec.models) {
    for (const auto& v : VariantsOf(spec, m)) {
      if (Parsed(v).transform == Transform::kInt8Aware) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<PreprocessLayer> ModelPreprocessLayers(const StudySpec& spec, const StudyModel& model,
                                                   const std::string& override_toml) {
  std::vector<PreprocessLayer> layers;
  if (!spec.dataset_preprocess_toml.empty()) {
    layers.push_back({spec.spec_path.string() + " [dataset.preprocess]", spec.dataset_preprocess_toml, ""});
  }
  if (!model.preprocess_toml.empty()) {
    layers.push_back(
        {fmt::format("{} [[models]] '{}' preprocess", spec.spec_path.string(), model.name), model.preprocess_toml, ""});
  }
  if (!override_toml.empty()) layers.push_back({fmt::format("variant '{}'", model.name), override_toml, ""});
  return layers;
}

namespace {

// "made large/fp16 in 2.1 s", "large/fp16: from the variant cache", "could not make large/fp16: ...".
std::string MadeLine(const DerivedModel& d, bool from_cache, double seconds) {
  if (!d.failure.ok()) return fmt::format("could not make {}: {}", d.model.name, d.failure.message());
  if (from_cache) return fmt::format("{}: from the variant cache", d.model.name);
  return fmt::format("made {} in {:.1f} s", d.model.name, seconds);
}

}  // namespace

Result<VariantsPlan> PlanVariants(const StudySpec& spec, const fs::path& tensor_cache_dir,
                                  const std::function<void(const std::string&)>& made) {
  VariantsPlan plan;
  bool any = false;
  for (const StudyModel& m : spec.models) {
    for (const auto& v : VariantsOf(spec, m)) any = any || v != "identity";
  }
  if (!any) return plan;
  std::optional<CalibrationSet> set;
  if (AnyCalibrated(spec)) {
    SWEETSPOT_ASSIGN_OR_RETURN(set, OpenCalibrationSet(spec));
    plan.calibration = set->source;
    plan.calibration_samples = set->indices.size();
    if (set->held_out) plan.holdout = set->indices;
  }
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend("onnxruntime"));
  VariantContext context{spec, *backend, tensor_cache_dir, StudyVariantDir(tensor_cache_dir), nullptr, {}, {}};
  if (set) context.calibration_set = &*set;
  if (AnyAware(spec)) {
    DatasetOptions options;
    options.class_names_file = spec.classes_file;
    auto opened = OpenDataset(spec.dataset_path, options);
    if (!opened.ok()) return opened.status().WithContext(spec.spec_path.string() + " [dataset] path");
    context.evaluation_dataset = std::move(opened).value();
    context.evaluation_indices = StratifiedSubset(*context.evaluation_dataset, spec.limit, spec.seed, plan.holdout);
  }
  for (std::size_t i = 0; i < spec.models.size(); ++i) {
    ModelSamples samples;  // prepared once per model, when first needed
    for (const auto& canonical : VariantsOf(spec, spec.models[i])) {
      if (canonical == "identity") continue;
      const auto start = std::chrono::steady_clock::now();
      bool from_cache = false;
      plan.derived.push_back(MakeDerived(context, i, canonical, &samples, &from_cache));
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (made) made(MadeLine(plan.derived.back(), from_cache, took.count()));
    }
  }
  return plan;
}

fs::path StudyVariantDir(const fs::path& tensor_cache_dir) {
  return tensor_cache_dir.empty() ? DefaultVariantCacheDir() : tensor_cache_dir / "variants";
}

void DiagnoseVariants(const fs::path& variant_dir, StudyPlan* plan) {
  std::vector<bool> wanted(plan->models.size(), false);
  for (std::size_t i = 0; i < plan->models.size(); ++i) {
    const PlannedModel& m = plan->models[i];
    if (!m.parent || !m.variant_failure.ok()) continue;
    wanted[i] = true;
    wanted[*m.parent] = true;
  }
  auto backend = CreateBackend("onnxruntime");
  if (!backend.ok()) return;
  BackendOptions options;  // the runtime's default graph optimisation, as measured
  for (std::size_t i = 0; i < plan->models.size(); ++i) {
    if (!wanted[i]) continue;
    PlannedModel& m = plan->models[i];
    const fs::path optimized = variant_dir / "optimized" / (m.info.sha256 + ".onnx");
    std::error_code ec;
    fs::create_directories(optimized.parent_path(), ec);
    auto diagnosis = DiagnoseOptimizedGraph(**backend, m.path, options, optimized);
    if (diagnosis.ok()) {
      m.diagnosis = *std::move(diagnosis);
    } else {
      plan->warnings.push_back(
          fmt::format("no optimised-graph diagnosis of {}: {}", m.name, diagnosis.status().message()));
    }
  }
}

std::string DescribeDiagnosis(const GraphDiagnosis& d) {
  constexpr std::size_t kOpsShown = 5;
  std::vector<std::string> ops;
  for (std::size_t k = 0; k < d.ops.size() && k < kOpsShown; ++k) {
    const OpCount& op = d.ops[k];
    ops.push_back(fmt::format("{} {} ({})", op.count, op.op_type, op.precision));
  }
  if (d.ops.size() > kOpsShown) ops.push_back("...");
  return fmt::format(
      "optimised graph: {} nodes: {}; {} QuantizeLinear, {} DequantizeLinear, {} Cast; {:.0f} % of MACs "
      "in float",
      d.node_count, fmt::join(ops, ", "), d.quantize_nodes, d.dequantize_nodes, d.cast_nodes,
      100 * d.float_mac_fraction);
}

}  // namespace sweetspot
