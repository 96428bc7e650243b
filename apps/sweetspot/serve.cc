// `sweetspot serve`: ONNX models behind the Open Inference Protocol (KServe
// v2) over HTTP and gRPC, with dynamic batching (model_server.h, http_server.h,
// grpc_server.h).
//
// The options are one struct per flag group (models, HTTP, ...), each filled
// by its own Add*Flags and turned into library options by its own function,
// so that a front end or feature adds its group without touching the others.
#include <arpa/inet.h>
#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "detection_flags.h"
#include "keypoint_flags.h"
#include "output.h"
#include "preprocess_flags.h"
#include "serve_journal.h"
#include "sweetspot/backend.h"
#include "sweetspot/grpc_server.h"
#include "sweetspot/http_server.h"
#include "sweetspot/model_server.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {

namespace fs = std::filesystem;

// The models and how each is run (the same for every model).
struct ModelFlags {
  std::vector<std::string> paths;
  std::vector<std::string> names;
  int sessions = 1;
  int threads = 1;
  int max_batch = 1;
  std::int64_t max_queue_delay_us = 500;
  std::vector<int> preferred_batch;
  int max_queue = 256;
  std::string runtime = "onnxruntime";
};

struct HttpFlags {
  std::string host = "127.0.0.1";
  int port = 8000;
  int threads = 16;
  int max_body_mb = 64;
  int read_timeout_s = 30;
  int write_timeout_s = 30;
};

// gRPC beside HTTP (grpc_server.h), on --host, with --max-body-mb as its
// message limit.
struct GrpcFlags {
  int port = -1;  // -1: no gRPC
};

// What the served models' inputs and outputs mean: the image extension's
// preprocessing and, for detectors and keypoint models, the decoder (every
// model served).
struct MeaningFlags {
  std::string preprocess_file;
  PreprocessFlags preprocess;
  DetectionFlags detection;
  KeypointFlags keypoints;
};

struct ServeArgs {
  ModelFlags models;
  MeaningFlags meaning;
  HttpFlags http;
  FastAccurateFlags pair;
  GrpcFlags grpc;
  bool check = false;
};

