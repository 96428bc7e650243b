#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sweetspot/measure.h"

namespace sweetspot {
namespace fs = std::filesystem;

Result<Tensor> ReadNpy(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("input file '" + path.string() + "' cannot be opened; check the path");
  char magic[8] = {};
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    return Status::InvalidData("input file '" + path.string() + "' is not a NumPy .npy file (numpy.save writes one)");
  }
  const int major = static_cast<unsigned char>(magic[6]);
  uint32_t header_len = 0;
  if (major == 1) {
    unsigned char len[2];
    in.read(reinterpret_cast<char*>(len), 2);
    header_len = len[0] | (len[1] << 8);
  } else {
    unsigned char len[4];
    in.read(reinterpret_cast<char*>(len), 4);
    header_len = len[0] | (len[1] << 8) | (len[2] << 16) | (static_cast<uint32_t>(len[3]) << 24);
  }
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) return Status::InvalidData("input file '" + path.string() + "' has a truncated .npy header");

  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr':\s*'([<>|=])([a-z])(\d+)')"))) {
    return Status::InvalidData("input file '" + path.string() + "': unreadable dtype in .npy header");
  }
  if (m[1] == ">")
    return Status::Unsupported("input file '" + path.string() + "' is big-endian; save it little-endian");
  const std::string kind = m[2];
  const int width = std::stoi(m[3]);
  DType dtype{};
  if (kind == "f" && width == 4)
    dtype = DType::kFloat32;
  else if (kind == "f" && width == 8)
    dtype = DType::kFloat64;
  else if (kind == "f" && width == 2)
    dtype = DType::kFloat16;
  else if (kind == "i" && width == 1)
    dtype = DType::kInt8;
  else if (kind == "u" && width == 1)
    dtype = DType::kUInt8;
  else if (kind == "i" && width == 2)
    dtype = DType::kInt16;
  else if (kind == "i" && width == 4)
    dtype = DType::kInt32;
  else if (kind == "i" && width == 8)
    dtype = DType::kInt64;
  else if (kind == "b" && width == 1)
    dtype = DType::kBool;
  else
    return Status::Unsupported("input file '" + path.string() + "' has unsupported dtype " + kind +
                               std::to_string(width));
  if (std::regex_search(header, std::regex(R"('fortran_order':\s*True)"))) {
    return Status::Unsupported("input file '" + path.string() + "' is in Fortran order; save a C-ordered array");
  }
  if (!std::regex_search(header, m, std::regex(R"('shape':\s*\(([^)]*)\))"))) {
    return Status::InvalidData("input file '" + path.string() + "': no shape in .npy header");
  }
  Shape shape;
  std::stringstream dims(m[1].str());
  std::string dim;
  while (std::getline(dims, dim, ',')) {
    const auto first = dim.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    const auto last = dim.find_last_not_of(' ');
    int64_t value = -1;
    const auto [end, error] = std::from_chars(dim.data() + first, dim.data() + last + 1, value);
    if (error != std::errc() || end != dim.data() + last + 1 || value < 0) {
      return Status::InvalidData("input file '" + path.string() + "': the .npy header's shape has a bad dimension '" +
                                 dim + "'; save the array again with numpy.save");
    }
    shape.push_back(value);
  }
  Tensor t = Tensor::Owned(dtype, shape);
  in.read(static_cast<char*>(t.data()), static_cast<std::streamsize>(t.size_bytes()));
  if (in.gcount() != static_cast<std::streamsize>(t.size_bytes())) {
    return Status::InvalidData("input file '" + path.string() + "' is truncated: expected " +
                               std::to_string(t.size_bytes()) + " data bytes for shape " + ShapeToString(shape));
  }
  return t;
}

namespace {

void FillRandom(Tensor& t, std::mt19937& rng) {
  switch (t.dtype()) {
    case DType::kFloat32: {
      std::uniform_real_distribution<float> dist(0.0F, 1.0F);
      for (auto& v : t.values<float>()) v = dist(rng);
      break;
    }
    case DType::kFloat64: {
      std::uniform_real_distribution<double> dist(0.0, 1.0);
      for (auto& v : t.values<double>()) v = dist(rng);
      break;
    }
    case DType::kUInt8:
      for (auto& v : t.values<uint8_t>()) v = static_cast<uint8_t>(rng() & 0xFFU);
      break;
    case DType::kInt8:
      for (auto& v : t.values<int8_t>()) v = static_cast<int8_t>(static_cast<int>(rng() % 256U) - 128);
      break;
    case DType::kInt32:
      for (auto& v : t.values<int32_t>()) v = static_cast<int32_t>(rng() % 10U);
      break;
    case DType::kInt64:
      for (auto& v : t.values<int64_t>()) v = static_cast<int64_t>(rng() % 10U);
      break;
    case DType::kBool:
      for (auto& v : t.values<uint8_t>()) v = static_cast<uint8_t>(rng() & 1U);
      break;
    case DType::kInt16:
      for (auto& v : t.values<int16_t>()) v = static_cast<int16_t>(rng() % 10U);
      break;
    case DType::kFloat16:
      // 0x3C00 is 1.0 in IEEE half precision; a constant is enough for timing.
      for (auto& v : t.values<uint16_t>()) v = 0x3C00;
      break;
  }
}

}  // namespace

