#include "sweetspot/cpus.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sweetspot {
namespace {

namespace fs = std::filesystem;

std::string_view Trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

std::optional<long long> ParseInteger(std::string_view text) {
  text = Trim(text);
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> QuotaCpus(std::optional<long long> quota, std::optional<long long> period) {
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::string ReadSmallFile(const fs::path& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text, '\0');
  return text;
}

// The smallest quota set on the cgroup `relative` under `mount` or any of its
// parents: a parent's limit binds its children too. Inside a container the
// process's own cgroup is usually the mount's root, so the walk ends there.
template <typename ReadQuota>
std::optional<double> TightestQuota(const fs::path& mount, const fs::path& relative, ReadQuota read) {
  std::optional<double> tightest;
  const fs::path own = relative.relative_path();
  for (fs::path dir = own.empty() ? mount : mount / own;; dir = dir.parent_path()) {
    if (const std::optional<double> cpus = read(dir)) tightest = std::min(tightest.value_or(*cpus), *cpus);
    if (dir == mount || !dir.has_relative_path() || dir == dir.parent_path()) break;
  }
  return tightest;
}

// The quota from /proc/self/cgroup's entries: "0::/path" (v2) and
// "N:cpu,cpuacct:/path" (v1, the controller that holds the CFS quota).
std::optional<double> CgroupQuotaCpus() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  std::optional<double> tightest;
  const auto tighten = [&tightest](std::optional<double> cpus) {
    if (cpus) tightest = std::min(tightest.value_or(*cpus), *cpus);
  };
  while (std::getline(in, line)) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = "," + line.substr(first + 1, second - first - 1) + ",";
    const fs::path relative = line.substr(second + 1);
    if (controllers == ",,") {
      tighten(TightestQuota("/sys/fs/cgroup", relative,
                            [](const fs::path& dir) { return ParseCgroupCpuMax(ReadSmallFile(dir / "cpu.max")); }));
    } else if (controllers.find(",cpu,") != std::string::npos) {
      tighten(TightestQuota("/sys/fs/cgroup/cpu", relative, [](const fs::path& dir) {
        return ParseCfsQuota(ReadSmallFile(dir / "cpu.cfs_quota_us"), ReadSmallFile(dir / "cpu.cfs_period_us"));
      }));
    }
  }
  return tightest;
}

int AffinityCpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  return CPU_COUNT(&set);
}

}  // namespace

std::optional<double> ParseCgroupCpuMax(std::string_view text) {
  text = Trim(text);
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return QuotaCpus(ParseInteger(text.substr(0, space)), ParseInteger(text.substr(space + 1)));
}

std::optional<double> ParseCfsQuota(std::string_view quota_us, std::string_view period_us) {
  return QuotaCpus(ParseInteger(quota_us), ParseInteger(period_us));
}

int UsableCpuCount() {
  int cpus = AffinityCpuCount();
  if (cpus <= 0) cpus = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  // A quota of 1.5 CPUs is rounded up: the half CPU still runs a thread's work.
  if (const std::optional<double> quota = CgroupQuotaCpus()) {
    cpus = std::min(cpus, static_cast<int>(std::ceil(*quota - 1e-9)));
  }
  return std::max(1, cpus);
}

std::optional<int> OmpNumThreads() {
  const char* value = std::getenv("OMP_NUM_THREADS");  // NOLINT(concurrency-mt-unsafe): nothing sets it
  if (value == nullptr) return std::nullopt;
  const std::string_view text(value);
  const std::optional<long long> threads = ParseInteger(text.substr(0, text.find(',')));
  if (!threads || *threads <= 0 || *threads > 1 << 16) return std::nullopt;
  return static_cast<int>(*threads);
}

int DefaultThreadCount() { return OmpNumThreads().value_or(UsableCpuCount()); }

}  // namespace sweetspot
