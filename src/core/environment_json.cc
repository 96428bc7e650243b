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

}  // namespace sweetspot
