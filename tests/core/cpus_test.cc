// The usable-CPU count: cgroup quota parsing and the affinity mask.
#include "sweetspot/cpus.h"

#include <sched.h>

#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

TEST(CgroupCpuMax, NoLimitIsNone) {
  EXPECT_EQ(ParseCgroupCpuMax("max 100000"), std::nullopt);
  EXPECT_EQ(ParseCgroupCpuMax("max 100000\n"), std::nullopt);
}

TEST(CgroupCpuMax, QuotaOverPeriodIsCpus) {
  EXPECT_EQ(ParseCgroupCpuMax("150000 100000"), 1.5);
  EXPECT_EQ(ParseCgroupCpuMax("200000 100000\n"), 2.0);
  EXPECT_EQ(ParseCgroupCpuMax("50000 100000"), 0.5);
}

TEST(CgroupCpuMax, MalformedIsNone) {
  EXPECT_EQ(ParseCgroupCpuMax(""), std::nullopt);
  EXPECT_EQ(ParseCgroupCpuMax("150000"), std::nullopt);
  EXPECT_EQ(ParseCgroupCpuMax("150000 0"), std::nullopt);
  EXPECT_EQ(ParseCgroupCpuMax("abc 100000"), std::nullopt);
  EXPECT_EQ(ParseCgroupCpuMax("1.5 100000"), std::nullopt);
}

TEST(CfsQuota, MinusOneIsNoLimit) {
  EXPECT_EQ(ParseCfsQuota("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(ParseCfsQuota("300000\n", "100000\n"), 3.0);
  EXPECT_EQ(ParseCfsQuota("", "100000"), std::nullopt);
}

TEST(UsableCpus, AtMostTheAffinityMask) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  const int usable = UsableCpuCount();
  EXPECT_GE(usable, 1);
  EXPECT_LE(usable, CPU_COUNT(&set));
}

TEST(UsableCpus, FollowsTheAffinityOfTheThread) {
  cpu_set_t all;
  CPU_ZERO(&all);
  ASSERT_EQ(sched_getaffinity(0, sizeof(all), &all), 0);
  int first = 0;
  while (!CPU_ISSET(first, &all)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const int usable = UsableCpuCount();
  ASSERT_EQ(sched_setaffinity(0, sizeof(all), &all), 0);
  EXPECT_EQ(usable, 1);
}

TEST(OmpNumThreads, HonouredWhenAPositiveNumber) {
  const char* saved = std::getenv("OMP_NUM_THREADS");
  const std::optional<std::string> old = saved != nullptr ? std::optional<std::string>(saved) : std::nullopt;
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(OmpNumThreads(), 3);
  EXPECT_EQ(DefaultThreadCount(), 3);
  setenv("OMP_NUM_THREADS", "2,1", 1);  // nested levels: the outer one counts
  EXPECT_EQ(OmpNumThreads(), 2);
  setenv("OMP_NUM_THREADS", "0", 1);
  EXPECT_EQ(OmpNumThreads(), std::nullopt);
  setenv("OMP_NUM_THREADS", "many", 1);
  EXPECT_EQ(OmpNumThreads(), std::nullopt);
  unsetenv("OMP_NUM_THREADS");
  EXPECT_EQ(OmpNumThreads(), std::nullopt);
  EXPECT_EQ(DefaultThreadCount(), UsableCpuCount());
  if (old) setenv("OMP_NUM_THREADS", old->c_str(), 1);
}

}  // namespace
}  // namespace sweetspot