void AddModelFlags(CLI::App* cmd, ModelFlags* f) {
  cmd->add_option("models", f->paths, "ONNX model file(s) to serve (besides --fast and --accurate)");
  cmd->add_option("--name", f->names,
                  "the URL name of each model, in the models' order (repeatable; default: the file's stem)")
      ->allow_extra_args(false);
  cmd->add_option("--sessions", f->sessions, "runtime sessions per model, run in parallel (default 1)")
      ->check(PositiveInteger());
  cmd->add_option("--threads", f->threads, "intra-op threads per session (default 1)")->check(PositiveInteger());
  cmd->add_option("--max-batch", f->max_batch, "dynamic batching: most rows run at once; 1 = no batching (default 1)")
      ->check(PositiveInteger());
  cmd->add_option("--max-queue-delay-us", f->max_queue_delay_us,
                  "longest a request waits for its batch to fill, in microseconds (default 500)")
      ->check(NonNegativeInteger());
  cmd->add_option("--preferred-batch", f->preferred_batch,
                  "batch sizes run as soon as that many rows wait (comma-separated; each <= --max-batch)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(PositiveInteger());
  cmd->add_option("--max-queue", f->max_queue, "requests waiting per model; more are refused with 503 (default 256)")
      ->check(PositiveInteger());
  cmd->add_option(
      "--runtime", f->runtime,
      fmt::format("the runtime that runs the models: {} (default onnxruntime)", fmt::join(BackendNames(), ", ")));
}

void AddHttpFlags(CLI::App* cmd, HttpFlags* f) {
  cmd->add_option("--host", f->host, "address to listen on (default 127.0.0.1; 0.0.0.0: every interface)");
  cmd->add_option("--http-port", f->port, "HTTP port (default 8000; 0: any free port, printed at start)")
      ->check(NonNegativeInteger());
  cmd->add_option("--http-threads", f->threads,
                  "connections served at once; at least --max-batch to fill batches (default 16)")
      ->check(PositiveInteger());
  cmd->add_option("--max-body-mb", f->max_body_mb, "largest request body in MiB; larger get 413 (default 64)")
      ->check(PositiveInteger());
  cmd->add_option("--read-timeout-s", f->read_timeout_s,
                  "a client silent this long in the middle of a request is dropped (default 30)")
      ->check(PositiveInteger());
  cmd->add_option("--write-timeout-s", f->write_timeout_s,
                  "a client that reads nothing of its answer this long is dropped (default 30)")
      ->check(PositiveInteger());
}

void AddGrpcFlags(CLI::App* cmd, GrpcFlags* f) {
  cmd->add_option("--grpc-port", f->port,
                  "also serve the protocol over gRPC on this port (Triton's is 8001; 0: any free port, printed at "
                  "start; default: no gRPC)")
      ->check(NonNegativeInteger());
}

void AddMeaningFlags(CLI::App* cmd, MeaningFlags* f) {
  cmd->add_option("--preprocess", f->preprocess_file,
                  "preprocessing of images sent as BYTES (TOML, docs/eval.md), over the models' metadata");
  AddPreprocessFlags(cmd, &f->preprocess);
  AddDetectionFlags(cmd, &f->detection);
  AddKeypointFlags(cmd, &f->keypoints);
}

// The name a model is served as: its --name, else the file's stem.
std::vector<std::string> ModelNames(const ModelFlags& f) {
  std::vector<std::string> names = f.names;
  for (std::size_t i = names.size(); i < f.paths.size(); ++i) names.push_back(fs::path(f.paths[i]).stem().string());
  return names;
}

// ServedModelOptions' limit on max_queue_delay (model_server.h), in microseconds.
constexpr std::int64_t kMaxQueueDelayUs = std::int64_t{3600} * 1'000'000;

// The models served: the positional ones, then --fast and --accurate (unless
// given among them too).
Result<ModelFlags> WithPair(const ModelFlags& f, const FastAccurateFlags& pair) {
  ModelFlags all = f;
  for (const std::string& path : FastAccuratePaths(pair)) {
    if (std::find(all.paths.begin(), all.paths.end(), path) == all.paths.end()) all.paths.push_back(path);
  }
  if (all.paths.empty()) {
    return Status::InvalidArgument("no model to serve: pass MODEL.onnx (one or more), or --fast and --accurate");
  }
  return all;
}

// The checks whose fix is a flag, made here so that the message names it.
Status CheckModelFlags(const ModelFlags& f) {
  if (f.names.size() > f.paths.size()) {
    return Status::InvalidArgument(fmt::format("--name given {} times for {} model(s): pass at most one per model",
                                               f.names.size(), f.paths.size()));
  }
  for (const std::string& path : f.paths) {
    if (!fs::is_regular_file(path)) {
      return Status::NotFound(fmt::format("{}: no such file: pass the path of an ONNX model", path));
    }
  }
  std::set<std::string> seen;
  for (const std::string& name : ModelNames(f)) {
    if (!seen.insert(name).second) {
      return Status::InvalidArgument(
          fmt::format("two models are served as '{}': give each its own --name (one per model, in order)", name));
    }
  }
  if (f.max_queue_delay_us > kMaxQueueDelayUs) {
    return Status::InvalidArgument(fmt::format("--max-queue-delay-us {} is more than an hour: pass at most {}",
                                               f.max_queue_delay_us, kMaxQueueDelayUs));
  }
  for (const int size : f.preferred_batch) {
    if (size > f.max_batch) {
      return Status::InvalidArgument(
          fmt::format("--preferred-batch {} exceeds --max-batch {}: raise --max-batch to {}", size, f.max_batch, size));
    }
  }
  if (Status known = CheckBackendName(f.runtime); !known.ok()) return known.WithContext("--runtime");
  return Status::Ok();
}

// The preprocessing and decoder the flags give `m` (none: the model's metadata alone).
Status ApplyMeaning(const MeaningFlags& f, ServedModelOptions& m) {
  std::vector<PreprocessLayer> layers;
  if (!f.preprocess_file.empty()) layers.push_back({f.preprocess_file, "", f.preprocess_file});
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<PreprocessLayer> flags, FlagLayers(f.preprocess));
  layers.insert(layers.end(), flags.begin(), flags.end());
  if (!layers.empty()) {
    auto spec = LayerPreprocessing(m.path, layers);
    if (!spec.ok()) return WithFlagFixes(spec.status());
    m.preprocess = *spec;
  }
  SWEETSPOT_ASSIGN_OR_RETURN(m.decoder_layers, DecoderFlagLayers(f.detection));
  m.model_classes = f.detection.model_classes;
  m.keypoint_schema = f.keypoints.schema;
  SWEETSPOT_ASSIGN_OR_RETURN(m.keypoint_decoder_layers, KeypointDecoderFlagLayers(f.keypoints));
  if (f.keypoints.padding) m.person_padding = *f.keypoints.padding;
  return Status::Ok();
}

