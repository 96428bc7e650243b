// `sweetspot eval`: a classification model's accuracy on the user's data, with
// uncertainty, per-class figures, calibration and a paired comparison.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "detection_flags.h"
#include "eval_detection.h"
#include "eval_keypoints.h"
#include "keypoint_flags.h"
#include "output.h"
#include "preprocess_flags.h"
#include "sweetspot/backend.h"
#include "sweetspot/dataset.h"
#include "sweetspot/detection_dataset.h"
#include "sweetspot/eval_report.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/keypoint_dataset.h"
#include "sweetspot/metrics.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {
namespace fs = std::filesystem;

// The keypoint task's flags beside the shared ones (keypoint_flags.h).
struct KeypointArgs {
  KeypointFlags model;  // --schema, --keypoint-decoder, --person-padding
  std::vector<double> pck_alphas = {0.2, 0.1, 0.05};
  std::string pck_norm = "box";
  std::string reference_runtime;  // "" -> --runtime
};

struct EvalArgs {
  std::string model;
  std::string data;
  std::string classes_file;
  std::string preprocess_file;
  std::string reference;
  std::string label_map;
  std::string predictions;
  std::string json;
  std::string cache_dir;
  std::string output_kind = "auto";
  std::string per_class = std::to_string(kDefaultPerClassRows);
  std::size_t limit = 0;
  std::uint64_t seed = 0;
  int batch = 0;  // 0: the task's default (classification 32, detection 1)
  int threads = 0;
  std::string runtime = "onnxruntime";
  bool allow_corrupt = false;
  bool no_cache = false;
  bool print_preprocess = false;
  PreprocessFlags preprocess;
  std::string task = "auto";
  DetectionFlags detection;
  std::string protocol = "coco";
  std::uint64_t bootstrap = 1000;
  bool print_decoder = false;
  KeypointArgs keypoints;
};

// Live bars while a stage runs; the closing line of each stage comes from
// the result's own timings (PrintStageTimes), so stderr and the report agree.
void ShowProgress(ProgressBar& bar, const EvalProgress& p) {
  if (p.stage == "cache") return;
  bar.Update(p.stage == "decode" ? "decode+preprocess" : "inference", p.done, p.total);
}

std::string Rate(std::size_t items, double ms) {
  return ms > 0 ? fmt::format("{:.0f} items/s", static_cast<double>(items) / ms * 1000.0) : "-- items/s";
}

void PrintStageTimes(ProgressBar& bar, const EvalResult& r) {
  const std::size_t decoded = r.requested;
  if (r.cache_hit) {
    bar.Print(fmt::format("tensor cache hit: {} items, nothing decoded ({:.3f} s)", decoded, r.prepare_ms / 1000.0));
  } else {
    bar.Print(fmt::format("decode+preprocess: {} items in {:.3f} s ({})", decoded, r.prepare_ms / 1000.0,
                          Rate(decoded, r.prepare_ms)));
  }
  const std::size_t inferred = r.predictions.size();
  bar.Print(fmt::format("inference: {} items in {:.3f} s ({}, {} thread(s))", inferred, r.inference_ms / 1000.0,
                        Rate(inferred, r.inference_ms), r.threads));
}

// "224" or "224x160" as TOML width/height keys.
// Defaults < the model's metadata_props < --preprocess FILE < flags.
Result<EvalRequest> MakeRequest(const EvalArgs& a, const std::string& model) {
  SWEETSPOT_ASSIGN_OR_RETURN(OutputKind output_kind, WithFlag(ParseOutputKind(a.output_kind), "--output-kind"));
  EvalRequest request;
  request.model_path = model;
  request.dataset_path = a.data;
  request.classes_file = a.classes_file;
  SWEETSPOT_ASSIGN_OR_RETURN(request.layers, PreprocessLayers(a.preprocess_file, a.preprocess));
  request.limit = a.limit;
  request.seed = a.seed;
  request.batch_size = a.batch > 0 ? a.batch : 32;
  request.threads = a.threads;
  request.engine = a.runtime;
  request.output_kind = output_kind;
  request.allow_corrupt = a.allow_corrupt;
  request.cache_enabled = !a.no_cache;
  request.cache_dir = a.cache_dir;
  request.label_map_file = a.label_map;
  return request;
}

