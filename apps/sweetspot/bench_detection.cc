#include "bench_detection.h"

#include <filesystem>

#include "output.h"
#include "sweetspot/detection_dataset.h"

namespace sweetspot::cli {

void AddDetectionBenchFlags(CLI::App* cmd, DetectionBenchFlags* flags) {
  cmd->add_option("--data", flags->data,
                  "a detection dataset (VOC folder, COCO instances JSON or YOLO data.yaml): time the detector's "
                  "pre-processing, network and decoding + NMS on its images");
  cmd->add_option("--task", flags->task,
                  "auto|detection|classification (default auto: detection with --data; detection without --data "
                  "times the pipeline on random images of the input size)");
  cmd->add_option("--classes", flags->classes_file, "detection: the dataset's class-name file (one per line)");
  cmd->add_option("--limit", flags->limit, "detection: cycle through N images of --data (default 100)")
      ->check(PositiveInteger());
  cmd->add_option("--preprocess", flags->preprocess_file, "detection: preprocessing spec (TOML, see docs/eval.md)");
  AddPreprocessFlags(cmd, &flags->preprocess);
  AddDetectionFlags(cmd, &flags->detection);
}

Result<bool> IsDetectionBench(const DetectionBenchFlags& f) {
  if (f.task != "auto" && f.task != "detection" && f.task != "classification") {
    return Status::InvalidArgument("--task: '" + f.task + "' is not a task (auto, detection or classification)");
  }
  if (!f.data.empty()) {
    if (f.task == "classification") {
      return Status::InvalidArgument("--data: bench times classifiers on random tensors; drop --data or --task");
    }
    if (!std::filesystem::exists(f.data)) return Status::NotFound("--data: '" + f.data + "' does not exist");
    if (!IsDetectionDataset(f.data)) {
      return Status::InvalidArgument("--data: '" + f.data +
                                     "' is not a detection dataset (a VOC folder with Annotations/, a COCO "
                                     "instances JSON or a YOLO data.yaml)");
    }
    return true;
  }
  if (f.task == "detection") return true;
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<PreprocessLayer> layers, FlagLayers(f.preprocess));
  SWEETSPOT_ASSIGN_OR_RETURN(std::vector<DecoderLayer> decoder, DecoderFlagLayers(f.detection));
  if (!layers.empty() || !decoder.empty() || !f.preprocess_file.empty() || !f.classes_file.empty() ||
      !f.detection.model_classes.empty() || f.limit > 0) {
    return Status::InvalidArgument(
        "the preprocessing, decoder and dataset flags time a detector's pipeline: add --data DIR or --task detection");
  }
  return false;
}

Result<DetectionEvalRequest> DetectionBenchPipeline(const DetectionBenchFlags& f) {
  return DetectionPipelineRequest({.data = f.data,
                                   .classes_file = f.classes_file,
                                   .preprocess_file = f.preprocess_file,
                                   .preprocess = f.preprocess,
                                   .detection = f.detection,
                                   .limit = f.limit});
}

}  // namespace sweetspot::cli
