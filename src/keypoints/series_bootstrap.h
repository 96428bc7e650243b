// Private: per-frame measurements of several channels (joints, angles, box
// figures) of one model, and their paired moving-block bootstrap against a
// second model's (stability.h states the method).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sweetspot/stability.h"

namespace sweetspot {

enum class SeriesStatistic { kMean, kStdDev };  // stddev: sample (n - 1)

// Any number of values per (index, channel); an index is what the bootstrap
// resamples (a frame, a frame pair or a frame triple).
class ChannelSeries {
 public:
  ChannelSeries(std::size_t length, std::size_t channels);
  void Add(std::size_t index, std::size_t channel, double value);
  std::size_t length() const { return length_; }
  std::size_t channels() const { return channels_; }
  std::int64_t Count(std::size_t channel) const;
  bool Has(std::size_t index, std::size_t channel) const { return cells_[index * channels_ + channel].count > 0.0; }
  // The statistic of a channel's values at `indices` (repeats count
  // repeatedly); nullopt with no value (mean) or fewer than 2 (stddev).
  std::optional<double> Statistic(std::span<const std::size_t> indices, std::size_t channel,
                                  SeriesStatistic statistic) const;

 private:
  struct Moments {
    double count = 0.0, sum = 0.0, sum_sq = 0.0;
  };
  std::size_t length_;
  std::size_t channels_;
  std::vector<Moments> cells_;  // [index * channels + channel]
};

// The per-channel figures of a and b (same length and channels) and, when
// `overall`, one more: the mean over the channels defined in both. Names
// are left empty; verdicts use a_name and b_name.
std::vector<PairedStability> CompareSeries(const ChannelSeries& a, const ChannelSeries& b, SeriesStatistic statistic,
                                           bool overall, std::string_view a_name, std::string_view b_name,
                                           const StabilityOptions& options);

// One series' figures with their intervals (the bootstrap of a series
// against itself), per channel and, when `overall`, the mean over channels.
std::vector<PairedStability> SeriesFigures(const ChannelSeries& series, bool overall, const StabilityOptions& options);

// The block length used for a series of `length` resampled indices.
std::size_t BlockLengthFor(std::size_t length, const StabilityOptions& options);

}  // namespace sweetspot
