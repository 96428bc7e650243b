#include <charconv>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sweetspot/variant.h"

namespace sweetspot {
namespace {

constexpr double kDefaultPercentile = 99.999;

std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(':', start);
    fields.push_back(text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) return fields;
    start = colon + 1;
  }
}

// The whole field as a number, nothing left over.
template <typename T>
bool ParseNumber(std::string_view field, T* value) {
  const char* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, *value);
  return ec == std::errc() && ptr == end && !field.empty();
}

class SpecParser {
 public:
  explicit SpecParser(std::string_view text) : text_(text), fields_(SplitFields(text)) {}

  Result<VariantSpec> Parse() {
    const std::string_view head = fields_[0];
    for (auto t : {Transform::kIdentity, Transform::kInt8Static, Transform::kInt8Dynamic, Transform::kInt8Aware,
                   Transform::kFloat16, Transform::kPrune, Transform::kResize}) {
      if (TransformName(t) == head) spec_.transform = t;
    }
    if (TransformName(spec_.transform) != head) return Error(fmt::format("unknown transform '{}'", head));
    switch (spec_.transform) {
      case Transform::kIdentity:
      case Transform::kInt8Dynamic:
      case Transform::kFloat16: return fields_.size() == 1 ? Result<VariantSpec>(spec_) : Error("takes no parameter");
      case Transform::kInt8Static: return Int8Static();
      case Transform::kInt8Aware: return Int8Aware();
      case Transform::kPrune: return Prune();
      case Transform::kResize: return Resize();
    }
    return Error("unknown transform");
  }

 private:
  Status Error(std::string_view problem) const {
    return Status::InvalidArgument(fmt::format("variant '{}': {}; write one of: {}", text_, problem, kVariantForms));
  }

  Result<VariantSpec> Int8Static() {
    if (fields_.size() > 3) return Error("too many ':' fields");
    if (fields_.size() >= 2) {
      auto method = ParseCalibrationMethod(fields_[1]);
      if (!method.ok()) return Error(fmt::format("unknown calibration method '{}'", fields_[1]));
      spec_.method = *method;
    }
    if (fields_.size() == 3) {
      if (spec_.method != CalibrationMethod::kPercentile) return Error("only percentile takes a value");
      if (!ParseNumber(fields_[2], &spec_.percentile) || spec_.percentile <= 0 || spec_.percentile > 100) {
        return Error(fmt::format("percentile '{}' is not a number in (0, 100]", fields_[2]));
      }
    }
    return spec_;
  }

  Result<VariantSpec> Int8Aware() {
    if (fields_.size() != 2) return Error("needs a budget: int8-aware:0.3 (top-1 points) or int8-aware:0.5%");
    std::string_view budget = fields_[1];
    if (budget.ends_with('%')) {
      spec_.budget_relative = true;
      budget.remove_suffix(1);
    }
    if (!ParseNumber(budget, &spec_.budget) || spec_.budget <= 0 || spec_.budget >= 100) {
      return Error(fmt::format("budget '{}' is not a number in (0, 100)", fields_[1]));
    }
    return spec_;
  }

  Result<VariantSpec> Prune() {
    if (fields_.size() < 2 || fields_.size() > 3) return Error("needs a fraction: prune:0.5");
    if (!ParseNumber(fields_[1], &spec_.fraction) || spec_.fraction <= 0 || spec_.fraction >= 1) {
      return Error(fmt::format("fraction '{}' is not a number in (0, 1)", fields_[1]));
    }
    if (fields_.size() == 3) {
      if (fields_[2] != "structured" && fields_[2] != "unstructured") {
        return Error(fmt::format("'{}' is neither structured nor unstructured", fields_[2]));
      }
      spec_.structured = fields_[2] == "structured";
    }
    return spec_;
  }

  Result<VariantSpec> Resize() {
    if (fields_.size() != 2) return Error("needs a size: resize:24 or resize:24x20");
    const std::string_view size = fields_[1];
    const std::size_t x = size.find('x');
    const std::string_view h = size.substr(0, x);
    const std::string_view w = x == std::string_view::npos ? h : size.substr(x + 1);
    if (!ParseNumber(h, &spec_.height) || !ParseNumber(w, &spec_.width) || spec_.height < 1 || spec_.width < 1) {
      return Error(fmt::format("size '{}' is not a positive integer or HxW", size));
    }
    return spec_;
  }

  std::string_view text_;
  std::vector<std::string_view> fields_;
  VariantSpec spec_;
};

}  // namespace

std::string_view TransformName(Transform transform) {
  switch (transform) {
    case Transform::kIdentity: return "identity";
    case Transform::kInt8Static: return "int8-static";
    case Transform::kInt8Dynamic: return "int8-dynamic";
    case Transform::kInt8Aware: return "int8-aware";
    case Transform::kFloat16: return "fp16";
    case Transform::kPrune: return "prune";
    case Transform::kResize: return "resize";
  }
  return "identity";
}

Result<VariantSpec> ParseVariantSpec(std::string_view text) { return SpecParser(text).Parse(); }

std::string VariantSpec::Canonical() const {
  const std::string name(TransformName(transform));
  switch (transform) {
    case Transform::kInt8Static:
      if (method == CalibrationMethod::kPercentile && percentile != kDefaultPercentile) {
        return fmt::format("{}:percentile:{:g}", name, percentile);
      }
      return fmt::format("{}:{}", name, CalibrationMethodName(method));
    case Transform::kInt8Aware: return fmt::format("{}:{:g}{}", name, budget, budget_relative ? "%" : "");
    case Transform::kPrune:
      return fmt::format("{}:{:g}:{}", name, fraction, structured ? "structured" : "unstructured");
    case Transform::kResize:
      return height == width ? fmt::format("{}:{}", name, height) : fmt::format("{}:{}x{}", name, height, width);
    default: return name;
  }
}

std::string VariantSpec::ParametersJson() const {
  nlohmann::json j = nlohmann::json::object();
  switch (transform) {
    case Transform::kInt8Static:
      j["method"] = CalibrationMethodName(method);
      if (method == CalibrationMethod::kPercentile) j["percentile"] = percentile;
      break;
    case Transform::kInt8Aware:
      j["budget"] = budget;
      j["budget_unit"] = budget_relative ? "percent" : "points";
      break;
    case Transform::kPrune:
      j["fraction"] = fraction;
      j["structured"] = structured;
      break;
    case Transform::kResize:
      j["height"] = height;
      j["width"] = width;
      break;
    default: break;
  }
  return j.dump();
}

bool VariantSpec::NeedsCalibration() const {
  return transform == Transform::kInt8Static || transform == Transform::kInt8Aware;
}

}  // namespace sweetspot
