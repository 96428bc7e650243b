// `sweetspot bench`: latency, throughput and memory of ONNX models.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "bench_detection.h"
#include "commands.h"
#include "output.h"
#include "sweetspot/backend.h"
#include "sweetspot/bench_json.h"
#include "sweetspot/bench_report.h"
#include "sweetspot/cpus.h"
#include "sweetspot/detection_bench.h"
#include "sweetspot/model_info.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {
namespace fs = std::filesystem;

struct BenchArgs {
  std::vector<std::string> models;
  std::vector<std::string> scenarios{"single-stream"};
  std::vector<int64_t> batch_sizes{1};
  int threads = 1;
  int inter_threads = 1;
  std::string graph_opt = "all";
  std::string execution_mode = "sequential";
  std::string provider = "cpu";
  std::vector<std::string> runtimes{"onnxruntime"};
  bool no_spinning = false;
  bool no_arena = false;
  int concurrency = 4;
  double duration_s = 2.0;
  double max_duration_s = 30.0;
  std::size_t min_count = 100;
  double target_ci = 0.02;
  double confidence = 0.95;
  std::vector<std::string> input_files;
  // NAME=VALUE pairs, split and checked by CLI11 (the value as text: CLI11 2.1
  // warns on an integer pair member under -O3).
  std::vector<std::pair<std::string, std::string>> dims;
  uint32_t seed = 42;
  std::string json_path;
  bool no_raw = false;
  bool no_isolate = false;
  bool quiet = false;
  bool scenario_given = false;  // else detection runs single-stream and offline
  DetectionBenchFlags detection;
};

// "NAME=VALUE" -> {NAME, VALUE}; a bare "VALUE" -> {"", VALUE}.
std::pair<std::string, std::string> SplitAssignment(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) return {"", text};
  return {text.substr(0, eq), text.substr(eq + 1)};
}

Result<BenchRequest> MakeRequest(const BenchArgs& a) {
  BenchRequest request;
  SWEETSPOT_ASSIGN_OR_RETURN(request.options.graph_optimization,
                             WithFlag(ParseGraphOptimization(a.graph_opt), "--graph-opt"));
  SWEETSPOT_ASSIGN_OR_RETURN(request.options.execution_mode,
                             WithFlag(ParseExecutionMode(a.execution_mode), "--execution-mode"));
  // Resolved here so that the report records the threads really used.
  request.options.intra_op_threads = a.threads > 0 ? a.threads : DefaultThreadCount();
  request.options.inter_op_threads = a.inter_threads;
  request.options.execution_provider = a.provider;
  request.options.allow_spinning = !a.no_spinning;
  request.options.memory_arena = !a.no_arena;

  MeasureConfig& c = request.config;
  c.scenarios.clear();
  for (const auto& name : a.scenarios) {
    if (name == "all") {
      c.scenarios = {Scenario::kSingleStream, Scenario::kOffline, Scenario::kConcurrent};
      break;
    }
    SWEETSPOT_ASSIGN_OR_RETURN(Scenario s, WithFlag(ParseScenario(name), "--scenario"));
    c.scenarios.push_back(s);
  }
  c.batch_sizes = a.batch_sizes;
  c.concurrency = a.concurrency;
  c.stopping.min_duration = std::chrono::duration<double>(a.duration_s);
  c.stopping.max_duration = std::chrono::duration<double>(std::max(a.max_duration_s, a.duration_s));
  c.stopping.min_count = a.min_count;
  c.stopping.target_relative_half_width = a.target_ci;
  c.stopping.confidence = a.confidence;
  c.run_duration = std::chrono::duration<double>(a.duration_s);
  // The flags ValidateConfig's checks can meet, named as this command's options.
  if (a.duration_s <= 0) return Status::InvalidArgument("--duration-s must be > 0");
  if (!(a.target_ci > 0 && a.target_ci < 1)) {
    return Status::InvalidArgument("--target-ci must be in (0, 1), e.g. 0.02 for +/-2 %");
  }
  if (!(a.confidence > 0.5 && a.confidence < 1)) return Status::InvalidArgument("--confidence must be in (0.5, 1)");
  SWEETSPOT_RETURN_IF_ERROR(ValidateConfig(c));

  for (const auto& f : a.input_files) {
    auto [name, path] = SplitAssignment(f);
    if (!fs::is_regular_file(path)) {
      return Status::NotFound("--input: file '" + path + "' does not exist");
    }
    request.inputs.files[name] = fs::absolute(path);
  }
  request.inputs.dim_values = DimValues(a.dims);
  request.inputs.seed = a.seed;
  return request;
}

