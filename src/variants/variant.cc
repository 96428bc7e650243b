#include "sweetspot/variant.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "sweetspot/content_hash.h"
#include "sweetspot/float16.h"
#include "sweetspot/input_resize.h"
#include "sweetspot/onnx_model.h"
#include "sweetspot/prune.h"
#include "sweetspot/quantize.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kModelFile = "model.onnx";
constexpr std::string_view kRecordFile = "variant.json";

// "12 nodes (Conv 10, Gemm 2)".
std::string NodesByOp(const onnx::ModelProto& model, const std::vector<std::string>& names) {
  std::map<std::string, std::string> op_of;
  for (const auto& node : model.graph().node()) op_of[node.name()] = node.op_type();
  std::map<std::string, int> counts;
  for (const auto& name : names) counts[op_of[name]]++;
  std::vector<std::string> parts;
  for (const auto& [op, count] : counts) parts.push_back(fmt::format("{} {}", op, count));
  return fmt::format("{} node(s) ({})", names.size(), fmt::join(parts, ", "));
}

void AddQuantizeNotes(const onnx::ModelProto& model, const QuantizeReport& report, std::vector<std::string>* notes) {
  notes->push_back("quantized " + NodesByOp(model, report.quantized_nodes));
  for (const auto& [node, why] : report.skipped) notes->push_back(fmt::format("kept float: {} ({})", node, why));
}

QuantizeOptions MakeQuantizeOptions(const VariantRequest& request) {
  QuantizeOptions options;
  options.exclude_nodes = request.exclude_nodes;
  return options;
}

bool IsInt8(Transform transform) {
  return transform == Transform::kInt8Static || transform == Transform::kInt8Dynamic ||
         transform == Transform::kInt8Aware;
}

// A name in exclude_nodes that is no node of the parent would silently keep
// nothing in float; the error lists the nodes that can be named.
Status CheckExcludedNodes(const VariantRequest& request, const onnx::ModelProto& parent) {
  constexpr std::size_t kNamesShown = 8;
  std::set<std::string> names;
  std::vector<std::string> quantizable;
  const QuantizeOptions defaults;
  for (const auto& node : parent.graph().node()) {
    names.insert(node.name());
    const auto& ops = defaults.op_types;
    if (!node.name().empty() && std::find(ops.begin(), ops.end(), node.op_type()) != ops.end()) {
      quantizable.push_back(node.name());
    }
  }
  for (const std::string& name : request.exclude_nodes) {
    if (names.count(name) > 0) continue;
    const std::size_t shown = std::min(quantizable.size(), kNamesShown);
    return Status::InvalidArgument(
        fmt::format("the node to keep in float '{}' is not in '{}'; name one of its quantizable nodes: {}{}", name,
                    request.parent.string(),
                    fmt::join(quantizable.begin(), quantizable.begin() + static_cast<std::ptrdiff_t>(shown), ", "),
                    shown < quantizable.size() ? fmt::format(", ... ({} in all)", quantizable.size()) : ""));
  }
  return Status::Ok();
}

// The first kSqnrSamples calibration samples (whole batches, at least one).
std::span<const Tensor> SqnrBatches(const CalibrationData& data) {
  std::size_t count = 0;
  std::size_t samples = 0;
  while (count < data.batches.size() && (count == 0 || samples < kSqnrSamples)) {
    const Shape& shape = data.batches[count].shape();
    samples += shape.empty() ? 1 : static_cast<std::size_t>(shape[0]);
    ++count;
  }
  return std::span<const Tensor>(data.batches).first(count);
}

Result<ActivationRanges> Calibrate(Backend& backend, const VariantRequest& request, const onnx::ModelProto& model,
                                   const QuantizeOptions& options, std::vector<std::string>* notes) {
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<std::string> tensors, StaticQuantizationTensors(model, options));
  CalibrationOptions calibration;
  calibration.method = request.spec.method;
  calibration.percentile = request.spec.percentile;
  calibration.backend = request.backend;
  const CalibrationData& data = *request.calibration;
  notes->push_back(fmt::format("calibration: {} over {} samples ({})", CalibrationMethodName(request.spec.method),
                               data.samples, data.source));
  return CalibrateActivations(backend, model, tensors, data.batches, calibration);
}

