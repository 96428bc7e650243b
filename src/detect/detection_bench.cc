#include "sweetspot/detection_bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sweetspot/detection_dataset.h"
#include "sweetspot/hygiene.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

// Without a limit, this many images are cycled through: enough to vary the
// image sizes and the boxes found, few enough to hold decoded in memory.
constexpr std::size_t kDefaultImages = 100;

double Ms(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// What a query needs, resolved once before anything is timed.
struct Pipeline {
  Session* session = nullptr;
  PreprocessSpec spec;
  DetectorSpec detector;
  std::vector<TensorInfo> output_infos;  // the tensor outputs, in Session::Run's order
  std::vector<cv::Mat> images;           // decoded, 8-bit BGR
};

// One query's stages, recorded per call; the scenario's measured calls are
// the last ones (MeasureSingleStream's contract).
class StageQuery {
 public:
  StageQuery(Pipeline& pipeline, int64_t batch)
      : p_(pipeline),
        batch_(batch),
        input_(Tensor::Owned(pipeline.spec.dtype, BatchShape(pipeline.spec, batch))),
        sample_bytes_(pipeline.spec.SampleSizeBytes()) {}

  static Shape BatchShape(const PreprocessSpec& spec, int64_t batch) {
    Shape shape = spec.SampleShape();
    shape.insert(shape.begin(), batch);
    return shape;
  }

  Result<double> operator()() {
    std::vector<std::pair<int, int>> sizes;
    const auto t0 = Clock::now();
    auto* bytes = static_cast<std::byte*>(input_.data());
    for (int64_t k = 0; k < batch_; ++k) {
      const cv::Mat& image = p_.images[next_++ % p_.images.size()];
      sizes.emplace_back(image.cols, image.rows);
      SWEETSPOT_RETURN_IF_ERROR(ApplyPreprocess(
          p_.spec, image, std::span<std::byte>(bytes + static_cast<std::size_t>(k) * sample_bytes_, sample_bytes_)));
    }
    const auto t1 = Clock::now();
    auto outputs = p_.session->Run(std::span<const Tensor>(&input_, 1));
    const auto t2 = Clock::now();
    if (!outputs.ok()) return outputs.status();
    SWEETSPOT_ASSIGN_OR_RETURN(auto decoded,
                               DecodeDetections(p_.detector, p_.output_infos, *outputs, p_.spec.width, p_.spec.height));
    std::size_t found = 0;
    for (std::size_t k = 0; k < decoded.size(); ++k) {
      const auto [width, height] = sizes[k];
      const ImageGeometry geometry = PreprocessGeometry(p_.spec, width, height);
      for (Detection& d : decoded[k]) d.box = MapBoxToImage(d.box, geometry, width, height);
      found += decoded[k].size();
    }
    const auto t3 = Clock::now();
    preprocess_ms_.push_back(Ms(t0, t1));
    network_ms_.push_back(Ms(t1, t2));
    postprocess_ms_.push_back(Ms(t2, t3));
    detections_.push_back(static_cast<double>(found));
    return Ms(t0, t3);
  }

  // The stages of the last `queries` calls.
  DetectionStageRecords Records(std::size_t queries, double confidence) const {
    DetectionStageRecords r;
    r.batch_size = batch_;
    const auto fill = [&](const std::vector<double>& all, LatencyRecord& record, double& items_per_s) {
      record.raw_ms.assign(all.end() - static_cast<std::ptrdiff_t>(queries), all.end());
      if (record.raw_ms.empty()) return;
      record.summary_ms = stats::Summarize(record.raw_ms, confidence);
      const double total_ms = std::accumulate(record.raw_ms.begin(), record.raw_ms.end(), 0.0);
      items_per_s = total_ms > 0 ? 1000.0 * static_cast<double>(batch_) * static_cast<double>(queries) / total_ms : 0;
    };
    fill(preprocess_ms_, r.preprocess, r.preprocess_items_per_s);
    fill(network_ms_, r.network, r.network_items_per_s);
    fill(postprocess_ms_, r.postprocess, r.postprocess_items_per_s);
    return r;
  }

  // Mean detections per image over the last `queries` calls.
  double DetectionsPerImage(std::size_t queries) const {
    if (queries == 0) return 0;
    const double sum =
        std::accumulate(detections_.end() - static_cast<std::ptrdiff_t>(queries), detections_.end(), 0.0);
    return sum / static_cast<double>(queries * static_cast<std::size_t>(batch_));
  }

  double last_network_ms() const { return network_ms_.back(); }

 private:
  Pipeline& p_;
  int64_t batch_;
  Tensor input_;
  std::size_t sample_bytes_;
  std::size_t next_ = 0;
  std::vector<double> preprocess_ms_, network_ms_, postprocess_ms_, detections_;
};

Status CheckConfig(const MeasureConfig& config) {
  SWEETSPOT_RETURN_IF_ERROR(ValidateConfig(config));
  if (std::find(config.scenarios.begin(), config.scenarios.end(), Scenario::kConcurrent) != config.scenarios.end()) {
    return Status::InvalidArgument(
        "scenarios: the detection pipeline is measured single-stream and offline only, not concurrent");
  }
  return Status::Ok();
}

Status CheckBatch(const TensorInfo& input, int64_t batch) {
  if (input.shape.empty() || input.shape[0] < 0 || input.shape[0] == batch) return Status::Ok();
  return Status::InvalidArgument(
             fmt::format("model input '{}' has a fixed batch of {}, not {}", input.name, input.shape[0], batch))
      .WithFix({"batch", "", {std::to_string(input.shape[0])}});
}

// Seeded random 8-bit BGR images of the input size.
std::vector<cv::Mat> SyntheticImages(const PreprocessSpec& spec, const DetectionBenchRequest& request) {
  cv::RNG rng(request.synthetic_seed);
  std::vector<cv::Mat> images;
  for (std::uint32_t i = 0; i < std::max<std::uint32_t>(request.synthetic_images, 1); ++i) {
    cv::Mat image(spec.height, spec.width, CV_8UC3);
    rng.fill(image, cv::RNG::UNIFORM, 0, 256);
    images.push_back(std::move(image));
  }
  return images;
}

// Opens the dataset and decodes the subset's images (data loading: not timed).
Status LoadImages(const DetectionEvalRequest& r, Pipeline& p, DetectionBenchResult& result) {
  DetectionDatasetOptions options;
  options.class_names_file = r.classes_file;
  auto opened = OpenDetectionDataset(r.dataset_path, options);
  if (!opened.ok()) return opened.status().WithContext("dataset '" + r.dataset_path + "'");
  const DetectionDataset& dataset = **opened;
  result.dataset = dataset.description();
  result.dataset_format = std::string(dataset.format());
  const std::size_t limit = r.limit > 0 ? static_cast<std::size_t>(r.limit) : kDefaultImages;
  for (std::size_t index : DetectionSubset(dataset, limit, r.seed)) {
    auto image = dataset.Load(index);
    if (!image.ok()) return image.status().WithContext("image '" + dataset.image(index).id + "'");
    p.images.push_back(std::move(image).value());
  }
  if (p.images.empty()) return Status::InvalidArgument("dataset '" + r.dataset_path + "' has no image to measure on");
  return Status::Ok();
}

// The evaluation's preprocessing and decoder for the loaded model, and the images.
Result<Pipeline> OpenPipeline(const DetectionBenchRequest& request, Session& session, DetectionBenchResult& result) {
  const DetectionEvalRequest& r = request.pipeline;
  if (session.inputs().size() != 1) {
    return Status::InvalidArgument(fmt::format("model '{}' has {} inputs; a detector takes one image input",
                                               r.model_path, session.inputs().size()));
  }
  Pipeline p;
  p.session = &session;
  SWEETSPOT_ASSIGN_OR_RETURN(PreprocessSpec layered, LayerPreprocessing(r.model_path, r.layers));
  SWEETSPOT_ASSIGN_OR_RETURN(p.spec, Resolve(layered, session.inputs().front()));
  SWEETSPOT_ASSIGN_OR_RETURN(p.detector,
                             ResolveDetector(r.model_path, r.decoder_layers, session, &result.layout_detected));
  for (const TensorInfo& info : session.outputs()) {
    if (info.is_tensor()) p.output_infos.push_back(info);
  }
  for (int64_t batch : request.config.batch_sizes)
    SWEETSPOT_RETURN_IF_ERROR(CheckBatch(session.inputs().front(), batch));
  if (r.dataset_path.empty()) {
    p.images = SyntheticImages(p.spec, request);
    result.dataset = fmt::format("synthetic {}x{} images", p.spec.width, p.spec.height);
  } else {
    SWEETSPOT_RETURN_IF_ERROR(LoadImages(r, p, result));
  }
  result.images = p.images.size();
  result.spec = p.spec;
  result.detector = p.detector;
  return p;
}

Status RunScenarios(Pipeline& p, const MeasureConfig& config, const ProgressFn& progress,
                    DetectionBenchResult& result) {
  const double confidence = config.stopping.confidence;
  for (Scenario scenario : config.scenarios) {
    if (scenario == Scenario::kSingleStream) {
      StageQuery query(p, 1);
      SWEETSPOT_ASSIGN_OR_RETURN(SingleStreamResult s, MeasureSingleStream(std::ref(query), 1, config, progress));
      const std::size_t queries = s.latency.raw_ms.size();
      result.single_stream = query.Records(queries, confidence);
      result.detections_per_image = query.DetectionsPerImage(queries);
      result.bench.single_stream = std::move(s);
      continue;
    }
    for (int64_t batch : config.batch_sizes) {
      StageQuery query(p, batch);
      SWEETSPOT_ASSIGN_OR_RETURN(OfflineResult o, MeasureOffline(std::ref(query), batch, config, progress));
      result.offline.push_back(query.Records(o.batch_latency.raw_ms.size(), confidence));
      if (!result.single_stream) result.detections_per_image = query.DetectionsPerImage(o.batch_latency.raw_ms.size());
      result.bench.offline.push_back(std::move(o));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<DetectionBenchResult> MeasureDetectionPipeline(Backend& backend, const DetectionBenchRequest& request,
                                                      const ProgressFn& progress) {
  SWEETSPOT_RETURN_IF_ERROR(CheckConfig(request.config));
  const fs::path model = request.pipeline.model_path;
  DetectionBenchResult result;
  result.bench = NewBenchResult(backend, model, request.options, request.config);
  // Memory as RunBench measures it; the peak also holds the decoded images.
  const bool peak_reset = ResetPeakRss();
  const RssSample before = ReadSelfRss();
  if (progress) progress("loading", -1);
  const auto load_start = Clock::now();
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, backend.Load(model, request.options));
  result.bench.load_ms = Ms(load_start, Clock::now());
  result.bench.inputs = session->inputs();
  result.bench.outputs = session->outputs();
  SWEETSPOT_ASSIGN_OR_RETURN(Pipeline pipeline, OpenPipeline(request, *session, result));
  {
    StageQuery first(pipeline, 1);
    SWEETSPOT_RETURN_IF_ERROR(first().status());
    result.bench.first_inference_ms = first.last_network_ms();
  }
  const LoadSample load_before = SampleLoad();
  SWEETSPOT_RETURN_IF_ERROR(RunScenarios(pipeline, request.config, progress, result));
  MemoryRecord& memory = result.bench.memory;
  memory.measured = peak_reset;
  memory.baseline_rss_bytes = before.rss_bytes;
  memory.peak_rss_bytes = ReadSelfRss().peak_bytes;
  memory.process_peak_rss_bytes = memory.peak_rss_bytes;
  memory.growth_bytes = peak_reset ? memory.peak_rss_bytes - before.rss_bytes : 0;
  memory.model_rss_bytes = memory.growth_bytes;
  result.bench.load = LoadBetween(load_before, SampleLoad(), result.bench.environment.affinity,
                                  static_cast<double>(sysconf(_SC_CLK_TCK)));
  result.bench.warnings = CheckHygiene(result.bench, session->FallbackNotes(), "");
  return result;
}

// ---------------------------------------------------------------- JSON

namespace {

constexpr std::string_view kRequestKey = "detection";

json StagesJson(const DetectionStageRecords& r, bool raw) {
  return {{"batch_size", r.batch_size},
          {"preprocess", ToJson(r.preprocess, raw)},
          {"network", ToJson(r.network, raw)},
          {"postprocess", ToJson(r.postprocess, raw)},
          {"preprocess_items_per_s", r.preprocess_items_per_s},
          {"network_items_per_s", r.network_items_per_s},
          {"postprocess_items_per_s", r.postprocess_items_per_s}};
}

Result<DetectionStageRecords> StagesFromJson(const json& j) {
  DetectionStageRecords r;
  j.at("batch_size").get_to(r.batch_size);
  SWEETSPOT_ASSIGN_OR_RETURN(r.preprocess, LatencyRecordFromJson(j.at("preprocess")));
  SWEETSPOT_ASSIGN_OR_RETURN(r.network, LatencyRecordFromJson(j.at("network")));
  SWEETSPOT_ASSIGN_OR_RETURN(r.postprocess, LatencyRecordFromJson(j.at("postprocess")));
  j.at("preprocess_items_per_s").get_to(r.preprocess_items_per_s);
  j.at("network_items_per_s").get_to(r.network_items_per_s);
  j.at("postprocess_items_per_s").get_to(r.postprocess_items_per_s);
  return r;
}

Status ReadDetectionBlock(const json& d, DetectionBenchResult& r) {
  d.at("dataset").get_to(r.dataset);
  d.at("dataset_format").get_to(r.dataset_format);
  d.at("images").get_to(r.images);
  SWEETSPOT_ASSIGN_OR_RETURN(r.spec, ParsePreprocessToml(d.at("preprocess_toml").get<std::string>(),
                                                         "bench result JSON detection.preprocess_toml"));
  SWEETSPOT_ASSIGN_OR_RETURN(r.detector, ParseDetectorToml(d.at("detector_toml").get<std::string>(),
                                                           "bench result JSON detection.detector_toml"));
  d.at("layout_detected").get_to(r.layout_detected);
  d.at("detections_per_image").get_to(r.detections_per_image);
  if (!d.at("single_stream").is_null()) {
    SWEETSPOT_ASSIGN_OR_RETURN(r.single_stream, StagesFromJson(d.at("single_stream")));
  }
  for (const json& o : d.at("offline")) {
    SWEETSPOT_ASSIGN_OR_RETURN(DetectionStageRecords stages, StagesFromJson(o));
    r.offline.push_back(std::move(stages));
  }
  return Status::Ok();
}

}  // namespace

// The request is a BenchRequest's JSON (the options and config read as
// bench's) with the pipeline under "detection".
json ToJson(const DetectionBenchRequest& request) {
  BenchRequest bench;
  bench.model_path = request.pipeline.model_path;
  bench.backend = request.pipeline.engine;
  bench.options = request.options;
  bench.config = request.config;
  json j = ToJson(bench);
  j[kRequestKey] = {{"pipeline", ToJson(request.pipeline)},
                    {"synthetic_seed", request.synthetic_seed},
                    {"synthetic_images", request.synthetic_images}};
  return j;
}

Result<DetectionBenchRequest> DetectionBenchRequestFromJson(const json& j) {
  SWEETSPOT_ASSIGN_OR_RETURN(BenchRequest bench, BenchRequestFromJson(j));
  try {
    DetectionBenchRequest r;
    const json& d = j.at(kRequestKey);
    SWEETSPOT_ASSIGN_OR_RETURN(r.pipeline, DetectionEvalRequestFromJson(d.at("pipeline")));
    r.options = bench.options;
    r.config = bench.config;
    d.at("synthetic_seed").get_to(r.synthetic_seed);
    d.at("synthetic_images").get_to(r.synthetic_images);
    return r;
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("detection bench request JSON: ") + e.what());
  }
}

bool IsDetectionBenchRequest(const json& j) { return j.is_object() && j.contains(kRequestKey); }

json ToJson(const DetectionBenchResult& r, bool raw) {
  json j = ToJson(r.bench, raw);
  json offline = json::array();
  for (const auto& o : r.offline) offline.push_back(StagesJson(o, raw));
  j["detection"] = {{"dataset", r.dataset},
                    {"dataset_format", r.dataset_format},
                    {"images", r.images},
                    {"preprocess_toml", r.spec.ToToml()},
                    {"detector_toml", r.detector.ToToml()},
                    {"layout_detected", r.layout_detected},
                    {"detections_per_image", r.detections_per_image},
                    {"single_stream", r.single_stream ? StagesJson(*r.single_stream, raw) : json(nullptr)},
                    {"offline", std::move(offline)}};
  return j;
}

Result<DetectionBenchResult> DetectionBenchResultFromJson(const json& j) {
  DetectionBenchResult r;
  SWEETSPOT_ASSIGN_OR_RETURN(r.bench, BenchResultFromJson(j));
  try {
    SWEETSPOT_RETURN_IF_ERROR(ReadDetectionBlock(j.at("detection"), r));
  } catch (const json::exception& e) {
    return Status::InvalidData(std::string("detection bench result JSON: ") + e.what());
  }
  return r;
}

json DetectionBenchDocument(const std::vector<DetectionBenchResult>& results, const std::vector<BenchFailure>& failures,
                            bool raw) {
  json doc = BenchDocument({}, failures, raw);
  for (const auto& r : results) doc["results"].push_back(ToJson(r, raw));
  return doc;
}

// ---------------------------------------------------------------- child process

Result<DetectionBenchResult> RunDetectionBenchIsolated(const fs::path& self_exe, const DetectionBenchRequest& request,
                                                       const ChildLimits& limits, const ChildOptions& options) {
  SWEETSPOT_ASSIGN_OR_RETURN(
      ChildOutcome outcome,
      RunChildProcess(self_exe, "__bench-child", ToJson(request),
                      "benchmarking the detection pipeline of '" + request.pipeline.model_path + "'", limits, options));
  SWEETSPOT_ASSIGN_OR_RETURN(DetectionBenchResult result, DetectionBenchResultFromJson(outcome.result));
  result.bench.memory.isolated = true;
  result.bench.memory.process_peak_rss_bytes = outcome.peak_rss_bytes;
  return result;
}

namespace {

Result<json> MeasureDetectionRequest(const fs::path& request_file, const ProgressFn& progress) {
  SWEETSPOT_ASSIGN_OR_RETURN(json j, ReadChildRequest(request_file));
  SWEETSPOT_ASSIGN_OR_RETURN(DetectionBenchRequest request, DetectionBenchRequestFromJson(j));
  SWEETSPOT_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, CreateBackend(request.pipeline.engine));
  SWEETSPOT_ASSIGN_OR_RETURN(DetectionBenchResult result, MeasureDetectionPipeline(*backend, request, progress));
  return ToJson(result);
}

}  // namespace

Status RunDetectionBenchChild(const fs::path& request_file, const fs::path& result_file, const ProgressFn& progress) {
  return WriteChildResult(result_file, MeasureDetectionRequest(request_file, progress));
}

}  // namespace sweetspot
