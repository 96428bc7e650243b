// The conditions a measurement was taken under, recorded with every result
// so that two numbers can be compared honestly (or seen not to be comparable).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace sweetspot {

struct Environment {
  std::string cpu_model;           // /proc/cpuinfo "model name"
  int logical_cores = 0;           // online logical CPUs
  std::vector<int> affinity;       // CPUs this process may run on
  int usable_cpus = 0;             // UsableCpuCount(): the affinity capped by a cgroup CPU quota
  int omp_num_threads = 0;         // OMP_NUM_THREADS when set (then the "0: all CPUs" default); 0: unset
  std::string frequency_governor;  // cpu0's scaling governor; "" if unreadable
  std::string kernel;              // uname -sr
  std::string hostname;
  std::string compiler;    // that built sweetspot
  std::string build_type;  // CMake build type of sweetspot
  std::string sweetspot_version;
  std::string timestamp_utc;  // ISO 8601, when captured
};

// "Intel Xeon, 16 logical cores, CPUs 0-1 allowed (2 usable), host box,
// onnxruntime 1.21.0, sweetspot 0.1.0 (Release)": the facts that tell
// environments apart.
std::string DescribeEnvironment(const Environment& environment, const std::string& backend_version);

// The JSON form every result format uses: one key per field, same names.
void to_json(nlohmann::json& json, const Environment& environment);
void from_json(const nlohmann::json& json, Environment& environment);

}  // namespace sweetspot