Result<onnx::ModelProto> Int8Static(Backend& backend, const VariantRequest& request, const onnx::ModelProto& model,
                                    std::vector<std::string>* notes) {
  const QuantizeOptions options = MakeQuantizeOptions(request);
  SWEETSPOT_ASSIGN_OR_RETURN(ActivationRanges ranges, Calibrate(backend, request, model, options, notes));
  QuantizeReport report;
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto quantized, QuantizeStatic(model, ranges, options, &report));
  AddQuantizeNotes(model, report, notes);
  return quantized;
}

Result<onnx::ModelProto> Int8Aware(Backend& backend, const VariantRequest& request, const onnx::ModelProto& model,
                                   std::vector<std::string>* notes) {
  const QuantizeOptions options = MakeQuantizeOptions(request);
  SWEETSPOT_ASSIGN_OR_RETURN(ActivationRanges ranges, Calibrate(backend, request, model, options, notes));
  return request.accuracy_aware(model, ranges, options, notes);
}

Result<onnx::ModelProto> Int8Dynamic(const VariantRequest& request, const onnx::ModelProto& model,
                                     std::vector<std::string>* notes) {
  const QuantizeOptions options = MakeQuantizeOptions(request);
  QuantizeReport report;
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto quantized, QuantizeDynamic(model, options, &report));
  AddQuantizeNotes(model, report, notes);
  return quantized;
}

// "21 Conv, 19 Relu kept float32: <reason>; 1 Resize kept float32: <reason>": the
// kept nodes counted per op type (most first), one group per distinct reason.
std::string KeptFloat32Summary(const Float16Report& report) {
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, int>>>> groups;  // reason -> op counts
  for (std::size_t i = 0; i < report.float32_nodes.size(); ++i) {
    const std::string& reason = report.reasons[i];
    auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == reason; });
    if (group == groups.end()) group = groups.insert(groups.end(), {reason, {}});
    auto& counts = group->second;
    auto op = std::find_if(counts.begin(), counts.end(),
                           [&](const auto& c) { return c.first == report.float32_op_types[i]; });
    if (op == counts.end()) op = counts.insert(counts.end(), {report.float32_op_types[i], 0});
    ++op->second;
  }
  std::vector<std::string> parts;
  for (auto& [reason, counts] : groups) {
    std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<std::string> ops;
    for (const auto& [op_type, count] : counts) ops.push_back(fmt::format("{} {}", count, op_type));
    parts.push_back(fmt::format("{} kept float32: {}", fmt::join(ops, ", "), reason));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

Result<onnx::ModelProto> Float16(Backend& backend, const VariantRequest& request, const onnx::ModelProto& model,
                                 std::vector<std::string>* notes) {
  Float16Report report;
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto converted,
                             ConvertToFloat16ForRuntime(backend, request.backend, model, {}, &report));
  notes->push_back(fmt::format("float16 weights and activations, float32 inputs and outputs; {} Cast node(s) added",
                               report.cast_nodes));
  for (std::size_t i = 0; i < report.float32_nodes.size(); ++i) {
    notes->push_back(fmt::format("kept float32: {} ({})", report.float32_nodes[i], report.reasons[i]));
  }
  // Every node kept float32 hands back the parent: say why rather than only that it is identical.
  if (report.float16_nodes == 0) {
    const std::string& provider = request.backend.execution_provider;
    return Status::InvalidArgument(fmt::format(
        "no node would compute in float16 under execution provider {} ({}); fp16 pays off with a provider that has "
        "float16 kernels (e.g. {})",
        provider, KeptFloat32Summary(report), provider == "cuda" ? "tensorrt" : "cuda"));
  }
  return converted;
}

