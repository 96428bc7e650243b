// The request queue and dynamic batcher behind one served model
// (model_server.h describes the policy).
//
// Thread-safety: RequestQueue's methods may be called from any thread. Only
// one worker at a time forms a batch (the others wait for it to finish), so
// the oldest queued request stays at the front until a worker takes it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "sweetspot/model_server.h"
#include "sweetspot/status.h"
#include "sweetspot/tensor.h"

namespace sweetspot {

using ServeClock = std::chrono::steady_clock;

// What a worker hands back to one request.
struct BatchResult {
  Status status;
  std::vector<Tensor> outputs;  // the model's tensor outputs, this request's rows only
  double queue_us = 0, inference_us = 0;
  int batch_size = 0;  // rows in the run that answered
};

// One queued request: its inputs in the model's input order.
struct BatchItem {
  std::vector<Tensor> inputs;
  std::int64_t rows = 1;  // the inputs' common dimension 0 (1 when the model does not batch)
  ServeClock::time_point queued;
  std::promise<BatchResult> done;
};

// How many of the queued requests (rows per request, oldest first) to run now
// as one batch; 0 = wait for more. Takes the longest prefix within
// max_batch_size rows (at least the first request, even when it alone is
// bigger). Runs it when it is full (max_batch_size rows, or the next request
// does not fit) or `deadline_passed`; otherwise runs the longest prefix whose
// rows are a preferred batch size, if any.
std::size_t BatchCut(std::span<const std::int64_t> queued_rows, const BatchingOptions& options, bool deadline_passed);

enum class PushResult { kQueued, kFull, kClosed };

class RequestQueue {
 public:
  RequestQueue(BatchingOptions options, std::size_t max_queue_size);

  PushResult Push(std::shared_ptr<BatchItem> item);
  // Blocks until a batch is due (BatchCut, the deadline being the oldest
  // request's queued time + max_queue_delay) and removes it from the queue.
  // After Close(): batches are due at once; empty when nothing is left.
  std::vector<std::shared_ptr<BatchItem>> NextBatch();
  // Refuses new requests (kClosed) and wakes the workers to drain the queue.
  void Close();
  std::size_t depth() const;

 private:
  std::size_t Cut(bool deadline_passed) const;  // BatchCut on items_; requires mutex_ held

  const BatchingOptions options_;
  const std::size_t max_queue_size_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<BatchItem>> items_;
  bool forming_ = false;  // a worker is forming a batch from the front of items_
  bool closed_ = false;
};

}  // namespace sweetspot
