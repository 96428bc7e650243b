// Small PNG data URIs of dataset samples, for the report's hover tooltips,
// and JPEG ones of the detection examples.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sweetspot/dataset.h"
#include "sweetspot/status.h"

namespace sweetspot {

// A sample the page may show, with the label the study saw it under (a
// dataset whose label differs has changed since the study).
struct ThumbnailRequest {
  std::int64_t index = 0;
  std::int32_t label = 0;
};

struct Thumbnails {
  std::map<std::int64_t, std::string> uris;  // by sample index
  std::vector<std::string> notes;            // why some or all are missing
};

// `image` (BGR or gray, 8-bit) shrunk so its longer side is at most
// `max_side_px` (never enlarged; INTER_AREA), one channel when it is gray,
// as "data:image/png;base64,...". Errors: an empty image, a failed encode.
Result<std::string> PngDataUri(const cv::Mat& image, int max_side_px);

// The same as "data:image/jpeg;base64,..." at JPEG `quality` (0-100), the
// channels kept: photographs (the detection examples) are a fraction of
// their PNG size.
Result<std::string> JpegDataUri(const cv::Mat& image, int max_side_px, int quality);

// The requested samples of `dataset`, in order. A dataset that no longer
// matches (an index beyond it, a label that differs) gives none and a note;
// a sample that cannot be read is left out and counted in a note.
Thumbnails MakeThumbnails(const Dataset& dataset, const std::vector<ThumbnailRequest>& requests, int max_side_px);

}  // namespace sweetspot