Result<onnx::ModelProto> Prune(const VariantRequest& request, const onnx::ModelProto& model,
                               std::vector<std::string>* notes) {
  PruneReport report;
  const double fraction = request.spec.fraction;
  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto pruned,
                             request.spec.structured ? PruneChannels(model, fraction, ResidualChannels::kKeep, &report)
                                                     : PruneUnstructured(model, fraction, &report));
  notes->push_back(
      fmt::format("{} parameters {} -> {}; compressed size {} -> {} bytes",
                  request.spec.structured ? "structured channel pruning:" : "magnitude pruning:", report.params_before,
                  report.params_after, report.compressed_bytes_before, report.compressed_bytes_after));
  if (!request.spec.structured) {
    notes->push_back(
        fmt::format("sparsity {:.1f} %; dense kernels do not run faster on zeros", 100 * report.achieved_sparsity));
  }
  // One note per reason: a residual stream kept whole names each of its Convs alike.
  for (std::size_t i = 0, same = 1; i < report.kept.size(); i += same) {
    const auto& [node, why] = report.kept[i];
    same = 1;
    while (i + same < report.kept.size() && report.kept[i + same].second == why) ++same;
    notes->push_back(same == 1 ? fmt::format("kept: {} ({})", node, why)
                               : fmt::format("kept: {} and {} more Convs ({})", node, same - 1, why));
  }
  return pruned;
}

Result<onnx::ModelProto> Derive(Backend& backend, const VariantRequest& request, const onnx::ModelProto& model,
                                std::vector<std::string>* notes) {
  const VariantSpec& spec = request.spec;
  switch (spec.transform) {
    case Transform::kInt8Static: return Int8Static(backend, request, model, notes);
    case Transform::kInt8Dynamic: return Int8Dynamic(request, model, notes);
    case Transform::kFloat16: return Float16(backend, request, model, notes);
    case Transform::kPrune: return Prune(request, model, notes);
    case Transform::kResize:
      notes->push_back(fmt::format("image input resized to {}x{}", spec.height, spec.width));
      return ResizeInput(model, spec.height, spec.width);
    case Transform::kInt8Aware: return Int8Aware(backend, request, model, notes);
    case Transform::kIdentity: break;
  }
  return model;
}

// The parent's metadata (its preprocessing above all: the evaluation of the
// variant must feed it what the parent gets) where the transform dropped it,
// then the request's entries over it.
void SetMetadata(const onnx::ModelProto& parent, const std::map<std::string, std::string>& entries,
                 onnx::ModelProto* derived) {
  std::map<std::string, std::string> merged;
  for (const auto& prop : parent.metadata_props()) merged[prop.key()] = prop.value();
  for (const auto& prop : derived->metadata_props()) merged[prop.key()] = prop.value();
  for (const auto& [key, value] : entries) merged[key] = value;
  derived->clear_metadata_props();
  for (const auto& [key, value] : merged) {
    auto* prop = derived->add_metadata_props();
    prop->set_key(key);
    prop->set_value(value);
  }
}

VariantLineage MakeLineage(const VariantSpec& spec, std::string parent_sha256, std::string calibration_sha256,
                           const std::string& evaluation_sha256) {
  VariantLineage lineage;
  lineage.parent_sha256 = std::move(parent_sha256);
  lineage.transform = std::string(TransformName(spec.transform));
  lineage.canonical = spec.Canonical();
  json parameters = json::parse(spec.ParametersJson());
  if (!calibration_sha256.empty()) parameters["calibration"] = calibration_sha256;
  if (!evaluation_sha256.empty()) parameters["evaluation"] = evaluation_sha256;
  lineage.parameters_json = parameters.dump();
  lineage.calibration_sha256 = std::move(calibration_sha256);
  return lineage;
}

