#include "batcher.h"

#include <thread>

#include <gtest/gtest.h>

namespace sweetspot {
namespace {

BatchingOptions Options(int max_batch_size, std::vector<int> preferred = {}) {
  BatchingOptions options;
  options.max_batch_size = max_batch_size;
  options.preferred_batch_sizes = std::move(preferred);
  return options;
}

std::size_t Cut(std::vector<std::int64_t> rows, const BatchingOptions& options, bool deadline_passed = false) {
  return BatchCut(rows, options, deadline_passed);
}

TEST(BatchCutTest, WithoutBatchingEachRequestRunsAlone) {
  EXPECT_EQ(Cut({1, 1, 1}, Options(1)), 1U);
  EXPECT_EQ(Cut({}, Options(1)), 0U);
}

TEST(BatchCutTest, WaitsForMoreUntilFullOrDeadline) {
  EXPECT_EQ(Cut({1, 1}, Options(4)), 0U);
  EXPECT_EQ(Cut({1, 1}, Options(4), /*deadline_passed=*/true), 2U);
  EXPECT_EQ(Cut({1, 1, 1, 1, 1}, Options(4)), 4U);
}

TEST(BatchCutTest, RunsWhenTheNextRequestDoesNotFit) {
  EXPECT_EQ(Cut({2, 3}, Options(4)), 1U);
  EXPECT_EQ(Cut({3, 1}, Options(4)), 2U);
}

TEST(BatchCutTest, ARequestBiggerThanTheMaximumRunsAlone) {
  EXPECT_EQ(Cut({9, 1}, Options(4)), 1U);
  EXPECT_EQ(Cut({9}, Options(4)), 1U);
}

TEST(BatchCutTest, APreferredSizeRunsAtOnceWithTheLongestPreferredPrefix) {
  EXPECT_EQ(Cut({1, 1}, Options(8, {2})), 2U);
  EXPECT_EQ(Cut({1, 1, 1}, Options(8, {2, 4})), 2U);
  EXPECT_EQ(Cut({1, 1, 1, 1, 1}, Options(8, {2, 4})), 4U);
  EXPECT_EQ(Cut({1, 2}, Options(8, {2, 4})), 0U);  // prefixes hold 1 and 3 rows
  EXPECT_EQ(Cut({1, 2}, Options(8, {2, 4}), /*deadline_passed=*/true), 2U);
}

std::shared_ptr<BatchItem> Item(std::int64_t rows) {
  auto item = std::make_shared<BatchItem>();
  item->rows = rows;
  item->queued = ServeClock::now();
  return item;
}

TEST(RequestQueueTest, RefusesBeyondItsSizeAndAfterClose) {
  BatchingOptions options = Options(1);
  RequestQueue queue(options, 2);
  EXPECT_EQ(queue.Push(Item(1)), PushResult::kQueued);
  EXPECT_EQ(queue.Push(Item(1)), PushResult::kQueued);
  EXPECT_EQ(queue.Push(Item(1)), PushResult::kFull);
  EXPECT_EQ(queue.depth(), 2U);
  queue.Close();
  EXPECT_EQ(queue.Push(Item(1)), PushResult::kClosed);
  EXPECT_EQ(queue.NextBatch().size(), 1U);  // a closed queue still drains
  EXPECT_EQ(queue.NextBatch().size(), 1U);
  EXPECT_TRUE(queue.NextBatch().empty());
}

TEST(RequestQueueTest, CloseRunsAPartialBatchWithoutWaitingForTheDeadline) {
  BatchingOptions options = Options(8);
  options.max_queue_delay = std::chrono::hours(1);
  RequestQueue queue(options, 16);
  ASSERT_EQ(queue.Push(Item(1)), PushResult::kQueued);
  ASSERT_EQ(queue.Push(Item(2)), PushResult::kQueued);
  std::vector<std::shared_ptr<BatchItem>> batch;
  std::thread worker([&] { batch = queue.NextBatch(); });
  queue.Close();
  worker.join();
  EXPECT_EQ(batch.size(), 2U);
}

TEST(RequestQueueTest, ABatchFormsFromRequestsQueuedByOtherThreads) {
  BatchingOptions options = Options(4);
  options.max_queue_delay = std::chrono::hours(1);
  RequestQueue queue(options, 16);
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) clients.emplace_back([&] { ASSERT_EQ(queue.Push(Item(1)), PushResult::kQueued); });
  const auto batch = queue.NextBatch();  // full at 4 rows, long before the hour
  for (auto& client : clients) client.join();
  EXPECT_EQ(batch.size(), 4U);
  EXPECT_EQ(queue.depth(), 0U);
}

}  // namespace
}  // namespace sweetspot
