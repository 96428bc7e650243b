#include "sweetspot/tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

TEST(DTypeTest, SizesNamesAndParsing) {
  EXPECT_EQ(DTypeSizeBytes(DType::kFloat32), 4u);
  EXPECT_EQ(DTypeSizeBytes(DType::kFloat16), 2u);
  EXPECT_EQ(DTypeSizeBytes(DType::kFloat64), 8u);
  EXPECT_EQ(DTypeSizeBytes(DType::kInt8), 1u);
  EXPECT_EQ(DTypeSizeBytes(DType::kInt64), 8u);
  EXPECT_EQ(DTypeSizeBytes(DType::kBool), 1u);
  for (DType d : {DType::kFloat32, DType::kFloat16, DType::kFloat64, DType::kInt8, DType::kUInt8, DType::kInt16,
                  DType::kInt32, DType::kInt64, DType::kBool}) {
    const Result<DType> parsed = ParseDType(DTypeName(d));
    ASSERT_TRUE(parsed.ok()) << DTypeName(d);
    EXPECT_EQ(*parsed, d);
  }
  EXPECT_EQ(DTypeName(DType::kUInt8), "uint8");
  EXPECT_EQ(DTypeName(DType::kFloat32), "float32");
}

TEST(DTypeTest, UnknownNameIsInvalidArgument) {
  const Result<DType> r = ParseDType("float");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'float'"), std::string::npos) << r.status().message();
  EXPECT_FALSE(ParseDType("").ok());
  EXPECT_FALSE(ParseDType("Float32").ok());
}

TEST(ShapeTest, StaticCountAndString) {
  EXPECT_TRUE(IsStatic({1, 3, 32, 32}));
  EXPECT_TRUE(IsStatic({}));
  EXPECT_FALSE(IsStatic({-1, 3}));
  EXPECT_EQ(ElementCount({1, 3, 32, 32}), 3072);
  EXPECT_EQ(ElementCount({}), 1);  // a scalar
  EXPECT_EQ(ElementCount({4, 0, 2}), 0);
  EXPECT_EQ(ShapeToString({1, 3, 32, 32}), "[1,3,32,32]");
  EXPECT_EQ(ShapeToString({}), "[]");
  EXPECT_EQ(ShapeToString({-1, 3, -1}), "[?,3,?]");
  const std::vector<std::string> names = {"batch", "", ""};
  EXPECT_EQ(ShapeToString({-1, 3, -1}, names), "[batch,3,?]");
}

TEST(TensorTest, OwnedIsZeroFilledAndSized) {
  Tensor t = Tensor::Owned(DType::kFloat32, {2, 3});
  EXPECT_TRUE(t.is_owned());
  EXPECT_EQ(t.dtype(), DType::kFloat32);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.element_count(), 6);
  EXPECT_EQ(t.size_bytes(), 24u);
  ASSERT_EQ(t.values<float>().size(), 6u);
  for (float v : t.values<float>()) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(Tensor::Owned(DType::kInt64, {5}).size_bytes(), 40u);
}

TEST(TensorTest, CopyingOwnedCopiesBytes) {
  Tensor a = Tensor::Owned(DType::kInt32, {4});
  a.values<std::int32_t>()[2] = 7;
  Tensor b = a;
  EXPECT_NE(b.data(), a.data());
  EXPECT_EQ(b.values<std::int32_t>()[2], 7);
  b.values<std::int32_t>()[2] = 9;
  EXPECT_EQ(a.values<std::int32_t>()[2], 7);
}

TEST(TensorTest, BorrowedIsAViewAndCopiesShareIt) {
  std::vector<float> storage = {1, 2, 3, 4, 5, 6};
  Tensor t = Tensor::Borrowed(DType::kFloat32, {2, 3}, storage.data());
  EXPECT_FALSE(t.is_owned());
  EXPECT_EQ(t.data(), storage.data());
  EXPECT_EQ(t.values<float>()[5], 6.0f);
  storage[5] = 60.0f;
  EXPECT_EQ(t.values<float>()[5], 60.0f);
  Tensor copy = t;
  EXPECT_EQ(copy.data(), storage.data());
  copy.values<float>()[0] = -1.0f;
  EXPECT_EQ(storage[0], -1.0f);
  const Tensor& ct = t;
  EXPECT_EQ(ct.values<float>()[0], -1.0f);
}

TEST(TensorTest, KeepaliveOutlivesTheOwner) {
  auto owner = std::make_shared<std::vector<std::uint8_t>>(std::vector<std::uint8_t>{10, 20, 30});
  const std::weak_ptr<std::vector<std::uint8_t>> watch = owner;
  Tensor t = Tensor::Borrowed(DType::kUInt8, {3}, owner->data(), owner);
  owner.reset();
  ASSERT_FALSE(watch.expired());  // the tensor holds it
  Tensor copy = t;
  t = Tensor();
  ASSERT_FALSE(watch.expired());  // so does a copy
  EXPECT_EQ(copy.values<std::uint8_t>()[1], 20);
  copy = Tensor();
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace sweetspot