// The cached variant, when its folder is complete (the record is written last).
std::optional<MadeVariant> FindCached(const fs::path& folder, const VariantLineage& lineage) {
  std::error_code ec;
  if (!fs::is_regular_file(folder / kModelFile, ec) || !fs::is_regular_file(folder / kRecordFile, ec)) {
    return std::nullopt;
  }
  auto text = ReadTextFile(folder / kRecordFile);
  if (!text.ok()) return std::nullopt;
  const json record = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!record.is_object() || record.value("canonical", "") != lineage.canonical) return std::nullopt;
  MadeVariant made{folder / kModelFile, true, lineage, {}, {}};
  for (const auto& note : record.value("notes", json::array())) {
    if (note.is_string()) made.notes.push_back(note.get<std::string>());
  }
  made.sqnr = SqnrFromJson(record.value("sqnr", json::array()));
  return made;
}

// Loads the variant and runs one zero input (dynamic dims as 1): a model that
// loads but cannot run (a weight sized for another shape) is refused here,
// not at the user's first inference.
Status CheckRuns(Backend& backend, const VariantRequest& request, const fs::path& model_path,
                 const std::string& canonical) {
  const auto bug = [&](std::string_view what, std::string_view error) {
    return Status::Internal(
        fmt::format("the {} variant of '{}' does not {} in the runtime ({}); this is a bug "
                    "of the transform: report it with the model",
                    canonical, request.parent.string(), what, error));
  };
  auto session = backend.Load(model_path, request.backend);
  if (!session.ok()) return bug("load", session.status().message());
  std::vector<Tensor> zeros;
  for (const TensorInfo& info : (*session)->inputs()) {
    Shape shape = info.shape;
    for (auto& dim : shape) dim = dim < 0 ? 1 : dim;
    zeros.push_back(Tensor::Owned(info.dtype, std::move(shape)));
  }
  auto outputs = (*session)->Run(zeros);
  if (!outputs.ok()) return bug("run", outputs.status().message());
  return Status::Ok();
}

// Writes the model and its record into a fresh temporary folder beside
// `folder`, checks that the backend loads it, then renames it into place.
Status Store(Backend& backend, const VariantRequest& request, const onnx::ModelProto& model, const MadeVariant& made,
             const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder.parent_path(), ec);
  std::random_device random;
  const fs::path temporary = fs::path(folder.string() + fmt::format(".tmp-{:08x}", random()));
  if (!fs::create_directory(temporary, ec)) {
    return Status::IoError(fmt::format("cannot create the variant cache folder '{}': {}", temporary.string(),
                                       ec ? ec.message() : "it exists"));
  }
  const auto fail = [&](Status status) {
    fs::remove_all(temporary, ec);
    return status;
  };
  if (Status s = SaveOnnxModel(model, temporary / kModelFile); !s.ok()) return fail(s);
  if (Status s = CheckRuns(backend, request, temporary / kModelFile, made.lineage.canonical); !s.ok()) return fail(s);
  const json record = {{"canonical", made.lineage.canonical},
                       {"parent", request.parent.string()},
                       {"parent_sha256", made.lineage.parent_sha256},
                       {"parameters", json::parse(made.lineage.parameters_json)},
                       {"notes", made.notes},
                       {"sqnr", SqnrToJson(made.sqnr)}};
  if (Status s = WriteTextFile(temporary / kRecordFile, record.dump(2) + "\n"); !s.ok()) return fail(s);
  fs::rename(temporary, folder, ec);
  // Another process that made the same variant first wins; its file is the same.
  if (ec) fs::remove_all(temporary, ec);
  return Status::Ok();
}

}  // namespace

fs::path DefaultVariantCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const fs::path base = xdg != nullptr && *xdg != '\0' ? fs::path(xdg)
                        : home != nullptr              ? fs::path(home) / ".cache"
                                                       : fs::temp_directory_path();
  return base / "sweetspot" / "variants";
}

fs::path VariantCacheFolder(const fs::path& cache_dir, std::string_view parent_sha256, const VariantSpec& spec,
                            std::string_view inputs_sha256) {
  // Structured pruning made before residual streams were kept whole wrote
  // other files for the same spec: its key changed so they are not reused.
  const bool structured = spec.transform == Transform::kPrune && spec.structured;
  const std::string key = fmt::format("{}\n{}\n{}{}", parent_sha256, spec.Canonical(), inputs_sha256,
                                      structured ? "\nresidual streams kept" : "");
  return (cache_dir.empty() ? DefaultVariantCacheDir() : cache_dir) / Sha256Hex(key).substr(0, 32);
}

