#include "study/plan_variants.h"

#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "sweetspot/backend.h"
#include "sweetspot/calibration_data.h"
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

DerivedModel MakeDerived(const StudySpec& spec, std::size_t parent, const std::string& canonical, Backend& backend,
                         const Result<CalibrationData>* calibration, const fs::path& variant_dir) {
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
  if (variant.NeedsCalibration() && !(*calibration).ok()) {
    d.failure = (*calibration).status().WithContext("calibration samples");
    return d;
  }
  VariantRequest request;
  request.parent = from.path;
  request.spec = variant;
  request.calibration = variant.NeedsCalibration() ? &calibration->value() : nullptr;
  request.cache_dir = variant_dir;
  request.backend.intra_op_threads = EvalThreads(spec.eval_threads);
  auto made = MakeVariant(backend, request);
  if (!made.ok()) {
    d.failure = made.status();
    return d;
  }
  d.model.path = made->path;
  d.lineage = made->lineage;
  d.notes = made->notes;
  return d;
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

Result<VariantsPlan> PlanVariants(const StudySpec& spec, const fs::path& tensor_cache_dir) {
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
  const fs::path variant_dir = StudyVariantDir(tensor_cache_dir);
  for (std::size_t i = 0; i < spec.models.size(); ++i) {
    std::optional<Result<CalibrationData>> calibration;  // prepared once per model, when first needed
    for (const auto& canonical : VariantsOf(spec, spec.models[i])) {
      if (canonical == "identity") continue;
      if (Parsed(canonical).NeedsCalibration() && !calibration) {
        calibration = PrepareCalibration(spec, spec.models[i], *set, *backend, tensor_cache_dir);
      }
      plan.derived.push_back(
          MakeDerived(spec, i, canonical, *backend, calibration ? &*calibration : nullptr, variant_dir));
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
