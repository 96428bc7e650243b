// A hand-made detection section (detection_report.h) for the report's tests:
// two classes, four images, three candidates of which the first (fast) and
// the last (accurate) kept their boxes; curves and APs made up, consistent
// with each other (each AP@0.5 is the mean of its 101-point curve). Shared by
// test_report and the browser test's page writer.
#pragma once

#include <filesystem>

#include "sweetspot/detection_report.h"

namespace sweetspot::testing {

// The section, its images at `image_dir`/<id> (drawn there as PNG when
// `write_images`: grey, each object a filled rectangle of its class's colour).
DetectionReportSection HandMadeDetectionSection(const std::filesystem::path& image_dir, bool write_images);

}  // namespace sweetspot::testing
