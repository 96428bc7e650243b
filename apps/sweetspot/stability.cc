// `sweetspot stability`: how much models' outputs shake from frame to frame
// on video (keypoint jitter and joint-angle noise, classification flicker,
// detection box jitter and identity flicker),
// and the internal `__keypoint-video-child` of the study's isolated keypoint
// video runs (isolated_keypoint_video.h). See docs/stability.md.

#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "detection_flags.h"
#include "keypoint_flags.h"
#include "output.h"
#include "preprocess_flags.h"
#include "sweetspot/isolated_keypoint_video.h"
#include "sweetspot/keypoint_video_summary.h"
#include "sweetspot/task_stability.h"
#include "sweetspot/text_file.h"
#include "sweetspot/video_classification.h"
#include "sweetspot/video_detection.h"

namespace sweetspot::cli {
namespace {

struct StabilityArgs {
  std::string task = "keypoints";
  std::string video;
  std::vector<std::string> models, engines, schemas;
  std::string reference;
  std::vector<double> box;
  std::uint64_t max_frames = 0;
  std::optional<float> min_confidence;  // unset: the task's default (keypoints 0.3, detection 0.25)
  std::optional<double> agreement_threshold;
  std::uint64_t bootstrap = 1000;
  int threads = 0;
  std::string json;
  std::string preprocess_file;
  PreprocessFlags preprocess;
  std::string keypoint_decoder;
  DetectionFlags detection;  // --decoder and its thresholds (no --model-classes: no classes are mapped)
};

// ---------------------------------------------------------------- text
std::string Figure(const StabilityFigure& f, int precision) {
  if (!f.ci.valid) return fmt::format("{:.{}f}", f.value, precision);
  return fmt::format("{:.{}f} [{:.{}f}, {:.{}f}]", f.value, precision, f.ci.lower, precision, f.ci.upper, precision);
}

std::string Percent(const StabilityFigure& f) {
  return Figure({100.0 * f.value, {100.0 * f.ci.lower, 100.0 * f.ci.upper, f.ci.valid}}, 1) + " %";
}

std::string PairedRow(const PairedStability& p, int precision) {
  const std::string name = fmt::format("{} ({})", p.name, p.count);
  if (p.count == 0) return fmt::format("  {:<28} not measured (no jointly confident frames)\n", name);
  const StabilityFigure diff{p.diff, p.diff_ci};
  return fmt::format("  {:<28} {:<24} {:<24} {:<26} {}\n", name, Figure(p.a, precision), Figure(p.b, precision),
                     Figure(diff, precision), p.verdict);
}

std::string ComparisonText(const KeypointVideoComparison& c, const KeypointVideoSummary& s) {
  const KeypointStabilityComparison& st = c.stability;
  std::string out =
      fmt::format("\n{} vs {}: joints confident (score >= {:g}) in both, 95 % intervals over {}-frame blocks\n",
                  c.model, s.reference, s.min_confidence, st.block_length);
  out += fmt::format("  {:<28} {:<24} {:<24} {:<26} {}\n", "jitter, px/frame^2 (triples)", c.model, s.reference,
                     "difference", "verdict");
  out += PairedRow(st.overall_jitter_px, 2);
  for (const PairedStability& joint : st.jitter_px) out += PairedRow(joint, 2);
  out += fmt::format("  {:<28}\n", "angle noise, deg/frame^2");
  for (const PairedStability& angle : st.angle_noise_deg) out += PairedRow(angle, 2);
  const KeypointAgreement& a = c.agreement;
  out += fmt::format(
      "  agreement with {}: mean distance {} of the crop side; frames with a joint beyond {:.0f} %: {} ({} "
      "frames)\n",
      s.reference, Percent(a.distance), 100.0 * a.threshold, Percent(a.any_beyond_share), a.frames_measured);
  const VideoConfidenceDrop& d = c.confidence_drop;
  out +=
      fmt::format("  confidence drop against {}: {} % (mean {:.3f} vs {:.3f} on {} joint-frames both detect, p = {})\n",
                  s.reference, Figure(d.drop_percent, 1), d.model_mean, d.reference_mean, d.joint_frames,
                  d.p_value < 0.001 ? fmt::format("{:.1e}", d.p_value) : fmt::format("{:.3f}", d.p_value));
  return out;
}

std::string KeypointText(const KeypointVideoSummary& s) {
  std::string out = fmt::format("video {}: {} frames tracked ({:.0f} fps); ", s.video, s.frames, s.fps);
  out += s.lost_at_frame ? s.note + "\n" : "the track was kept to the end (or --max-frames)\n";
  out += fmt::format("reference (tracked, the gold standard): {}\n", s.reference);
  out += fmt::format("confidence (mean score of the detected joints; share >= {:g}):\n", s.min_confidence);
  for (const VideoConfidence& c : s.confidence) {
    out += fmt::format("  {:<28} {:<24} {}\n", c.model, Figure(c.mean, 3), Percent(c.confident_share));
  }
  for (const KeypointVideoComparison& c : s.comparisons) out += ComparisonText(c, s);
  return out;
}

// ---------------------------------------------------------------- keypoints
// --box: CX,CY,SIDE (the square itself) or X1,Y1,X2,Y2 (a person box, padded as the tracker pads).
Result<TrackSquare> InitialSquare(const std::vector<double>& box, double padding) {
  if (box.size() == 3) return TrackSquare{box[0], box[1], box[2]};
  if (box.size() == 4 && box[2] > box[0] && box[3] > box[1]) {
    return TrackSquare::AroundBox({box[0], box[1], box[2], box[3]}, padding);
  }
  return Status::InvalidArgument(fmt::format(
      "--box has {} values; give the person in the first frame as CX,CY,SIDE (a square) or X1,Y1,X2,Y2 (x2 > x1, "
      "y2 > y1), e.g. --box 640,210,440",
      box.size()));
}

// A per-model flag given once (every model) or once per --model.
Result<std::string> PerModel(const std::vector<std::string>& values, std::size_t m, std::size_t models,
                             std::string_view flag) {
  if (values.empty()) return std::string();
  if (values.size() == 1) return values[0];
  if (values.size() != models) {
    return Status::InvalidArgument(
        fmt::format("{} is given {} times for {} models; give it once (every model) or "
                    "once per --model, in the same order",
                    flag, values.size(), models));
  }
  return values[m];
}

Result<KeypointVideoRequest> KeypointRequest(const StabilityArgs& a) {
  KeypointVideoRequest request;
  // The same preprocessing and decoder layers over every model's metadata, as eval's.
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<PreprocessLayer> layers,
                             PreprocessLayers(a.preprocess_file, a.preprocess));
  KeypointFlags decoder_flag;
  decoder_flag.decoder = a.keypoint_decoder;
  SWEETSPOT_ASSIGN_OR_RETURN(const std::vector<DecoderLayer> decoder_layers, KeypointDecoderFlagLayers(decoder_flag));
  for (std::size_t m = 0; m < a.models.size(); ++m) {
    KeypointModelRequest model;
    model.model_path = a.models[m];
    model.layers = layers;
    model.decoder_layers = decoder_layers;
    SWEETSPOT_ASSIGN_OR_RETURN(model.engine, PerModel(a.engines, m, a.models.size(), "--engine"));
    SWEETSPOT_ASSIGN_OR_RETURN(model.schema, PerModel(a.schemas, m, a.models.size(), "--schema"));
    if (a.models[m] == a.reference) request.reference = static_cast<int>(m);
    request.models.push_back(model);
  }
  if (!a.reference.empty() && request.reference < 0) {
    return Status::InvalidArgument(
        fmt::format("--reference {} is not one of the --model files; give one of them", a.reference));
  }
  if (a.box.empty()) {
    return Status::InvalidArgument(
        "--task keypoints needs the person's place in the first frame: pass --box CX,CY,SIDE (or X1,Y1,X2,Y2)");
  }
  // A person box is padded as eval pads a dataset's (and the study's [video] box), not
  // as the tracker pads its joints' extent.
  SWEETSPOT_ASSIGN_OR_RETURN(request.initial, InitialSquare(a.box, KeypointEvalRequest{}.padding));
  request.video_path = a.video;
  request.max_frames = a.max_frames;
  request.min_confidence = a.min_confidence.value_or(KeypointVideoRequest{}.min_confidence);
  request.agreement_threshold = a.agreement_threshold.value_or(KeypointVideoRequest{}.agreement_threshold);
  request.bootstrap_replicates = a.bootstrap;
  request.threads = a.threads;
  return request;
}

// RunKeypointVideo's fixes as this command's flags: a model one engine
// refuses and another loads (keypoint_eval.h's `engine` fix) is fixed with
// --engine, given once per --model in order; an initial square off frame 0
// (`initial`) with --box. main's generic rendering would name eval's --runtime
// and a --initial flag, which stability lacks.
Status WithStabilityFlags(const Status& status) {
  for (const FieldFix& fix : status.fixes()) {
    if (fix.field == "engine") {
      return status.RenderedFixes(
          fmt::format("pass --engine {} for that model (--engine once per --model, in the same order)",
                      fmt::join(fix.values, ",")));
    }
    if (fix.field == "initial" && fix.values.size() == 2) {
      return status.RenderedFixes(
          fmt::format("pass --box around the person in the first frame, its centre inside 0..{} x 0..{}", fix.values[0],
                      fix.values[1]));
    }
  }
  return status;
}

Status RunKeypointStability(const StabilityArgs& a) {
  SWEETSPOT_ASSIGN_OR_RETURN(KeypointVideoRequest request, KeypointRequest(a));
  ProgressBar bar;
  bar.Print(fmt::format("stability: tracking one person in {} with {} model(s){}...", a.video, a.models.size(),
                        a.max_frames > 0 ? fmt::format(", at most {} frames", a.max_frames) : ""));
  Result<KeypointVideoResult> run = RunKeypointVideo(request, [&](std::size_t done, std::size_t expected) {
    if (expected > 0) {
      bar.Update("tracking", done, expected, fmt::format("frame {}", done));
    } else {
      bar.Update("tracking", -1.0, fmt::format("frame {}", done));
    }
  });
  bar.Clear();
  if (!run.ok()) return WithStabilityFlags(run.status());
  const KeypointVideoResult& result = *run;
  const KeypointVideoSummary summary =
      SummarizeKeypointVideo(result, KeypointVideoSummaryOptions::FromRequest(request));
  if (!a.json.empty()) {
    const nlohmann::json json = {{"task", "keypoints"}, {"summary", ToJson(summary)}, {"tracks", ToJson(result)}};
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.json, DumpJson(json, 2) + "\n", "--json"));
    if (a.json == "-") return Status::Ok();
  }
  std::cout << SafeText(KeypointText(summary));
  return Status::Ok();
}

