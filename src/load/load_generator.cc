#include "sweetspot/load_generator.h"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <semaphore>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "sweetspot/keypoint_eval_summary.h"
#include "sweetspot/keypoint_model.h"
#include "sweetspot/served_detections.h"
#include "sweetspot/served_keypoints.h"

namespace sweetspot {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

Clock::time_point After(Clock::time_point t, double seconds) {
  return t + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// One request's outcome, as a worker saw it.
struct Answer {
  double done_s = 0.0;  // since the measured span began (negative: during warm-up)
  double latency_ms = 0.0;
  StatusCode code = StatusCode::kOk;
  ClientTimes times;
  std::optional<ServerTimes> server;  // answers = 1 when the response carried any
  int correct = -1;                   // -1: the answer could not be scored
  std::size_t request = 0;            // index into LoadRequests::requests
  // Detection requests, when kept: the answer's boxes in the dataset's classes.
  std::optional<std::vector<Detection>> detections;
  // Keypoint requests, when kept: the answer's joints in the dataset's schema,
  // and per dataset joint the answer's joint it is (-1: the model has none).
  std::optional<std::vector<Keypoint>> keypoints;
  std::vector<int> keypoint_map;
};

// What one worker thread recorded; only that thread writes it until it is joined.
struct WorkerLog {
  std::vector<Answer> answers;
  std::string first_error;  // of the measured span
};

std::optional<double> NumberParameter(const Parameters& parameters, const char* name) {
  const auto it = parameters.find(name);
  if (it == parameters.end()) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  return std::nullopt;
}

std::optional<ServerTimes> ReportedTimes(const Parameters& parameters) {
  const auto queue = NumberParameter(parameters, "sweetspot_queue_us");
  const auto preprocess = NumberParameter(parameters, "sweetspot_preprocess_us");
  const auto inference = NumberParameter(parameters, "sweetspot_inference_us");
  const auto batch = NumberParameter(parameters, "sweetspot_batch_size");
  if (!queue && !preprocess && !inference && !batch) return std::nullopt;
  return ServerTimes{1, queue.value_or(0.0), preprocess.value_or(0.0), inference.value_or(0.0), batch.value_or(0.0)};
}

// The boxes of the answer's first image, in the dataset's classes (model
// classes it does not score are dropped); nullopt when it holds none.
std::optional<std::vector<Detection>> DatasetDetections(const InferResponse& response, const LoadRequests& requests) {
  Result<std::vector<std::vector<Detection>>> images = ReadDetectionOutputs(response);
  if (!images.ok() || images->empty()) return std::nullopt;
  std::vector<Detection> out;
  for (const Detection& d : images->front()) {
    if (d.class_id < 0 || d.class_id >= static_cast<int>(requests.class_map.size())) continue;
    const int dataset_class = requests.class_map[static_cast<std::size_t>(d.class_id)];
    if (dataset_class >= 0) out.push_back({d.box, dataset_class, d.score});
  }
  return out;
}

// The joints of the answer's first row in the dataset's schema, mapped by the
// joint names it carries (MapSchemas), into `a`; nothing when it holds none or
// they cannot be read or share no joint with the dataset.
void KeepKeypoints(const InferResponse& response, const LoadRequests& requests, Answer& a) {
  Result<std::vector<std::vector<Keypoint>>> rows = ReadKeypointOutput(response);
  if (!rows.ok() || rows->empty()) return;
  Result<std::vector<std::string>> joints = ReadKeypointJoints(response, rows->front().size());
  if (!joints.ok()) return;
  KeypointSchema model_schema;
  model_schema.name = response.model_name;
  model_schema.joints = *std::move(joints);
  Result<std::vector<int>> map = MapSchemas(model_schema, requests.keypoint_schema);
  if (!map.ok()) return;
  a.keypoints = MapKeypoints(rows->front(), *map);
  a.keypoint_map = *std::move(map);
}

// Sends request `index` (mod the request count) and records the outcome;
// latency runs from `intended` (the closed loop's actual send time, the open
// loop's scheduled one) to the whole answer. `keep_detections`: a detection
// (keypoint) request's answer keeps its boxes (joints) (one pass), else it is only checked.
void Observe(InferenceClient& client, const LoadRequests& requests, std::size_t index, Clock::time_point intended,
             Clock::time_point measure_start, WorkerLog& log, bool keep_detections = false) {
  const std::size_t i = index % requests.requests.size();
  Answer a;
  a.request = i;
  auto response = client.Infer(requests.requests[i], &a.times);
  const Clock::time_point done = Clock::now();
  a.done_s = SecondsBetween(measure_start, done);
  a.latency_ms = SecondsBetween(intended, done) * 1000.0;
  if (!response.ok()) {
    a.code = response.status().code();
    if (log.first_error.empty() && a.done_s >= 0) log.first_error = response.status().message();
  } else {
    a.server = ReportedTimes(response->parameters);
    if (!requests.truth.empty()) {
      // No top-1: the boxes are scored as a whole (mAP), over one pass.
      if (keep_detections) a.detections = DatasetDetections(*response, requests);
    } else if (!requests.keypoint_truth.empty()) {
      // No top-1 either: the keypoints are scored over the persons (PCK, OKS), over one pass.
      if (keep_detections) KeepKeypoints(*response, requests, a);
    } else {
      const auto top = TopClass(*response, requests.output_name);
      if (top.ok()) a.correct = *top == requests.labels[i] ? 1 : 0;
    }
  }
  log.answers.push_back(std::move(a));
}

void AddAnswer(const Answer& a, LevelResult& level, ServerTimes& server, std::vector<double>& latencies,
               std::vector<double>& completions) {
  latencies.push_back(a.latency_ms);
  completions.push_back(a.done_s);
  level.client.serialize_us += a.times.serialize_us;
  level.client.wait_us += a.times.wait_us;
  level.client.parse_us += a.times.parse_us;
  if (a.server) {
    server.answers += 1;
    server.queue_us += a.server->queue_us;
    server.preprocess_us += a.server->preprocess_us;
    server.inference_us += a.server->inference_us;
    server.batch_size += a.server->batch_size;
  }
  if (a.correct >= 0) {
    level.scored += 1;
    level.top1_correct += a.correct;
  }
}

void TakeMeans(LevelResult& level, ServerTimes server) {
  const auto n = static_cast<double>(level.completed);
  if (n > 0) {
    level.client.serialize_us /= n;
    level.client.wait_us /= n;
    level.client.parse_us /= n;
  }
  if (server.answers > 0) {
    const auto m = static_cast<double>(server.answers);
    server.queue_us /= m;
    server.preprocess_us /= m;
    server.inference_us /= m;
    server.batch_size /= m;
  }
  level.server = server;
  if (level.scored > 0) {
    level.top1 = static_cast<double>(level.top1_correct) / static_cast<double>(level.scored);
    level.top1_ci = stats::WilsonInterval(level.top1_correct, level.scored);
  }
}

// The level's figures from the answers within [0, duration_s).
LevelResult Summarize(std::span<const WorkerLog> logs, const LevelTiming& timing) {
  LevelResult level;
  level.duration_s = timing.duration_s;
  ServerTimes server;
  std::vector<double> latencies, completions;
  for (const WorkerLog& log : logs) {
    for (const Answer& a : log.answers) {
      if (a.done_s < 0 || a.done_s >= timing.duration_s) continue;
      if (a.code != StatusCode::kOk) {
        level.errors[std::string(StatusCodeName(a.code))] += 1;
        continue;
      }
      level.completed += 1;
      AddAnswer(a, level, server, latencies, completions);
    }
    if (level.first_error.empty()) level.first_error = log.first_error;
  }
  TakeMeans(level, server);
  level.throughput_per_s = static_cast<double>(level.completed) / timing.duration_s;
  level.latency = SummarizeLatencies(std::move(latencies));
  level.window_throughputs = WindowThroughputs(completions, timing.duration_s, timing.window_s);
  level.stable = WindowsStable(level.window_throughputs, timing.tolerance);
  return level;
}

// The metrics of one pass's detections over every request's image.
DetectionMetrics PassMetrics(std::span<const WorkerLog> logs, const LoadRequests& requests) {
  std::vector<std::vector<Detection>> detections(requests.truth.size());
  for (const WorkerLog& log : logs) {
    for (const Answer& a : log.answers) {
      if (a.detections) detections[a.request] = *a.detections;
    }
  }
  return EvaluateDetections(requests.truth, detections, requests.class_names, requests.metric_options);
}

// The keypoint metrics of one pass over every request's person, as `eval`
// summarises its result (SummarizeKeypointEval: the dataset joints the model
// has); an answer missing or unreadable leaves its person's joints unfound (score 0).
std::optional<KeypointMetrics> PassKeypointMetrics(std::span<const WorkerLog> logs, const LoadRequests& requests) {
  KeypointEvalResult pass;
  pass.schema = requests.keypoint_schema;
  pass.truth = requests.keypoint_truth;
  pass.predicted.assign(pass.truth.size(), std::vector<Keypoint>(pass.schema.size()));
  for (const WorkerLog& log : logs) {
    for (const Answer& a : log.answers) {
      if (!a.keypoints) continue;
      pass.predicted[a.request] = *a.keypoints;
      pass.joint_map = a.keypoint_map;
    }
  }
  if (pass.joint_map.empty()) return std::nullopt;  // no answer could be read
  Result<KeypointEvalSummary> summary = SummarizeKeypointEval(pass, requests.keypoint_metric_options);
  if (!summary.ok()) return std::nullopt;
  return std::move(summary->metrics);
}

Result<std::vector<std::unique_ptr<InferenceClient>>> ConnectAll(const ClientFactory& connect, int count) {
  std::vector<std::unique_ptr<InferenceClient>> clients;
  for (int i = 0; i < count; ++i) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<InferenceClient> client, connect());
    clients.push_back(std::move(client));
  }
  return clients;
}

