// Output formats: golden files for the text report and the JSON, and a round
// trip for JSON. Regenerate the golden files with SWEETSPOT_UPDATE_GOLDEN=1
// after an intended change, and review the diff.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/support.h"
#include "sweetspot/bench_json.h"
#include "sweetspot/bench_report.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

void ExpectGolden(const std::string& text, const std::string& name) {
  testing::ExpectMatchesGolden(text, "measure/golden/" + name);
}

stats::Summary MakeSummary(double base, std::size_t count) {
  stats::Summary s;
  s.count = count;
  s.min = base * 0.9;
  s.p50 = base;
  s.p90 = base * 1.1;
  s.p95 = base * 1.2;
  s.p99 = base * 1.5;
  s.max = base * 2;
  s.mean = base * 1.05;
  s.stddev = base * 0.1;
  s.p50_ci = {base * 0.99, base * 1.01, true};
  s.p90_ci = {base * 1.08, base * 1.12, true};
  s.p99_ci = {base * 1.4, base * 2, false};
  return s;
}

BenchResult FixedResult() {
  BenchResult r;
  r.model_path = "models/resnet20.onnx";
  r.model_file_bytes = 1100000;
  r.backend = "onnxruntime";
  r.backend_version = "1.21.0";
  r.inputs = {{"input", DType::kFloat32, {-1, 3, 32, 32}, {"N", "", "", ""}, ""}};
  r.outputs = {{"logits", DType::kFloat32, {-1, 10}, {"N", ""}, ""}};
  r.load_ms = 12.5;
  r.first_inference_ms = 3.25;
  r.environment.cpu_model = "Example CPU";
  r.environment.logical_cores = 2;
  r.environment.affinity = {0, 1};
  r.environment.usable_cpus = 2;
  r.environment.frequency_governor = "performance";
  r.environment.kernel = "Linux 6.1";
  r.environment.hostname = "bench-host";
  r.environment.compiler = "GNU 13.2.0";
  r.environment.build_type = "Release";
  r.environment.sweetspot_version = "0.1.0";
  r.environment.timestamp_utc = "2026-01-02T03:04:05Z";
  r.memory = {true, true, 10 << 20, 30 << 20, 20 << 20, 31 << 20, 25 << 20, 6 << 20};
  SingleStreamResult s;
  s.batch_size = 1;
  s.warmup = {20, true, 40};
  s.latency.summary_ms = MakeSummary(1.5, 1000);
  s.latency.raw_ms = {1.5, 1.4, 1.6};
  s.converged = false;
  s.target_relative_half_width = 0.02;
  s.achieved_relative_half_width = std::numeric_limits<double>::infinity();
  s.duration_s = 1.6;
  s.items_per_s = 640.5;
  r.single_stream = s;
  OfflineResult o;
  o.batch_size = 8;
  o.warmup = {10, false, 50};
  o.batch_latency.summary_ms = MakeSummary(8, 200);
  o.duration_s = 2;
  o.items_per_s = 990.25;
  r.offline.push_back(o);
  ConcurrentResult c;
  c.concurrency = 4;
  c.separate_sessions = true;
  c.latency.summary_ms = MakeSummary(3, 400);
  c.duration_s = 2;
  c.items_per_s = 1200;
  r.concurrent.push_back(c);
  r.load = MachineLoad{.wall_s = 2.0,
                       .allowed_cpus = 2,
                       .busy_cpus = 1.9,
                       .own_cpus = 1.0,
                       .other_cpus = 0.9,
                       .steal_cpus = 0.0,
                       .load_average = 5.25};
  r.warnings = CheckHygiene(r);  // other-load and not-converged
  return r;
}

TEST(BenchReport, TextMatchesGoldenFile) { ExpectGolden(RenderBenchText(FixedResult()), "bench_text.txt"); }

TEST(BenchReport, HintsAreInTheCallersWords) {
  BenchResult result = FixedResult();
  result.memory.measured = false;
  const std::string text =
      RenderBenchText(result, {.isolate = "ISOLATE-HINT", .settings = {.max_duration = "LONGER-HINT"}});
  EXPECT_NE(text.find("cannot reset its peak RSS mark; ISOLATE-HINT"), std::string::npos) << text;
  EXPECT_NE(text.find("the run too short: raise LONGER-HINT"), std::string::npos) << text;
  // The defaults name the library's own config, never a command's flag.
  EXPECT_EQ(RenderBenchText(result).find("--"), std::string::npos);
}

// The infinite half width is null, the raw latencies are in; what `bench
// --json` holds per model.
TEST(BenchJson, MatchesGoldenFile) { ExpectGolden(DumpJson(ToJson(FixedResult()), 2) + "\n", "bench.json"); }

TEST(BenchJson, RoundTripsEveryField) {
  const BenchResult original = FixedResult();
  const auto json = ToJson(original);
  auto back = BenchResultFromJson(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back).dump(), json.dump());
  EXPECT_TRUE(std::isinf(back->single_stream->achieved_relative_half_width));
  EXPECT_TRUE(json["single_stream"]["achieved_relative_half_width"].is_null());
  EXPECT_EQ(json["single_stream"]["latency"]["raw_ms"].size(), 3U);
}

TEST(BenchJson, RawLatenciesCanBeLeftOut) {
  const auto json = ToJson(FixedResult(), /*include_raw_latencies=*/false);
  EXPECT_FALSE(json["single_stream"]["latency"].contains("raw_ms"));
  EXPECT_TRUE(json["single_stream"]["latency"].contains("summary_ms"));
}

TEST(BenchJson, RequestRoundTrips) {
  BenchRequest request;
  request.model_path = "m.onnx";
  request.options.intra_op_threads = 3;
  request.config.batch_sizes = {1, 8};
  request.config.scenarios = {Scenario::kOffline, Scenario::kConcurrent};
  request.config.stopping.min_duration = std::chrono::duration<double>(0.5);
  request.inputs.dim_values["len"] = 7;
  request.inputs.files["x"] = "/tmp/x.npy";
  auto back = BenchRequestFromJson(ToJson(request));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back).dump(), ToJson(request).dump());
  EXPECT_EQ(back->config.stopping.min_duration.count(), 0.5);
}

TEST(BenchJson, MalformedResultIsInvalidData) {
  auto r = BenchResultFromJson(nlohmann::json{{"model_path", 3}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidData);
}

}  // namespace
}  // namespace sweetspot