// ---------------------------------------------------------------- classification
// Frames done of --max-frames, or of an unknown total.
std::function<void(std::size_t)> FrameProgress(ProgressBar& bar, std::string_view label, std::uint64_t max_frames) {
  return [&bar, label, max_frames](std::size_t frames) {
    if (max_frames > 0) {
      bar.Update(label, frames, max_frames, fmt::format("frame {}", frames));
    } else {
      bar.Update(label, -1.0, fmt::format("frame {}", frames));
    }
  };
}

std::string FlickerText(const VideoClassificationResult& r, const std::vector<ClassificationFlicker>& flicker,
                        const PairedStability* paired) {
  std::string out = fmt::format("video {}: {} frames ({:.0f} fps)\n", r.video, flicker.front().frames, r.fps);
  out += "flicker (share of consecutive frames whose top-1 changes, 95 % interval):\n";
  for (std::size_t m = 0; m < flicker.size(); ++m) {
    out += fmt::format("  {:<28} {}  ({} changes)\n", r.names[m], Percent(flicker[m].share), flicker[m].changes);
  }
  if (paired != nullptr) {
    out += fmt::format("  {} - {}: {} points; {}\n", r.names[0], r.names[1],
                       Figure({100.0 * paired->diff,
                               {100.0 * paired->diff_ci.lower, 100.0 * paired->diff_ci.upper, paired->diff_ci.valid}},
                              1),
                       paired->verdict);
  }
  return out;
}

