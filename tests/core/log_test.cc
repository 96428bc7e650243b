#include "sweetspot/log.h"

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

// The default threshold (SWEETSPOT_LOG_LEVEL unset in the test run) is warning.
TEST(LogTest, WarningsAreOnePrefixedLineAndDebugIsDropped) {
  ::testing::internal::CaptureStderr();
  Log(LogLevel::kWarning, "onnxruntime: first\nsecond \n");
  Log(LogLevel::kDebug, "not shown");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "sweetspot: warning: onnxruntime: first second\n");
  EXPECT_EQ(LogThreshold(), LogLevel::kWarning);
  EXPECT_EQ(LogLevelName(LogLevel::kError), "error");
}

}  // namespace
}  // namespace sweetspot