namespace {

std::string AxisKey(const std::string& input, std::size_t axis) { return input + ":" + std::to_string(axis); }

// The keys that set a dynamic dimension of `infos` (its symbol and
// INPUT:AXIS), the batch's (axis 0) apart from the others.
struct DimKeys {
  std::set<std::string> batch;
  std::set<std::string> settable;
};
DimKeys DynamicDimKeys(const std::vector<TensorInfo>& infos) {
  DimKeys keys;
  for (const TensorInfo& info : infos) {
    for (std::size_t d = 0; d < info.shape.size(); ++d) {
      if (info.shape[d] >= 0) continue;
      const std::string name = d < info.dim_names.size() ? info.dim_names[d] : std::string();
      std::set<std::string>& into = d == 0 ? keys.batch : keys.settable;
      into.insert(AxisKey(info.name, d));
      if (!name.empty()) into.insert(name);
    }
  }
  return keys;
}

// Every dim_values key must name a dynamic dimension other than a batch: a
// value for the batch would run batches the report does not describe.
Status CheckDimNames(const std::vector<TensorInfo>& infos, const InputSpec& spec) {
  const DimKeys keys = DynamicDimKeys(infos);
  for (const auto& [name, value] : spec.dim_values) {
    if (value < 1) {
      return Status::InvalidArgument(fmt::format("dimension '{}' = {}: a dimension must be at least 1", name, value));
    }
    if (keys.batch.contains(name)) {
      return Status::InvalidArgument(
                 fmt::format("dimension '{}' = {}: '{}' is the batch dimension, set by the batch size", name, value,
                             name))
          .WithFix({"batch", "", {std::to_string(value)}});
    }
    if (keys.settable.contains(name)) continue;
    return Status::InvalidArgument(
        keys.settable.empty()
            ? fmt::format("dimension '{}': the model has no dynamic dimension other than the batch", name)
            : fmt::format("dimension '{}': the model has no dynamic dimension named '{}' (it has: {})", name, name,
                          fmt::join(keys.settable, ", ")));
  }
  return Status::Ok();
}

// The input's shape with every dynamic dimension given a value: axis 0 the
// batch, others from dim_values (by name or INPUT:AXIS), else from the .npy
// file fed to it. Names every dimension still missing, with the flags to set.
Result<Shape> ConcreteShape(const TensorInfo& info, int64_t batch_size, const InputSpec& spec,
                            const std::optional<Shape>& file_shape) {
  Shape shape = info.shape;
  std::vector<std::string> missing;
  std::vector<FieldFix> fixes;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] >= 0) continue;
    const std::string name = d < info.dim_names.size() ? info.dim_names[d] : std::string();
    const std::string key = name.empty() ? AxisKey(info.name, d) : name;
    if (d == 0) {
      shape[d] = batch_size;
    } else if (auto it = spec.dim_values.find(key); it != spec.dim_values.end()) {
      shape[d] = it->second;
    } else if (auto at = spec.dim_values.find(AxisKey(info.name, d)); at != spec.dim_values.end()) {
      shape[d] = at->second;
    } else if (file_shape && file_shape->size() == shape.size()) {
      shape[d] = (*file_shape)[d];
    } else {
      missing.push_back(name.empty() ? fmt::format("axis {}", d) : fmt::format("'{}' (axis {})", name, d));
      fixes.push_back({"dims", key, {"VALUE"}});
    }
  }
  if (!missing.empty()) {
    return Status::InvalidArgument(fmt::format("input '{}' of shape {} has dynamic dimension(s) {} besides the batch",
                                               info.name, ShapeToString(info.shape, info.dim_names),
                                               fmt::join(missing, ", ")))
        .WithFixes(fixes);
  }
  if (!shape.empty() && info.shape[0] >= 0 && info.shape[0] != batch_size) {
    return Status::InvalidArgument(
               fmt::format("model input '{}' has a fixed batch of {}, not {}", info.name, info.shape[0], batch_size))
        .WithFix({"batch", "", {std::to_string(info.shape[0])}});
  }
  return shape;
}

Status CheckFileNames(const std::vector<TensorInfo>& infos, const InputSpec& spec) {
  for (const auto& [name, file] : spec.files) {
    if (name.empty()) {
      if (infos.size() == 1) continue;
      return Status::InvalidArgument(
                 fmt::format("the model has {} inputs; name the one file '{}' is for", infos.size(), file.string()))
          .WithFix({"input", "NAME", {file.string()}});
    }
    bool known = false;
    for (const auto& info : infos) known = known || info.name == name;
    if (!known) {
      std::string names;
      for (const auto& info : infos) names += (names.empty() ? "" : ", ") + info.name;
      return Status::InvalidArgument("an input file is for '" + name +
                                     "', which is not an input of the model (inputs: " + names + ")");
    }
  }
  return Status::Ok();
}