// One InputSpec per model: a --dim applies to the models that have that
// dimension. A model whose inputs cannot be read keeps every value; measuring
// it reports why it cannot be read.
Result<std::vector<InputSpec>> PerModelInputs(const std::vector<std::string>& models, const InputSpec& inputs) {
  std::vector<ModelDeclaredInputs> readable;
  for (const auto& model : models) {
    auto declared = DeclaredInputs(model);
    if (declared.ok()) readable.push_back({model, std::move(declared).value()});
  }
  auto split = InputSpecsPerModel(readable, inputs);
  if (!split.ok()) return split.status().WithContext("--dim");
  std::vector<InputSpec> specs;
  std::size_t next = 0;
  for (const auto& model : models) {
    const bool read = next < readable.size() && readable[next].model == model;
    specs.push_back(read ? (*split)[next++] : inputs);
  }
  return specs;
}

ProgressFn TerminalProgress(const std::string& label) {
  if (!StderrIsTerminal()) return {};
  auto bar = std::make_shared<ProgressBar>();
  return [bar, label](const std::string& phase, double fraction) { bar->Update(label, fraction, phase); };
}

// One runtime of the run.
struct BenchRuntime {
  std::string name;                  // as asked for, e.g. "opencv-dnn"
  std::unique_ptr<Backend> backend;  // --no-isolate: the models run in this process
  int64_t baseline_rss_bytes = 0;    // isolated: what its child weighs without a model
};

// Every runtime is checked before any model is measured: an unknown name, a
// library that does not load or a provider it cannot enable fails every model.
// Isolated, each runtime is created only in its own child (a process holds one
// ONNX Runtime version); the child that weighs the runtime checks the provider.
Result<std::vector<BenchRuntime>> PrepareRuntimes(const BenchArgs& args, const BenchRequest& base,
                                                  const fs::path& self) {
  for (const auto& name : args.runtimes) {
    if (Status known = CheckBackendName(name); !known.ok()) return known.WithContext("--runtime");
  }
  std::vector<BenchRuntime> runtimes;
  for (const auto& name : args.runtimes) {
    BenchRuntime runtime{name, nullptr, 0};
    Status provider;
    if (args.no_isolate) {
      auto backend = CreateBackend(name);
      if (backend.status().code() == StatusCode::kFailedPrecondition) {
        return backend.status().WithContext("--runtime " + name).RenderedFixes("drop --no-isolate");
      }
      SWEETSPOT_ASSIGN_OR_RETURN(runtime.backend, WithFlag(std::move(backend), "--runtime " + name));
      provider = runtime.backend->CheckProvider(args.provider);
    } else {
      BenchRequest request = base;
      request.backend = name;
      SWEETSPOT_ASSIGN_OR_RETURN(RuntimeBaseline baseline,
                                 WithFlag(MeasureRuntimeBaseline(self, request), "--runtime " + name));
      runtime.baseline_rss_bytes = baseline.peak_rss_bytes;
      provider = baseline.provider;
    }
    if (!provider.ok()) {
      return Status::FromCode(provider.code(), "--provider: " + provider.message() + ": use --provider cpu");
    }
    runtimes.push_back(std::move(runtime));
  }
  return runtimes;
}

Result<BenchResult> MeasureModel(const BenchArgs& args, BenchRequest request, const BenchRuntime& runtime,
                                 const fs::path& self) {
  if (!fs::exists(request.model_path)) {
    return Status::NotFound("model file '" + request.model_path + "' does not exist; check the path");
  }
  if (args.no_isolate) {
    return RunBench(*runtime.backend, request.model_path, request.options, request.config, request.inputs,
                    args.quiet ? ProgressFn{} : TerminalProgress(request.model_path));
  }
  request.backend = runtime.name;
  ChildOptions child_options;
  child_options.share_stderr = !args.quiet;  // the child draws its progress there
  SWEETSPOT_ASSIGN_OR_RETURN(BenchResult result, RunBenchIsolated(self, request, {}, child_options));
  ApplyRuntimeBaseline(result, runtime.baseline_rss_bytes);
  return result;
}