// The same layers as MakeRequest, plus the decoder's: defaults < the model's
// metadata_props < --preprocess / --decoder FILE < flags.
Result<DetectionEvalRequest> MakeDetectionRequest(const EvalArgs& a) {
  SWEETSPOT_ASSIGN_OR_RETURN(DetectionEvalRequest request,
                             DetectionPipelineRequest({.data = a.data,
                                                       .classes_file = a.classes_file,
                                                       .preprocess_file = a.preprocess_file,
                                                       .preprocess = a.preprocess,
                                                       .detection = a.detection,
                                                       .limit = a.limit}));
  request.model_path = a.model;
  request.seed = a.seed;
  request.batch_size = a.batch > 0 ? a.batch : 1;
  request.threads = a.threads;
  request.engine = a.runtime;
  request.protocol = a.protocol;
  request.bootstrap_replicates = a.bootstrap;
  request.allow_corrupt = a.allow_corrupt;
  return request;
}

// --task auto: keypoints when --data is a COCO keypoint or MPII-style JSON,
// else detection when it has the shape of a VOC, COCO or YOLO dataset.
Result<std::string> ResolveTask(const EvalArgs& a) {
  if (a.task == "auto") {
    // A mistyped JSON or YAML path would fall through to classification and
    // be blamed as an image folder. (Other missing paths may be IDX prefixes,
    // which name no file; classification's reader names those.)
    const std::filesystem::path data(a.data);
    std::error_code ec;
    const bool labels_file = data.extension() == ".json" || data.extension() == ".yaml" || data.extension() == ".yml";
    if (labels_file && !std::filesystem::exists(data, ec)) {
      return Status::InvalidArgument(
          fmt::format("--data '{}' does not exist; fix the path (a COCO instances or keypoint JSON, an MPII-style "
                      "JSON list or a YOLO data.yaml)",
                      SafeText(a.data)));
    }
    if (IsKeypointDataset(a.data)) return std::string("keypoints");
    return std::string(IsDetectionDataset(a.data) ? "detection" : "classification");
  }
  if (a.task != "classification" && a.task != "detection" && a.task != "keypoints") {
    return Status::InvalidArgument("--task: '" + a.task +
                                   "' is not a task (auto, classification, detection or keypoints)");
  }
  return a.task;
}

Result<KeypointModelRequest> KeypointModel(const EvalArgs& a, const std::string& path, const std::string& engine) {
  KeypointModelRequest model;
  model.model_path = path;
  model.schema = a.keypoints.model.schema;
  model.engine = engine;
  SWEETSPOT_ASSIGN_OR_RETURN(model.layers, PreprocessLayers(a.preprocess_file, a.preprocess));
  SWEETSPOT_ASSIGN_OR_RETURN(model.decoder_layers, KeypointDecoderFlagLayers(a.keypoints.model));
  return model;
}

Status RunKeypoints(const EvalArgs& a) {
  const KeypointArgs& k = a.keypoints;
  for (const double alpha : k.pck_alphas) {
    if (!(alpha > 0.0 && alpha <= 1.0)) {
      return Status::InvalidArgument(fmt::format(
          "--pck-alpha: {} is not a threshold; give fractions of the norm in (0, 1], e.g. --pck-alpha 0.2,0.1,0.05",
          alpha));
    }
  }
  if (!k.reference_runtime.empty()) {
    SWEETSPOT_RETURN_IF_ERROR(WithFlag(CreateBackend(k.reference_runtime), "--reference-runtime").status());
  }
  KeypointEvalCommand command;
  KeypointEvalRequest& r = command.request;
  SWEETSPOT_ASSIGN_OR_RETURN(r.model, KeypointModel(a, a.model, a.runtime));
  r.dataset_path = a.data;
  r.padding = k.model.padding.value_or(r.padding);
  r.limit = a.limit;
  r.pck_alphas = k.pck_alphas;
  r.pck_normalization = k.pck_norm;
  r.bootstrap_replicates = a.bootstrap;
  r.seed = a.seed;
  r.threads = a.threads;
  r.engine = a.runtime;
  if (!a.reference.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(
        command.reference,
        KeypointModel(a, a.reference, k.reference_runtime.empty() ? a.runtime : k.reference_runtime));
  }
  command.json = a.json;
  return RunKeypointEval(command);
}

