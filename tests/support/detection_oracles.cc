#include "support/detection_oracles.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

#include "sweetspot/onnx_model.h"

namespace sweetspot::testing {
namespace {

constexpr int kStrides[] = {8, 16, 32};

// A constant table [images, dims...] of one output, Gathered by the image index.
struct Table {
  std::string name;
  Shape item_shape;  // without the image axis
  std::vector<float> values;
  bool int64 = false;
  float& at(std::size_t image, std::size_t offset) { return values[image * ItemSize() + offset]; }
  std::size_t ItemSize() const { return static_cast<std::size_t>(ElementCount(item_shape)); }
};

Table MakeTable(std::string name, Shape item_shape, std::size_t images) {
  Table table{std::move(name), std::move(item_shape), {}, false};
  table.values.assign(images * table.ItemSize(), 0.0F);
  return table;
}

int GridCells(int input_size) {
  int cells = 0;
  for (int s : kStrides) cells += (input_size / s) * (input_size / s);
  return cells;
}

void PutCxcywh(Table& table, std::size_t image, std::size_t offset, const Box& box, std::size_t step = 1) {
  const float values[] = {static_cast<float>((box.x1 + box.x2) / 2), static_cast<float>((box.y1 + box.y2) / 2),
                          static_cast<float>(box.width()), static_cast<float>(box.height())};
  for (std::size_t k = 0; k < 4; ++k) table.at(image, offset + k * step) = values[k];
}

// (a) yolo, (b) yolox, (c) yolov8: one table of box rows.
Table RowsTable(DetectionLayout layout, const std::vector<std::vector<Detection>>& images, int classes, int size) {
  const int cells = GridCells(size);
  const std::int64_t c = classes;
  const int grid = size / 8;
  if (layout == DetectionLayout::kBoxesScoresTransposed) {
    Table table = MakeTable("output0", {4 + c, cells}, images.size());
    for (std::size_t i = 0; i < images.size(); ++i) {
      for (std::size_t j = 0; j < images[i].size(); ++j) {
        PutCxcywh(table, i, j, images[i][j].box, static_cast<std::size_t>(cells));
        table.at(i, (4 + images[i][j].class_id) * static_cast<std::size_t>(cells) + j) = images[i][j].score;
      }
    }
    return table;
  }
  const bool raw = layout == DetectionLayout::kGridObjectness;
  Table table = MakeTable("output", {raw ? cells : 3 * cells, 5 + c}, images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    for (std::size_t j = 0; j < images[i].size(); ++j) {
      const Detection& d = images[i][j];
      const std::size_t row = j * static_cast<std::size_t>(5 + c);
      PutCxcywh(table, i, row, d.box);
      if (raw) {  // inverse of YOLOX's decoding at stride 8, cell j
        table.at(i, row) = static_cast<float>((d.box.x1 + d.box.x2) / 2 / 8 - static_cast<double>(j % grid));
        table.at(i, row + 1) = static_cast<float>((d.box.y1 + d.box.y2) / 2 / 8 - static_cast<double>(j / grid));
        table.at(i, row + 2) = static_cast<float>(std::log(d.box.width() / 8));
        table.at(i, row + 3) = static_cast<float>(std::log(d.box.height() / 8));
      }
      table.at(i, row + 4) = 1.0F;
      table.at(i, row + 5 + d.class_id) = d.score;
    }
  }
  return {table};
}

// (d) boxes-scores and (e) nms: boxes [K,4] plus scores [K] and labels [K], or scores [C,K].
std::vector<Table> SeparateTables(bool per_class, const std::vector<std::vector<Detection>>& images, int classes) {
  std::size_t k = 1;
  for (const auto& image : images) k = std::max(k, image.size());
  const auto kk = static_cast<std::int64_t>(k);
  Table boxes = MakeTable("boxes", {kk, 4}, images.size());
  Table scores = MakeTable("scores", per_class ? Shape{classes, kk} : Shape{kk}, images.size());
  Table labels = MakeTable("labels", {kk}, images.size());
  labels.int64 = true;
  for (std::size_t i = 0; i < images.size(); ++i) {
    for (std::size_t j = 0; j < images[i].size(); ++j) {
      const Detection& d = images[i][j];
      PutCxcywh(boxes, i, j * 4, d.box);
      scores.at(i, per_class ? static_cast<std::size_t>(d.class_id) * k + j : j) = d.score;
      labels.at(i, j) = static_cast<float>(d.class_id);
    }
  }
  if (per_class) return {boxes, scores};
  return {boxes, scores, labels};
}

// (f) nanodet: per stride, class scores and distances; box j in stride 8's cell j.
std::vector<Table> PerStrideTables(const std::vector<std::vector<Detection>>& images, int classes, int size) {
  std::vector<Table> tables;
  for (int s : kStrides) {
    const std::int64_t cells = (size / s) * (size / s);
    tables.push_back(MakeTable("cls_pred_stride_" + std::to_string(s), {cells, classes}, images.size()));
    tables.push_back(MakeTable("dis_pred_stride_" + std::to_string(s), {cells, 4}, images.size()));
  }
  const int grid = size / 8;
  for (std::size_t i = 0; i < images.size(); ++i) {
    for (std::size_t j = 0; j < images[i].size(); ++j) {
      const Detection& d = images[i][j];
      const double cx = (static_cast<double>(j % grid) + 0.5) * 8;
      const double cy = (static_cast<double>(j / grid) + 0.5) * 8;
      tables[0].at(i, j * static_cast<std::size_t>(classes) + d.class_id) = d.score;
      const double distances[] = {cx - d.box.x1, cy - d.box.y1, d.box.x2 - cx, d.box.y2 - cy};
      for (std::size_t k = 0; k < 4; ++k) tables[1].at(i, j * 4 + k) = static_cast<float>(distances[k] / 8);
    }
  }
  return tables;
}

// Pixel (0,0) of channel 0 x 255, rounded, as an int64 [1] "index".
void AddImageIndex(GraphBuilder& b, int input_size) {
  b.Input("images", DType::kFloat32, {1, 3, input_size, input_size});
  b.Int64Initializer("corner_start", {4}, {0, 0, 0, 0});
  b.Int64Initializer("corner_end", {4}, {1, 1, 1, 1});
  b.Initializer("to_byte", {1}, {255.0F});
  b.Int64Initializer("index_shape", {1}, {1});
  b.Node("Slice", {"images", "corner_start", "corner_end"}, {"corner"});
  b.Node("Mul", {"corner", "to_byte"}, {"corner_byte"});
  b.Node("Round", {"corner_byte"}, {"corner_rounded"});
  b.Node("Cast", {"corner_rounded"}, {"corner_index"}, {Attr("to", static_cast<int64_t>(onnx::TensorProto::INT64))});
  b.Node("Reshape", {"corner_index", "index_shape"}, {"index"});
}

// Gathers one image's row of `table` into the output "<name>" [1, item_shape...].
void AddGather(GraphBuilder& b, const Table& table, std::size_t images) {
  Shape shape{static_cast<std::int64_t>(images)};
  shape.insert(shape.end(), table.item_shape.begin(), table.item_shape.end());
  const std::string constant = table.name + "_table";
  if (table.int64) {
    b.Int64Initializer(constant, shape, std::vector<int64_t>(table.values.begin(), table.values.end()));
  } else {
    b.Initializer(constant, shape, table.values);
  }
  b.Node("Gather", {constant, "index"}, {table.name}, {Attr("axis", static_cast<int64_t>(0))});
  Shape out_shape{1};
  out_shape.insert(out_shape.end(), table.item_shape.begin(), table.item_shape.end());
  b.Output(table.name, table.int64 ? DType::kInt64 : DType::kFloat32, out_shape);
}

// (e): a real NonMaxSuppression over the gathered boxes and scores.
void AddNms(GraphBuilder& b, std::int64_t boxes_per_image) {
  b.Int64Initializer("nms_max_per_class", {1}, {boxes_per_image});
  b.Initializer("nms_iou", {1}, {1.0F});
  b.Initializer("nms_score", {1}, {0.0F});
  b.Node("NonMaxSuppression", {"boxes", "scores", "nms_max_per_class", "nms_iou", "nms_score"}, {"selected_indices"},
         {Attr("center_point_box", static_cast<int64_t>(1))});
  b.Output("selected_indices", DType::kInt64, {-1, 3}, {"M", ""});
}

}  // namespace

onnx::ModelProto OracleDetector(DetectionLayout layout, const std::vector<std::vector<Detection>>& boxes_per_image,
                                int classes, int input_size) {
  assert(input_size % 32 == 0 && classes > 0 && !boxes_per_image.empty());
  GraphBuilder b("oracle_detector");
  AddImageIndex(b, input_size);
  std::vector<Table> tables;
  switch (layout) {
    case DetectionLayout::kBoxesObjectness:
    case DetectionLayout::kGridObjectness:
    case DetectionLayout::kBoxesScoresTransposed:
      tables.push_back(RowsTable(layout, boxes_per_image, classes, input_size));
      break;
    case DetectionLayout::kSeparateOutputs:
    case DetectionLayout::kNmsInside:
      tables = SeparateTables(layout == DetectionLayout::kNmsInside, boxes_per_image, classes);
      break;
    case DetectionLayout::kPerStrideDistances: tables = PerStrideTables(boxes_per_image, classes, input_size); break;
  }
  for (const Table& table : tables) AddGather(b, table, boxes_per_image.size());
  if (layout == DetectionLayout::kNmsInside) AddNms(b, tables[0].item_shape[0]);
  return b.Build();
}

}  // namespace sweetspot::testing
