// `sweetspot optimize`: one variant of a model (int8, fp16, pruned, resized),
// made as a study makes it (variant.h), copied to --out.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "output.h"
#include "sweetspot/calibration_data.h"
#include "sweetspot/dataset.h"
#include "sweetspot/study.h"
#include "sweetspot/text_file.h"
#include "sweetspot/variant.h"

namespace sweetspot::cli {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kCalibrationSamples = kDefaultCalibrationSamples;
constexpr int kCalibrationBatch = 32;

struct OptimizeArgs {
  std::string model;
  std::string int8;  // static|dynamic
  std::string method = "minmax";
  bool fp16 = false;
  std::optional<double> prune;  // unset: not asked; 0 is asked and refused as out of range
  bool structured = false;
  std::string resize;
  std::string data;
  std::size_t samples = 0;
  std::uint64_t seed = 0;
  std::string preprocess;
  std::vector<std::string> exclude;
  std::string out;
  std::string json_path;
  std::string cache_dir;
};

// The variant text the flags ask for; exactly one transform.
Result<VariantSpec> SpecFromFlags(const OptimizeArgs& a) {
  std::vector<std::pair<std::string, std::string>> asked;  // flag, variant text
  if (!a.int8.empty()) {
    if (a.int8 != "static" && a.int8 != "dynamic") {
      return Status::InvalidArgument(fmt::format("--int8: '{}' is neither static nor dynamic", a.int8));
    }
    if (a.int8 == "static" && !ParseCalibrationMethod(a.method).ok()) {
      return Status::InvalidArgument(
          fmt::format("--method: '{}' is not a calibration method (minmax, percentile or entropy)", a.method));
    }
    asked.emplace_back("--int8", a.int8 == "static" ? "int8-static:" + a.method : "int8-dynamic");
  }
  if (a.fp16) asked.emplace_back("--fp16", "fp16");
  if (a.prune) {
    asked.emplace_back("--prune", fmt::format("prune:{}:{}", *a.prune, a.structured ? "structured" : "unstructured"));
  }
  if (!a.resize.empty()) asked.emplace_back("--resize", "resize:" + a.resize);
  if (asked.size() != 1) {
    return Status::InvalidArgument(
        fmt::format("{}; pass exactly one of --int8 static|dynamic, --fp16, --prune F, --resize S",
                    asked.empty() ? "no transform asked for" : "more than one transform asked for"));
  }
  auto spec = ParseVariantSpec(asked[0].second);
  if (!spec.ok()) return spec.status().WithContext(asked[0].first);
  return spec;
}

// --data's samples as the evaluation of MODEL feeds them.
Result<CalibrationData> Calibration(const OptimizeArgs& a, Backend& backend) {
  if (a.data.empty()) {
    return Status::InvalidArgument(
        "--int8 static needs calibration samples: add --data DIR (an image folder, manifest or IDX prefix, e.g. the "
        "training set; never the images accuracy is measured on)");
  }
  auto opened = OpenDataset(a.data);
  if (!opened.ok()) return opened.status().WithContext("--data");
  const Dataset& dataset = **opened;
  // What opening it skipped, as eval, train and study say it.
  for (const std::string& note : dataset.notes()) {
    std::fprintf(stderr, "note: --data '%s': %s\n", SafeText(a.data).c_str(), SafeText(note).c_str());
  }
  const std::size_t count = a.samples > 0 ? a.samples : std::min(kCalibrationSamples, dataset.size());
  if (count > dataset.size()) {
    return Status::InvalidArgument(fmt::format("--samples {}: '{}' has {} samples; ask for at most {}", count, a.data,
                                               dataset.size(), dataset.size()));
  }
  const std::vector<std::size_t> indices = StratifiedSubset(dataset, count, a.seed);
  std::vector<PreprocessLayer> layers;
  if (!a.preprocess.empty()) layers.push_back({"--preprocess", "", a.preprocess});
  TensorCacheOptions cache;
  if (!a.cache_dir.empty()) cache.dir = a.cache_dir;
  const std::string source =
      fmt::format("{} samples of {} (stratified, seed {})", count, dataset.description(), a.seed);
  return PrepareCalibrationData(backend, a.model, dataset, indices, layers, cache, kCalibrationBatch, source);
}

// "resnet56.onnx" + "int8-static:entropy" -> "resnet56.int8-static-entropy.onnx".
std::string OutputName(const fs::path& model, const std::string& canonical) {
  std::string suffix;
  for (char c : canonical) suffix += (c == ':' || c == '%') ? '-' : c;
  return fmt::format("{}.{}.onnx", model.stem().string(), suffix);
}

Status RunOptimize(const OptimizeArgs& a) {
  SWEETSPOT_ASSIGN_OR_RETURN(const VariantSpec spec, SpecFromFlags(a));
  std::error_code ec;
  if (!fs::is_regular_file(a.model, ec)) return Status::NotFound(fmt::format("model '{}' does not exist", a.model));
  const fs::path out_dir = a.out.empty() ? fs::path(a.model).parent_path() : fs::path(a.out);
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFolder(out_dir.empty() ? fs::path(".") : out_dir, "--out"));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.json_path, "--json"));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend("onnxruntime"));

  std::optional<CalibrationData> calibration;
  if (spec.NeedsCalibration()) {
    SWEETSPOT_ASSIGN_OR_RETURN(calibration, Calibration(a, *backend));
  }
  VariantRequest request;
  request.parent = a.model;
  request.spec = spec;
  request.calibration = calibration ? &*calibration : nullptr;
  request.cache_dir = a.cache_dir.empty() ? fs::path() : fs::path(a.cache_dir) / "variants";
  request.backend.intra_op_threads = 0;
  request.exclude_nodes = a.exclude;
  SWEETSPOT_ASSIGN_OR_RETURN(const MadeVariant made, MakeVariant(*backend, request));

  const fs::path output = out_dir / OutputName(a.model, made.lineage.canonical);
  fs::copy_file(made.path, output, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::IoError(fmt::format("--out: cannot write '{}': {}", output.string(), ec.message()));
  const auto bytes = [](const fs::path& p) {
    std::error_code e;
    return static_cast<std::int64_t>(fs::file_size(p, e));
  };
  if (a.json_path != "-") {
    std::cout << fmt::format("{} of {}{}\n", made.lineage.canonical, a.model,
                             made.from_cache ? " (from the cache)" : "");
    for (const auto& note : made.notes) std::cout << "  " << SafeText(note) << "\n";
    if (spec.transform == Transform::kResize) {
      std::cout << fmt::format("  evaluate it with --size {}x{}\n", spec.width, spec.height);
    }
    std::cout << fmt::format("wrote {} ({} bytes; the model had {})\n", output.string(), bytes(output), bytes(a.model));
  }
  if (!a.json_path.empty()) {
    const json doc = {{"schema", "sweetspot.optimize/1"},
                      {"model", a.model},
                      {"variant", made.lineage.canonical},
                      {"transform", made.lineage.transform},
                      {"parameters", json::parse(made.lineage.parameters_json)},
                      {"parent_sha256", made.lineage.parent_sha256},
                      {"calibration", calibration ? json{{"samples", calibration->samples},
                                                         {"source", calibration->source},
                                                         {"sha256", calibration->sha256}}
                                                  : json(nullptr)},
                      {"notes", made.notes},
                      {"from_cache", made.from_cache},
                      {"output", output.string()},
                      {"output_bytes", bytes(output)},
                      {"model_bytes", bytes(a.model)}};
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.json_path, DumpJson(doc, 2) + "\n", "--json"));
  }
  return Status::Ok();
}

}  // namespace

