// ONNX export of a trained Network, written by sweetspot itself (libtorch's
// C++ API has no ONNX exporter).
//
// The graph is opset 13: Conv (with every BatchNorm folded into the conv
// before it: W' = W * g / sqrt(v + eps), b' = beta - m * g / sqrt(v + eps)),
// Relu, MaxPool, Add, GlobalAveragePool (resnet), Flatten, Gemm. Input "image"
// [N, C, H, W] float32 with a dynamic batch dimension named "N"; output
// "logits" [N, classes]. metadata_props carries the preprocessing spec under
// kPreprocessMetadataKey (preprocess.h), so `sweetspot eval` and `bench` need
// no flags, and the ArchSpec under "sweetspot.arch".
//
// Thread-safety: reentrant; do not export a Network another thread trains.
#pragma once

#include <filesystem>

#include <onnx/onnx_pb.h>

#include "sweetspot/preprocess.h"
#include "sweetspot/status.h"
#include "sweetspot/train_network.h"

namespace sweetspot {

// The model for `network` with `spec` (its width/height must equal the
// architecture's image size, its channels the architecture's) stored in
// metadata_props.
Result<onnx::ModelProto> ExportOnnx(const Network& network, const PreprocessSpec& spec);

// Writes `model` to a temporary file beside `path`, flushes it to disk, then
// renames it over `path`; on any failure the temporary file is removed, so
// `path` holds either a complete model or what it held before. A full disk
// (or a file-size limit) is InvalidArgument naming the path and saying to
// free space or pick another folder; other write errors are IoError.
Status SaveModelAtomically(const onnx::ModelProto& model, const std::filesystem::path& path);

}  // namespace sweetspot
