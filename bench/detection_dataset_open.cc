// Detection datasets: what does opening cost? (a) A COCO instances JSON of
// 5,000 images with 7 boxes each: sizes come from the JSON, so the images are
// empty files (any decode would fail) and the time is the JSON parse and the
// checks. (b) A YOLO folder of N real 640x480 PNGs: one decode per image (in
// parallel) for the sizes its normalised labels need. Prints the median of
// the rounds for each.
//
//   bench_detection_dataset_open [--rounds N] [--yolo-images N]
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "sweetspot/detection_dataset.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

fs::path WriteCoco(const fs::path& dir, int images) {
  nlohmann::json doc = {{"categories", {{{"id", 1}, {"name", "thing"}}}}};
  doc["images"] = nlohmann::json::array();
  doc["annotations"] = nlohmann::json::array();
  for (int i = 0; i < images; ++i) {
    const std::string name = std::to_string(i) + ".jpg";
    Write(dir / "images" / name, "");
    doc["images"].push_back({{"id", i}, {"file_name", name}, {"width", 640}, {"height", 480}});
    for (int k = 0; k < 7; ++k) {
      doc["annotations"].push_back({{"id", i * 7 + k},
                                    {"image_id", i},
                                    {"category_id", 1},
                                    {"bbox", {10 * k, 20, 50, 60}},
                                    {"area", 3000},
                                    {"iscrowd", 0}});
    }
  }
  Write(dir / "annotations" / "instances_val.json", doc.dump());
  return dir / "annotations" / "instances_val.json";
}

fs::path WriteYolo(const fs::path& dir, int images) {
  const cv::Mat pixels(480, 640, CV_8UC3, cv::Scalar(90, 120, 150));
  fs::create_directories(dir / "images");
  for (int i = 0; i < images; ++i) {
    cv::imwrite((dir / "images" / (std::to_string(i) + ".png")).string(), pixels);
    Write(dir / "labels" / (std::to_string(i) + ".txt"), "0 0.5 0.5 0.25 0.25\n");
  }
  Write(dir / "data.yaml", "val: images\nnames: [thing]\n");
  return dir / "data.yaml";
}

double MedianOpenMs(const fs::path& path, int rounds) {
  std::vector<double> ms;
  for (int r = 0; r < rounds; ++r) {
    const auto start = Clock::now();
    auto dataset = sweetspot::OpenDetectionDataset(path);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!dataset.ok()) {
      std::fprintf(stderr, "%s\n", dataset.status().message().c_str());
      std::exit(1);
    }
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  int yolo_images = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--yolo-images") == 0) yolo_images = std::atoi(argv[i + 1]);
  }
  const fs::path dir = fs::temp_directory_path() / ("bench-detection-open-" + std::to_string(::getpid()));
  const fs::path coco = WriteCoco(dir / "coco", 5000);
  const fs::path yolo = WriteYolo(dir / "yolo", yolo_images);
  const double coco_ms = MedianOpenMs(coco, rounds);
  const double yolo_ms = MedianOpenMs(yolo, rounds);
  std::printf("COCO, 5000 images, 35000 boxes: open %.1f ms (%.3f ms per image)\n", coco_ms, coco_ms / 5000);
  std::printf("YOLO, %d 640x480 PNGs: open %.1f ms (%.3f ms per image)\n", yolo_images, yolo_ms, yolo_ms / yolo_images);
  fs::remove_all(dir);
  return 0;
}
