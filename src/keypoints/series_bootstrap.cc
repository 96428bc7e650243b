#include "series_bootstrap.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <utility>

namespace sweetspot {

ChannelSeries::ChannelSeries(std::size_t length, std::size_t channels)
    : length_(length), channels_(channels), cells_(length * channels) {}

void ChannelSeries::Add(std::size_t index, std::size_t channel, double value) {
  assert(index < length_ && channel < channels_);
  Moments& cell = cells_[index * channels_ + channel];
  cell.count += 1.0;
  cell.sum += value;
  cell.sum_sq += value * value;
}

std::int64_t ChannelSeries::Count(std::size_t channel) const {
  double count = 0.0;
  for (std::size_t i = 0; i < length_; ++i) count += cells_[i * channels_ + channel].count;
  return static_cast<std::int64_t>(count);
}

std::optional<double> ChannelSeries::Statistic(std::span<const std::size_t> indices, std::size_t channel,
                                               SeriesStatistic statistic) const {
  Moments total;
  for (std::size_t i : indices) {
    const Moments& cell = cells_[i * channels_ + channel];
    total.count += cell.count;
    total.sum += cell.sum;
    total.sum_sq += cell.sum_sq;
  }
  if (statistic == SeriesStatistic::kMean) {
    if (total.count == 0.0) return std::nullopt;
    return total.sum / total.count;
  }
  if (total.count < 2.0) return std::nullopt;
  // Sums of squares lose digits only when the mean dwarfs the spread; second
  // differences are centred near 0.
  const double squares = total.sum_sq - total.sum * total.sum / total.count;
  return std::sqrt(std::max(0.0, squares) / (total.count - 1.0));
}

std::size_t BlockLengthFor(std::size_t length, const StabilityOptions& options) {
  return options.block_length > 0 ? options.block_length : stats::DefaultBlockLength(length);
}

namespace {

struct Pair {
  std::optional<double> a, b;
  bool defined() const { return a.has_value() && b.has_value(); }
};

// Per channel (plus the overall one when asked) the statistic of a and b on `indices`.
std::vector<Pair> Evaluate(const ChannelSeries& a, const ChannelSeries& b, std::span<const std::size_t> indices,
                           SeriesStatistic statistic, bool overall) {
  std::vector<Pair> pairs(a.channels() + (overall ? 1 : 0));
  double sum_a = 0.0, sum_b = 0.0;
  int defined = 0;
  for (std::size_t c = 0; c < a.channels(); ++c) {
    pairs[c] = {a.Statistic(indices, c, statistic), b.Statistic(indices, c, statistic)};
    if (!pairs[c].defined()) continue;
    sum_a += *pairs[c].a;
    sum_b += *pairs[c].b;
    ++defined;
  }
  if (overall && defined > 0) pairs.back() = {sum_a / defined, sum_b / defined};
  return pairs;
}

struct Replicates {
  std::vector<double> a, b, diff;
};

std::vector<Replicates> Bootstrap(const ChannelSeries& a, const ChannelSeries& b, SeriesStatistic statistic,
                                  bool overall, const StabilityOptions& options) {
  std::vector<Replicates> replicates(a.channels() + (overall ? 1 : 0));
  if (options.bootstrap_replicates == 0 || a.length() == 0) return replicates;
  stats::MovingBlockResampler resampler(a.length(), BlockLengthFor(a.length(), options), options.seed);
  for (std::size_t r = 0; r < options.bootstrap_replicates; ++r) {
    const std::vector<Pair> pairs = Evaluate(a, b, resampler.Next(), statistic, overall);
    for (std::size_t c = 0; c < pairs.size(); ++c) {
      if (!pairs[c].defined()) continue;
      replicates[c].a.push_back(*pairs[c].a);
      replicates[c].b.push_back(*pairs[c].b);
      replicates[c].diff.push_back(*pairs[c].a - *pairs[c].b);
    }
  }
  return replicates;
}

// The indices (frames, pairs or triples: what the bootstrap resamples) where
// both series have a value of `channel`, or of any channel when nullopt.
std::int64_t PairedIndices(const ChannelSeries& a, const ChannelSeries& b, std::optional<std::size_t> channel) {
  std::int64_t paired = 0;
  for (std::size_t i = 0; i < a.length(); ++i) {
    bool both = false;
    for (std::size_t c = 0; c < a.channels() && !both; ++c) {
      both = (!channel || c == *channel) && a.Has(i, c) && b.Has(i, c);
    }
    paired += both ? 1 : 0;
  }
  return paired;
}

}  // namespace

std::vector<PairedStability> CompareSeries(const ChannelSeries& a, const ChannelSeries& b, SeriesStatistic statistic,
                                           bool overall, std::string_view a_name, std::string_view b_name,
                                           const StabilityOptions& options) {
  assert(a.length() == b.length() && a.channels() == b.channels());
  std::vector<std::size_t> all(a.length());
  std::iota(all.begin(), all.end(), std::size_t{0});
  const std::vector<Pair> point = Evaluate(a, b, all, statistic, overall);
  std::vector<Replicates> replicates = Bootstrap(a, b, statistic, overall, options);
  std::vector<PairedStability> out(point.size());
  std::int64_t all_measurements = 0;  // every channel's, the overall figure's
  for (std::size_t k = 0; k < a.channels(); ++k) {
    all_measurements += point[k].defined() ? std::min(a.Count(k), b.Count(k)) : 0;
  }
  for (std::size_t c = 0; c < point.size(); ++c) {
    PairedStability& figure = out[c];
    std::int64_t measurements = 0;
    if (c < a.channels()) {
      figure.count = point[c].defined() ? std::min(a.Count(c), b.Count(c)) : 0;
      measurements = figure.count;
    } else {
      for (std::size_t k = 0; k < a.channels(); ++k) figure.count += point[k].defined() ? 1 : 0;
      measurements = all_measurements;
    }
    if (point[c].defined()) {
      figure.a.value = *point[c].a;
      figure.b.value = *point[c].b;
      figure.diff = figure.a.value - figure.b.value;
      figure.a.ci = stats::PercentileBootstrapInterval(std::move(replicates[c].a), options.confidence);
      figure.b.ci = stats::PercentileBootstrapInterval(std::move(replicates[c].b), options.confidence);
      figure.p_value = stats::PairedBootstrapPValue(replicates[c].diff);
      figure.diff_ci = stats::PercentileBootstrapInterval(std::move(replicates[c].diff), options.confidence);
    }
    // The bootstrap resamples indices, so many values at few indices (a
    // detector's 30 boxes in each of 2 frame pairs) are as few to test as
    // the indices: every replicate would repeat the same sign.
    const auto paired = PairedIndices(a, b, c < a.channels() ? std::optional<std::size_t>(c) : std::nullopt);
    measurements = std::min(measurements, paired);
    figure.verdict = StabilityVerdict(a_name, b_name, figure.diff, figure.p_value, options.significance, measurements);
  }
  return out;
}

std::vector<PairedStability> SeriesFigures(const ChannelSeries& series, bool overall, const StabilityOptions& options) {
  return CompareSeries(series, series, SeriesStatistic::kMean, overall, "", "", options);
}

}  // namespace sweetspot