// One in-flight slot of the open loop: a worker thread with its own client,
// handed one scheduled request at a time.
struct Slot {
  std::binary_semaphore ready{0};
  std::size_t index = 0;
  Clock::time_point intended;
  bool stop = false;
};

// The idle slots, most recently freed last: the scheduler hands each request
// to the slot that finished last, so the fewest connections carry the load
// (a keep-alive connection left idle holds one of the server's connection
// threads, and a server with fewer threads than slots would otherwise starve).
struct Slots {
  explicit Slots(int count) : slots(static_cast<std::size_t>(count)) {
    for (int i = count - 1; i >= 0; --i) idle.push_back(i);
  }
  std::mutex mutex;
  std::condition_variable all_idle;  // notified when the last busy slot is freed
  std::vector<int> idle;
  std::vector<Slot> slots;
};

void OpenWorker(InferenceClient& client, const LoadRequests& requests, Slots& slots, int self,
                Clock::time_point measure_start, WorkerLog& log) {
  Slot& slot = slots.slots[static_cast<std::size_t>(self)];
  for (;;) {
    slot.ready.acquire();
    if (slot.stop) return;
    Observe(client, requests, slot.index, slot.intended, measure_start, log);
    std::lock_guard lock(slots.mutex);
    slots.idle.push_back(self);
    if (slots.idle.size() == slots.slots.size()) slots.all_idle.notify_one();
  }
}

