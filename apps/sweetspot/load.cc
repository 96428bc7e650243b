// `sweetspot load`: loads an Open Inference Protocol server (ours, Triton,
// KServe) with requests built from a labelled dataset, over a sweep of
// closed-loop concurrencies and open-loop Poisson rates, and reports each
// level's throughput, latency percentiles with intervals, errors apart, time
// breakdown and the answers' top-1 (load_generator.h, docs/load.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "output.h"
#include "preprocess_flags.h"
#include "sweetspot/dataset.h"
#include "sweetspot/detection_classes.h"
#include "sweetspot/detection_dataset.h"
#include "sweetspot/keypoint_dataset.h"
#include "sweetspot/keypoint_eval_summary.h"
#include "sweetspot/load_generator.h"
#include "sweetspot/load_report.h"
#include "sweetspot/measure.h"
#include "sweetspot/rest_client.h"
#include "sweetspot/results_store.h"
#include "sweetspot/served_keypoints.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {

struct LoadArgs {
  std::string url;
  std::string model;
  std::string version;
  std::string dataset;
  std::string classes_file;
  std::string model_classes;      // detection: coco80 | FILE
  std::string protocol = "coco";  // detection: coco | voc
  std::uint64_t limit = 0;
  std::uint64_t seed = 0;
  bool images = false;
  bool tensors = false;
  std::string model_file;
  std::string preprocess_file;
  PreprocessFlags preprocess;
  std::vector<int> concurrency = {1, 2, 4, 8, 16};
  std::vector<double> rates;
  int max_in_flight = 64;
  double duration_s = 30.0;
  bool once = false;
  double warmup_s = 2.0;
  double window_s = 5.0;
  double tolerance = 0.1;
  std::string json;
  std::string csv;
  std::string db;
  std::string study;
  bool concurrency_given = false;
};

Status CheckArgs(const LoadArgs& a) {
  for (const int c : a.concurrency) {
    if (c < 1) return Status::InvalidArgument(fmt::format("--concurrency: {} is not a positive thread count", c));
  }
  for (const double r : a.rates) {
    if (!(r > 0)) return Status::InvalidArgument(fmt::format("--rate: {:g} is not a positive rate per second", r));
  }
  if (a.once && !a.rates.empty()) {
    return Status::InvalidArgument(
        "--once and --rate exclude each other: --once sends each sample once per closed-loop level; drop one");
  }
  if (!(a.duration_s > 0)) return Status::InvalidArgument("--duration-s: pass a positive number of seconds");
  if (!(a.warmup_s >= 0)) return Status::InvalidArgument("--warmup-s: pass 0 or more seconds");
  if (!(a.window_s > 0)) return Status::InvalidArgument("--window-s: pass a positive number of seconds");
  if (!(a.tolerance >= 0)) return Status::InvalidArgument("--tolerance: pass a fraction of 0 or more, e.g. 0.1");
  if (a.images && a.tensors) return Status::InvalidArgument("--images and --tensors exclude each other: pass one");
  if (!a.tensors && (!a.model_file.empty() || !a.preprocess_file.empty())) {
    return Status::InvalidArgument("--model-file and --preprocess shape tensors: add --tensors (or drop them)");
  }
  // The flags alone would miss the model's mean and std and score near chance without a word.
  if (a.tensors && a.model_file.empty() && a.preprocess_file.empty()) {
    return Status::InvalidArgument(
        "--tensors preprocesses here, as the model's metadata says: pass --model-file MODEL.onnx (or --preprocess "
        "FILE)");
  }
  if (a.db.empty() != a.study.empty()) {
    return Status::InvalidArgument(a.db.empty() ? "--study needs a store: pass --db FILE too"
                                                : "--db needs a study to store the run with: pass --study NAME too");
  }
  SWEETSPOT_RETURN_IF_ERROR(CheckOneStdout({{a.json, "--json"}, {a.csv, "--csv"}}));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.json, "--json"));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.csv, "--csv"));
  return CheckOutputFile(a.db, "--db", OutputFile::kDatabase);
}

