// The study's derived models (variant.h): for each spec model, the variants
// its `variants` list (or the study's) asks for, made or taken from the
// variant cache, and the calibration samples of the int8 variants.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sweetspot/evaluate.h"
#include "sweetspot/status.h"
#include "sweetspot/study.h"
#include "sweetspot/study_plan.h"
#include "sweetspot/variant.h"

namespace sweetspot {

// The preprocessing layers of a model's accuracy run: [dataset.preprocess],
// the model's own table, then `override` (TOML keys a variant sets, "" none).
std::vector<PreprocessLayer> ModelPreprocessLayers(const StudySpec& spec, const StudyModel& model,
                                                   const std::string& override_toml = "");

struct DerivedModel {
  std::size_t parent = 0;  // into StudySpec::models
  // Named "<parent>/<canonical variant>", with the parent's preprocessing and
  // dims; the path is the variant's file (the parent's when making it failed).
  StudyModel model;
  std::string canonical;
  VariantLineage lineage;
  std::vector<std::string> notes;   // also when making it failed: what the transform did
  std::vector<LayerSqnr> sqnr;      // int8: per quantized activation, worst first (sqnr.h)
  std::string preprocess_override;  // TOML keys over the parent's (a resized input's size)
  Status failure;                   // making it failed
};

struct VariantsPlan {
  std::vector<DerivedModel> derived;  // in spec model order, each model's variants in list order
  std::string calibration;            // where the calibration samples come from; "" when no variant calibrates
  std::size_t calibration_samples = 0;
  std::vector<std::size_t> holdout;  // ascending dataset indices excluded from every accuracy run
};

// The variant files live in `tensor_cache_dir`/variants (DefaultVariantCacheDir()
// when it is empty). Errors (the study cannot go on): a calibration set that
// cannot be opened, is smaller than asked or leaves nothing to evaluate, each
// naming the spec key. A variant that cannot be made is a DerivedModel with
// `failure` set.
// `made` gets one line per variant (PlanStudy).
Result<VariantsPlan> PlanVariants(const StudySpec& spec, const std::filesystem::path& tensor_cache_dir,
                                  const std::function<void(const std::string&)>& made);

// The folder variants are cached in for a study's tensor cache folder.
std::filesystem::path StudyVariantDir(const std::filesystem::path& tensor_cache_dir);

// Sets the diagnosis of every variant made and of its parent; the optimised
// graphs are kept in `variant_dir`/optimized/<sha256>.onnx. A model ONNX
// Runtime cannot diagnose gets a warning in the plan.
void DiagnoseVariants(const std::filesystem::path& variant_dir, StudyPlan* plan);

// "57 QLinearConv (uint8), 27 QLinearAdd (uint8), ...; 2 QuantizeLinear, 1
// DequantizeLinear, 0 Cast; 3 % of MACs in float"
std::string DescribeDiagnosis(const GraphDiagnosis& diagnosis);

}  // namespace sweetspot
