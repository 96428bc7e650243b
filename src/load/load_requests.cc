// LoadRequests from a dataset: encoded images for the server to preprocess,
// or tensors preprocessed here through eval's own pipeline (LayerPreprocessing,
// Resolve, PrepareTensors), so both forms feed the model what eval feeds it.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <numeric>
#include <string>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>

#include "sweetspot/detection_classes.h"
#include "sweetspot/image_decode.h"
#include "sweetspot/load_generator.h"
#include "sweetspot/preprocess.h"
#include "sweetspot/served_detections.h"
#include "sweetspot/served_keypoints.h"
#include "sweetspot/tensor_cache.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {
namespace fs = std::filesystem;

// A sample whose file is an image of its own (an image folder, a manifest),
// not a container of many (IDX).
bool HasOwnImageFile(const SampleInfo& sample) {
  std::string ext = sample.path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* known : {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pnm"}) {
    if (ext == known) return true;
  }
  return false;
}

Result<std::string> FileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open image {}", SafeText(path.string())));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IoError(fmt::format("cannot read image {}", SafeText(path.string())));
  return bytes;
}

// Pixels as PNG (lossless, so the server decodes exactly them); `what` names
// them in the error.
Result<std::string> PngBytes(const cv::Mat& image, const std::string& what) {
  std::vector<unsigned char> png;
  if (!cv::imencode(".png", image, png)) return Status::InvalidData(what + ": could not encode it as PNG");
  return std::string(png.begin(), png.end());
}

// The image as the server receives it: the file's own bytes, or the decoded
// pixels as PNG (lossless, so the server decodes what eval decodes).
Result<std::string> EncodedImage(const Dataset& dataset, std::size_t index) {
  const SampleInfo& sample = dataset.sample(index);
  if (HasOwnImageFile(sample)) return FileBytes(sample.path);
  SWEETSPOT_ASSIGN_OR_RETURN(cv::Mat image, dataset.Load(index));
  return PngBytes(image, fmt::format("sample {} ({})", SafeText(sample.id), SafeText(sample.path.string())));
}

// A labelled image as the server must see it to match its labels: the file's
// own bytes when the server's decode (EXIF-oriented, image_decode.h) gives
// the labels' view, else the stored bitmap the labels were drawn on, as PNG.
Result<std::string> LabelledImageBytes(const fs::path& path, int width, int height) {
  SWEETSPOT_ASSIGN_OR_RETURN(const LabelledImage image, ReadLabelledImage(path, width, height));
  if (image.view == ImageView::kOriented) return FileBytes(path);
  return PngBytes(image.pixels, "image " + SafeText(path.string()));
}

InferRequest NewRequest(const ModelMetadata& metadata, const std::string& version) {
  InferRequest request;
  request.model_name = metadata.name;
  request.model_version = version;
  return request;
}

// A request of one encoded image for the model's first input (the image extension).
InferRequest ImageRequest(const ModelMetadata& metadata, const std::string& version, std::string_view bytes) {
  InferRequest request = NewRequest(metadata, version);
  InferTensor input;
  input.name = metadata.inputs.front().name;
  input.datatype = WireType::kBytes;
  input.shape = {1};
  AppendBytesElement(input.data, bytes);
  request.inputs.push_back(std::move(input));
  return request;
}

Status AddImageRequests(const ModelMetadata& metadata, const std::string& version, const Dataset& dataset,
                        std::span<const std::size_t> indices, LoadRequests& out) {
  for (const std::size_t index : indices) {
    SWEETSPOT_ASSIGN_OR_RETURN(std::string bytes, EncodedImage(dataset, index));
    out.requests.push_back(ImageRequest(metadata, version, bytes));
    out.labels.push_back(dataset.sample(index).label);
    out.indices.push_back(index);
  }
  return Status::Ok();
}