LoadOptions MakeOptions(const LoadArgs& a) {
  LoadOptions o;
  o.url = a.url;
  o.model = a.model;
  o.version = a.version;
  o.form = a.tensors ? RequestForm::kTensors : RequestForm::kImages;
  o.concurrency = a.rates.empty() || a.concurrency_given ? a.concurrency : std::vector<int>{};
  o.rates_per_s = a.rates;
  o.timing = {a.warmup_s, a.duration_s, a.window_s, a.tolerance};
  o.max_in_flight = a.max_in_flight;
  o.one_pass = a.once;
  return o;
}

// A gRPC server not listening is the user's to start (exit 2, as for
// http:// in FetchMetadata): the message names the URL and says how.
Result<std::unique_ptr<InferenceClient>> Connect(const std::string& url) {
  auto client = ConnectClient(url);
  if (client.ok() || client.status().code() != StatusCode::kUnavailable) return client;
  return Status::FailedPrecondition(
      fmt::format("cannot reach the server at {} ({}); e.g. start one with `sweetspot serve MODEL.onnx --grpc-port "
                  "PORT`",
                  SafeText(url), client.status().message()));
}

// The server's answer to the model's metadata, in the user's words: an
// unreachable server names the URL, an unknown model the models it serves.
Result<ModelMetadata> FetchMetadata(InferenceClient& client, const LoadArgs& a) {
  const Status live = client.Live();
  if (!live.ok()) {
    return Status::FailedPrecondition(
        fmt::format("{}, e.g. start one with `sweetspot serve MODEL.onnx --http-port PORT`", live.message()));
  }
  auto metadata = client.Metadata(a.model, a.version);
  if (metadata.ok()) return metadata;
  if (metadata.status().code() == StatusCode::kNotFound) {
    return Status::NotFound(
        fmt::format("--model: {}; pass --model (and --version) as the server names them", metadata.status().message()));
  }
  return metadata.status();
}

// A detection dataset's requests: encoded images, scored by mAP with --once.
Result<LoadRequests> MakeDetectionRequests(const ModelMetadata& metadata, const LoadArgs& a) {
  if (a.tensors) {
    return Status::InvalidArgument(
        "--tensors: a detection dataset is always sent as images (the server answers boxes in the images' own "
        "pixels)");
  }
  DetectionDatasetOptions dataset_options;
  dataset_options.class_names_file = a.classes_file;
  auto opened = OpenDetectionDataset(a.dataset, dataset_options);
  if (!opened.ok()) return opened.status().WithContext("--dataset");
  DetectionRequestOptions options;
  options.limit = a.limit;
  options.seed = a.seed;
  options.metric_options = a.protocol == "voc" ? DetectionMetricOptions::Voc() : DetectionMetricOptions::Coco();
  if (!a.model_classes.empty()) {
    auto names = LoadClassList(a.model_classes);
    if (!names.ok()) return names.status().WithContext("--model-classes");
    options.model_classes = *std::move(names);
  } else if (metadata.detection_classes.empty()) {
    // The gRPC metadata cannot carry them, and a model without class names has none to send.
    std::fputs(fmt::format("sweetspot: warning: the server names no classes for model '{}': model class i is scored "
                           "as dataset class i; pass --model-classes coco80|FILE if its classes are others\n",
                           SafeText(a.model))
                   .c_str(),
               stderr);
  }
  return BuildDetectionLoadRequests(metadata, a.version, **opened, options);
}

// A keypoint dataset's requests (the served model answers keypoints): each
// person's image and box, scored by PCK and OKS with --once.
Result<LoadRequests> MakeKeypointRequests(const ModelMetadata& metadata, const LoadArgs& a) {
  if (a.tensors) {
    return Status::InvalidArgument(
        "--tensors: a keypoint dataset is always sent as images with person boxes (the server crops them and "
        "answers in the images' own pixels); drop --tensors");
  }
  auto opened = OpenKeypointDataset(a.dataset);
  if (!opened.ok()) return opened.status().WithContext("--dataset");
  KeypointRequestOptions options;
  options.limit = a.limit;
  options.metric_options = MetricOptionsOf(KeypointEvalRequest{});  // eval's alphas, norm and bootstrap
  return BuildKeypointLoadRequests(metadata, a.version, *opened, options);
}

