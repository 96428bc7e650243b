#include "sweetspot/status.h"

#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

TEST(StatusTest, DefaultIsOk) {
  const Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_TRUE(s.message().empty());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, FactoriesSetCodeAndMessage) {
  const std::pair<Status, StatusCode> cases[] = {
      {Status::InvalidArgument("m"), StatusCode::kInvalidArgument},
      {Status::NotFound("m"), StatusCode::kNotFound},
      {Status::InvalidData("m"), StatusCode::kInvalidData},
      {Status::Unsupported("m"), StatusCode::kUnsupported},
      {Status::IoError("m"), StatusCode::kIoError},
      {Status::RuntimeError("m"), StatusCode::kRuntimeError},
      {Status::Internal("m"), StatusCode::kInternal},
      {Status::FailedPrecondition("m"), StatusCode::kFailedPrecondition},
  };
  for (const auto& [status, code] : cases) {
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.code(), code);
    EXPECT_EQ(status.message(), "m");
  }
}

TEST(StatusTest, ToStringAndCodeNames) {
  EXPECT_EQ(Status::NotFound("model.onnx does not exist").ToString(), "not found: model.onnx does not exist");
  EXPECT_EQ(Status::IoError("x").ToString(), "I/O error: x");
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "invalid argument");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidData), "invalid data");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnsupported), "unsupported");
  EXPECT_EQ(StatusCodeName(StatusCode::kRuntimeError), "runtime error");
  EXPECT_EQ(StatusCodeName(StatusCode::kInternal), "internal error");
  EXPECT_EQ(StatusCodeName(StatusCode::kFailedPrecondition), "failed precondition");
}

// Fixes travel with the error, through context, until an app renders them.
TEST(StatusTest, FixesSurviveContextUntilRendered) {
  const Status s = Status::InvalidArgument("input 'x' has a dynamic width")
                       .WithFix({"size", "", {"WIDTH", "HEIGHT"}})
                       .WithFixes({{"dims", "H", {"VALUE"}}})
                       .WithContext("m.onnx");
  EXPECT_EQ(s.message(), "m.onnx: input 'x' has a dynamic width");
  EXPECT_EQ(s.fixes(), (std::vector<FieldFix>{{"size", "", {"WIDTH", "HEIGHT"}}, {"dims", "H", {"VALUE"}}}));
  const Status rendered = s.RenderedFixes("pass --size WIDTHxHEIGHT");
  EXPECT_EQ(rendered.message(), "m.onnx: input 'x' has a dynamic width: pass --size WIDTHxHEIGHT");
  EXPECT_TRUE(rendered.fixes().empty());
  EXPECT_EQ(rendered.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.RenderedFixes("").message(), s.message());
  EXPECT_TRUE(Status::Ok().RenderedFixes("x").ok());
}

TEST(StatusTest, WithContextPrefixesErrorsOnly) {
  const Status s = Status::InvalidData("bad header").WithContext("reading a.npy");
  EXPECT_EQ(s.code(), StatusCode::kInvalidData);
  EXPECT_EQ(s.message(), "reading a.npy: bad header");
  EXPECT_EQ(s.WithContext("loading").message(), "loading: reading a.npy: bad header");
  const Status ok = Status::Ok().WithContext("ignored");
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(ok.message().empty());
}

TEST(ResultTest, HoldsValue) {
  Result<std::string> r = std::string("hello");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(*r, "hello");
  EXPECT_EQ(r->size(), 5u);
  r.value() += "!";
  EXPECT_EQ(r.value(), "hello!");
  const std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "hello!");
}

TEST(ResultTest, HoldsError) {
  const Result<int> r = Status::NotFound("no such file");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "no such file");
}

TEST(ResultTest, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

Result<int> ParsePositive(int x) {
  if (x <= 0) return Status::InvalidArgument("must be positive");
  return x;
}

Result<int> Doubled(int x) {
  SWEETSPOT_ASSIGN_OR_RETURN(const int v, ParsePositive(x));
  return 2 * v;
}

Status Check(int x) {
  SWEETSPOT_RETURN_IF_ERROR(ParsePositive(x).status());
  SWEETSPOT_RETURN_IF_ERROR(x < 100 ? Status::Ok() : Status::Unsupported("too big"));
  return Status::Ok();
}

TEST(ResultTest, Macros) {
  const Result<int> good = Doubled(21);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  const Result<int> bad = Doubled(-1);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "must be positive");

  EXPECT_TRUE(Check(5).ok());
  EXPECT_EQ(Check(0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Check(500).code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace sweetspot