// The model's first input as the server describes it, for Resolve.
Result<TensorInfo> InputInfo(const ModelMetadata& metadata) {
  const TensorMetadata& input = metadata.inputs.front();
  const std::optional<DType> dtype = DTypeOf(input.datatype);
  if (!dtype) {
    return Status::Unsupported(fmt::format("model '{}' input '{}' takes {}, not an image tensor: send images instead",
                                           metadata.name, input.name, WireTypeName(input.datatype)));
  }
  TensorInfo info;
  info.name = input.name;
  info.dtype = *dtype;
  info.shape = input.shape;
  return info;
}

Status AddTensorRequests(const ModelMetadata& metadata, const std::string& version, const Dataset& dataset,
                         std::span<const std::size_t> indices, const RequestOptions& options, LoadRequests& out) {
  SWEETSPOT_ASSIGN_OR_RETURN(const PreprocessSpec spec, options.model_file.empty()
                                                            ? LayerPreprocessing(PreprocessSpec{}, options.layers)
                                                            : LayerPreprocessing(options.model_file, options.layers));
  SWEETSPOT_ASSIGN_OR_RETURN(const TensorInfo input, InputInfo(metadata));
  auto resolved = Resolve(spec, input);
  if (!resolved.ok())
    return resolved.status().WithContext(fmt::format("model '{}' (as the server describes it)", metadata.name));
  SWEETSPOT_ASSIGN_OR_RETURN(const PreparedTensors tensors, PrepareTensors(dataset, indices, *resolved, options.cache));
  SWEETSPOT_RETURN_IF_ERROR(CheckExcluded(tensors, EvalOptions{}));
  const std::size_t bytes = tensors.sample_size_bytes();
  std::vector<std::int64_t> shape = {1};
  shape.insert(shape.end(), tensors.sample_shape.begin(), tensors.sample_shape.end());
  for (std::size_t k = 0; k < tensors.size(); ++k) {
    InferRequest request = NewRequest(metadata, version);
    InferTensor tensor;
    tensor.name = input.name;
    tensor.datatype = WireTypeOf(tensors.dtype);
    tensor.shape = shape;
    tensor.data.assign(reinterpret_cast<const char*>(tensors.data) + k * bytes, bytes);
    request.inputs.push_back(std::move(tensor));
    out.requests.push_back(std::move(request));
    out.labels.push_back(tensors.labels[k]);
    out.indices.push_back(tensors.indices[k]);
  }
  return Status::Ok();
}

// Per model class, the dataset class it scores as: by name (MapDetectionClasses)
// when the model's names are known, else the same index.
Result<std::vector<int>> DetectionClassMap(const ModelMetadata& metadata, const DetectionDataset& dataset,
                                           const DetectionRequestOptions& options) {
  const std::vector<std::string>& names =
      options.model_classes.empty() ? metadata.detection_classes : options.model_classes;
  if (!names.empty()) return MapDetectionClasses(names, dataset.class_names());
  std::vector<int> identity(dataset.class_names().size());
  std::iota(identity.begin(), identity.end(), 0);
  return identity;
}

}  // namespace

Result<LoadRequests> BuildDetectionLoadRequests(const ModelMetadata& metadata, const std::string& version,
                                                const DetectionDataset& dataset,
                                                const DetectionRequestOptions& options) {
  const bool detector = std::any_of(metadata.outputs.begin(), metadata.outputs.end(),
                                    [](const TensorMetadata& t) { return t.name == kDetectionsOutput; });
  if (metadata.inputs.empty() || !detector) {
    return Status::InvalidData(fmt::format(
        "model '{}' is not served as a detector (its metadata lists no '{}' output): serve it with --decoder LAYOUT "
        "(or FILE.toml), or give the model 'sweetspot.detection' metadata",
        metadata.name, kDetectionsOutput));
  }
  LoadRequests out;
  SWEETSPOT_ASSIGN_OR_RETURN(out.class_map, DetectionClassMap(metadata, dataset, options));
  out.class_names = dataset.class_names();
  out.dataset = dataset.description();
  out.output_name = std::string(kDetectionsOutput);
  out.metric_options = options.metric_options;
  for (const std::size_t index : DetectionSubset(dataset, options.limit, options.seed)) {
    const DetectionImage& image = dataset.image(index);
    SWEETSPOT_ASSIGN_OR_RETURN(std::string bytes, LabelledImageBytes(image.path, image.width, image.height));
    out.requests.push_back(ImageRequest(metadata, version, bytes));
    out.labels.push_back(-1);
    out.indices.push_back(index);
    out.truth.push_back(image);
  }
  if (out.requests.empty()) return Status::InvalidData("the dataset gave no images to send");
  return out;
}

