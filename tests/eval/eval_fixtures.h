// Fixtures for the evaluation tests: a colour-coded image folder and linear
// models whose predictions can be worked out by hand.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "data/data_fixtures.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot::testing {

// ROOT/a_red: three red images and one green ("3_green.png", a known miss);
// ROOT/b_green: two green; ROOT/c_blue: two blue and a purple one (R 200, B
// 255: still blue). 2x2 PNGs. A model predicting the strongest RGB channel
// gets 8 of 9 right.
inline void WriteRgbFolder(const std::filesystem::path& root) {
  const cv::Mat red = SolidImage(2, 2, 0, 0, 255);
  const cv::Mat green = SolidImage(2, 2, 0, 255, 0);
  const cv::Mat blue = SolidImage(2, 2, 255, 0, 0);
  for (int i = 0; i < 3; ++i) WriteImage(root / "a_red" / (std::to_string(i) + ".png"), red);
  WriteImage(root / "a_red/3_green.png", green);
  for (int i = 0; i < 2; ++i) WriteImage(root / "b_green" / (std::to_string(i) + ".png"), green);
  for (int i = 0; i < 2; ++i) WriteImage(root / "c_blue" / (std::to_string(i) + ".png"), blue);
  WriteImage(root / "c_blue/2_purple.png", SolidImage(2, 2, 255, 0, 200));
}

// input float32 `input_shape` ([N,3,2,2]) -> Flatten -> Gemm: logit c = mean
// of channel c (RGB order) for c < 3, 0 for further classes. Options: a
// Softmax on top; logits divided by the channel-mean sum (NaN for a black
// image); green and blue columns swapped.
inline onnx::ModelProto ChannelModel(const Shape& input_shape = {-1, 3, 2, 2}, int classes = 3, bool softmax = false,
                                     bool nan_on_black = false, bool swap_green_blue = false) {
  const bool dynamic = input_shape[0] < 0;
  GraphBuilder b("channels");
  b.Input("input", DType::kFloat32, input_shape, dynamic ? std::vector<std::string>{"N"} : std::vector<std::string>{});
  std::vector<float> w(static_cast<std::size_t>(12 * classes), 0.0F);
  for (int c = 0; c < 3; ++c) {
    int column = c;
    if (swap_green_blue && c > 0) column = 3 - c;
    for (int p = 0; p < 4; ++p) w[static_cast<std::size_t>((c * 4 + p) * classes + column)] = 0.25F;
  }
  b.Initializer("W", {12, classes}, w);
  b.Initializer("B", {classes}, std::vector<float>(static_cast<std::size_t>(classes), 0.0F));
  b.Node("Flatten", {"input"}, {"flat"}, {Attr("axis", int64_t{1})});
  std::string last = "scores";
  b.Node("Gemm", {"flat", "W", "B"}, {last});
  if (nan_on_black) {
    b.Initializer("W2", {12, 1}, std::vector<float>(12, 0.25F));
    b.Node("MatMul", {"flat", "W2"}, {"sum"});
    b.Node("Div", {last, "sum"}, {"ratio"});
    last = "ratio";
  }
  if (softmax) {
    b.Node("Softmax", {last}, {"probs"}, {Attr("axis", int64_t{1})});
    last = "probs";
  }
  b.Node("Identity", {last}, {"output"});
  b.Output("output", DType::kFloat32, {input_shape[0], classes},
           dynamic ? std::vector<std::string>{"N", ""} : std::vector<std::string>{});
  return b.Build();
}

}  // namespace sweetspot::testing