Status RunClassificationStability(const StabilityArgs& a) {
  VideoClassificationRequest request;
  request.models = a.models;
  SWEETSPOT_ASSIGN_OR_RETURN(request.layers, PreprocessLayers(a.preprocess_file, a.preprocess));
  request.video_path = a.video;
  request.max_frames = a.max_frames;
  request.threads = a.threads;
  if (!a.engines.empty()) request.engine = a.engines.front();
  ProgressBar bar;
  auto result = ClassifyVideo(request, FrameProgress(bar, "classifying", a.max_frames));
  bar.Clear();
  if (!result.ok()) return result.status();
  StabilityOptions options;
  options.bootstrap_replicates = a.bootstrap;
  std::vector<ClassificationFlicker> flicker;
  nlohmann::json models = nlohmann::json::array();
  for (std::size_t m = 0; m < result->top1.size(); ++m) {
    flicker.push_back(MeasureClassificationFlicker(result->top1[m], options));
    models.push_back({{"name", result->names[m]}, {"model", a.models[m]}, {"flicker", ToJson(flicker.back())}});
  }
  std::optional<PairedStability> paired;
  if (result->top1.size() == 2) {
    paired =
        CompareClassificationFlicker(result->top1[0], result->top1[1], result->names[0], result->names[1], options);
  }
  if (!a.json.empty()) {
    const nlohmann::json json = {{"task", "classification"},
                                 {"video", result->video},
                                 {"fps", result->fps},
                                 {"models", models},
                                 {"comparison", paired ? ToJson(*paired) : nlohmann::json()}};
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.json, DumpJson(json, 2) + "\n", "--json"));
    if (a.json == "-") return Status::Ok();
  }
  std::cout << SafeText(FlickerText(*result, flicker, paired ? &*paired : nullptr));
  return Status::Ok();
}

