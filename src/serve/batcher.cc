#include "serve/batcher.h"

#include <algorithm>
#include <utility>

namespace sweetspot {

std::size_t BatchCut(std::span<const std::int64_t> queued_rows, const BatchingOptions& options, bool deadline_passed) {
  if (queued_rows.empty()) return 0;
  const std::int64_t max_rows = options.max_batch_size;
  std::size_t fit = 1;
  std::int64_t rows = queued_rows[0];
  std::size_t preferred = 0;  // longest prefix whose rows are a preferred size
  auto is_preferred = [&](std::int64_t n) {
    return std::find(options.preferred_batch_sizes.begin(), options.preferred_batch_sizes.end(), n) !=
           options.preferred_batch_sizes.end();
  };
  if (is_preferred(rows)) preferred = 1;
  while (fit < queued_rows.size() && rows + queued_rows[fit] <= max_rows) {
    rows += queued_rows[fit++];
    if (is_preferred(rows)) preferred = fit;
  }
  const bool full = rows >= max_rows || fit < queued_rows.size();
  if (full || deadline_passed) return fit;
  return preferred;
}

RequestQueue::RequestQueue(BatchingOptions options, std::size_t max_queue_size)
    : options_(std::move(options)), max_queue_size_(max_queue_size) {}

PushResult RequestQueue::Push(std::shared_ptr<BatchItem> item) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return PushResult::kClosed;
    if (items_.size() >= max_queue_size_) return PushResult::kFull;
    items_.push_back(std::move(item));
  }
  changed_.notify_all();
  return PushResult::kQueued;
}

std::size_t RequestQueue::Cut(bool deadline_passed) const {
  std::vector<std::int64_t> rows;
  rows.reserve(items_.size());
  for (const auto& item : items_) rows.push_back(item->rows);
  return BatchCut(rows, options_, deadline_passed || closed_);
}

std::vector<std::shared_ptr<BatchItem>> RequestQueue::NextBatch() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !forming_ && (!items_.empty() || closed_); });
  if (items_.empty()) return {};
  forming_ = true;
  const ServeClock::time_point deadline = items_.front()->queued + options_.max_queue_delay;
  std::size_t cut = 0;
  while ((cut = Cut(ServeClock::now() >= deadline)) == 0) changed_.wait_until(lock, deadline);
  std::vector<std::shared_ptr<BatchItem>> batch(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(cut));
  items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(cut));
  forming_ = false;
  lock.unlock();
  changed_.notify_all();
  return batch;
}

void RequestQueue::Close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

std::size_t RequestQueue::depth() const {
  std::lock_guard lock(mutex_);
  return items_.size();
}

}  // namespace sweetspot
