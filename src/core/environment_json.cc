// Environment: its JSON form and its one-line description.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sweetspot/environment.h"

namespace sweetspot {

void to_json(nlohmann::json& json, const Environment& e) {
  json = {{"cpu_model", e.cpu_model},
          {"logical_cores", e.logical_cores},
          {"affinity", e.affinity},
          {"usable_cpus", e.usable_cpus},
          {"omp_num_threads", e.omp_num_threads},
          {"frequency_governor", e.frequency_governor},
          {"kernel", e.kernel},
          {"hostname", e.hostname},
          {"compiler", e.compiler},
          {"build_type", e.build_type},
          {"sweetspot_version", e.sweetspot_version},
          {"timestamp_utc", e.timestamp_utc}};
}

void from_json(const nlohmann::json& json, Environment& e) {
  json.at("cpu_model").get_to(e.cpu_model);
  json.at("logical_cores").get_to(e.logical_cores);
  json.at("affinity").get_to(e.affinity);
  // Results stored before these facts were recorded lack them.
  e.usable_cpus = json.value("usable_cpus", 0);
  e.omp_num_threads = json.value("omp_num_threads", 0);
  json.at("frequency_governor").get_to(e.frequency_governor);
  json.at("kernel").get_to(e.kernel);
  json.at("hostname").get_to(e.hostname);
  json.at("compiler").get_to(e.compiler);
  json.at("build_type").get_to(e.build_type);
  json.at("sweetspot_version").get_to(e.sweetspot_version);
  json.at("timestamp_utc").get_to(e.timestamp_utc);
}

namespace {

// "0-3,6" from {0, 1, 2, 3, 6}.
std::string CpuList(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + (j == i ? fmt::format("{}", cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string DescribeEnvironment(const Environment& e, const std::string& backend_version) {
  std::string text =
      fmt::format("{}, {} logical cores", e.cpu_model.empty() ? "unknown CPU" : e.cpu_model, e.logical_cores);
  if (!e.affinity.empty()) text += fmt::format(", CPUs {} allowed", CpuList(e.affinity));
  if (e.usable_cpus > 0) text += fmt::format(" ({} usable)", e.usable_cpus);
  if (e.omp_num_threads > 0) text += fmt::format(", OMP_NUM_THREADS={}", e.omp_num_threads);
  return text + fmt::format(", host {}, onnxruntime {}, sweetspot {} ({})", e.hostname, backend_version,
                            e.sweetspot_version, e.build_type);
}

}  // namespace sweetspot