// ---------------------------------------------------------------- detection
constexpr std::string_view kDetectionFigures[] = {"centre jitter, % of size/frame^2", "size jitter, % of size/frame^2",
                                                  "identity flicker, % of matched", "appear rate, % of boxes",
                                                  "disappear rate, % of boxes"};

std::vector<StabilityFigure> DetectionFigures(const DetectionStability& s) {
  return {s.centre_jitter, s.size_jitter, s.identity_flicker, s.appear_rate, s.disappear_rate};
}

std::string PercentRow(const PairedStability& p) {
  return fmt::format("{:<24} {:<24} {:<26} {}", Percent(p.a), Percent(p.b), Percent({p.diff, p.diff_ci}), p.verdict);
}

std::string DetectionText(const VideoDetectionResult& r, const std::vector<DetectionStability>& models,
                          const std::vector<PairedStability>& paired, const DetectionStabilityOptions& o) {
  std::string out = fmt::format(
      "video {}: {} frames ({:.0f} fps); boxes scoring >= {:g}, matched frame to frame "
      "at IoU >= {:g} (any class)\n",
      r.video, models.front().frames, r.fps, o.min_score, o.iou_threshold);
  for (std::size_t m = 0; m < models.size(); ++m) {
    out += fmt::format("  {:<28} {} matched pairs, {} chains of three frames\n", r.names[m], models[m].matched_pairs,
                       models[m].chains);
  }
  out += "95 % intervals over blocks of frames\n";
  if (paired.empty()) {
    out += fmt::format("  {:<40} {}\n", "", r.names[0]);
    const std::vector<StabilityFigure> figures = DetectionFigures(models[0]);
    for (std::size_t k = 0; k < figures.size(); ++k) {
      std::string value = Percent(figures[k]);
      if (k < 2 && models[0].chains == 0) value = "not measured (no box matched over three consecutive frames)";
      if (k == 2 && models[0].matched_pairs == 0) value = "not measured (no box matched between consecutive frames)";
      out += fmt::format("  {:<40} {}\n", kDetectionFigures[k], value);
    }
    return out;
  }
  out += fmt::format("  {:<40} {:<24} {:<24} {:<26} {}\n", "(measurements)", r.names[0], r.names[1], "difference",
                     "verdict");
  for (std::size_t k = 0; k < paired.size(); ++k) {
    const std::string name = fmt::format("{} ({})", kDetectionFigures[k], paired[k].count);
    out += fmt::format("  {:<40} {}\n", name, paired[k].count == 0 ? paired[k].verdict : PercentRow(paired[k]));
  }
  return out;
}