bool ServedAsKeypointModel(const ModelMetadata& metadata) {
  return std::any_of(metadata.outputs.begin(), metadata.outputs.end(),
                     [](const TensorMetadata& t) { return t.name == kKeypointsOutput; });
}

Result<LoadRequests> MakeRequests(const ModelMetadata& metadata, const LoadArgs& a) {
  if (ServedAsKeypointModel(metadata)) return MakeKeypointRequests(metadata, a);
  if (IsDetectionDataset(a.dataset)) {
    // A keypoint JSON for a model served otherwise: refused naming the serve flag that fixes it.
    if (OpenKeypointDataset(a.dataset).ok()) return MakeKeypointRequests(metadata, a);
    return MakeDetectionRequests(metadata, a);
  }
  DatasetOptions dataset_options;
  dataset_options.class_names_file = a.classes_file;
  auto opened = OpenDataset(a.dataset, dataset_options);
  if (!opened.ok()) return opened.status().WithContext("--dataset");
  RequestOptions options;
  options.form = a.tensors ? RequestForm::kTensors : RequestForm::kImages;
  options.limit = a.limit;
  options.seed = a.seed;
  options.model_file = a.model_file;
  if (!a.preprocess_file.empty()) options.layers.push_back({a.preprocess_file, "", a.preprocess_file});
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<PreprocessLayer> flags, FlagLayers(a.preprocess));
  options.layers.insert(options.layers.end(), flags.begin(), flags.end());
  auto built = BuildLoadRequests(metadata, a.version, **opened, options);
  if (!built.ok()) return WithFlagFixes(built.status());
  return built;
}

std::string LevelName(const LevelResult& l) {
  return l.mode == LoadMode::kClosed ? fmt::format("closed, concurrency {}", l.concurrency)
                                     : fmt::format("open, {:g} requests/s", l.rate_per_s);
}

// The warning of a level whose throughput windows do not agree (or are too few to compare).
std::string StabilityWarning(const LevelResult& l, const LoadOptions& o) {
  const LevelTiming& t = o.timing;
  if (l.window_throughputs.size() < 2) {
    return fmt::format(
        "stability not judged: {:g} s is shorter than {} {:g} s window{} (--window-s); measure longer "
        "(--duration-s) or pass a shorter --window-s",
        t.duration_s, l.window_throughputs.empty() ? "one" : "two", t.window_s,
        l.window_throughputs.empty() ? "" : "s");
  }
  return fmt::format(
      "throughput not stable: {} windows of {:g} s ({:.1f} answers/s) do not agree within {:g} %; "
      "measure longer (--duration-s) or quiet the machine",
      l.window_throughputs.size(), t.window_s, fmt::join(l.window_throughputs, ", "), 100.0 * t.tolerance);
}

// The progress line of a finished level, and its warnings, on stderr.
void ReportLevel(const LevelResult& l, const LoadOptions& o) {
  std::string line = fmt::format("{}: {:.1f} answers/s, p50 {:.3f} ms, p99 {:.3f} ms, {} error(s)", LevelName(l),
                                 l.throughput_per_s, l.latency.p50_ms, l.latency.p99_ms, l.error_count());
  if (l.mode == LoadMode::kOpen) line += fmt::format(", {} dropped", l.dropped);
  if (l.detection) {
    line += fmt::format(", mAP@[.5:.95] {:.2f} %, mAP@0.5 {:.2f} % ({})", 100.0 * l.detection->map50_95,
                        100.0 * l.detection->map50, l.detection->protocol);
  }
  if (l.keypoints) {
    for (const PckAt& p : l.keypoints->pck) line += fmt::format(", PCK@{:g} {:.3f}", p.alpha, p.pck.value);
    if (l.keypoints->oks.value >= 0) line += fmt::format(", OKS {:.3f}", l.keypoints->oks.value);
  }
  std::fputs((line + "\n").c_str(), stderr);
  if (l.error_count() > 0) {
    std::string codes;
    for (const auto& [code, count] : l.errors) codes += fmt::format("{}{} {}", codes.empty() ? "" : ", ", count, code);
    std::fputs(fmt::format("sweetspot: warning: {}: {} request(s) failed ({}), counted apart from the latencies; "
                           "first: {}\n",
                           LevelName(l), l.error_count(), codes, SafeText(l.first_error))
                   .c_str(),
               stderr);
  }
  // One pass measures accuracy, and its span is as long as the subset makes it:
  // --duration-s, which the warning proposes, does not apply.
  if (!l.stable && !o.one_pass) {
    std::fputs(fmt::format("sweetspot: warning: {}: {}\n", LevelName(l), StabilityWarning(l, o)).c_str(), stderr);
  }
}

