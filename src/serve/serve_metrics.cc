#include "sweetspot/serve_metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <variant>

#include <fmt/format.h>

namespace sweetspot {

void Counter::Increment(double amount) {
  assert(amount >= 0.0 && "a counter only goes up");
  value_.fetch_add(amount);
}

void Gauge::Add(double amount) { value_.fetch_add(amount); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {
  assert(std::is_sorted(upper_bounds_.begin(), upper_bounds_.end()));
}

void Histogram::Observe(double value) {
  // The first bucket whose bound is >= value ("le"); past the last: +Inf.
  const auto bucket = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  std::lock_guard lock(mutex_);
  ++counts_[static_cast<std::size_t>(bucket)];
  sum_ += value;
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.upper_bounds = upper_bounds_;
  std::lock_guard lock(mutex_);
  std::uint64_t running = 0;
  for (std::uint64_t n : counts_) {
    running += n;
    snapshot.cumulative_counts.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = sum_;
  return snapshot;
}

std::vector<double> StageSecondsBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1.0,   2.5,    5.0,   10.0};
}

std::vector<double> BatchSizeBuckets() { return {1, 2, 4, 8, 16, 32, 64, 128, 256}; }

namespace {

using Series =
    std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>, std::function<double()>>;

// Prometheus' number form: integers without a fraction, +Inf/-Inf/NaN by name.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::abs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{}", value);
}

// Help text escapes backslash and newline; label values also the double quote.
std::string Escape(std::string_view text, bool quote) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

// `{a="x",b="y"}` (with `extra` appended, e.g. le="0.5"); "" without labels.
std::string LabelText(const MetricLabels& labels, std::string_view extra = {}) {
  std::string out;
  for (const auto& [name, value] : labels)
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", name, Escape(value, true));
  if (!extra.empty()) out += fmt::format("{}{}", out.empty() ? "" : ",", extra);
  return out.empty() ? out : "{" + out + "}";
}

void AppendHistogram(std::string& out, const std::string& name, const MetricLabels& labels, const Histogram& h) {
  const Histogram::Snapshot s = h.Read();
  for (std::size_t i = 0; i <= s.upper_bounds.size(); ++i) {
    const std::string le = i < s.upper_bounds.size() ? FormatValue(s.upper_bounds[i]) : "+Inf";
    out +=
        fmt::format("{}_bucket{} {}\n", name, LabelText(labels, fmt::format("le=\"{}\"", le)), s.cumulative_counts[i]);
  }
  out += fmt::format("{}_sum{} {}\n", name, LabelText(labels), FormatValue(s.sum));
  out += fmt::format("{}_count{} {}\n", name, LabelText(labels), s.count);
}

}  // namespace

struct ServerMetrics::Family {
  std::string help;
  std::string type;  // counter|gauge|histogram
  std::vector<double> upper_bounds;
  std::map<MetricLabels, Series> series;
};

ServerMetrics::ServerMetrics() = default;
ServerMetrics::~ServerMetrics() = default;

ServerMetrics::Family& ServerMetrics::FamilyOf(std::string_view name, std::string_view help, std::string_view type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto family = std::make_unique<Family>();
    family->help = help;
    family->type = type;
    it = families_.emplace(std::string(name), std::move(family)).first;
  }
  assert(it->second->type == type && "one metric name, two types");
  return *it->second;
}

Counter& ServerMetrics::GetCounter(std::string_view name, std::string_view help, const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  // A new series holds an empty Counter pointer (the variant's default).
  auto& counter = std::get<std::unique_ptr<Counter>>(FamilyOf(name, help, "counter").series[labels]);
  if (!counter) counter = std::make_unique<Counter>();
  return *counter;
}

Gauge& ServerMetrics::GetGauge(std::string_view name, std::string_view help, const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  Series& series = FamilyOf(name, help, "gauge").series[labels];
  if (!std::holds_alternative<std::unique_ptr<Gauge>>(series)) {
    assert(std::holds_alternative<std::unique_ptr<Counter>>(series) && "a callback gauge cannot be set");
    series = std::make_unique<Gauge>();  // a new series (the variant's default)
  }
  return *std::get<std::unique_ptr<Gauge>>(series);
}

Histogram& ServerMetrics::GetHistogram(std::string_view name, std::string_view help,
                                       const std::vector<double>& upper_bounds, const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  Family& family = FamilyOf(name, help, "histogram");
  if (family.series.empty()) family.upper_bounds = upper_bounds;
  assert(family.upper_bounds == upper_bounds && "one histogram name, two bucket lists");
  Series& series = family.series[labels];
  if (!std::holds_alternative<std::unique_ptr<Histogram>>(series)) series = std::make_unique<Histogram>(upper_bounds);
  return *std::get<std::unique_ptr<Histogram>>(series);
}

void ServerMetrics::AddGauge(std::string_view name, std::string_view help, std::function<double()> read,
                             const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  FamilyOf(name, help, "gauge").series[labels] = std::move(read);
}

std::string ServerMetrics::PrometheusText() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, Escape(family->help, false), name, family->type);
    for (const auto& [labels, series] : family->series) {
      if (const auto* h = std::get_if<std::unique_ptr<Histogram>>(&series)) {
        AppendHistogram(out, name, labels, **h);
        continue;
      }
      double value = 0.0;
      if (const auto* c = std::get_if<std::unique_ptr<Counter>>(&series)) value = (*c)->value();
      if (const auto* g = std::get_if<std::unique_ptr<Gauge>>(&series)) value = (*g)->value();
      if (const auto* read = std::get_if<std::function<double()>>(&series)) value = (*read)();
      out += fmt::format("{}{} {}\n", name, LabelText(labels), FormatValue(value));
    }
  }
  return out;
}

}  // namespace sweetspot