// The same for a detector's pipeline (bench_detection.h).
Result<DetectionBenchResult> MeasureDetector(const BenchArgs& args, const BenchRequest& base,
                                             const BenchRuntime& runtime, const fs::path& self) {
  if (!fs::exists(base.model_path)) {
    return Status::NotFound("model file '" + base.model_path + "' does not exist; check the path");
  }
  DetectionBenchRequest request;
  SWEETSPOT_ASSIGN_OR_RETURN(request.pipeline, DetectionBenchPipeline(args.detection));
  request.pipeline.model_path = base.model_path;
  request.pipeline.engine = runtime.name;
  request.options = base.options;
  request.config = base.config;
  request.synthetic_seed = args.seed;
  if (args.no_isolate) {
    return MeasureDetectionPipeline(*runtime.backend, request,
                                    args.quiet ? ProgressFn{} : TerminalProgress(request.pipeline.model_path));
  }
  ChildOptions child_options;
  child_options.share_stderr = !args.quiet;
  SWEETSPOT_ASSIGN_OR_RETURN(DetectionBenchResult result, RunDetectionBenchIsolated(self, request, {}, child_options));
  ApplyRuntimeBaseline(result.bench, runtime.baseline_rss_bytes);
  return result;
}

// A failure among several names the model file and the runtime, unless its
// message does already.
Status NamingModelAndRuntime(const Status& status, const std::string& model, const std::string& runtime,
                             bool several_runtimes) {
  const bool names_model = status.message().find(model) != std::string::npos;
  const bool names_runtime = !several_runtimes || status.message().find(runtime) != std::string::npos;
  if (names_model && names_runtime) return status;
  if (names_runtime) return status.WithContext(model);
  return status.WithContext(names_model ? runtime : model + " under " + runtime);
}

// What a kind of measurement (a model's network on tensors, or a detector's
// pipeline) does per model and runtime, and how its results are written.
template <typename R>
struct BenchKind {
  std::function<Result<R>(const BenchRequest&, const BenchRuntime&)> measure;
  std::function<std::string(const R&)> render;
  std::function<nlohmann::json(const std::vector<R>&, const std::vector<BenchFailure>&, bool)> document;
};

// Every model under every runtime; a failure is reported and the others go on.
template <typename R>
Status MeasureAll(const BenchArgs& args, const BenchRequest& base, const std::vector<BenchRuntime>& runtimes,
                  const std::vector<InputSpec>& inputs, const BenchKind<R>& kind) {
  const std::size_t runs = args.models.size() * runtimes.size();
  std::vector<R> results;
  std::vector<BenchFailure> failures;
  for (std::size_t i = 0; i < args.models.size(); ++i) {
    for (const BenchRuntime& runtime : runtimes) {
      BenchRequest request = base;
      request.model_path = args.models[i];
      request.inputs = inputs[i];
      Result<R> result = kind.measure(request, runtime);
      ClearProgressLine();
      if (!result.ok()) {
        // Keep going: the other models' and runtimes' results are still worth having.
        const Status failure = WithFlagFixes(
            runs > 1 ? NamingModelAndRuntime(result.status(), request.model_path, runtime.name, runtimes.size() > 1)
                     : result.status());
        if (runs > 1) std::fprintf(stderr, "sweetspot: error: %s\n", SafeText(failure.message()).c_str());
        failures.push_back({request.model_path, runtime.name, failure});
        continue;
      }
      if (!args.quiet && args.json_path != "-") {
        std::cout << SafeText(kind.render(*result)) << (runs > 1 ? "\n" : "");
        std::cout.flush();
      }
      results.push_back(std::move(result).value());
    }
  }
  if (!args.json_path.empty()) {
    SWEETSPOT_RETURN_IF_ERROR(
        WriteOutput(args.json_path, DumpJson(kind.document(results, failures, !args.no_raw), 2) + "\n", "--json"));
  }
  if (failures.empty()) return Status::Ok();
  if (runs == 1) return failures.front().status;
  // Each failure has had its line; the exit status is the first one's.
  return Status::FromCode(failures.front().status.code(),
                          fmt::format("{} of {} {} failed (each named above)", failures.size(), runs,
                                      runtimes.size() > 1 ? "model/runtime pairs" : "models"));
}

std::string BenchText(const BenchResult& result) {
  const BenchTextHints hints = {.isolate = "drop --no-isolate",
                                .settings = {.threads = "--threads",
                                             .concurrency = "--concurrency",
                                             .duration = "--duration-s",
                                             .max_duration = "--max-duration-s"}};
  return RenderBenchText(result, hints);
}