Status Store(ResultsStore& store, const LoadArgs& a, const LoadRun& run, const nlohmann::json& doc,
             double duration_ms) {
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t study, store.EnsureStudy(a.study));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::int64_t environment, store.PutEnvironment(CaptureEnvironment(), ""));
  StoredLoadRun stored;
  stored.url = a.url;
  stored.model = a.model;
  stored.model_version = a.version;
  stored.form = RequestFormName(run.options.form);
  stored.dataset = run.dataset;
  stored.options_json = DumpJson(doc["options"]);
  stored.levels_json = DumpJson(doc["levels"]);
  stored.duration_ms = duration_ms;
  return store.PutLoadRun(study, environment, stored);
}

// `store`: the open --db, or null without one.
Status Write(ResultsStore* store, const LoadArgs& a, const LoadRun& run, double duration_ms) {
  const nlohmann::json doc = LoadRunJson(run, CaptureEnvironment());
  if (!a.json.empty()) SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.json, DumpJson(doc, 2) + "\n", "--json"));
  if (!a.csv.empty()) SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.csv, RenderLoadCsv(run), "--csv"));
  if (a.json != "-" && a.csv != "-") std::fputs(RenderLoadTable(run).c_str(), stdout);
  if (store != nullptr) {
    SWEETSPOT_RETURN_IF_ERROR(Store(*store, a, run, doc, duration_ms));
    std::fputs(fmt::format("stored in {} (study {})\n", a.db, a.study).c_str(), stderr);
  }
  return Status::Ok();
}

Status RunLoadCommand(const LoadArgs& a) {
  SWEETSPOT_RETURN_IF_ERROR(CheckArgs(a));
  const LoadOptions options = MakeOptions(a);
  // A store that cannot be opened fails before the measuring, not after it.
  std::unique_ptr<ResultsStore> store;
  if (!a.db.empty()) {
    SWEETSPOT_ASSIGN_OR_RETURN(store, WithFlag(ResultsStore::Open(a.db), "--db"));
  }
  const ClientFactory connect = [url = a.url] { return Connect(url); };
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<InferenceClient> client, connect());
  SWEETSPOT_ASSIGN_OR_RETURN(const ModelMetadata metadata, FetchMetadata(*client, a));
  SWEETSPOT_ASSIGN_OR_RETURN(const LoadRequests requests, MakeRequests(metadata, a));
  const std::size_t levels = options.concurrency.size() + options.rates_per_s.size();
  const std::string span = a.once ? std::string("one pass") : fmt::format("{:g} s", a.duration_s);
  std::fputs(fmt::format("load: {} level(s) of {} (+{:g} s warm-up) against {} model {}, {} {} from {}\n", levels, span,
                         a.warmup_s, a.url, a.model, requests.requests.size(), RequestFormName(options.form),
                         SafeText(requests.dataset))
                 .c_str(),
             stderr);
  const auto started = std::chrono::steady_clock::now();
  SWEETSPOT_ASSIGN_OR_RETURN(
      const LoadRun run, RunLoad(connect, requests, options, [&](const LevelResult& l) { ReportLevel(l, options); }));
  const double duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return Write(store.get(), a, run, duration_ms);
}

}  // namespace