namespace {

// The person's box as the `person_box` input, FP32 [1, 4].
InferTensor PersonBoxInput(const Box& box) {
  const float values[4] = {static_cast<float>(box.x1), static_cast<float>(box.y1), static_cast<float>(box.x2),
                           static_cast<float>(box.y2)};
  InferTensor input;
  input.name = kPersonBoxInput;
  input.datatype = WireType::kFp32;
  input.shape = {1, 4};
  input.data.assign(reinterpret_cast<const char*>(values), sizeof(values));
  return input;
}

}  // namespace

Result<LoadRequests> BuildKeypointLoadRequests(const ModelMetadata& metadata, const std::string& version,
                                               const KeypointDataset& dataset, const KeypointRequestOptions& options) {
  const bool keypoint_model = std::any_of(metadata.outputs.begin(), metadata.outputs.end(),
                                          [](const TensorMetadata& t) { return t.name == kKeypointsOutput; });
  if (metadata.inputs.empty() || !keypoint_model) {
    return Status::InvalidData(fmt::format(
        "model '{}' is not served as a keypoint model (its metadata lists no '{}' output): serve it with --schema "
        "NAME (e.g. efficientpose16), or give the model 'sweetspot.keypoints' metadata",
        metadata.name, kKeypointsOutput));
  }
  LoadRequests out;
  out.dataset = fmt::format("{} ({} keypoints)", dataset.file.string(), dataset.format);
  out.output_name = std::string(kKeypointsOutput);
  out.keypoint_schema = dataset.schema;
  out.keypoint_metric_options = options.metric_options;
  const std::size_t count =
      options.limit == 0 ? dataset.persons.size() : std::min<std::size_t>(options.limit, dataset.persons.size());
  std::size_t encoded_image = dataset.images.size();  // persons of one image are adjacent: encode it once
  std::string bytes;
  for (std::size_t i = 0; i < count; ++i) {
    const LabelledPerson& person = dataset.persons[i];
    if (person.image != encoded_image) {
      const KeypointImage& image = dataset.images[person.image];
      SWEETSPOT_ASSIGN_OR_RETURN(bytes, LabelledImageBytes(image.path, image.width, image.height));
      encoded_image = person.image;
    }
    InferRequest request = ImageRequest(metadata, version, bytes);
    request.inputs.push_back(PersonBoxInput(person.person.box));
    out.requests.push_back(std::move(request));
    out.labels.push_back(-1);
    out.indices.push_back(i);
    out.keypoint_truth.push_back(person.person);
  }
  if (out.requests.empty()) return Status::InvalidData("the dataset gave no person to send");
  return out;
}

Result<LoadRequests> BuildLoadRequests(const ModelMetadata& metadata, const std::string& version,
                                       const Dataset& dataset, const RequestOptions& options) {
  if (metadata.inputs.empty() || metadata.outputs.empty()) {
    return Status::InvalidData(fmt::format("model '{}' has no {} in the server's metadata", metadata.name,
                                           metadata.inputs.empty() ? "inputs" : "outputs"));
  }
  const std::vector<std::size_t> indices = StratifiedSubset(dataset, options.limit, options.seed);
  LoadRequests out;
  out.class_names = dataset.class_names();
  out.dataset = dataset.description();
  out.output_name = metadata.outputs.front().name;
  if (options.form == RequestForm::kImages) {
    SWEETSPOT_RETURN_IF_ERROR(AddImageRequests(metadata, version, dataset, indices, out));
  } else {
    SWEETSPOT_RETURN_IF_ERROR(AddTensorRequests(metadata, version, dataset, indices, options, out));
  }
  if (out.requests.empty()) return Status::InvalidData("the dataset gave no samples to send");
  return out;
}

}  // namespace sweetspot
