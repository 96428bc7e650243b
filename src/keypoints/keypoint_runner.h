// One keypoint model ready to run on person crops (keypoint_eval.h's steps
// 2-4), shared by the dataset evaluation and the video run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/backend.h"
#include "sweetspot/keypoint_decoder.h"
#include "sweetspot/keypoint_eval.h"
#include "sweetspot/keypoint_model.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/person_crop.h"
#include "sweetspot/preprocess.h"

namespace sweetspot {

struct KeypointStageSample {
  double preprocess_ms = 0.0;
  double network_ms = 0.0;
  double postprocess_ms = 0.0;
};

class KeypointRunner {
 public:
  // Loads the model on its engine (request.engine, else `default_engine`),
  // layers and resolves its preprocessing and decoder, and resolves its
  // schema. Errors name the model and the layer or field.
  static Result<std::unique_ptr<KeypointRunner>> Open(const KeypointModelRequest& request,
                                                      const std::string& default_engine, int threads);

  const std::string& name() const { return name_; }
  const std::string& engine() const { return engine_; }
  int input_px() const { return spec_.input_px(); }
  const KeypointSchema& schema() const { return spec_.schema; }
  const PreprocessSpec& preprocess() const { return spec_.preprocess; }
  const KeypointDecoderSpec& decoder() const { return spec_.decoder; }

  // `crop`: the BGR square `geometry` names, of any size (resized exactly to
  // the input); geometry.input_px must be input_px(). Keypoints in
  // original-image pixels, the model's schema. `times.preprocess_ms` is added
  // to, the other two set.
  Result<std::vector<Keypoint>> Run(const cv::Mat& crop, const CropGeometry& geometry, KeypointStageSample& times);

 private:
  std::string name_;
  std::string path_;
  std::string engine_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Session> session_;
  KeypointModelSpec spec_;
};

}  // namespace sweetspot