// The boxes measured (score >= min_score) of every frame: [[{box, class, score}, ...], ...].
nlohmann::json MeasuredBoxes(const std::vector<std::vector<Detection>>& frames, float min_score) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::vector<Detection>& frame : frames) {
    nlohmann::json boxes = nlohmann::json::array();
    for (const Detection& d : frame) {
      if (d.score < min_score) continue;
      boxes.push_back({{"box", {d.box.x1, d.box.y1, d.box.x2, d.box.y2}}, {"class", d.class_id}, {"score", d.score}});
    }
    out.push_back(std::move(boxes));
  }
  return out;
}

nlohmann::json DetectionJson(const VideoDetectionResult& r, const StabilityArgs& a,
                             const std::vector<DetectionStability>& models, const std::vector<PairedStability>& paired,
                             const DetectionStabilityOptions& o) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t m = 0; m < models.size(); ++m) {
    list.push_back({{"name", r.names[m]},
                    {"model", a.models[m]},
                    {"engine", r.engines[m]},
                    {"preprocess", r.preprocess_toml[m]},
                    {"decoder", r.decoder_toml[m]},
                    {"stability", ToJson(models[m])},
                    {"frames", MeasuredBoxes(r.detections[m], o.min_score)}});
  }
  nlohmann::json comparison = paired.empty() ? nlohmann::json() : nlohmann::json::array();
  for (const PairedStability& p : paired) comparison.push_back(ToJson(p));
  return {{"task", "detection"},
          {"video", r.video},
          {"fps", r.fps},
          {"min_score", o.min_score},
          {"match_iou", o.iou_threshold},
          {"models", list},
          {"comparison", comparison}};
}

Result<VideoDetectionRequest> DetectionRequest(const StabilityArgs& a) {
  VideoDetectionRequest request;
  request.models = a.models;
  for (std::size_t m = 0; m < a.models.size() && !a.engines.empty(); ++m) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::string engine, PerModel(a.engines, m, a.models.size(), "--engine"));
    request.engines.push_back(engine);
  }
  SWEETSPOT_ASSIGN_OR_RETURN(request.layers, PreprocessLayers(a.preprocess_file, a.preprocess));
  SWEETSPOT_ASSIGN_OR_RETURN(request.decoder_layers, DecoderFlagLayers(a.detection));
  request.video_path = a.video;
  request.max_frames = a.max_frames;
  request.threads = a.threads;
  return request;
}