Status RunDetection(const EvalArgs& a, std::size_t per_class_rows) {
  if (a.protocol != "coco" && a.protocol != "voc") {
    return Status::InvalidArgument("--protocol: '" + a.protocol + "' is not a detection protocol (coco or voc)");
  }
  DetectionEvalCommand command;
  SWEETSPOT_ASSIGN_OR_RETURN(command.request, MakeDetectionRequest(a));
  command.reference = a.reference;
  command.json = a.json;
  command.per_class_rows = per_class_rows;
  command.print_preprocess = a.print_preprocess;
  command.print_decoder = a.print_decoder;
  return RunDetectionEval(command);
}

Status PrintPreprocess(const EvalRequest& request) {
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec spec, LayerPreprocessing(request.model_path, request.layers));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend(request.engine));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, backend->Load(request.model_path, BackendOptions{}));
  if (session->inputs().empty()) return Status::InvalidData("model " + request.model_path + " has no inputs");
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec resolved, Resolve(spec, session->inputs().front()));
  std::cout << "# preprocessing for " << SafeText(request.model_path)
            << " (save as a --preprocess file, or store under the\n"
            << "# model's metadata_props key '" << kPreprocessMetadataKey << "')\n"
            << resolved.ToToml();
  return Status::Ok();
}

// The library names the request field; the user typed a flag.
Status WithFlags(const Status& status) {
  std::string message = status.message();
  const std::string dataset = "dataset '";
  if (message.rfind(dataset, 0) == 0) message = "--data: " + message.substr(dataset.size() - 1);
  return Status::FromCode(status.code(), message, status.fixes());
}

// --per-class: a row count or "all".
Result<std::size_t> ParsePerClass(const std::string& text) {
  if (text == "all") return std::numeric_limits<std::size_t>::max();
  std::size_t rows = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rows);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("--per-class: '" + text + "' is not a row count (expected e.g. 10, 0 or all)");
  }
  return rows;
}

Status RunEval(const EvalArgs& a) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::size_t per_class_rows, ParsePerClass(a.per_class));
  SWEETSPOT_RETURN_IF_ERROR(CheckOneStdout({{a.json, "--json"}, {a.predictions, "--predictions"}}));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.json, "--json"));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.predictions, "--predictions"));
  std::error_code ec;
  if (!a.reference.empty() && !fs::is_regular_file(a.reference, ec)) {
    return Status::NotFound("--reference: model " + a.reference + " does not exist");
  }
  SWEETSPOT_RETURN_IF_ERROR(WithFlag(CreateBackend(a.runtime), "--runtime").status());
  SWEETSPOT_ASSIGN_OR_RETURN(const std::string task, ResolveTask(a));
  if (task == "keypoints") return RunKeypoints(a);
  if (task == "detection") return RunDetection(a, per_class_rows);
  SWEETSPOT_ASSIGN_OR_RETURN(EvalRequest request, MakeRequest(a, a.model));
  if (a.print_preprocess) return PrintPreprocess(request);

  auto bar = std::make_shared<ProgressBar>();
  const auto report = [bar](const EvalProgress& p) { ShowProgress(*bar, p); };
  auto evaluated = Evaluate(request, report);
  if (!evaluated.ok()) return WithFlags(evaluated.status());
  const EvalResult& result = *evaluated;
  PrintStageTimes(*bar, result);
  if (!result.cache_warning.empty()) {
    bar->Print(fmt::format("sweetspot: warning: {} (pass --cache-dir DIR for a writable folder, or --no-cache)",
                           SafeText(result.cache_warning)));
  }

  std::optional<EvalResult> reference;
  std::optional<Comparison> comparison;
  if (!a.reference.empty()) {
    request.model_path = a.reference;
    auto ran = Evaluate(request, report);
    if (!ran.ok()) return WithFlags(ran.status()).WithContext("--reference");
    PrintStageTimes(*bar, *ran);
    reference = std::move(*ran);
    SWEETSPOT_ASSIGN_OR_RETURN(comparison, CompareResults(result, *reference));
  }
  const EvalResult* ref_ptr = reference ? &*reference : nullptr;
  const Comparison* cmp_ptr = comparison ? &*comparison : nullptr;

  if (!a.predictions.empty()) {
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.predictions, RenderPredictionsCsv(result), "--predictions"));
  }
  if (a.json == "-") {
    std::cout << RenderEvalJson(result, ref_ptr, cmp_ptr);
    return Status::Ok();
  }
  if (!a.json.empty()) {
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.json, RenderEvalJson(result, ref_ptr, cmp_ptr), "--json"));
  }
  const EvalTextHints hints = {.every_class = "--per-class all",
                               .full_result = "--json",
                               .logits = "pass --output-kind logits",
                               .label_map = "--label-map"};
  std::cout << RenderEvalText(result, ref_ptr, cmp_ptr, per_class_rows, hints);
  return Status::Ok();
}

