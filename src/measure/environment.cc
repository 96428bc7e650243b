#include "sweetspot/environment.h"
#include "sweetspot/measure.h"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include <fmt/chrono.h>
#include <fmt/core.h>

#include "sweetspot/cpus.h"

namespace sweetspot {
namespace {

std::string FirstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("model name")) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "";
}

}  // namespace

Environment CaptureEnvironment() {
  Environment env;
  env.cpu_model = CpuModel();
  env.logical_cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) env.affinity.push_back(cpu);
    }
  }
  env.usable_cpus = UsableCpuCount();
  env.omp_num_threads = OmpNumThreads().value_or(0);
  env.frequency_governor = FirstLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  utsname uts{};
  if (uname(&uts) == 0) {
    env.kernel = std::string(uts.sysname) + " " + uts.release;
    env.hostname = uts.nodename;
  }
  env.compiler = SWEETSPOT_COMPILER;
  env.build_type = SWEETSPOT_BUILD_TYPE;
  env.sweetspot_version = SWEETSPOT_VERSION;
  env.timestamp_utc = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::now()));
  return env;
}

}  // namespace sweetspot