// Issues each arrival at its intended time; returns the arrivals within the
// measured span that found no idle slot.
std::int64_t Schedule(std::span<const double> arrivals, Clock::time_point start, double warmup_s, Slots& slots) {
  std::int64_t dropped = 0;
  for (std::size_t k = 0; k < arrivals.size(); ++k) {
    const Clock::time_point intended = After(start, arrivals[k]);
    std::this_thread::sleep_until(intended);
    int free = -1;
    {
      std::lock_guard lock(slots.mutex);
      if (!slots.idle.empty()) {
        free = slots.idle.back();
        slots.idle.pop_back();
      }
    }
    if (free < 0) {
      if (arrivals[k] >= warmup_s) ++dropped;
      continue;
    }
    Slot& slot = slots.slots[static_cast<std::size_t>(free)];
    slot.index = k;
    slot.intended = intended;
    slot.ready.release();
  }
  return dropped;
}

}  // namespace

std::string_view RequestFormName(RequestForm form) { return form == RequestForm::kImages ? "images" : "tensors"; }
std::string_view LoadModeName(LoadMode mode) { return mode == LoadMode::kClosed ? "closed" : "open"; }

std::int64_t LevelResult::error_count() const {
  std::int64_t total = 0;
  for (const auto& [code, count] : errors) total += count;
  return total;
}