Status RunDetectionStability(const StabilityArgs& a) {
  SWEETSPOT_ASSIGN_OR_RETURN(const VideoDetectionRequest request, DetectionRequest(a));
  ProgressBar bar;
  auto result = DetectVideo(request, FrameProgress(bar, "detecting", a.max_frames));
  bar.Clear();
  if (!result.ok()) return WithStabilityFlags(result.status());
  DetectionStabilityOptions detection;
  detection.min_score = a.min_confidence.value_or(detection.min_score);
  StabilityOptions options;
  options.bootstrap_replicates = a.bootstrap;
  std::vector<DetectionStability> models;
  for (const auto& frames : result->detections) models.push_back(MeasureDetectionStability(frames, detection, options));
  std::vector<PairedStability> paired;
  if (models.size() == 2) {
    paired = CompareDetectionStability(result->detections[0], result->detections[1], result->names[0], result->names[1],
                                       detection, options);
  }
  if (!a.json.empty()) {
    const nlohmann::json json = DetectionJson(*result, a, models, paired, detection);
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(a.json, DumpJson(json, 2) + "\n", "--json"));
    if (a.json == "-") return Status::Ok();
  }
  std::cout << SafeText(DetectionText(*result, models, paired, detection));
  return Status::Ok();
}

// ---------------------------------------------------------------- the command
// A flag of another task would be ignored: refused rather than dropped silently.
Status RefuseOtherTasksFlags(const StabilityArgs& a) {
  struct TaskFlag {
    bool given;
    std::string_view flag, tasks;  // tasks: "keypoints", "detection" or "keypoints or detection"
  };
  const DetectionFlags& d = a.detection;
  const TaskFlag flags[] = {
      {!a.box.empty(), "--box", "keypoints"},
      {!a.schemas.empty(), "--schema", "keypoints"},
      {!a.keypoint_decoder.empty(), "--keypoint-decoder", "keypoints"},
      {!a.reference.empty(), "--reference", "keypoints"},
      {a.agreement_threshold.has_value(), "--agreement-threshold", "keypoints"},
      {a.min_confidence.has_value(), "--min-confidence", "keypoints or detection"},
      {!d.decoder.empty(), "--decoder", "detection"},
      {d.score_threshold.has_value(), "--score-threshold", "detection"},
      {d.nms_iou.has_value(), "--nms-iou", "detection"},
      {d.max_detections.has_value(), "--max-detections", "detection"},
  };
  for (const TaskFlag& f : flags) {
    if (f.given && f.tasks.find(a.task) == std::string_view::npos) {
      return Status::InvalidArgument(
          fmt::format("{} is for --task {}; drop it for --task {}", f.flag, f.tasks, a.task));
    }
  }
  return Status::Ok();
}

Status RunStability(const StabilityArgs& a) {
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(a.json, "--json"));
  SWEETSPOT_RETURN_IF_ERROR(RefuseOtherTasksFlags(a));
  if (a.task == "keypoints") return RunKeypointStability(a);
  if (a.models.size() > 2) {
    return Status::InvalidArgument(
        fmt::format("--task {} compares at most two models; {} --model given: run it once "
                    "per pair",
                    a.task, a.models.size()));
  }
  if (a.task == "detection") return RunDetectionStability(a);
  return RunClassificationStability(a);
}

