// Request inputs -> model tensors: names, datatypes, shapes, and the image
// extension (BYTES elements decoded and preprocessed on the caller's thread).
#include <algorithm>
#include <string_view>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>

#include "serve/served_model.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/served_detections.h"

namespace sweetspot {

namespace {

std::string Names(const std::vector<TensorInfo>& infos) {
  std::string out;
  for (const TensorInfo& info : infos) out += (out.empty() ? "'" : ", '") + info.name + "'";
  return out;
}

// BYTES images -> one preprocessed tensor [N, sample shape...]; `origins`
// (may be null) receives each image's size and placement.
Result<Tensor> DecodeImages(const ServedModel& model, std::size_t input, const InferTensor& tensor,
                            std::vector<ImageOrigin>* origins) {
  const std::string where = fmt::format("{} input '{}'", model.Label(), tensor.name);
  const bool shape_ok = tensor.shape.size() == 1 || (tensor.shape.size() == 2 && tensor.shape[1] == 1);
  if (!shape_ok) {
    return Status::InvalidArgument(
        fmt::format("{}: BYTES images need shape [N] or [N,1], got {}", where, ShapeToString(tensor.shape)));
  }
  auto parsed = BytesElements(tensor.data);
  if (!parsed.ok()) return parsed.status().WithContext(where);
  const std::vector<std::string_view>& elements = *parsed;
  if (static_cast<std::int64_t>(elements.size()) != tensor.shape[0]) {
    return Status::InvalidArgument(fmt::format("{}: shape {} holds {} images, the data {}", where,
                                               ShapeToString(tensor.shape), tensor.shape[0], elements.size()));
  }
  const PreprocessSpec& spec = *model.image_specs[input];
  Shape shape = spec.SampleShape();
  shape.insert(shape.begin(), static_cast<std::int64_t>(elements.size()));
  Tensor out = Tensor::Owned(spec.dtype, shape);
  auto* bytes = static_cast<std::byte*>(out.data());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const cv::Mat encoded(1, static_cast<int>(elements[i].size()), CV_8UC1, const_cast<char*>(elements[i].data()));
    cv::Mat image;
    try {
      image = cv::imdecode(encoded, cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
      return Status::InvalidArgument(fmt::format("{}: image {} cannot be decoded: {}", where, i, e.what()));
    }
    if (image.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: image {} cannot be decoded (corrupt, or not JPEG/PNG/BMP)", where, i));
    }
    const std::span<std::byte> row(bytes + i * spec.SampleSizeBytes(), spec.SampleSizeBytes());
    Status applied = ApplyPreprocess(spec, image, row);
    if (!applied.ok()) return Status::InvalidArgument(fmt::format("{}: image {}: {}", where, i, applied.message()));
    if (origins != nullptr)
      origins->push_back({image.cols, image.rows, PreprocessGeometry(spec, image.cols, image.rows)});
  }
  return out;
}

// One request input as the tensor for model input `input`.
Result<Tensor> InputTensor(const ServedModel& model, std::size_t input, const InferTensor& tensor,
                           std::vector<ImageOrigin>* origins) {
  const TensorInfo& info = model.inputs[input];
  const WireType expected = WireTypeOf(info.dtype);
  if (tensor.datatype == WireType::kBytes && expected != WireType::kBytes) {
    if (model.image_specs[input]) return DecodeImages(model, input, tensor, origins);
    return Status::InvalidArgument(fmt::format("{} input '{}' takes {}, got BYTES, and images cannot be sent to it: {}",
                                               model.Label(), info.name, WireTypeName(expected),
                                               model.image_unavailable[input]));
  }
  if (tensor.datatype != expected) {
    return Status::InvalidArgument(fmt::format("{} input '{}' takes datatype {}, got {}", model.Label(), info.name,
                                               WireTypeName(expected), WireTypeName(tensor.datatype)));
  }
  if (std::any_of(tensor.shape.begin(), tensor.shape.end(), [](std::int64_t d) { return d < 0; })) {
    return Status::InvalidArgument(fmt::format("{} input '{}': shape {} has a negative dimension", model.Label(),
                                               info.name, ShapeToString(tensor.shape)));
  }
  const std::size_t size_bytes = static_cast<std::size_t>(ElementCount(tensor.shape)) * DTypeSizeBytes(info.dtype);
  if (tensor.data.size() != size_bytes) {
    return Status::InvalidArgument(fmt::format("{} input '{}': shape {} needs {} bytes of data, got {}", model.Label(),
                                               info.name, ShapeToString(tensor.shape), size_bytes, tensor.data.size()));
  }
  // Borrowed: the caller's request outlives the run (Infer blocks until answered).
  return Tensor::Borrowed(info.dtype, tensor.shape, const_cast<char*>(tensor.data.data()));
}

// Each request input names a model input, once.
Status CheckInputNames(const ServedModel& model, const InferRequest& request) {
  for (std::size_t i = 0; i < request.inputs.size(); ++i) {
    const std::string& name = request.inputs[i].name;
    auto known =
        std::find_if(model.inputs.begin(), model.inputs.end(), [&](const TensorInfo& t) { return t.name == name; });
    if (known == model.inputs.end()) {
      return Status::InvalidArgument(
          fmt::format("{} has no input '{}' (its inputs: {})", model.Label(), name, Names(model.inputs)));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (request.inputs[j].name == name) {
        return Status::InvalidArgument(fmt::format("{}: input '{}' is given twice", model.Label(), name));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Tensor>> RequestTensors(const ServedModel& model, const InferRequest& request,
                                           std::vector<ImageOrigin>* origins) {
  SWEETSPOT_RETURN_IF_ERROR(CheckInputNames(model, request));
  std::vector<Tensor> tensors;
  for (std::size_t i = 0; i < model.inputs.size(); ++i) {
    auto given = std::find_if(request.inputs.begin(), request.inputs.end(),
                              [&](const InferTensor& t) { return t.name == model.inputs[i].name; });
    if (given == request.inputs.end()) {
      return Status::InvalidArgument(fmt::format("{}: input '{}' is missing from the request (its inputs: {})",
                                                 model.Label(), model.inputs[i].name, Names(model.inputs)));
    }
    SWEETSPOT_ASSIGN_OR_RETURN(Tensor tensor, InputTensor(model, i, *given, i == 0 ? origins : nullptr));
    tensors.push_back(std::move(tensor));
  }
  Status valid = ValidateInputs(model.inputs, tensors);
  if (!valid.ok()) return Status::InvalidArgument(model.Label() + ": " + valid.message());
  return tensors;
}

Result<std::vector<std::size_t>> SelectOutputs(const ServedModel& model, const InferRequest& request) {
  std::vector<std::size_t> indices;
  if (request.outputs.empty()) {
    if (model.detector) return std::vector<std::size_t>{DetectionsIndex(model), DetectionCountIndex(model)};
    for (std::size_t i = 0; i < model.outputs.size(); ++i) indices.push_back(i);
    return indices;
  }
  for (const RequestedOutput& wanted : request.outputs) {
    if (model.detector && (wanted.name == kDetectionsOutput || wanted.name == kDetectionCountOutput)) {
      indices.push_back(wanted.name == kDetectionsOutput ? DetectionsIndex(model) : DetectionCountIndex(model));
      continue;
    }
    auto it = std::find_if(model.outputs.begin(), model.outputs.end(),
                           [&](const TensorInfo& t) { return t.name == wanted.name; });
    if (it == model.outputs.end()) {
      return Status::InvalidArgument(fmt::format("{} has no output '{}' (its outputs: {}{})", model.Label(),
                                                 wanted.name, model.detector ? "'detections', 'detection_count', " : "",
                                                 Names(model.outputs)));
    }
    indices.push_back(static_cast<std::size_t>(it - model.outputs.begin()));
  }
  return indices;
}

// Why no spec applies when the model carries none and none was given; "" when one does.
std::string MissingSpec(const ServedModel& model, std::optional<PreprocessSpec>& spec) {
  if (spec) return "";
  auto metadata = ReadModelMetadata(model.options.path, kPreprocessMetadataKey);
  if (!metadata.ok() || !*metadata) {
    return fmt::format("the model has no '{}' metadata and its preprocess option is not set", kPreprocessMetadataKey);
  }
  auto layered = LayerPreprocessing(model.options.path, {});
  if (!layered.ok()) return layered.status().message();
  spec = *layered;
  return "";
}

void ResolveImageSpecs(ServedModel& model) {
  const std::size_t n = model.inputs.size();
  model.image_specs.assign(n, std::nullopt);
  model.image_unavailable.assign(n, "it is not an image tensor (rank 4)");
  if (std::none_of(model.inputs.begin(), model.inputs.end(), [](const TensorInfo& t) { return t.shape.size() == 4; })) {
    return;
  }
  std::optional<PreprocessSpec> spec = model.options.preprocess;
  const std::string missing = MissingSpec(model, spec);
  for (std::size_t i = 0; i < n; ++i) {
    if (model.inputs[i].shape.size() != 4) continue;
    if (!spec) {
      model.image_unavailable[i] = missing;
      continue;
    }
    auto resolved = Resolve(*spec, model.inputs[i]);
    if (resolved.ok())
      model.image_specs[i] = *resolved;
    else
      model.image_unavailable[i] = resolved.status().message();
  }
}

}  // namespace sweetspot
