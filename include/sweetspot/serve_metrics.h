// ServerMetrics: a small registry of counters, gauges and histograms that a
// server exposes in the Prometheus text exposition format 0.0.4 (GET /metrics).
//
// A metric family has a name, a help line and a type; each of its series has
// its own label values. Get* returns the series for (name, labels), creating
// it (and the family) on first use; the reference stays valid for the
// registry's lifetime, so hot paths look a series up once and keep it.
// Using one name with two types, or one histogram name with two bucket
// lists, is a programming error (asserts). Names and label names follow
// Prometheus' rules ([a-zA-Z_:][a-zA-Z0-9_:]*); label values may hold any
// text (escaped on output). Times are observed in seconds, as Prometheus
// names them ("_seconds").
//
// Thread-safety: every method may be called from any thread. Series update
// without the registry's lock; PrometheusText() reads a consistent value of
// each series (not one snapshot of all of them).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sweetspot {

// Label name -> value, e.g. {{"model", "resnet"}, {"code", "200"}}; printed
// in name order.
using MetricLabels = std::map<std::string, std::string>;

class Counter {
 public:
  void Increment(double amount = 1.0);  // amount >= 0
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value); }
  void Add(double amount);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `upper_bounds`: ascending bucket bounds (the "le" labels); +Inf is implied.
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative_counts;  // per bound, then +Inf (== count)
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> upper_bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; last is +Inf
  double sum_ = 0.0;
};

// Bucket bounds for stage times in seconds: 50 us to 10 s, roughly 1-2.5-5 steps.
std::vector<double> StageSecondsBuckets();
// Bucket bounds for batch sizes: 1, 2, 4, ..., 256.
std::vector<double> BatchSizeBuckets();

class ServerMetrics {
 public:
  ServerMetrics();
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  Counter& GetCounter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, const std::vector<double>& upper_bounds,
                          const MetricLabels& labels = {});
  // A gauge whose value `read` computes when the metrics are exposed (a queue's
  // depth, a journal's backlog). `read` runs under the registry's lock, on the
  // thread calling PrometheusText(): it must be thread-safe, quick, must not
  // call back into this registry, and must stay callable for the registry's
  // lifetime. Registering (name, labels) again replaces the callback.
  void AddGauge(std::string_view name, std::string_view help, std::function<double()> read,
                const MetricLabels& labels = {});

  // Every family in name order: "# HELP", "# TYPE", then one line per series
  // (histograms: name_bucket{...,le="..."} cumulative, name_sum, name_count).
  std::string PrometheusText() const;

 private:
  struct Family;
  Family& FamilyOf(std::string_view name, std::string_view help, std::string_view type);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

}  // namespace sweetspot
