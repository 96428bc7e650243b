// RunChildProcess against the real sweetspot binary's child subcommands.
#include "sweetspot/child_process.h"

#include <gtest/gtest.h>

#include "support/support.h"

namespace sweetspot {
namespace {

TEST(ChildProcess, CarriesTheChildsOwnErrorCodeBack) {
  auto outcome = RunChildProcess(SWEETSPOT_CLI_PATH, "__bench-child", {{"model_path", 7}}, "testing");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kInvalidData) << outcome.status().ToString();
  EXPECT_NE(outcome.status().message().find("bench request JSON"), std::string::npos);
}

TEST(ChildProcess, AChildThatWritesNoResultIsAFailureQuotingItsLastWords) {
  auto outcome = RunChildProcess(SWEETSPOT_CLI_PATH, "__no-such-subcommand", nlohmann::json::object(), "testing");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kRuntimeError);
  EXPECT_NE(outcome.status().message().find("exited with status 2 without a result while testing"), std::string::npos)
      << outcome.status().message();
  // The child's last stderr line, CLI11's complaint, is quoted.
  EXPECT_NE(outcome.status().message().find("unknown command '__no-such-subcommand'"), std::string::npos)
      << outcome.status().message();
}

TEST(ChildProcess, MissingExecutableIsReported) {
  auto outcome = RunChildProcess("/nonexistent/sweetspot", "__bench-child", nlohmann::json::object(), "testing");
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.status().message().find("cannot start"), std::string::npos) << outcome.status().message();
}

}  // namespace
}  // namespace sweetspot