void AddFlags(CLI::App* cmd, StabilityArgs* args) {
  cmd->add_option("--task", args->task, "keypoints|classification|detection (default keypoints)")
      ->check(CLI::IsMember({"keypoints", "classification", "detection"}));
  cmd->add_option("--video", args->video, "a video file or a folder of frames")->required();
  cmd->add_option("--model", args->models, "an ONNX model; repeat it to compare models on the same frames")->required();
  cmd->add_option("--reference", args->reference,
                  "keypoints: the --model the tracker follows and the others are compared with (default: the last)");
  cmd->add_option("--engine", args->engines,
                  "the runtime per model (once: every model; else once per --model), e.g. opencv-dnn (default "
                  "onnxruntime)");
  cmd->add_option("--schema", args->schemas,
                  "keypoints: the model's joints, a built-in schema (efficientpose16, coco17, mpii16) or a TOML "
                  "file (once, or once per --model; default: the model's metadata)");
  cmd->add_option("--box", args->box,
                  "keypoints: the person in the first frame, CX,CY,SIDE (a square) or X1,Y1,X2,Y2 (a box, its longer "
                  "side padded 1.25 as eval's persons), pixels")
      ->delimiter(',');
  cmd->add_option("--max-frames", args->max_frames, "stop after N frames (default 0: the whole video)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-confidence", args->min_confidence,
                  "keypoints: a joint is measured where both models' scores are >= this (default 0.3); detection: "
                  "the boxes measured, those a viewer sees, score >= this (default 0.25)")
      // Scores lie in [0, 1]: above 1 nothing is measured and every rate reads 0 %.
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--agreement-threshold", args->agreement_threshold,
                  "keypoints: two models' joints disagree beyond this share of the crop side (default 0.05)");
  cmd->add_option("--bootstrap", args->bootstrap, "bootstrap replicates of the intervals (default 1000; 0: none)");
  cmd->add_option("--threads", args->threads, "inference threads (default 0: the CPUs this process may use)")
      ->check(NonNegativeInteger());
  cmd->add_option("--json", args->json,
                  "write the figures (and keypoint tracks or detection boxes) as JSON to FILE (- prints only it)");
  cmd->add_option("--preprocess", args->preprocess_file,
                  "preprocessing spec (TOML, docs/eval.md) over each model's metadata, e.g. "
                  "examples/efficientpose-preprocess.toml");
  cmd->add_option("--keypoint-decoder", args->keypoint_decoder,
                  "keypoints: a layout (heatmap|simcc|regression) or a decoder TOML (docs/keypoints.md) over each "
                  "model's metadata");
  AddPreprocessFlags(cmd, &args->preprocess);
  AddDecoderFlags(cmd, &args->detection);
}

}  // namespace

void RegisterStability(CLI::App& root, Action* selected) {
  auto args = std::make_shared<StabilityArgs>();
  CLI::App* cmd = root.add_subcommand("stability", "how much models' outputs shake from frame to frame on video");
  cmd->footer(
      "Keypoints: the tracker follows one person from --box with the --reference model (the last by default);\n"
      "every model gets the same crop of each frame. Jitter (px/frame^2) and joint-angle noise (deg/frame^2)\n"
      "are measured on joints confident in both models compared, with moving-block bootstrap intervals, the\n"
      "paired difference, its p-value and a verdict; agreement with the reference and the confidence drop too.\n"
      "Classification: the share of consecutive frames whose top-1 class changes (flicker); two models are\n"
      "compared frame by frame. Detection: boxes scoring >= --min-confidence are matched frame to frame; their\n"
      "centre and size jitter (% of the box size per frame^2), identity flicker (class changes) and the rates of\n"
      "boxes appearing and vanishing, two detectors compared frame by frame. The preprocessing is the model's\n"
      "metadata, --preprocess and the flags, the decoder its metadata, --decoder and the flags, as eval.\n"
      "See docs/stability.md.\n\n"
      "Examples:\n"
      "  sweetspot stability --video walk.avi --box 640,210,440 --model EfficientPoseRT_224.onnx \\\n"
      "      --model EfficientPoseI_256.onnx --engine opencv-dnn --schema efficientpose16 --max-frames 130\n"
      "  sweetspot stability --task classification --video walk.avi --model examples/fashion-mnist/cnn-nano.onnx \\\n"
      "      --model examples/fashion-mnist/resnet-large.onnx\n"
      "  sweetspot stability --task detection --video walk.avi --model nanodet_m_0.5x.onnx --model nanodet_m.onnx \\\n"
      "      --preprocess examples/nanodet-preprocess.toml --decoder examples/nanodet-detector.toml");
  AddFlags(cmd, args.get());
  cmd->callback([args, selected] { *selected = [args] { return RunStability(*args); }; });
  RegisterChildCommand(root, selected, "__keypoint-video-child", RunKeypointVideoChild);
}

}  // namespace sweetspot::cli
