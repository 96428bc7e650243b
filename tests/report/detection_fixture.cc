#include "detection_fixture.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace sweetspot::testing {
namespace {

GroundTruthBox Truth(int class_id, double x1, double y1, double x2, double y2, bool difficult = false) {
  GroundTruthBox t;
  t.box = {x1, y1, x2, y2};
  t.class_id = class_id;
  t.difficult = difficult;
  t.area = t.box.area();
  return t;
}

Detection Found(int class_id, float score, double x1, double y1, double x2, double y2) {
  return {{x1, y1, x2, y2}, class_id, score};
}

// Precision 1 - steep * r^2 up to recall `reach`, 0 beyond: 101 points.
std::vector<PrPoint> Curve(double steep, double reach) {
  std::vector<PrPoint> out;
  for (int k = 0; k <= 100; ++k) {
    const double r = k / 100.0;
    out.push_back({r, r <= reach + 1e-9 ? std::max(0.0, 1.0 - steep * r * r) : 0.0});
  }
  return out;
}

ClassAp Class(int id, const std::string& name, int ground_truth, double steep, double reach) {
  ClassAp c;
  c.class_id = id;
  c.name = name;
  c.ground_truth = ground_truth;
  c.pr50 = Curve(steep, reach);
  double sum = 0;
  for (const PrPoint& p : c.pr50) sum += p.precision;
  c.ap50 = sum / 101.0;
  c.ap75 = c.ap50 * 0.7;
  c.ap50_95 = c.ap50 * 0.6;
  return c;
}

DetectionMetrics Metrics(double steep, double reach) {
  DetectionMetrics m;
  m.protocol = "coco";
  m.images = 4;
  m.ground_truth = 5;
  m.detections = 9;
  m.per_class = {Class(0, "cat", 3, steep, reach), Class(1, "dog", 2, steep * 2, reach * 0.8)};
  m.map50 = (m.per_class[0].ap50 + m.per_class[1].ap50) / 2;
  m.map75 = (m.per_class[0].ap75 + m.per_class[1].ap75) / 2;
  m.map50_95 = (m.per_class[0].ap50_95 + m.per_class[1].ap50_95) / 2;
  m.map50_ci = {m.map50 - 0.05, m.map50 + 0.04, true};
  m.map50_95_ci = {m.map50_95 - 0.04, m.map50_95 + 0.03, true};
  m.ap_small = -1;
  m.ap_medium = m.map50_95 * 0.9;
  m.ap_large = m.map50_95 * 1.1;
  m.ar100 = reach * 0.9;
  return m;
}

void Draw(const DetectionImage& image) {
  cv::Mat pixels(image.height, image.width, CV_8UC3, cv::Scalar(128, 128, 128));
  const cv::Scalar colours[] = {cv::Scalar(40, 140, 250), cv::Scalar(220, 120, 40)};  // BGR: cat orange, dog blue
  for (const GroundTruthBox& t : image.objects) {
    cv::rectangle(pixels, cv::Point(static_cast<int>(t.box.x1), static_cast<int>(t.box.y1)),
                  cv::Point(static_cast<int>(t.box.x2) - 1, static_cast<int>(t.box.y2) - 1), colours[t.class_id],
                  cv::FILLED);
  }
  cv::imwrite(image.path.string(), pixels);
}

}  // namespace

DetectionReportSection HandMadeDetectionSection(const std::filesystem::path& image_dir, bool write_images) {
  DetectionReportSection s;
  s.dataset = "pets";
  s.description = "Pascal VOC " + image_dir.string();
  s.class_names = {"cat", "dog"};
  const auto image = [&](const std::string& id, std::vector<GroundTruthBox> objects) {
    return DetectionImage{id, image_dir / id, 320, 240, std::move(objects)};
  };
  s.images = {image("a.png", {Truth(0, 20, 30, 120, 150), Truth(1, 170, 60, 300, 220)}),
              image("b.png", {Truth(0, 40, 40, 160, 200), Truth(1, 200, 20, 310, 100, /*difficult=*/true)}),
              image("c.png", {}), image("d.png", {Truth(1, 60, 50, 250, 210)})};
  if (write_images) {
    for (const DetectionImage& i : s.images) Draw(i);
  }
  DetectionCandidateView fast{"nano", Metrics(0.9, 0.7), {}};
  fast.detections = {
      // a: the cat found, a dog where there is none, the dog found below 0.3, a duplicate cat below 0.05.
      {Found(0, 0.9F, 22, 32, 120, 150), Found(1, 0.4F, 0, 0, 60, 40), Found(1, 0.2F, 170, 62, 300, 220),
       Found(0, 0.01F, 20, 30, 118, 148)},
      {},                                    // b: nothing found (the cat missed)
      {Found(0, 0.5F, 100, 100, 200, 200)},  // c: a cat on an empty image
      {Found(1, 0.8F, 60, 52, 250, 210)}};   // d: the dog found
  DetectionCandidateView middle{"small", Metrics(0.6, 0.8), {}};
  DetectionCandidateView accurate{"large", Metrics(0.3, 0.9), {}};
  accurate.detections = {{Found(0, 0.95F, 20, 30, 121, 151), Found(1, 0.85F, 172, 60, 300, 218)},
                         {Found(0, 0.8F, 40, 42, 160, 200), Found(1, 0.6F, 200, 20, 310, 100)},  // dog: difficult
                         {},
                         {Found(1, 0.7F, 62, 50, 250, 212), Found(0, 0.35F, 60, 50, 250, 210)}};
  s.candidates = {fast, middle, accurate};
  s.fast = 0;
  s.accurate = 2;
  return s;
}

}  // namespace sweetspot::testing
