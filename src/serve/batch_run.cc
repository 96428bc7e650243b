// A worker's side: concatenate a batch's requests along axis 0, run them as
// one, split the outputs back.
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "serve/served_model.h"

namespace sweetspot {
namespace {

using Batch = std::vector<std::shared_ptr<BatchItem>>;

double MicrosecondsBetween(ServeClock::time_point from, ServeClock::time_point to) {
  return std::chrono::duration<double, std::micro>(to - from).count();
}

// Requests whose inputs agree on every dimension but the first can share a
// run (a dynamic non-batch dimension may differ between requests).
bool SameTrailingDims(const BatchItem& a, const BatchItem& b) {
  for (std::size_t i = 0; i < a.inputs.size(); ++i) {
    const Shape& x = a.inputs[i].shape();
    const Shape& y = b.inputs[i].shape();
    if (x.size() != y.size() || !std::equal(x.begin() + 1, x.end(), y.begin() + 1)) return false;
  }
  return true;
}

std::vector<Batch> GroupByShape(const Batch& batch) {
  std::vector<Batch> groups;
  for (const auto& item : batch) {
    auto group =
        std::find_if(groups.begin(), groups.end(), [&](const Batch& g) { return SameTrailingDims(*g.front(), *item); });
    if (group == groups.end())
      groups.push_back({item});
    else
      group->push_back(item);
  }
  return groups;
}

// Input `input` of every request, one after the other along axis 0.
Tensor Concatenate(const Batch& group, std::size_t input, std::int64_t rows) {
  Shape shape = group.front()->inputs[input].shape();
  shape[0] = rows;
  Tensor out = Tensor::Owned(group.front()->inputs[input].dtype(), shape);
  auto* at = static_cast<std::byte*>(out.data());
  for (const auto& item : group) {
    const Tensor& part = item->inputs[input];
    std::memcpy(at, part.data(), part.size_bytes());
    at += part.size_bytes();
  }
  return out;
}

// Rows [first, first + rows) of `tensor` (axis 0), copied.
Tensor Rows(const Tensor& tensor, std::int64_t first, std::int64_t rows) {
  Shape shape = tensor.shape();
  const std::size_t row_bytes = tensor.size_bytes() / static_cast<std::size_t>(shape[0]);
  shape[0] = rows;
  Tensor out = Tensor::Owned(tensor.dtype(), shape);
  std::memcpy(out.data(), static_cast<const std::byte*>(tensor.data()) + row_bytes * static_cast<std::size_t>(first),
              out.size_bytes());
  return out;
}

// Splits the run's outputs back per request; an output without the batch's
// rows on axis 0 cannot be split.
Status Split(const ServedModel& model, const Batch& group, std::int64_t rows, const std::vector<Tensor>& outputs,
             std::vector<BatchResult>& results) {
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const Shape& shape = outputs[o].shape();
    if (shape.empty() || shape[0] != rows) {
      return Status::RuntimeError(fmt::format(
          "{} output '{}' has shape {} for a batch of {} rows: it cannot be split per request; set max_batch_size to 1",
          model.Label(), model.outputs[o].name, ShapeToString(shape), rows));
    }
  }
  std::int64_t first = 0;
  for (std::size_t r = 0; r < group.size(); ++r) {
    for (const Tensor& output : outputs) results[r].outputs.push_back(Rows(output, first, group[r]->rows));
    first += group[r]->rows;
  }
  return Status::Ok();
}

// Runs one group of shape-compatible requests and answers each.
void RunGroup(ServedModel& model, Session& session, const Batch& group, ServeClock::time_point taken) {
  std::int64_t rows = 0;
  for (const auto& item : group) rows += item->rows;
  std::vector<Tensor> inputs;
  if (group.size() == 1) {
    inputs = group.front()->inputs;
  } else {
    for (std::size_t i = 0; i < group.front()->inputs.size(); ++i) inputs.push_back(Concatenate(group, i, rows));
  }
  const ServeClock::time_point start = ServeClock::now();
  Result<std::vector<Tensor>> outputs = session.Run(inputs);
  const double inference_us = MicrosecondsBetween(start, ServeClock::now());
  model.batch_rows->Observe(static_cast<double>(rows));
  std::vector<BatchResult> results(group.size());
  Status status = outputs.status();
  if (status.ok() && group.size() == 1)
    results.front().outputs = std::move(*outputs);
  else if (status.ok())
    status = Split(model, group, rows, *outputs, results);
  for (std::size_t r = 0; r < group.size(); ++r) {
    results[r].status = status;
    if (!status.ok()) results[r].outputs.clear();
    results[r].queue_us = MicrosecondsBetween(group[r]->queued, taken);
    results[r].inference_us = inference_us;
    results[r].batch_size = static_cast<int>(rows);
    group[r]->done.set_value(std::move(results[r]));
  }
}

}  // namespace

void RunWorker(ServedModel& model, Session& session) {
  for (Batch batch = model.queue->NextBatch(); !batch.empty(); batch = model.queue->NextBatch()) {
    const ServeClock::time_point taken = ServeClock::now();
    for (const Batch& group : GroupByShape(batch)) RunGroup(model, session, group, taken);
  }
}

}  // namespace sweetspot
