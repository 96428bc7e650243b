// Models for the study tests beyond the evaluation fixtures.
#pragma once

#include <filesystem>
#include <string>

#include <onnx/onnx_pb.h>

#include "eval/eval_fixtures.h"
#include "support/support.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot::testing {

// input [N,3,H,W] with symbolic H and W -> GlobalAveragePool -> Flatten:
// score c = the mean of channel c, at any image size. On WriteRgbFolder it
// gets 8 of 9 right, like ChannelModel.
inline onnx::ModelProto DynamicSizeModel(const std::string& h = "H", const std::string& w = "W") {
  GraphBuilder b("dynamic_size");
  b.Input("input", DType::kFloat32, {-1, 3, -1, -1}, {"N", "", h, w});
  b.Node("GlobalAveragePool", {"input"}, {"pooled"});
  b.Node("Flatten", {"pooled"}, {"output"}, {Attr("axis", int64_t{1})});
  b.Output("output", DType::kFloat32, {-1, 3}, {"N", ""});
  return b.Build();
}

// DIR/study.toml, the "colours" study of two channel models on
// WriteRgbFolder's images (DIR/images): "good" misses one image of nine, "bad"
// (green and blue swapped) several; short benchmarks, min_top1 = 0.8.
inline void WriteColoursStudy(const std::filesystem::path& dir) {
  WriteRgbFolder(dir / "images");
  WriteModel(ChannelModel(), dir / "good.onnx");
  WriteModel(ChannelModel({-1, 3, 2, 2}, 3, false, false, /*swap_green_blue=*/true), dir / "bad.onnx");
  WriteFile(dir / "study.toml",
            "name = \"colours\"\n[dataset]\npath = \"images\"\n"
            "[[models]]\nname = \"good\"\npath = \"good.onnx\"\n"
            "[[models]]\nname = \"bad\"\npath = \"bad.onnx\"\n"
            "[runtime]\nthreads = [1]\nduration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n"
            "[constraints]\nmin_top1 = 0.8\n");
}

}  // namespace sweetspot::testing