void AddKeypointEvalFlags(CLI::App* cmd, KeypointArgs* k) {
  AddKeypointFlags(cmd, &k->model);
  cmd->add_option("--pck-alpha", k->pck_alphas,
                  "keypoints: PCK thresholds, fractions of the norm (default 0.2,0.1,0.05)")
      ->delimiter(',');
  cmd->add_option("--pck-norm", k->pck_norm,
                  "keypoints: PCK's norm, box (the person box's longer side) or head (the head size; MPII only) "
                  "(default box)");
  cmd->add_option("--reference-runtime", k->reference_runtime,
                  "keypoints: the runtime of --reference (default: --runtime)");
}

}  // namespace

void RegisterEval(CLI::App& root, Action* selected) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = root.add_subcommand(
      "eval",
      "Measure a classification model's accuracy (top-1/5 with 95 % intervals, per class, calibration, paired "
      "comparison), a detector's (mAP with 95 % intervals, per class, speed per stage, paired comparison), or a "
      "keypoint model's (PCK, OKS, COCO keypoint AP, confidence, per-joint error with 95 % intervals; paired "
      "comparison and confidence drop)");
  cmd->footer(
      "DATA is an image folder (ROOT/<class>/<image>), a .csv/.tsv manifest of `path,label` rows, or an\n"
      "IDX prefix (e.g. /usr/share/datasets/fashion-mnist/t10k). Preprocessing is layered: defaults\n"
      "(RGB, exact resize to the model's input size, scale 1/255, NCHW float32) < the model's\n"
      "metadata_props 'sweetspot.preprocess' < --preprocess FILE (TOML) < the flags below. Decoded\n"
      "tensors are cached (${XDG_CACHE_HOME:-~/.cache}/sweetspot/tensors), so evaluating variants of a\n"
      "model decodes the images once. See docs/eval.md.\n\n"
      "Detection: DATA is a Pascal VOC folder (Annotations/*.xml), a COCO instances_*.json (or its folder) or a\n"
      "YOLO data.yaml (or images/ + labels/ folder); --task auto picks it. The decoder is layered the same way:\n"
      "defaults < metadata_props 'sweetspot.detection' < --decoder < the decoder flags; the layout is detected\n"
      "when none sets it. See the detection section of docs/eval.md.\n\n"
      "Keypoints: DATA is a COCO keypoint JSON (person_keypoints_*.json) or an MPII-style JSON list; --task auto\n"
      "picks it. Top-down: each labelled person is cropped (a square, its box's longer side x --person-padding),\n"
      "run and decoded (--keypoint-decoder over the model's metadata_props 'sweetspot.keypoints'); the model's\n"
      "joints (--schema) are scored on the dataset's joints of the same name. See docs/keypoints.md.\n\n"
      "Examples:\n"
      "  sweetspot eval resnet20.onnx --data cifar10-test --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225\n"
      "  sweetspot eval small.onnx --data val.csv --preprocess prep.toml --reference large.onnx --json out.json\n"
      "  sweetspot eval model.onnx --data /usr/share/datasets/fashion-mnist/t10k --color gray --limit 1000\n"
      "  sweetspot eval nanodet_m.onnx --data voc/ --preprocess nanodet-preprocess.toml --decoder "
      "nanodet-detector.toml "
      "--model-classes coco80 --protocol voc\n"
      "  sweetspot eval EfficientPoseRT_224.onnx --data test_coco.json --schema efficientpose16 --mean "
      "0.485,0.456,0.406 --std 0.229,0.224,0.225 --reference EfficientPoseI_256.onnx --reference-runtime opencv-dnn");
  cmd->add_option("model", args->model, "ONNX model file")->required();
  cmd->add_option("--data", args->data,
                  "image folder, manifest (.csv/.tsv) or IDX prefix; for detection a VOC folder, COCO JSON or YOLO "
                  "data.yaml")
      ->required();
  cmd->add_option("--task", args->task,
                  "auto|classification|detection|keypoints (default auto: keypoints when --data is a keypoint JSON, "
                  "detection when it is a detection dataset)");
  cmd->add_option("--classes", args->classes_file,
                  "class-name file (one per line): the classes, in order, of a manifest, IDX data or image folder");
  cmd->add_option("--preprocess", args->preprocess_file, "preprocessing spec (TOML, see docs/eval.md)");
  AddPreprocessFlags(cmd, &args->preprocess);
  cmd->add_flag("--print-preprocess", args->print_preprocess,
                "print the resolved preprocessing as TOML and exit (nothing is evaluated)");
  cmd->add_option("--output-kind", args->output_kind, "auto|logits|probabilities|sigmoid (default auto: detected)");
  cmd->add_option("--reference", args->reference, "a second model to compare with, sample by sample");
  cmd->add_option("--limit", args->limit, "evaluate a stratified subset of N samples (keypoints: the first N persons)");
  cmd->add_option("--seed", args->seed, "seed of the --limit subset (keypoints: of the bootstrap) (default 0)");
  cmd->add_option("--batch", args->batch,
                  "batch size for models with a dynamic batch (default 32; detection 1: per-image single-stream "
                  "times)")
      ->check(PositiveInteger());
  cmd->add_option(
         "--threads", args->threads,
         "decode and inference threads (default 0: the CPUs this process may use, or OMP_NUM_THREADS when set)")
      ->check(NonNegativeInteger());
  cmd->add_option(
      "--runtime", args->runtime,
      fmt::format("the runtime that runs the model: {} (default onnxruntime)", fmt::join(BackendNames(), ", ")));
  cmd->add_option("--label-map", args->label_map, "`fine,coarse` lines: also score coarse classes");
  cmd->add_option("--per-class", args->per_class,
                  "per-class rows on the terminal: N worst by F1 (detection: by AP) when there are more, or all "
                  "(default 10)");
  AddDetectionFlags(cmd, &args->detection);
  cmd->add_option("--protocol", args->protocol,
                  "detection scoring: coco (mAP@[.5:.95], 101-point) or voc (all-point AP@0.5, +1 pixel, difficult "
                  "ignored) (default coco)");
  cmd->add_option("--bootstrap", args->bootstrap,
                  "detection and keypoints: bootstrap replicates of the intervals and the comparison (default 1000; "
                  "0: none)");
  cmd->add_flag("--print-decoder", args->print_decoder,
                "detection: print the resolved decoder as TOML and exit (nothing is evaluated)");
  AddKeypointEvalFlags(cmd, &args->keypoints);
  cmd->add_option("--predictions", args->predictions, "write per-sample predictions (CSV) to FILE");
  cmd->add_option("--json", args->json, "write the results as JSON to FILE (- prints only the JSON)");
  cmd->add_flag("--allow-corrupt", args->allow_corrupt, "evaluate even if more than 1 % of the images are unreadable");
  cmd->add_option("--cache-dir", args->cache_dir, "tensor cache folder");
  cmd->add_flag("--no-cache", args->no_cache, "decode without reading or writing the tensor cache");
  cmd->callback([args, selected] { *selected = [args] { return RunEval(*args); }; });
  RegisterDetectionEvalChild(root, selected);
  RegisterKeypointEvalChild(root, selected);
}

}  // namespace sweetspot::cli
