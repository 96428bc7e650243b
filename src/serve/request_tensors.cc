// Request inputs -> model tensors: names, datatypes, shapes, and the image
// extension (BYTES elements decoded and preprocessed on the caller's thread).
#include <algorithm>
#include <cstring>
#include <span>
#include <string_view>

#include <fmt/format.h>
#include <opencv2/core.hpp>

#include "serve/served_model.h"
#include "sweetspot/evaluate.h"
#include "sweetspot/image_decode.h"
#include "sweetspot/person_crop.h"
#include "sweetspot/served_detections.h"
#include "sweetspot/served_keypoints.h"

namespace sweetspot {

namespace {

std::string Names(const std::vector<TensorInfo>& infos) {
  std::string out;
  for (const TensorInfo& info : infos) out += (out.empty() ? "'" : ", '") + info.name + "'";
  return out;
}

// The person_box rows of a keypoint model's request (served_keypoints.h):
// none when it sends no box, else one per image.
Result<std::vector<Box>> PersonBoxes(const ServedModel& model, const InferRequest& request, std::int64_t images) {
  auto given = std::find_if(request.inputs.begin(), request.inputs.end(),
                            [](const InferTensor& t) { return t.name == kPersonBoxInput; });
  if (given == request.inputs.end()) return std::vector<Box>();
  const std::string where = fmt::format("{} input '{}'", model.Label(), kPersonBoxInput);
  if (images < 0) {
    return Status::InvalidArgument(
        fmt::format("{}: a box needs the image sent encoded (BYTES, the image extension): send the image as BYTES, "
                    "or leave '{}' out",
                    where, kPersonBoxInput));
  }
  const bool shape_ok = given->shape.size() == 2 && given->shape[0] == images && given->shape[1] == 4;
  if (given->datatype != WireType::kFp32 || !shape_ok ||
      given->data.size() != static_cast<std::size_t>(images) * 4 * sizeof(float)) {
    return Status::InvalidArgument(
        fmt::format("{}: got {} {}; send FP32 [{}, 4] (x1, y1, x2, y2 in image pixels, "
                    "one row per image)",
                    where, WireTypeName(given->datatype), ShapeToString(given->shape), images));
  }
  std::vector<float> values(static_cast<std::size_t>(images) * 4);
  std::memcpy(values.data(), given->data.data(), given->data.size());
  std::vector<Box> boxes;
  for (std::size_t i = 0; i < values.size(); i += 4)
    boxes.push_back({values[i], values[i + 1], values[i + 2], values[i + 3]});
  return boxes;
}

// A person box may reach past the image (MPII's centre/scale squares often
// do, and the crop is black there), as keypoint datasets allow; its centre
// must lie in the image.
Status CheckPersonBox(const Box& box, int width, int height) {
  if (!(box.x2 > box.x1) || !(box.y2 > box.y1)) {
    return Status::InvalidArgument(
        fmt::format("'{}' ({}, {})-({}, {}) has zero or negative area; give x1 < x2, y1 < y2", kPersonBoxInput, box.x1,
                    box.y1, box.x2, box.y2));
  }
  const double cx = (box.x1 + box.x2) / 2.0;
  const double cy = (box.y1 + box.y2) / 2.0;
  if (cx < 0.0 || cy < 0.0 || cx > width || cy > height) {
    return Status::InvalidArgument(fmt::format(
        "'{}' ({}, {})-({}, {}) lies outside the {}x{} image (its centre is not in it); give the person's box in "
        "this image's pixels",
        kPersonBoxInput, box.x1, box.y1, box.x2, box.y2, width, height));
  }
  return Status::Ok();
}

// One decoded image into its row: a keypoint model's person crop (its box, or
// the whole image) first, then the preprocessing; `origin` says where it came from.
Status PreprocessImage(const ServedModel& model, const PreprocessSpec& spec, const cv::Mat& image, const Box* box,
                       std::span<std::byte> row, ImageOrigin& origin) {
  origin.width = image.cols;
  origin.height = image.rows;
  if (!model.keypoints) {
    origin.geometry = PreprocessGeometry(spec, image.cols, image.rows);
    return ApplyPreprocess(spec, image, row);
  }
  if (box != nullptr) SWEETSPOT_RETURN_IF_ERROR(CheckPersonBox(*box, image.cols, image.rows));
  const Box whole{0.0, 0.0, static_cast<double>(image.cols), static_cast<double>(image.rows)};
  origin.crop = box != nullptr ? SquareCropAround(*box, model.options.person_padding, spec.width)
                               : SquareCropAround(whole, 1.0, spec.width);
  SWEETSPOT_ASSIGN_OR_RETURN(const cv::Mat crop, CropPerson(image, origin.crop));
  return ApplyPreprocess(spec, crop, row);
}

// BYTES images -> one preprocessed tensor [N, sample shape...]; `origins`
// (may be null) receives each image's size and placement.
Result<Tensor> DecodeImages(const ServedModel& model, std::size_t input, const InferTensor& tensor,
                            const InferRequest& request, std::vector<ImageOrigin>* origins) {
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
  std::vector<Box> boxes;
  if (model.keypoints) {
    auto given = PersonBoxes(model, request, static_cast<std::int64_t>(elements.size()));
    if (!given.ok()) return given.status();
    boxes = *std::move(given);
  }
  Shape shape = spec.SampleShape();
  shape.insert(shape.begin(), static_cast<std::int64_t>(elements.size()));
  Tensor out = Tensor::Owned(spec.dtype, shape);
  auto* bytes = static_cast<std::byte*>(out.data());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    auto decoded = DecodeImage(std::as_bytes(std::span(elements[i])), fmt::format("image {}", i));
    if (!decoded.ok()) return Status::InvalidArgument(fmt::format("{}: {}", where, decoded.status().message()));
    const cv::Mat image = *std::move(decoded);
    const std::span<std::byte> row(bytes + i * spec.SampleSizeBytes(), spec.SampleSizeBytes());
    ImageOrigin origin;
    Status applied = PreprocessImage(model, spec, image, boxes.empty() ? nullptr : &boxes[i], row, origin);
    if (!applied.ok()) return Status::InvalidArgument(fmt::format("{}: image {}: {}", where, i, applied.message()));
    if (origins != nullptr) origins->push_back(origin);
  }
  return out;
}

// One request input as the tensor for model input `input`.
Result<Tensor> InputTensor(const ServedModel& model, std::size_t input, const InferTensor& tensor,
                           const InferRequest& request, std::vector<ImageOrigin>* origins) {
  const TensorInfo& info = model.inputs[input];
  const WireType expected = WireTypeOf(info.dtype);
  if (tensor.datatype == WireType::kBytes && expected != WireType::kBytes) {
    if (model.image_specs[input]) return DecodeImages(model, input, tensor, request, origins);
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
  if (model.keypoints) SWEETSPOT_RETURN_IF_ERROR(PersonBoxes(model, request, -1).status());
  // Borrowed: the caller's request outlives the run (Infer blocks until answered).
  return Tensor::Borrowed(info.dtype, tensor.shape, const_cast<char*>(tensor.data.data()));
}

// Each request input names a model input, once.
Status CheckInputNames(const ServedModel& model, const InferRequest& request) {
  for (std::size_t i = 0; i < request.inputs.size(); ++i) {
    const std::string& name = request.inputs[i].name;
    if (model.keypoints && name == kPersonBoxInput) continue;
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
    if (given == request.inputs.end() && model.keypoints) {
      return Status::InvalidArgument(
          fmt::format("{}: input '{}' is missing from the request: send the person's image in it (encoded, BYTES), "
                      "with an optional '{}'",
                      model.Label(), model.inputs[i].name, kPersonBoxInput));
    }
    if (given == request.inputs.end()) {
      return Status::InvalidArgument(fmt::format("{}: input '{}' is missing from the request (its inputs: {})",
                                                 model.Label(), model.inputs[i].name, Names(model.inputs)));
    }
    SWEETSPOT_ASSIGN_OR_RETURN(Tensor tensor, InputTensor(model, i, *given, request, i == 0 ? origins : nullptr));
    tensors.push_back(std::move(tensor));
  }
  Status valid = ValidateInputs(model.inputs, tensors);
  if (!valid.ok()) return Status::InvalidArgument(model.Label() + ": " + valid.message());
  return tensors;
}

std::vector<TensorMetadata> AddedOutputs(const ServedModel& model) {
  if (model.detector) return DetectionOutputMetadata(model.detector->max_detections);
  if (model.keypoints) return {KeypointOutputMetadata(static_cast<int>(model.keypoints->schema.size()))};
  return {};
}

Result<std::vector<std::size_t>> SelectOutputs(const ServedModel& model, const InferRequest& request) {
  const std::vector<TensorMetadata> added = AddedOutputs(model);
  std::vector<std::size_t> indices;
  if (request.outputs.empty()) {
    const std::size_t first = added.empty() ? 0 : model.outputs.size();
    for (std::size_t i = first; i < model.outputs.size() + added.size(); ++i) indices.push_back(i);
    return indices;
  }
  std::string added_names;
  for (const TensorMetadata& t : added) added_names += "'" + t.name + "', ";
  for (const RequestedOutput& wanted : request.outputs) {
    auto extra =
        std::find_if(added.begin(), added.end(), [&](const TensorMetadata& t) { return t.name == wanted.name; });
    if (extra != added.end()) {
      indices.push_back(model.outputs.size() + static_cast<std::size_t>(extra - added.begin()));
      continue;
    }
    auto it = std::find_if(model.outputs.begin(), model.outputs.end(),
                           [&](const TensorInfo& t) { return t.name == wanted.name; });
    if (it == model.outputs.end()) {
      return Status::InvalidArgument(fmt::format("{} has no output '{}' (its outputs: {}{})", model.Label(),
                                                 wanted.name, added_names, Names(model.outputs)));
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
  if (model.keypoints && n > 0) {
    model.image_specs.front() = model.keypoints->preprocess;  // the crop's, resolved as eval resolves it
    return;
  }
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
