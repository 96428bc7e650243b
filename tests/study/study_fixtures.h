// Models for the study tests beyond the evaluation fixtures.
#pragma once

#include <string>

#include <onnx/onnx_pb.h>

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

}  // namespace sweetspot::testing
