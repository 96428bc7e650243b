// GET /v2/jobs/ID of a running `sweetspot serve --journal` until the job is no
// longer pending: the CLI tests of the fast/accurate pairs.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sweetspot::testing {

// The job's JSON once analysed (or failed); after 600 polls (a guard against a
// hang, not a timing assertion) the pending job as it is. A failed GET fails the test.
inline nlohmann::json AnalysedJob(httplib::Client& client, const std::string& id) {
  nlohmann::json job;
  for (int i = 0; i < 600; ++i) {
    const auto res = client.Get("/v2/jobs/" + id);
    EXPECT_TRUE(res && res->status == 200);
    if (!res || res->status != 200) return job;
    job = nlohmann::json::parse(res->body);
    if (job["state"] != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return job;
}

}  // namespace sweetspot::testing