// The file's tensor for `info` at `shape`, its batch of 1 repeated if needed.
Result<Tensor> FromFile(Tensor file_tensor, const TensorInfo& info, const Shape& shape, const fs::path& path) {
  if (file_tensor.dtype() != info.dtype) {
    return Status::InvalidArgument("input file '" + path.string() + "' holds " +
                                   std::string(DTypeName(file_tensor.dtype())) + " but input '" + info.name +
                                   "' takes " + std::string(DTypeName(info.dtype)));
  }
  const Shape& fs_shape = file_tensor.shape();
  bool match = fs_shape.size() == shape.size();
  for (std::size_t d = 1; match && d < shape.size(); ++d) match = fs_shape[d] == shape[d];
  match = match && (fs_shape.empty() || fs_shape[0] == shape[0] || fs_shape[0] == 1);
  if (!match) {
    // Only the batch differs, and the model lets it vary: the file says the batch.
    bool batch_only = fs_shape.size() == shape.size() && !shape.empty() && info.shape[0] < 0;
    for (std::size_t d = 1; batch_only && d < shape.size(); ++d) batch_only = fs_shape[d] == shape[d];
    const Status mismatch = Status::InvalidArgument(
        "input file '" + path.string() + "' has shape " + ShapeToString(fs_shape) + " but input '" + info.name +
        "' needs " + ShapeToString(shape) +
        (batch_only ? "; its first dimension is the batch" : " (a first dimension of 1 is repeated)"));
    return batch_only ? mismatch.WithFix({"batch", "", {std::to_string(fs_shape[0])}}) : mismatch;
  }
  if (fs_shape.empty() || fs_shape[0] == shape[0]) return file_tensor;
  Tensor repeated = Tensor::Owned(info.dtype, shape);
  const std::size_t item = file_tensor.size_bytes();
  for (int64_t b = 0; b < shape[0]; ++b) {
    std::memcpy(static_cast<std::byte*>(repeated.data()) + b * item, file_tensor.data(), item);
  }
  return repeated;
}

}  // namespace

Result<std::vector<InputSpec>> InputSpecsPerModel(const std::vector<ModelDeclaredInputs>& models,
                                                  const InputSpec& spec) {
  std::vector<InputSpec> specs(models.size(), spec);
  for (auto& s : specs) s.dim_values.clear();
  std::vector<DimKeys> keys;
  for (const ModelDeclaredInputs& m : models) keys.push_back(DynamicDimKeys(m.inputs));
  for (const auto& [name, value] : spec.dim_values) {
    bool used = false;
    for (std::size_t i = 0; i < models.size(); ++i) {
      if (!keys[i].batch.contains(name) && !keys[i].settable.contains(name)) continue;
      specs[i].dim_values[name] = value;  // a batch's is kept for MakeInputs to refuse
      used = true;
    }
    if (used) continue;
    std::vector<std::string> have;
    for (std::size_t i = 0; i < models.size(); ++i) {
      have.push_back(fmt::format(
          "{}: {}", models[i].model,
          keys[i].settable.empty() ? "none besides the batch" : fmt::format("{}", fmt::join(keys[i].settable, ", "))));
    }
    return Status::InvalidArgument(
        fmt::format("dimension '{}' = {} is a dynamic dimension of no model ({})", name, value, fmt::join(have, "; ")));
  }
  return specs;
}

Result<std::vector<Tensor>> MakeInputs(const std::vector<TensorInfo>& infos, int64_t batch_size,
                                       const InputSpec& spec) {
  if (batch_size <= 0) return Status::InvalidArgument("batch size must be >= 1, got " + std::to_string(batch_size));
  SWEETSPOT_RETURN_IF_ERROR(CheckFileNames(infos, spec));
  SWEETSPOT_RETURN_IF_ERROR(CheckDimNames(infos, spec));
  std::mt19937 rng(spec.seed);
  std::vector<Tensor> tensors;
  for (const TensorInfo& info : infos) {
    auto it = spec.files.find(info.name);
    if (it == spec.files.end() && infos.size() == 1) it = spec.files.find("");
    std::optional<Tensor> file_tensor;
    if (it != spec.files.end()) {
      SWEETSPOT_ASSIGN_OR_RETURN(Tensor read, ReadNpy(it->second));
      file_tensor = std::move(read);
    }
    SWEETSPOT_ASSIGN_OR_RETURN(
        Shape shape,
        ConcreteShape(info, batch_size, spec, file_tensor ? std::optional(file_tensor->shape()) : std::nullopt));
    if (file_tensor) {
      SWEETSPOT_ASSIGN_OR_RETURN(Tensor t, FromFile(std::move(*file_tensor), info, shape, it->second));
      tensors.push_back(std::move(t));
      continue;
    }
    Tensor t = Tensor::Owned(info.dtype, shape);
    FillRandom(t, rng);
    tensors.push_back(std::move(t));
  }
  return tensors;
}

}  // namespace sweetspot
