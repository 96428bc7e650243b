#include "sweetspot/serve_metrics.h"

#include <thread>

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

TEST(ServerMetricsTest, PrintsEachKindInTheTextFormat) {
  ServerMetrics metrics;
  metrics.GetCounter("requests_total", "Requests", {{"model", "a"}, {"code", "200"}}).Increment(3);
  metrics.GetGauge("temperature", "Degrees").Set(-1.5);
  Histogram& h = metrics.GetHistogram("latency_seconds", "Latency", {0.1, 1.0}, {{"model", "a"}});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(7);
  metrics.AddGauge("backlog", "Jobs\\pending\nnow", [] { return 42.0; });
  EXPECT_EQ(metrics.PrometheusText(),
            "# HELP backlog Jobs\\\\pending\\nnow\n"
            "# TYPE backlog gauge\n"
            "backlog 42\n"
            "# HELP latency_seconds Latency\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{model=\"a\",le=\"0.1\"} 1\n"
            "latency_seconds_bucket{model=\"a\",le=\"1\"} 2\n"
            "latency_seconds_bucket{model=\"a\",le=\"+Inf\"} 3\n"
            "latency_seconds_sum{model=\"a\"} 7.55\n"
            "latency_seconds_count{model=\"a\"} 3\n"
            "# HELP requests_total Requests\n"
            "# TYPE requests_total counter\n"
            "requests_total{code=\"200\",model=\"a\"} 3\n"
            "# HELP temperature Degrees\n"
            "# TYPE temperature gauge\n"
            "temperature -1.5\n");
}

TEST(ServerMetricsTest, EscapesLabelValues) {
  ServerMetrics metrics;
  metrics.GetCounter("c_total", "C", {{"model", "a\"b\\c\nd"}}).Increment();
  EXPECT_NE(metrics.PrometheusText().find("c_total{model=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
}

TEST(ServerMetricsTest, ASeriesIsLookedUpNotDuplicated) {
  ServerMetrics metrics;
  Counter& first = metrics.GetCounter("c_total", "C", {{"model", "a"}});
  Counter& again = metrics.GetCounter("c_total", "C", {{"model", "a"}});
  EXPECT_EQ(&first, &again);
  EXPECT_NE(&first, &metrics.GetCounter("c_total", "C", {{"model", "b"}}));
}

TEST(ServerMetricsTest, ACallbackGaugeIsReadWhenPrinted) {
  ServerMetrics metrics;
  double depth = 1;
  metrics.AddGauge("depth", "D", [&] { return depth; }, {{"model", "m"}});
  depth = 5;
  EXPECT_NE(metrics.PrometheusText().find("depth{model=\"m\"} 5\n"), std::string::npos);
}

TEST(ServerMetricsTest, ConcurrentUpdatesAreAllCounted) {
  ServerMetrics metrics;
  Counter& counter = metrics.GetCounter("c_total", "C");
  Histogram& histogram = metrics.GetHistogram("h", "H", BatchSizeBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        counter.Increment();
        histogram.Observe(3);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 4000.0);
  const Histogram::Snapshot s = histogram.Read();
  EXPECT_EQ(s.count, 4000U);
  EXPECT_EQ(s.cumulative_counts[1], 0U);     // le=2
  EXPECT_EQ(s.cumulative_counts[2], 4000U);  // le=4
}

}  // namespace
}  // namespace sweetspot