// A detector's pipeline: single-stream and offline unless --scenario says;
// neither random tensors nor concurrent queries.
Status CheckDetectionArgs(const BenchArgs& args, BenchRequest& base) {
  if (!args.input_files.empty() || !args.dims.empty()) {
    return Status::InvalidArgument("--input/--dim: a detection bench feeds the dataset's images; drop them");
  }
  if (std::find(args.scenarios.begin(), args.scenarios.end(), "concurrent") != args.scenarios.end()) {
    return Status::InvalidArgument(
        "--scenario concurrent: a detector's pipeline is timed single-stream and offline; use --scenario "
        "single-stream,offline");
  }
  const bool all = std::find(args.scenarios.begin(), args.scenarios.end(), "all") != args.scenarios.end();
  if (!args.scenario_given || all) base.config.scenarios = {Scenario::kSingleStream, Scenario::kOffline};
  return Status::Ok();
}

Status RunBenchCommand(const BenchArgs& args) {
  SWEETSPOT_ASSIGN_OR_RETURN(BenchRequest base, MakeRequest(args));
  SWEETSPOT_ASSIGN_OR_RETURN(const bool detection, IsDetectionBench(args.detection));
  if (detection) SWEETSPOT_RETURN_IF_ERROR(CheckDetectionArgs(args, base));
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(args.json_path, "--json"));
  SWEETSPOT_ASSIGN_OR_RETURN(const fs::path self, SelfExecutable());
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<BenchRuntime> runtimes, PrepareRuntimes(args, base, self));
  std::vector<InputSpec> inputs(args.models.size(), base.inputs);
  if (detection) {
    const BenchKind<DetectionBenchResult> kind = {
        [&](const BenchRequest& request, const BenchRuntime& runtime) {
          return MeasureDetector(args, request, runtime, self);
        },
        [](const DetectionBenchResult& r) { return BenchText(r.bench) + "\n" + RenderDetectionSplit(r); },
        DetectionBenchDocument};
    return MeasureAll(args, base, runtimes, inputs, kind);
  }
  if (args.models.size() > 1) {
    SWEETSPOT_ASSIGN_OR_RETURN(inputs, PerModelInputs(args.models, base.inputs));
  }
  const BenchKind<BenchResult> kind = {[&](const BenchRequest& request, const BenchRuntime& runtime) {
                                         return MeasureModel(args, request, runtime, self);
                                       },
                                       BenchText, BenchDocument};
  return MeasureAll(args, base, runtimes, inputs, kind);
}

}  // namespace

