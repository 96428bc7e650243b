// `sweetspot optimize`: one variant of a model (int8, fp16, pruned, resized),
// made as a study makes it (variant.h), copied to --out.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "output.h"
#include "preprocess_flags.h"
#include "sweetspot/calibration_data.h"
#include "sweetspot/content_hash.h"
#include "sweetspot/dataset.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/study.h"
#include "sweetspot/text_file.h"
#include "sweetspot/variant.h"

namespace sweetspot::cli {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kCalibrationSamples = kDefaultCalibrationSamples;
constexpr int kCalibrationBatch = 32;
constexpr std::size_t kWorstLayers = 5;

struct OptimizeArgs {
  std::string model;
  std::string int8;  // static|dynamic|aware
  std::string method;
  std::string budget;
  bool fp16 = false;
  std::optional<double> prune;  // unset: not asked; 0 is asked and refused as out of range
  bool structured = false;
  std::string resize;
  std::string data;
  std::size_t samples = 0;
  std::uint64_t seed = 0;
  std::string eval_data;
  std::size_t eval_limit = 0;
  std::string preprocess;
  PreprocessFlags preprocess_flags;
  std::vector<std::string> exclude;
  std::string out;
  std::string json_path;
  std::string cache_dir;
  bool force = false;
  std::set<std::string> given;  // the options typed, for CheckApplicable
};

// The variant text the flags ask for; exactly one transform. Also returns the
// transform as typed ("--int8 dynamic"), for CheckApplicable's messages.
Result<VariantSpec> SpecFromFlags(const OptimizeArgs& a, std::string* asked_as) {
  std::vector<std::pair<std::string, std::string>> asked;  // flag, variant text
  if (!a.int8.empty()) {
    if (a.int8 != "static" && a.int8 != "dynamic" && a.int8 != "aware") {
      return Status::InvalidArgument(fmt::format("--int8: '{}' is not static, dynamic or aware", a.int8));
    }
    const std::string method = a.method.empty() ? "minmax" : a.method;
    if (a.int8 == "static" && !ParseCalibrationMethod(method).ok()) {
      return Status::InvalidArgument(
          fmt::format("--method: '{}' is not a calibration method (minmax, percentile or entropy)", method));
    }
    if (a.int8 == "aware" && a.budget.empty()) {
      return Status::InvalidArgument(
          "--int8 aware needs an accuracy budget: add --budget 0.3 (top-1 points) or --budget 0.5% (of the "
          "model's top-1)");
    }
    const std::string text = a.int8 == "static"    ? "int8-static:" + method
                             : a.int8 == "dynamic" ? "int8-dynamic"
                                                   : "int8-aware:" + a.budget;
    asked.emplace_back("--int8 " + a.int8, text);
  }
  if (a.fp16) asked.emplace_back("--fp16", "fp16");
  if (a.prune) {
    asked.emplace_back("--prune", fmt::format("prune:{}:{}", *a.prune, a.structured ? "structured" : "unstructured"));
  }
  if (!a.resize.empty()) asked.emplace_back("--resize", "resize:" + a.resize);
  if (asked.size() != 1) {
    return Status::InvalidArgument(
        fmt::format("{}; pass exactly one of --int8 static|dynamic|aware, --fp16, --prune F, --resize S",
                    asked.empty() ? "no transform asked for" : "more than one transform asked for"));
  }
  *asked_as = asked[0].first;
  auto spec = ParseVariantSpec(asked[0].second);
  if (!spec.ok()) return spec.status().WithContext(asked[0].first == "--int8 aware" ? "--budget" : asked[0].first);
  return spec;
}

// An option the chosen transform does not use would be silently ignored.
Status CheckApplicable(const OptimizeArgs& a, const VariantSpec& spec, const std::string& asked_as) {
  const Transform t = spec.transform;
  const bool int8 = t == Transform::kInt8Static || t == Transform::kInt8Dynamic || t == Transform::kInt8Aware;
  const struct {
    const char* option;
    bool applies;
    const char* to;
  } rules[] = {
      {"--method", t == Transform::kInt8Static, "--int8 static"},
      {"--budget", t == Transform::kInt8Aware, "--int8 aware"},
      {"--exclude", int8, "--int8"},
      {"--data", spec.NeedsCalibration(), "--int8 static or aware (calibration)"},
      {"--samples", spec.NeedsCalibration(), "--int8 static or aware (calibration)"},
      {"--seed", spec.NeedsCalibration(), "--int8 static or aware (calibration)"},
      {"--eval-data", t == Transform::kInt8Aware, "--int8 aware"},
      {"--eval-limit", t == Transform::kInt8Aware, "--int8 aware"},
      {"--structured", t == Transform::kPrune, "--prune"},
  };
  for (const auto& rule : rules) {
    if (rule.applies || a.given.count(rule.option) == 0) continue;
    return Status::InvalidArgument(
        fmt::format("{} does not apply to {} (only to {}); remove it", rule.option, asked_as, rule.to));
  }
  return Status::Ok();
}

std::vector<PreprocessLayer> PreprocessLayers(const OptimizeArgs& a, std::vector<PreprocessLayer> flags) {
  std::vector<PreprocessLayer> layers;
  if (!a.preprocess.empty()) layers.push_back({"--preprocess", "", a.preprocess});
  layers.insert(layers.end(), flags.begin(), flags.end());
  return layers;
}

struct Samples {
  std::unique_ptr<Dataset> dataset;
  std::vector<std::size_t> indices;
  std::optional<CalibrationData> calibration;
  std::optional<EvaluationData> evaluation;
};

Result<std::unique_ptr<Dataset>> Open(const std::string& path, std::string_view flag) {
  auto opened = OpenDataset(path);
  if (!opened.ok()) return opened.status().WithContext(flag);
  // What opening it skipped, as eval, train and study say it.
  for (const std::string& note : (*opened)->notes()) {
    std::fprintf(stderr, "note: %s '%s': %s\n", std::string(flag).c_str(), SafeText(path).c_str(),
                 SafeText(note).c_str());
  }
  return opened;
}

// --data's samples as the evaluation of MODEL feeds them.
Status PrepareCalibration(const OptimizeArgs& a, Backend& backend, std::span<const PreprocessLayer> layers,
                          const TensorCacheOptions& cache, Samples* samples) {
  if (a.data.empty()) {
    return Status::InvalidArgument(fmt::format(
        "--int8 {} needs calibration samples: add --data DIR (an image folder, manifest or IDX prefix, e.g. the "
        "training set; never the images accuracy is measured on)",
        a.int8));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(samples->dataset, Open(a.data, "--data"));
  const Dataset& dataset = *samples->dataset;
  const std::size_t count = a.samples > 0 ? a.samples : std::min(kCalibrationSamples, dataset.size());
  if (count > dataset.size()) {
    return Status::InvalidArgument(fmt::format("--samples {}: '{}' has {} samples; ask for at most {}", count, a.data,
                                               dataset.size(), dataset.size()));
  }
  samples->indices = StratifiedSubset(dataset, count, a.seed);
  const std::string source =
      fmt::format("{} samples of {} (stratified, seed {})", count, dataset.description(), a.seed);
  SWEETSPOT_ASSIGN_OR_RETURN(samples->calibration, PrepareCalibrationData(backend, a.model, dataset, samples->indices,
                                                                          layers, cache, kCalibrationBatch, source));
  return Status::Ok();
}

// --eval-data, or the samples of --data the calibration left.
Status PrepareEvaluation(const OptimizeArgs& a, Backend& backend, std::span<const PreprocessLayer> layers,
                         const TensorCacheOptions& cache, Samples* samples) {
  std::unique_ptr<Dataset> other;
  if (!a.eval_data.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(other, Open(a.eval_data, "--eval-data"));
  }
  const Dataset& dataset = other ? *other : *samples->dataset;
  const std::vector<std::size_t> indices = StratifiedSubset(
      dataset, a.eval_limit, a.seed, other ? std::span<const std::size_t>() : std::span(samples->indices));
  if (indices.empty()) {
    return Status::InvalidArgument(fmt::format(
        "--data '{}': the calibration takes every sample and leaves none to evaluate the search on; pass fewer "
        "--samples or --eval-data DIR",
        a.data));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(
      samples->evaluation, PrepareEvaluationData(backend, a.model, dataset, indices, layers, cache, kCalibrationBatch));
  return Status::Ok();
}

// "resnet56.onnx" + "int8-static:entropy" -> "resnet56.int8-static-entropy.onnx".
std::string OutputName(const fs::path& model, const std::string& canonical) {
  std::string suffix;
  for (char c : canonical) suffix += (c == ':' || c == '%') ? '-' : c;
  return fmt::format("{}.{}.onnx", model.stem().string(), suffix);
}

// Copies the variant to `output`, refusing to replace another model there
// (one made from other calibration samples, preprocessing or parent) unless forced.
Status WriteVariant(const fs::path& made, const fs::path& output, bool force) {
  std::error_code ec;
  if (!force && fs::exists(output, ec)) {
    auto existing = HashFile(output);
    auto wanted = HashFile(made);
    if (!existing.ok() || !wanted.ok() || *existing != *wanted) {
      return Status::FailedPrecondition(
          fmt::format("--out: '{}' exists and holds another model (made from other calibration samples, "
                      "preprocessing or parent); pass --force to replace it, or another --out",
                      output.string()));
    }
  }
  fs::copy_file(made, output, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::IoError(fmt::format("--out: cannot write '{}': {}", output.string(), ec.message()));
  return Status::Ok();
}

std::int64_t FileBytes(const fs::path& path) {
  std::error_code ec;
  return static_cast<std::int64_t>(fs::file_size(path, ec));
}

void PrintMade(const OptimizeArgs& a, const VariantSpec& spec, const MadeVariant& made, const fs::path& output) {
  std::cout << fmt::format("{} of {}{}\n", made.lineage.canonical, a.model, made.from_cache ? " (from the cache)" : "");
  for (const auto& note : made.notes) std::cout << "  " << SafeText(note) << "\n";
  const std::span<const LayerSqnr> sqnr(made.sqnr);
  for (const auto& line : RenderWorstSqnr(sqnr.first(std::min(sqnr.size(), kWorstLayers)), sqnr.size())) {
    std::cout << "  " << SafeText(line) << "\n";
  }
  if (spec.transform == Transform::kResize) {
    std::cout << fmt::format("  its preprocessing metadata says {}x{}: evaluate it without --size\n", spec.width,
                             spec.height);
  }
  std::cout << fmt::format("wrote {} ({} bytes; the model had {})\n", output.string(), FileBytes(output),
                           FileBytes(a.model));
}

json MadeJson(const OptimizeArgs& a, const MadeVariant& made, const Samples& samples,
              const std::map<std::string, std::string>& metadata, const fs::path& output) {
  const auto& calibration = samples.calibration;
  const std::string key(kPreprocessMetadataKey);
  return {{"schema", "sweetspot.optimize/1"},
          {"model", a.model},
          {"variant", made.lineage.canonical},
          {"transform", made.lineage.transform},
          {"parameters", json::parse(made.lineage.parameters_json)},
          {"parent_sha256", made.lineage.parent_sha256},
          {"calibration", calibration ? json{{"samples", calibration->samples},
                                             {"source", calibration->source},
                                             {"sha256", calibration->sha256}}
                                      : json(nullptr)},
          {"evaluation_samples", samples.evaluation ? json(samples.evaluation->labels.size()) : json(nullptr)},
          {"preprocess", metadata.count(key) > 0 ? json(metadata.at(key)) : json(nullptr)},
          {"notes", made.notes},
          {"sqnr", SqnrToJson(made.sqnr)},
          {"from_cache", made.from_cache},
          {"output", output.string()},
          {"output_bytes", FileBytes(output)},
          {"model_bytes", FileBytes(a.model)}};
}

Status RunOptimize(const OptimizeArgs& a) {
  std::string asked_as;
  SWEETSPOT_ASSIGN_OR_RETURN(const VariantSpec spec, SpecFromFlags(a, &asked_as));
  SWEETSPOT_RETURN_IF_ERROR(CheckApplicable(a, spec, asked_as));
  std::error_code ec;
  if (!fs::is_regular_file(a.model, ec)) return Status::NotFound(fmt::format("model '{}' does not exist", a.model));
  const fs::path out_dir = a.out.empty() ? fs::path(a.model).parent_path() : fs::path(a.out);
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFolder(out_dir.empty() ? fs::path(".") : out_dir, "--out"));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.json_path, "--json"));
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<PreprocessLayer> flags, FlagLayers(a.preprocess_flags));
  const std::vector<PreprocessLayer> layers = PreprocessLayers(a, std::move(flags));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend("onnxruntime"));

  VariantRequest request;
  request.parent = a.model;
  request.spec = spec;
  request.cache_dir = a.cache_dir.empty() ? fs::path() : fs::path(a.cache_dir) / "variants";
  request.backend.intra_op_threads = 0;
  request.exclude_nodes = a.exclude;
  // The variant carries the preprocessing it was calibrated with. One that
  // does not resolve (a dynamic input size no layer sets) is needed only when
  // asked for or calibrated with; else the variant keeps the parent's.
  auto metadata = VariantMetadata(*backend, a.model, layers, spec);
  if (metadata.ok()) {
    request.metadata = *std::move(metadata);
  } else if (spec.NeedsCalibration() || !layers.empty()) {
    return metadata.status();
  }
  TensorCacheOptions cache;
  if (!a.cache_dir.empty()) cache.dir = a.cache_dir;
  Samples samples;
  if (spec.NeedsCalibration()) {
    SWEETSPOT_RETURN_IF_ERROR(PrepareCalibration(a, *backend, layers, cache, &samples));
    request.calibration = &*samples.calibration;
  }
  if (spec.transform == Transform::kInt8Aware) {
    SWEETSPOT_RETURN_IF_ERROR(PrepareEvaluation(a, *backend, layers, cache, &samples));
    AccuracyAwareOptions options;
    options.backend.intra_op_threads = 0;
    request.accuracy_aware = MakeAccuracyAwareSearch(*backend, spec, *samples.evaluation, options);
    request.evaluation_sha256 = samples.evaluation->sha256;
  }
  std::vector<std::string> failure_notes;
  auto made = MakeVariant(*backend, request, &failure_notes);
  if (!made.ok()) {
    // What the transform did before it failed (the aware search's steps) on
    // stdout; the error itself is one line on stderr.
    if (!failure_notes.empty() && a.json_path != "-") {
      std::cout << fmt::format("{} of {}: not made\n", spec.Canonical(), a.model);
      for (const auto& note : failure_notes) std::cout << "  " << SafeText(note) << "\n";
    }
    return made.status();
  }

  const fs::path output = out_dir / OutputName(a.model, made->lineage.canonical);
  SWEETSPOT_RETURN_IF_ERROR(WriteVariant(made->path, output, a.force));
  if (a.json_path != "-") PrintMade(a, spec, *made, output);
  if (!a.json_path.empty()) {
    const json doc = MadeJson(a, *made, samples, request.metadata, output);
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
      "evaluation prepares it: its sweetspot.preprocess metadata < --preprocess FILE < the\n"
      "preprocessing flags; the variant's metadata holds that preprocessing, resolved, so\n"
      "`sweetspot eval VARIANT` needs no flags. Use calibration samples you do not measure accuracy\n"
      "on, e.g. the training set. Accuracy-aware int8 (--int8 aware --budget B) quantizes every\n"
      "layer, then reverts to float the layers that cost the most top-1 until the variant is within\n"
      "B top-1 points (or B% of the model's top-1) on --eval-data (default: the samples of --data\n"
      "the calibration did not take), keeping the fastest such model; it prints each step.\n"
      "Variants are cached by content (model, transform, samples, preprocessing): asking again\n"
      "returns the same file at once. An output that exists and holds another model is kept\n"
      "unless --force. `sweetspot study` makes the same variants from its spec's `variants`.\n\n"
      "Examples:\n"
      "  sweetspot optimize resnet56.onnx --int8 static --method entropy --data cifar10-train --out opt/\n"
      "  sweetspot optimize resnet56.onnx --int8 aware --budget 0.3 --data cifar10-train --eval-data val/\n"
      "  sweetspot optimize model.onnx --int8 dynamic --exclude /fc/Gemm\n"
      "  sweetspot optimize model.onnx --fp16 --json -\n"
      "  sweetspot optimize model.onnx --prune 0.5 --structured\n"
      "  sweetspot optimize model.onnx --resize 24");
  cmd->add_option("model", args->model, "float ONNX model file")->required();
  cmd->add_option("--int8", args->int8,
                  "int8 quantization: static (QDQ, calibrated on --data), dynamic, or aware (static within "
                  "--budget, searched on --eval-data)")
      ->type_name("static|dynamic|aware");
  cmd->add_option("--method", args->method, "--int8 static calibration: minmax (default), percentile or entropy");
  cmd->add_option("--budget", args->budget,
                  "--int8 aware: top-1 it may lose, in points (0.3) or percent of the model's top-1 (0.5%)");
  cmd->add_flag("--fp16", args->fp16, "float16 weights and activations (float32 inputs and outputs)");
  cmd->add_option("--prune", args->prune, "prune this fraction in (0, 1) of each layer's weights (or channels)");
  cmd->add_flag("--structured", args->structured, "with --prune: remove whole channels (L1 norm), not single weights");
  cmd->add_option("--resize", args->resize, "a smaller input: 24 (square) or HxW (the graph must allow it)");
  cmd->add_option("--data", args->data, "calibration samples: image folder, manifest or IDX prefix");
  cmd->add_option(
         "--samples", args->samples,
         fmt::format("calibration samples drawn (stratified) from --data (default {} or all)", kCalibrationSamples))
      ->check(PositiveInteger());
  cmd->add_option("--seed", args->seed, "seed of the --samples and --eval-limit draws (default 0)");
  cmd->add_option("--eval-data", args->eval_data,
                  "--int8 aware: labelled samples the search measures top-1 on (default: --data less the calibration "
                  "samples)");
  cmd->add_option("--eval-limit", args->eval_limit, "--int8 aware: a stratified subset of N evaluation samples")
      ->check(PositiveInteger());
  cmd->add_option("--preprocess", args->preprocess, "preprocessing TOML file over the model's own (docs/eval.md)");
  AddPreprocessFlags(cmd, &args->preprocess_flags, /*resize_mode=*/false);
  cmd->add_option("--exclude", args->exclude, "int8: a node name to keep in float (repeatable)");
  cmd->add_option("--out", args->out, "folder for the variant (default: the model's folder)");
  cmd->add_flag("--force", args->force, "replace an output file that holds another model");
  cmd->add_option("--json", args->json_path, "write what was done as JSON to FILE (- for stdout only)");
  cmd->add_option("--cache-dir", args->cache_dir, "tensor and variant cache folder (default ~/.cache/sweetspot)");
  cmd->callback([args, selected, cmd] {
    for (const char* option : {"--method", "--budget", "--exclude", "--data", "--samples", "--seed", "--eval-data",
                               "--eval-limit", "--structured"}) {
      if (cmd->count(option) > 0) args->given.insert(option);
    }
    *selected = [args] { return RunOptimize(*args); };
  });
}

}  // namespace sweetspot::cli