Result<std::vector<ServedModelOptions>> ModelOptions(const ModelFlags& f, const MeaningFlags& meaning) {
  SWEETSPOT_RETURN_IF_ERROR(CheckModelFlags(f));
  const std::vector<std::string> names = ModelNames(f);
  std::vector<ServedModelOptions> models;
  for (std::size_t i = 0; i < f.paths.size(); ++i) {
    ServedModelOptions m;
    m.name = names[i];
    m.path = f.paths[i];
    m.engine = f.runtime;
    m.sessions = f.sessions;
    m.threads_per_session = f.threads;
    m.batching.max_batch_size = f.max_batch;
    m.batching.max_queue_delay = std::chrono::microseconds(f.max_queue_delay_us);
    m.batching.preferred_batch_sizes = f.preferred_batch;
    m.max_queue_size = static_cast<std::size_t>(f.max_queue);
    SWEETSPOT_RETURN_IF_ERROR(ApplyMeaning(meaning, m));
    models.push_back(std::move(m));
  }
  return models;
}

// Whether --host reads as an address to bind (an IPv4/IPv6 literal or
// localhost): a failed bind on one is the port's fault, else the host's.
bool IsListenAddress(const std::string& host) {
  in6_addr address{};
  return host == "localhost" || inet_pton(AF_INET, host.c_str(), &address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

HttpServerOptions HttpOptions(const HttpFlags& f) {
  HttpServerOptions options;
  options.host = f.host;
  options.port = f.port;
  options.threads = f.threads;
  options.max_body_bytes = static_cast<std::size_t>(f.max_body_mb) * 1024 * 1024;
  options.read_timeout = std::chrono::seconds(f.read_timeout_s);
  options.write_timeout = std::chrono::seconds(f.write_timeout_s);
  options.render_fixes = WithFlagFixes;  // a full queue: pass --max-queue N
  return options;
}

// SIGINT and SIGTERM, blocked in this thread and so in every thread it
// starts later: only WaitForStopSignal's sigwait receives them, and no work
// runs in a signal handler.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A shell starts background jobs with SIGINT ignored, and an ignored signal
  // is discarded instead of waiting for sigwait; blocked, the default action
  // never runs.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  return signals;
}

int WaitForStopSignal(const sigset_t& signals) {
  int signal = 0;
  while (sigwait(&signals, &signal) != 0) {
  }
  return signal;
}

// A second signal while the requests in flight finish ends the process at once.
void ExitOnSecondSignal(const sigset_t& signals) {
  std::thread([signals] {
    const int signal = WaitForStopSignal(signals);
    std::fprintf(stderr, "sweetspot: serve: %s again: stopping without waiting\n", strsignal(signal));
    std::_Exit(128 + signal);
  }).detach();
}

std::vector<std::string> ServedNames(const ModelServer& server) {
  std::vector<std::string> names;
  for (const ModelMetadata& m : server.Models()) names.push_back(m.name);
  return names;
}

struct StartedGrpc {
  std::unique_ptr<GrpcFrontEnd> front_end;  // null without --grpc-port
  int port = 0;
};

// Starts the gRPC front end when --grpc-port was given; the fast/accurate
// pair (may be null) answers its model as over HTTP.
Result<StartedGrpc> StartGrpc(ModelServer& server, const ServeArgs& a, const FastAccurate* pair) {
  if (a.grpc.port < 0) return StartedGrpc{};
  GrpcServerOptions options;
  options.host = a.http.host;
  options.port = a.grpc.port;
  options.max_message_bytes = static_cast<std::size_t>(a.http.max_body_mb) * 1024 * 1024;
  auto grpc = std::make_unique<GrpcFrontEnd>(server, options);
  if (pair != nullptr) grpc->SetInferHandler(pair->model(), pair->Handler());
  const Result<int> port = grpc->Start();
  if (!port.ok()) {
    return port.status().WithContext("--grpc-port").RenderedFixes("pass another --grpc-port, or 0 for any free one");
  }
  return StartedGrpc{std::move(grpc), *port};
}

Status RunServe(const ServeArgs& a) {
  const sigset_t stop_signals = BlockStopSignals();
  SWEETSPOT_RETURN_IF_ERROR(CheckFastAccurateFlags(a.pair));
  SWEETSPOT_ASSIGN_OR_RETURN(const ModelFlags all_models, WithPair(a.models, a.pair));
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<ServedModelOptions> models, ModelOptions(all_models, a.meaning));
  ApplyPairRuntimes(a.pair, models);
  Result<std::unique_ptr<ModelServer>> created = ModelServer::Create(std::move(models));
  if (!created.ok()) return WithRuntimeFlag(a.pair, created.status());
  const std::unique_ptr<ModelServer> server = std::move(created).value();
  HttpFrontEnd http(*server, HttpOptions(a.http));
  SWEETSPOT_ASSIGN_OR_RETURN(const std::unique_ptr<FastAccurate> pair, FastAccurate::Start(a.pair, *server));
  if (pair) {
    http.SetInferHandler(pair->model(), pair->Handler());
    if (JobLookup lookup = pair->Lookup()) http.SetJobLookup(std::move(lookup));
  }
  Result<int> port = http.Start();
  if (!port.ok() && !IsListenAddress(a.http.host)) {
    return Status::InvalidArgument(
        fmt::format("--host {} is not an address to listen on: pass an IP address of this "
                    "host, e.g. --host 127.0.0.1 (or 0.0.0.0 for every interface)",
                    SafeText(a.http.host)));
  }
  if (!port.ok()) {
    return port.status().WithContext("--http-port").RenderedFixes("pass another --http-port, or 0 for any free one");
  }
  SWEETSPOT_ASSIGN_OR_RETURN(const StartedGrpc grpc, StartGrpc(*server, a, pair.get()));
  std::printf("serving http://%s:%d (models: %s)\n", a.http.host.c_str(), *port,
              fmt::format("{}", fmt::join(ServedNames(*server), ", ")).c_str());
  if (grpc.front_end) std::printf("serving grpc://%s:%d\n", a.http.host.c_str(), grpc.port);
  std::fflush(stdout);
  if (a.check) return Status::Ok();
  const int signal = WaitForStopSignal(stop_signals);
  std::fprintf(stderr, "sweetspot: serve: %s: finishing the requests in flight\n", strsignal(signal));
  ExitOnSecondSignal(stop_signals);
  http.Stop();
  if (grpc.front_end) grpc.front_end->Stop();
  if (pair) pair->Stop();
  std::fprintf(stderr, "sweetspot: serve: stopped\n");
  return Status::Ok();
}

}  // namespace