Result<LevelResult> RunClosedLevel(const ClientFactory& connect, const LoadRequests& requests, int concurrency,
                                   const LevelTiming& timing) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto clients, ConnectAll(connect, concurrency));
  std::vector<WorkerLog> logs(clients.size());
  std::atomic<std::size_t> next{0};
  const Clock::time_point measure_start = After(Clock::now(), timing.warmup_s);
  const Clock::time_point end = After(measure_start, timing.duration_s);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < clients.size(); ++t) {
    threads.emplace_back([&, t] {
      while (Clock::now() < end) {
        Observe(*clients[t], requests, next.fetch_add(1), Clock::now(), measure_start, logs[t]);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  LevelResult level = Summarize(logs, timing);
  level.mode = LoadMode::kClosed;
  level.concurrency = concurrency;
  return level;
}

Result<LevelResult> RunClosedPass(const ClientFactory& connect, const LoadRequests& requests, int concurrency,
                                  const LevelTiming& timing) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto clients, ConnectAll(connect, concurrency));
  const std::size_t total = requests.requests.size();
  std::vector<WorkerLog> warm_logs(clients.size()), logs(clients.size());
  std::atomic<std::size_t> warm_next{0}, next{0};
  const Clock::time_point warm_end = After(Clock::now(), timing.warmup_s);
  // The measured span starts when every thread has finished its warm-up, so
  // no warm-up answer lands in it and every request of the pass does.
  Clock::time_point measure_start;
  std::barrier warmed(concurrency, [&]() noexcept { measure_start = Clock::now(); });
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < clients.size(); ++t) {
    threads.emplace_back([&, t] {
      while (Clock::now() < warm_end) {
        Observe(*clients[t], requests, warm_next.fetch_add(1), Clock::now(), warm_end, warm_logs[t]);
      }
      warmed.arrive_and_wait();
      for (std::size_t i = next.fetch_add(1); i < total; i = next.fetch_add(1)) {
        Observe(*clients[t], requests, i, Clock::now(), measure_start, logs[t], /*keep_detections=*/true);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  LevelTiming measured = timing;
  measured.duration_s = SecondsBetween(measure_start, Clock::now());  // after every answer's done_s
  LevelResult level = Summarize(logs, measured);
  level.mode = LoadMode::kClosed;
  level.concurrency = concurrency;
  if (!requests.truth.empty()) level.detection = PassMetrics(logs, requests);
  if (!requests.keypoint_truth.empty()) level.keypoints = PassKeypointMetrics(logs, requests);
  return level;
}

Result<LevelResult> RunOpenLevel(const ClientFactory& connect, const LoadRequests& requests, double rate_per_s,
                                 int max_in_flight, std::uint64_t seed, const LevelTiming& timing) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto clients, ConnectAll(connect, max_in_flight));
  const std::vector<double> arrivals = PoissonArrivals(rate_per_s, timing.warmup_s + timing.duration_s, seed);
  std::vector<WorkerLog> logs(clients.size());
  Slots slots(max_in_flight);
  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_start = After(start, timing.warmup_s);
  std::vector<std::thread> threads;
  for (int t = 0; t < max_in_flight; ++t) {
    threads.emplace_back([&, t] {
      OpenWorker(*clients[static_cast<std::size_t>(t)], requests, slots, t, measure_start,
                 logs[static_cast<std::size_t>(t)]);
    });
  }
  const std::int64_t dropped = Schedule(arrivals, start, timing.warmup_s, slots);
  // Every slot waits in acquire once all are idle: then each takes its stop.
  {
    std::unique_lock lock(slots.mutex);
    slots.all_idle.wait(lock, [&] { return slots.idle.size() == slots.slots.size(); });
  }
  for (Slot& slot : slots.slots) {
    slot.stop = true;
    slot.ready.release();
  }
  for (std::thread& thread : threads) thread.join();
  LevelResult level = Summarize(logs, timing);
  level.mode = LoadMode::kOpen;
  level.rate_per_s = rate_per_s;
  level.concurrency = max_in_flight;
  level.dropped = dropped;
  return level;
}

Result<LoadRun> RunLoad(const ClientFactory& connect, const LoadRequests& requests, const LoadOptions& options,
                        const std::function<void(const LevelResult&)>& on_level) {
  if (requests.requests.empty()) return Status::InvalidArgument("no requests to send: the dataset subset is empty");
  if (options.one_pass && !options.rates_per_s.empty()) {
    return Status::InvalidArgument("one_pass applies to closed-loop levels only: leave rates_per_s empty");
  }
  LoadRun run;
  run.options = options;
  run.dataset = requests.dataset;
  run.samples = static_cast<std::int64_t>(requests.requests.size());
  for (const int concurrency : options.concurrency) {
    SWEETSPOT_ASSIGN_OR_RETURN(LevelResult level, options.one_pass
                                                      ? RunClosedPass(connect, requests, concurrency, options.timing)
                                                      : RunClosedLevel(connect, requests, concurrency, options.timing));
    if (on_level) on_level(level);
    run.levels.push_back(std::move(level));
  }
  for (std::size_t k = 0; k < options.rates_per_s.size(); ++k) {
    SWEETSPOT_ASSIGN_OR_RETURN(LevelResult level,
                               RunOpenLevel(connect, requests, options.rates_per_s[k], options.max_in_flight,
                                            options.seed + k, options.timing));
    if (on_level) on_level(level);
    run.levels.push_back(std::move(level));
  }
  return run;
}

Result<int> TopClass(const InferResponse& response, const std::string& output_name) {
  const auto it = std::find_if(response.outputs.begin(), response.outputs.end(),
                               [&](const InferTensor& t) { return t.name == output_name; });
  if (it == response.outputs.end()) {
    return Status::InvalidData(fmt::format("the answer has no output '{}'", output_name));
  }
  if (it->datatype == WireType::kBytes) {
    return Status::InvalidData(fmt::format("output '{}' holds BYTES, not class scores", output_name));
  }
  const std::vector<double> values = NumericValues(*it);
  // [N, C, ...]: row 0 is the first C x ...; a rank-1 [C] output is one row.
  const std::int64_t rows = it->shape.size() >= 2 ? std::max<std::int64_t>(it->shape[0], 1) : 1;
  const std::int64_t classes = static_cast<std::int64_t>(values.size()) / rows;
  if (values.empty() || classes <= 0) return Status::InvalidData(fmt::format("output '{}' is empty", output_name));
  const auto row_end = values.begin() + classes;
  return static_cast<int>(std::max_element(values.begin(), row_end) - values.begin());
}

}  // namespace sweetspot