void RegisterBench(CLI::App& root, Action* selected) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = root.add_subcommand("bench", "Measure latency, throughput and peak memory of ONNX models");
  cmd->footer(
      "Each model is measured in a child process of its own, so that its peak RSS and load time\n"
      "are its own and a crash in the runtime loses only that model. Single-stream runs until the\n"
      "p50's distribution-free 95% interval is within --target-ci (or --max-duration-s ends it,\n"
      "which the output then says). Inputs are seeded random tensors unless --input gives .npy files.\n\n"
      "Detectors: with --data DIR (VOC, COCO or YOLO) or --task detection, bench times the whole pipeline\n"
      "per image instead: pre-processing (letterbox + normalise), network, decoding + NMS, and their sum,\n"
      "single-stream and offline (items/s of each stage), with eval's preprocessing and decoder flags.\n\n"
      "Examples:\n"
      "  sweetspot bench model.onnx\n"
      "  sweetspot bench model.onnx --scenario all --batch 1,8,32 --concurrency 4 --json out.json\n"
      "  sweetspot bench a.onnx b.onnx --threads 2 --target-ci 0.01\n"
      "  sweetspot bench model.onnx --runtime onnxruntime@1.21.0 --runtime onnxruntime@1.30.0 --runtime opencv-dnn\n"
      "  sweetspot bench nanodet_m.onnx --data voc/ --preprocess examples/nanodet-preprocess.toml");
  cmd->add_option("models", args->models, "ONNX model file(s)")->required();
  cmd->add_option("--scenario", args->scenarios,
                  "single-stream, offline, concurrent, or all (comma-separated; default single-stream)")
      ->delimiter(',');
  cmd->add_option("--batch", args->batch_sizes,
                  "batch size(s); offline runs each, the others use the first (default 1)")
      ->delimiter(',')
      ->check(PositiveInteger());
  cmd->add_option(
         "--threads", args->threads,
         "intra-op threads per session (default 1; 0: the CPUs this process may use, or OMP_NUM_THREADS when set)")
      ->check(NonNegativeInteger());
  cmd->add_option("--inter-threads", args->inter_threads, "inter-op threads (default 1)")->check(NonNegativeInteger());
  cmd->add_option("--graph-opt", args->graph_opt, "graph optimisation: disabled, basic, extended, all (default all)");
  cmd->add_option("--execution-mode", args->execution_mode, "sequential or parallel (default sequential)");
  cmd->add_option("--runtime", args->runtimes,
                  fmt::format("the runtime(s) that run the models, each in a child process of its own "
                              "(repeatable or comma-separated): {} (default onnxruntime)",
                              fmt::join(BackendNames(), ", ")))
      ->delimiter(',');
  cmd->add_option("--provider", args->provider, "execution provider (default cpu)");
  cmd->add_flag("--no-spinning", args->no_spinning,
                "idle runtime threads sleep instead of busy-waiting for work: less CPU time, maybe more latency");
  cmd->add_flag("--no-arena", args->no_arena, "disable the runtime's CPU memory arena (allocate per run)");
  cmd->add_option("--concurrency", args->concurrency, "threads in the concurrent scenario (default 4)")
      ->check(PositiveInteger());
  cmd->add_option("--duration-s", args->duration_s,
                  "minimum seconds of single-stream, and seconds of each offline/concurrent run (default 2)");
  cmd->add_option("--max-duration-s", args->max_duration_s,
                  "single-stream stops here even if the interval target is not met (default 30)");
  cmd->add_option("--min-count", args->min_count, "minimum single-stream queries (default 100)");
  cmd->add_option("--target-ci", args->target_ci,
                  "target relative half-width of the p50 interval (default 0.02 = +/-2 %)");
  cmd->add_option("--confidence", args->confidence, "confidence of the intervals (default 0.95)");
  cmd->add_option("--input", args->input_files,
                  "[NAME=]FILE.npy: feed this tensor (first dim = batch, or 1 to repeat)");
  cmd->add_option("--dim", args->dims,
                  "NAME=VALUE for a symbolic dimension other than the batch, or INPUT:AXIS=VALUE for an unnamed one "
                  "(repeatable)")
      ->delimiter('=')
      ->type_name("NAME=VALUE")
      ->check(PositiveInteger().application_index(1));
  cmd->add_option("--seed", args->seed, "seed of the random inputs (default 42)");
  cmd->add_option("--json", args->json_path, "write every figure (and raw latencies) as JSON to FILE, or - for stdout");
  cmd->add_flag("--no-raw", args->no_raw, "leave raw latencies out of the JSON");
  cmd->add_flag("--no-isolate", args->no_isolate,
                "measure in this process (peak RSS then comes from /proc/self/status)");
  cmd->add_flag("-q,--quiet", args->quiet, "print no table or progress");
  AddDetectionBenchFlags(cmd, &args->detection);
  cmd->callback([args, selected, cmd] {
    args->scenario_given = cmd->count("--scenario") > 0;
    *selected = [args] { return RunBenchCommand(*args); };
  });

  // Internal: the child process of an isolated measurement.
  auto child_args = std::make_shared<std::vector<std::string>>();
  CLI::App* child = root.add_subcommand("__bench-child", "");
  child->group("");  // hidden from --help
  child->add_option("files", *child_args)->expected(2)->required();
  child->callback([child_args, selected] {
    *selected = [child_args]() -> Status {
      const auto model_label = std::string("measuring");
      const fs::path request = (*child_args)[0];
      const fs::path result = (*child_args)[1];
      const Result<nlohmann::json> json = ReadChildRequest(request);
      const Status status = json.ok() && IsDetectionBenchRequest(*json)
                                ? RunDetectionBenchChild(request, result, TerminalProgress(model_label))
                                : RunBenchChild(request, result, TerminalProgress(model_label));
      ClearProgressLine();
      // The result file says everything, errors included. Leaving now, without
      // static destructors, keeps the runtime's teardown (which touches several
      // MiB) out of the peak RSS the parent reads from wait4.
      std::fflush(nullptr);
      _exit(status.ok() ? 0 : 1);
    };
  });
}

}  // namespace sweetspot::cli
