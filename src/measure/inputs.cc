#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

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
    if (dim.find_first_not_of(' ') == std::string::npos) continue;
    shape.push_back(std::stoll(dim));
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

Result<std::vector<Tensor>> MakeInputs(const std::vector<TensorInfo>& infos, int64_t batch_size,
                                       const InputSpec& spec) {
  if (batch_size <= 0) return Status::InvalidArgument("batch size must be >= 1, got " + std::to_string(batch_size));
  for (const auto& [name, file] : spec.files) {
    if (name.empty()) {
      if (infos.size() == 1) continue;
      return Status::InvalidArgument("the model has " + std::to_string(infos.size()) +
                                     " inputs; name the one the file is for: --input NAME=" + file.string());
    }
    bool known = false;
    for (const auto& info : infos) known = known || info.name == name;
    if (!known) {
      std::string names;
      for (const auto& info : infos) names += (names.empty() ? "" : ", ") + info.name;
      return Status::InvalidArgument("--input names '" + name +
                                     "', which is not an input of the model (inputs: " + names + ")");
    }
  }
  std::mt19937 rng(spec.seed);
  std::vector<Tensor> tensors;
  for (const TensorInfo& info : infos) {
    Shape shape = info.shape;
    for (std::size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] >= 0) continue;
      const std::string& dim_name = d < info.dim_names.size() ? info.dim_names[d] : std::string();
      if (auto it = spec.dim_values.find(dim_name); !dim_name.empty() && it != spec.dim_values.end()) {
        shape[d] = it->second;
      } else if (d == 0) {
        shape[d] = batch_size;
      } else {
        return Status::InvalidArgument("input '" + info.name + "' has dynamic dimension " + std::to_string(d) +
                                       (dim_name.empty() ? "" : " ('" + dim_name + "')") + " of shape " +
                                       ShapeToString(info.shape, info.dim_names) + "; give it a value with --dim " +
                                       (dim_name.empty() ? "NAME" : dim_name) + "=VALUE");
      }
    }
    if (!shape.empty() && info.shape[0] >= 0 && info.shape[0] != batch_size) {
      return Status::InvalidArgument("model input '" + info.name + "' has a fixed batch of " +
                                     std::to_string(info.shape[0]) + "; use --batch " + std::to_string(info.shape[0]));
    }
    auto it = spec.files.find(info.name);
    if (it == spec.files.end() && infos.size() == 1) it = spec.files.find("");
    if (it != spec.files.end()) {
      SWEETSPOT_ASSIGN_OR_RETURN(Tensor file_tensor, ReadNpy(it->second));
      if (file_tensor.dtype() != info.dtype) {
        return Status::InvalidArgument("input file '" + it->second.string() + "' holds " +
                                       std::string(DTypeName(file_tensor.dtype())) + " but input '" + info.name +
                                       "' takes " + std::string(DTypeName(info.dtype)));
      }
      const Shape& fs_shape = file_tensor.shape();
      bool match = fs_shape.size() == shape.size();
      for (std::size_t d = 1; match && d < shape.size(); ++d) match = fs_shape[d] == shape[d];
      match = match && (fs_shape.empty() || fs_shape[0] == shape[0] || fs_shape[0] == 1);
      if (!match) {
        return Status::InvalidArgument("input file '" + it->second.string() + "' has shape " + ShapeToString(fs_shape) +
                                       " but input '" + info.name + "' needs " + ShapeToString(shape) +
                                       " (a first dimension of 1 is repeated)");
      }
      if (fs_shape.empty() || fs_shape[0] == shape[0]) {
        tensors.push_back(std::move(file_tensor));
      } else {
        Tensor repeated = Tensor::Owned(info.dtype, shape);
        const std::size_t item = file_tensor.size_bytes();
        for (int64_t b = 0; b < shape[0]; ++b) {
          std::memcpy(static_cast<std::byte*>(repeated.data()) + b * item, file_tensor.data(), item);
        }
        tensors.push_back(std::move(repeated));
      }
      continue;
    }
    Tensor t = Tensor::Owned(info.dtype, shape);
    FillRandom(t, rng);
    tensors.push_back(std::move(t));
  }
  return tensors;
}

}  // namespace sweetspot