void RegisterOptimize(CLI::App& root, Action* selected) {
  auto args = std::make_shared<OptimizeArgs>();
  CLI::App* cmd = root.add_subcommand("optimize",
                                      "Make a faster or smaller variant of a model: int8, fp16, pruned, "
                                      "smaller input");
  cmd->footer(
      "Exactly one transform. Static int8 (QDQ) is calibrated on --data, prepared as the model's\n"
      "evaluation prepares it (its sweetspot.preprocess metadata, then --preprocess): use samples\n"
      "you do not measure accuracy on, e.g. the training set. Variants are cached by content\n"
      "(model, transform, calibration samples): asking again returns the same file at once.\n"
      "`sweetspot study` makes the same variants from its spec's `variants` (docs/study.md).\n\n"
      "Examples:\n"
      "  sweetspot optimize resnet56.onnx --int8 static --method entropy --data cifar10-train --out opt/\n"
      "  sweetspot optimize model.onnx --int8 dynamic\n"
      "  sweetspot optimize model.onnx --fp16 --json -\n"
      "  sweetspot optimize model.onnx --prune 0.5 --structured\n"
      "  sweetspot optimize model.onnx --resize 24");
  cmd->add_option("model", args->model, "float ONNX model file")->required();
  cmd->add_option("--int8", args->int8, "int8 quantization: static (QDQ, calibrated on --data) or dynamic")
      ->type_name("static|dynamic");
  cmd->add_option("--method", args->method, "static int8 calibration: minmax (default), percentile or entropy");
  cmd->add_flag("--fp16", args->fp16, "float16 weights and activations (float32 inputs and outputs)");
  cmd->add_option("--prune", args->prune, "prune this fraction in (0, 1) of each layer's weights (or channels)");
  cmd->add_flag("--structured", args->structured, "with --prune: remove whole channels (L1 norm), not single weights");
  cmd->add_option("--resize", args->resize, "a smaller input: 24 (square) or HxW (the graph must allow it)");
  cmd->add_option("--data", args->data, "calibration samples: image folder, manifest or IDX prefix");
  cmd->add_option(
         "--samples", args->samples,
         fmt::format("calibration samples drawn (stratified) from --data (default {} or all)", kCalibrationSamples))
      ->check(PositiveInteger());
  cmd->add_option("--seed", args->seed, "seed of the --samples draw (default 0)");
  cmd->add_option("--preprocess", args->preprocess, "preprocessing TOML file over the model's own (docs/eval.md)");
  cmd->add_option("--exclude", args->exclude, "int8: a node name to keep in float (repeatable)");
  cmd->add_option("--out", args->out, "folder for the variant (default: the model's folder)");
  cmd->add_option("--json", args->json_path, "write what was done as JSON to FILE (- for stdout only)");
  cmd->add_option("--cache-dir", args->cache_dir, "tensor and variant cache folder (default ~/.cache/sweetspot)");
  cmd->callback([args, selected] { *selected = [args] { return RunOptimize(*args); }; });
}

}  // namespace sweetspot::cli
