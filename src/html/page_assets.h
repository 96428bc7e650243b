// The page sources of src/html/page/, embedded at build time
// (embed_page.cmake writes their definitions into page_assets.cc).
#pragma once

#include <string_view>

namespace sweetspot::html_page {

// template.html: the document, with the placeholders RenderHtmlReport fills.
std::string_view PageTemplate();
// report.css
std::string_view PageStyle();
// report.js: reads the data element and draws every section.
std::string_view PageScript();
// detection.js: the Detection section, inlined before report.js, which calls it.
std::string_view DetectionScript();
// keypoints.js: the Keypoints section, inlined before report.js, which calls it.
std::string_view KeypointsScript();
// export_png.js: the node script WriteChartPngs runs.
std::string_view PngScript();

}  // namespace sweetspot::html_page