// Everything but the parent and the spec that the file depends on.
std::string InputsSha256(const VariantRequest& request, const VariantLineage& lineage) {
  // The search's result depends on the samples it scores on as well.
  std::string inputs = request.spec.transform == Transform::kInt8Aware
                           ? Sha256Hex(lineage.calibration_sha256 + "\n" + request.evaluation_sha256)
                           : lineage.calibration_sha256;
  if (!request.metadata.empty()) inputs = Sha256Hex(inputs + "\n" + json(request.metadata).dump());
  return inputs;
}

// What int8 did to each quantized activation, for the reports.
void DiagnoseSqnr(Backend& backend, const VariantRequest& request, const onnx::ModelProto& parent,
                  const onnx::ModelProto& derived, MadeVariant* made) {
  const Transform t = request.spec.transform;
  if (t != Transform::kInt8Static && t != Transform::kInt8Aware) return;
  auto layers = DiagnoseQuantization(backend, parent, derived, SqnrBatches(*request.calibration), request.backend);
  if (layers.ok()) {
    made->sqnr = *std::move(layers);
  } else {
    made->notes.push_back("no SQNR diagnosis: " + layers.status().message());
  }
}

Result<MadeVariant> MakeVariant(Backend& backend, const VariantRequest& request,
                                std::vector<std::string>* failure_notes) {
  const VariantSpec& spec = request.spec;
  const CalibrationData* data = request.calibration;
  if (spec.NeedsCalibration() && (data == nullptr || data->batches.empty())) {
    return Status::InvalidArgument(
        fmt::format("variant '{}' needs calibration samples; give a calibration dataset", spec.Canonical()));
  }
  const bool aware = spec.transform == Transform::kInt8Aware;
  if (aware && !request.accuracy_aware) {
    return Status::Unsupported(
        fmt::format("variant '{}' needs an evaluation set to search on; make it in a study (variants = [\"{}\"])",
                    spec.Canonical(), spec.Canonical()));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(std::string parent_sha256, HashFile(request.parent));
  MadeVariant made;
  made.lineage = MakeLineage(spec, parent_sha256, spec.NeedsCalibration() ? data->sha256 : "",
                             aware ? request.evaluation_sha256 : "");
  if (spec.transform == Transform::kIdentity) {
    made.path = request.parent;
    return made;
  }
  const fs::path folder =
      VariantCacheFolder(request.cache_dir, parent_sha256, spec, InputsSha256(request, made.lineage));
  if (auto cached = FindCached(folder, made.lineage)) return *std::move(cached);

  SWEETSPOT_ASSIGN_OR_RETURN(onnx::ModelProto parent, LoadOnnxModel(request.parent));
  // The file's name, not its path: a study's reason names the candidate already.
  const std::string what = fmt::format("{} of '{}'", spec.Canonical(), request.parent.filename().string());
  if (IsInt8(spec.transform)) SWEETSPOT_RETURN_IF_ERROR(CheckExcludedNodes(request, parent));
  const auto fail = [&](Status status) {
    if (failure_notes != nullptr) *failure_notes = made.notes;
    return status;
  };
  auto derived = Derive(backend, request, parent, &made.notes);
  if (!derived.ok()) return fail(derived.status().WithContext(what));
  // A transform with nothing to change would hand back the parent under the
  // variant's name (fp16 says why itself, in Float16).
  if (derived->SerializeAsString() == parent.SerializeAsString()) {
    return fail(Status::InvalidArgument(fmt::format("{} is identical to '{}': the transform changed nothing",
                                                    spec.Canonical(), request.parent.string())));
  }
  SetMetadata(parent, request.metadata, &*derived);
  DiagnoseSqnr(backend, request, parent, *derived, &made);
  if (Status s = Store(backend, request, *derived, made, folder); !s.ok()) return fail(s);
  made.path = folder / kModelFile;
  return made;
}

}  // namespace sweetspot
