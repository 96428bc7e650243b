// Decoders of the one-output layouts: yolo (a), yolox (b), yolov8 (c).
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "decoder_internal.h"

namespace sweetspot::detect_internal {
namespace {

struct GridCell {
  float x = 0.0F;
  float y = 0.0F;
  float stride = 0.0F;
};

// YOLOX's cells: each stride's (H/s) x (W/s) grid row-major, strides in order (yolo_head.py get_output_and_grid).
std::vector<GridCell> YoloxGrid(std::span<const int> strides, int width, int height) {
  std::vector<GridCell> cells;
  for (int s : strides) {
    const int columns = (width + s - 1) / s;
    const int rows = (height + s - 1) / s;
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < columns; ++x) {
        cells.push_back({static_cast<float>(x), static_cast<float>(y), static_cast<float>(s)});
      }
    }
  }
  return cells;
}

// YOLOX decode_outputs: centre (raw + grid) * s, size exp(raw) * s.
Box YoloxBox(std::span<const float> row, const GridCell& cell) {
  const double cx = (row[0] + cell.x) * cell.stride;
  const double cy = (row[1] + cell.y) * cell.stride;
  const double w = std::exp(static_cast<double>(row[2])) * cell.stride;
  const double h = std::exp(static_cast<double>(row[3])) * cell.stride;
  return {cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0};
}

}  // namespace

Result<Candidates> DecodeBoxRows(const DecodeInput& in) {
  const TensorInfo& info = in.infos[in.roles.rows];
  const Shape& shape = info.shape;
  SWEETSPOT_ASSIGN_OR_RETURN(const FloatValues values, FloatValues::Of(info.name, in.tensors[in.roles.rows]));
  const std::int64_t items = shape[0];
  SWEETSPOT_RETURN_IF_ERROR(CheckFinite(info.name, values.values(), items));
  const bool transposed = in.spec.layout == DetectionLayout::kBoxesScoresTransposed;
  const bool grid = in.spec.layout == DetectionLayout::kGridObjectness;
  const std::int64_t boxes = transposed ? shape[2] : shape[1];
  const std::int64_t channels = transposed ? shape[1] : shape[2];
  const std::int64_t first_score = transposed ? 4 : 5;
  SWEETSPOT_RETURN_IF_ERROR(CheckClassCount(in.spec, info.name, channels - first_score));
  const std::vector<GridCell> cells = grid ? YoloxGrid(in.spec.strides, in.width, in.height) : std::vector<GridCell>();
  const std::span<const float> all = values.values();
  Candidates out(static_cast<std::size_t>(items));
  std::vector<float> gathered(static_cast<std::size_t>(channels));
  for (std::int64_t n = 0; n < items; ++n) {
    const std::span<const float> item = all.subspan(static_cast<std::size_t>(n * boxes * channels));
    for (std::int64_t b = 0; b < boxes; ++b) {
      std::span<const float> row;
      if (transposed) {  // channel k of box b at k * boxes + b
        for (std::int64_t k = 0; k < channels; ++k) gathered[k] = item[k * boxes + b];
        row = gathered;
      } else {
        row = item.subspan(static_cast<std::size_t>(b * channels), static_cast<std::size_t>(channels));
      }
      const Box box =
          grid ? YoloxBox(row, cells[b]) : MakeBox(in.spec, row[0], row[1], row[2], row[3], in.width, in.height);
      const float objectness = transposed ? 1.0F : row[4];
      AddCandidates(in.spec, box, row.subspan(first_score), objectness, out[n]);
    }
  }
  return out;
}

}  // namespace sweetspot::detect_internal
