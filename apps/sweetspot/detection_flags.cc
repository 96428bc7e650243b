#include "detection_flags.h"

#include <filesystem>

#include <fmt/format.h>

#include "output.h"
#include "sweetspot/detection_decoder.h"

namespace sweetspot::cli {
namespace {

// A TOML float (1 is an integer in TOML: "1.0").
std::string TomlFloat(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

void AddDetectionFlags(CLI::App* cmd, DetectionFlags* flags) {
  AddDecoderFlags(cmd, flags);
  cmd->add_option("--model-classes", flags->model_classes,
                  "the model's classes in output order: coco80 or a file of names, one per line (default: the "
                  "decoder's class_names, else the dataset's classes by index)");
}

void AddDecoderFlags(CLI::App* cmd, DetectionFlags* flags) {
  cmd->add_option("--decoder", flags->decoder,
                  "detection output layout (yolo|yolox|yolov8|boxes-scores|nms|nanodet) or a decoder TOML file "
                  "(default: the model's metadata_props 'sweetspot.detection', else detected)");
  cmd->add_option("--score-threshold", flags->score_threshold, "keep detections scoring at least this (default 0.001)")
      ->check(NonNegativeNumber());
  cmd->add_option("--nms-iou", flags->nms_iou, "IoU above which NMS drops the lower-scoring box (default 0.6)")
      ->check(NonNegativeNumber());
  cmd->add_option("--max-detections", flags->max_detections, "detections kept per image after NMS (default 100)")
      ->check(PositiveInteger());
}

Result<std::vector<DecoderLayer>> DecoderFlagLayers(const DetectionFlags& a) {
  std::vector<DecoderLayer> layers;
  const auto add = [&](std::string_view flag, std::string toml) {
    layers.push_back(DecoderLayer{PreprocessSource(std::string(flag), /*has_lines=*/false), std::move(toml), ""});
  };
  if (!a.decoder.empty()) {
    std::error_code ec;
    if (ParseDetectionLayout(a.decoder).ok()) {
      add("--decoder", fmt::format("layout = \"{}\"\n", a.decoder));
    } else if (std::filesystem::is_regular_file(a.decoder, ec)) {
      layers.push_back(DecoderLayer{PreprocessSource(a.decoder), "", a.decoder});
    } else {
      return Status::InvalidArgument(fmt::format(
          "--decoder: '{}' is neither a layout (yolo, yolox, yolov8, boxes-scores, nms, nanodet) nor a TOML file",
          a.decoder));
    }
  }
  if (a.score_threshold) add("--score-threshold", "score_threshold = " + TomlFloat(*a.score_threshold) + "\n");
  if (a.nms_iou) add("--nms-iou", "iou_threshold = " + TomlFloat(*a.nms_iou) + "\n");
  if (a.max_detections) add("--max-detections", fmt::format("max_detections = {}\n", *a.max_detections));
  return layers;
}

Result<DetectionEvalRequest> DetectionPipelineRequest(const DetectionPipelineFlags& flags) {
  DetectionEvalRequest request;
  request.dataset_path = flags.data;
  request.classes_file = flags.classes_file;
  request.model_classes = flags.detection.model_classes;
  SWEETSPOT_ASSIGN_OR_RETURN(request.layers, PreprocessLayers(flags.preprocess_file, flags.preprocess));
  SWEETSPOT_ASSIGN_OR_RETURN(request.decoder_layers, DecoderFlagLayers(flags.detection));
  request.limit = flags.limit;
  return request;
}

}  // namespace sweetspot::cli