void RegisterServe(CLI::App& root, Action* selected) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd =
      root.add_subcommand("serve", "Serve ONNX models over HTTP and gRPC (Open Inference Protocol v2, KServe v2)");
  cmd->footer(
      "Prints one line, 'serving http://HOST:PORT (models: a, b)', once it takes requests (with\n"
      "--grpc-port a second, 'serving grpc://HOST:PORT'); SIGINT or SIGTERM stop it gracefully (no new\n"
      "connections; requests already received are answered).\n"
      "Endpoints, the binary and image extensions and the metrics: docs/serve.md.\n\n"
      "Examples:\n"
      "  sweetspot serve model.onnx\n"
      "  sweetspot serve a.onnx b.onnx --name fast --name accurate --http-port 0\n"
      "  sweetspot serve model.onnx --sessions 2 --max-batch 16 --max-queue-delay-us 2000 --preferred-batch 8,16\n"
      "  sweetspot serve model.onnx --grpc-port 8001\n"
      "  sweetspot serve nanodet_m.onnx --preprocess examples/nanodet-preprocess.toml \\\n"
      "      --decoder examples/nanodet-detector.toml        # answers with boxes\n"
      "  sweetspot serve --fast EfficientPoseRT_224.onnx --accurate EfficientPoseI_256.onnx \\\n"
      "      --accurate-runtime opencv-dnn --schema efficientpose16 --journal jobs.db   # keypoints\n"
      "  curl localhost:8000/v2/models/model");
  AddModelFlags(cmd, &args->models);
  AddMeaningFlags(cmd, &args->meaning);
  AddHttpFlags(cmd, &args->http);
  AddFastAccurateFlags(cmd, &args->pair);
  AddGrpcFlags(cmd, &args->grpc);
  cmd->add_flag("--check", args->check,
                "load the models, bind the port, print the 'serving' line and exit (checks a deployment)");
  cmd->callback([args, selected] { *selected = [args] { return RunServe(*args); }; });
}

}  // namespace sweetspot::cli