void RegisterLoad(CLI::App& root, Action* selected) {
  auto args = std::make_shared<LoadArgs>();
  CLI::App* cmd = root.add_subcommand(
      "load",
      "Load an inference server (KServe v2 / Open Inference Protocol: sweetspot serve, Triton, KServe) with a "
      "labelled dataset: throughput, latency percentiles, errors and top-1 per load level");
  cmd->footer(
      "Closed loop: each --concurrency level runs that many clients sending back to back. Open loop: each\n"
      "--rate level sends Poisson arrivals at that rate; latency counts from the intended send time, and an\n"
      "arrival that finds all --max-in-flight slots busy is dropped (counted, not a latency). Failed requests\n"
      "are counted by code, never as latencies. See docs/load.md.\n\n"
      "Examples:\n"
      "  sweetspot load http://127.0.0.1:8000 --model resnet-small --dataset /usr/share/datasets/fashion-mnist/t10k\n"
      "  sweetspot load http://127.0.0.1:8000 --model m --dataset val.csv --rate 50,100,200 --json out.json\n"
      "  sweetspot load http://127.0.0.1:8000 --model m --dataset t10k --db sweetspot.db --study serving\n"
      "  sweetspot load http://127.0.0.1:8000 --model nanodet_m --data voc/ --once --concurrency 1 --protocol voc\n"
      "  sweetspot load http://127.0.0.1:8000 --model EfficientPoseRT_224 --data coco/test_coco.json --once "
      "--concurrency 1");
  cmd->add_option("url", args->url, "the server: http://HOST:PORT or grpc://HOST:PORT")->required();
  cmd->add_option("--model", args->model, "the served model's name")->required();
  cmd->add_option("--version", args->version, "the model's version (default: the server's latest)");
  cmd->add_option("--dataset,--data", args->dataset,
                  "image folder, manifest (.csv/.tsv) or IDX prefix; or a detection dataset (VOC, COCO, YOLO); for a "
                  "keypoint model, a COCO keypoint or MPII JSON")
      ->required();
  cmd->add_option("--classes", args->classes_file, "class-name file (one per line) for the dataset's labels");
  cmd->add_option("--model-classes", args->model_classes,
                  "detection: the served model's classes, coco80 or FILE (default: the server's metadata, else "
                  "model class i is dataset class i)");
  cmd->add_option("--protocol", args->protocol, "detection: mAP protocol with --once, coco or voc (default coco)")
      ->check(CLI::IsMember({"coco", "voc"}));
  cmd->add_option("--limit", args->limit, "send a stratified subset of N samples (default: all)");
  cmd->add_option("--seed", args->seed, "seed of the --limit subset (default 0)");
  cmd->add_flag("--images", args->images, "send encoded images; the server preprocesses them (default)");
  cmd->add_flag("--tensors", args->tensors, "send preprocessed tensors (preprocessed here, as eval does)");
  cmd->add_option("--model-file", args->model_file,
                  "with --tensors: the model file whose metadata gives the preprocessing");
  cmd->add_option("--preprocess", args->preprocess_file, "with --tensors: preprocessing spec (TOML, docs/eval.md)");
  AddPreprocessFlags(cmd, &args->preprocess);
  cmd->add_option("--concurrency", args->concurrency, "closed-loop levels (default 1,2,4,8,16)")
      ->delimiter(',')
      ->each([args](const std::string&) { args->concurrency_given = true; });
  cmd->add_option("--rate", args->rates, "open-loop levels, requests per second (e.g. 50,100,200)")->delimiter(',');
  cmd->add_option("--max-in-flight", args->max_in_flight, "open loop: requests in flight at most (default 64)")
      ->check(PositiveInteger());
  cmd->add_option("--duration-s", args->duration_s, "measured seconds per level (default 30; ignored with --once)");
  cmd->add_flag("--once", args->once,
                "each closed-loop level sends every sample exactly once and ends when all are answered, so its "
                "top-1 is eval's on the same images (--duration-s is ignored; not with --rate)");
  cmd->add_option("--warmup-s", args->warmup_s, "unmeasured seconds before each level (default 2)");
  cmd->add_option("--window-s", args->window_s, "stability window in seconds (default 5)");
  cmd->add_option("--tolerance", args->tolerance,
                  "windows agree when their throughputs differ by at most this fraction (default 0.1)");
  cmd->add_option("--json", args->json, "write the results as JSON to FILE (- prints only the JSON)");
  cmd->add_option("--csv", args->csv, "write one CSV row per level to FILE (- prints only the CSV)");
  cmd->add_option("--db", args->db, "store the run in this results database (with --study)");
  cmd->add_option("--study", args->study, "the study the stored run belongs to (created if new)");
  cmd->callback([args, selected] { *selected = [args] { return RunLoadCommand(*args); }; });
}

}  // namespace sweetspot::cli
