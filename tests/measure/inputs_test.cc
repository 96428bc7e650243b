#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "support/support.h"
#include "sweetspot/measure.h"

namespace sweetspot {
namespace {

using testing::TempDir;

// Writes a version-1 .npy file holding float32 `values` of `shape_text` (e.g. "(1, 3)").
void WriteNpy(const std::filesystem::path& path, const std::string& shape_text, const std::vector<float>& values) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_text + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xFFU);
  bytes += static_cast<char>(header.size() >> 8U);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  testing::WriteFile(path, bytes);
}

std::vector<TensorInfo> ImageInput() { return {{"x", DType::kFloat32, {-1, 3}, {"N", ""}, ""}}; }

TEST(MakeInputs, ResolvesTheBatchDimensionAndIsSeeded) {
  auto a = MakeInputs(ImageInput(), 4, {});
  auto b = MakeInputs(ImageInput(), 4, {});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)[0].shape(), (Shape{4, 3}));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(std::memcmp((*a)[0].data(), (*b)[0].data(), (*a)[0].size_bytes()), 0);
  InputSpec other;
  other.seed = 7;
  auto c = MakeInputs(ImageInput(), 4, other);
  EXPECT_NE(std::memcmp((*a)[0].data(), (*c)[0].data(), (*a)[0].size_bytes()), 0);
}

TEST(MakeInputs, UnnamedDynamicDimensionNeedsADimFlag) {
  std::vector<TensorInfo> infos{{"x", DType::kFloat32, {-1, 3, -1}, {"N", "", "len"}, ""}};
  auto missing = MakeInputs(infos, 1, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().fixes(), (std::vector<FieldFix>{{"dims", "len", {"VALUE"}}}))
      << missing.status().message();
  InputSpec spec;
  spec.dim_values["len"] = 5;
  auto ok = MakeInputs(infos, 2, spec);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].shape(), (Shape{2, 3, 5}));
}

TEST(MakeInputs, FixedBatchMismatchSaysWhichBatchToUse) {
  std::vector<TensorInfo> infos{{"x", DType::kFloat32, {1, 3}, {"", ""}, ""}};
  auto r = MakeInputs(infos, 8, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("fixed batch of 1, not 8"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().fixes(), (std::vector<FieldFix>{{"batch", "", {"1"}}}));
}

TEST(MakeInputs, ZeroBatchIsRejected) {
  auto r = MakeInputs(ImageInput(), 0, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(MakeInputs, FeedsAnNpyFileAndRepeatsABatchOfOne) {
  TempDir dir;
  WriteNpy(dir / "x.npy", "(1, 3)", {1, 2, 3});
  InputSpec spec;
  spec.files[""] = dir / "x.npy";
  auto r = MakeInputs(ImageInput(), 2, spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto v = (*r)[0].values<float>();
  EXPECT_EQ(std::vector<float>(v.begin(), v.end()), (std::vector<float>{1, 2, 3, 1, 2, 3}));
}

TEST(MakeInputs, NpyOfTheWrongShapeNamesFileAndShapes) {
  TempDir dir;
  WriteNpy(dir / "x.npy", "(1, 4)", {1, 2, 3, 4});
  InputSpec spec;
  spec.files["x"] = dir / "x.npy";
  auto r = MakeInputs(ImageInput(), 1, spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("x.npy' has shape [1,4] but input 'x' needs [1,3]"), std::string::npos)
      << r.status().message();
}

TEST(MakeInputs, UnknownInputNameIsRejected) {
  TempDir dir;
  WriteNpy(dir / "x.npy", "(1, 3)", {1, 2, 3});
  InputSpec spec;
  spec.files["nosuch"] = dir / "x.npy";
  auto r = MakeInputs(ImageInput(), 1, spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'nosuch'"), std::string::npos);
}

TEST(ReadNpy, RejectsNonNpyAndTruncatedFiles) {
  TempDir dir;
  testing::WriteFile(dir / "bad.npy", "hello");
  auto bad = ReadNpy(dir / "bad.npy");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidData);
  WriteNpy(dir / "short.npy", "(2, 3)", {1, 2, 3});
  auto shortened = ReadNpy(dir / "short.npy");
  ASSERT_FALSE(shortened.ok());
  EXPECT_NE(shortened.status().message().find("truncated"), std::string::npos);
  EXPECT_EQ(ReadNpy(dir / "absent.npy").status().code(), StatusCode::kNotFound);
}

// One set of --dim values for several models: each gets the values it has
// a dimension for; a value no model has is an error listing every model's.
TEST(InputSpecsPerModel, GivesEachModelTheDimensionsItHas) {
  const ModelDeclaredInputs image{"image.onnx", {{"x", DType::kFloat32, {-1, 3, -1, -1}, {"N", "", "H", "W"}, ""}}};
  const ModelDeclaredInputs fixed{"fixed.onnx", {{"x", DType::kFloat32, {-1, 3, 8, 8}, {"N", "", "", ""}, ""}}};
  InputSpec spec;
  spec.seed = 3;
  spec.dim_values = {{"H", 8}, {"W", 6}};
  auto split = InputSpecsPerModel({image, fixed}, spec);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->size(), 2U);
  EXPECT_EQ((*split)[0].dim_values, spec.dim_values);
  EXPECT_TRUE((*split)[1].dim_values.empty());
  EXPECT_EQ((*split)[1].seed, 3U);
  EXPECT_TRUE(MakeInputs(fixed.inputs, 1, (*split)[1]).ok());

  spec.dim_values = {{"Q", 2}};
  auto none = InputSpecsPerModel({image, fixed}, spec);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(),
              ::testing::HasSubstr("'Q' = 2 is a dynamic dimension of no model (image.onnx: H, W, x:2, x:3; "
                                   "fixed.onnx: none besides the batch)"));
  // The batch's value stays with the model that has it, for MakeInputs to refuse.
  spec.dim_values = {{"N", 4}};
  auto batch = InputSpecsPerModel({image, fixed}, spec);
  ASSERT_TRUE(batch.ok());
  const auto refused = MakeInputs(image.inputs, 1, (*batch)[0]);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().fixes(), (std::vector<FieldFix>{{"batch", "", {"4"}}}));
}

}  // namespace
}  // namespace sweetspot
