#include "sweetspot/html_report.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <map>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "html/page_assets.h"
#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSchema = "sweetspot.report/1";

// Inside <script> the HTML parser ends the element at "</script" whatever the
// case, and "<!--" changes how it looks for that end. A backslash before the
// slash, and "<" written \u003c, keep every JavaScript or JSON string and
// regular expression the same.
std::string ScriptSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 64);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && text.substr(i + 1, 1) == "/") {
      out += "<\\";
    } else if (text[i] == '<' && text.substr(i + 1, 3) == "!--") {
      out += "\\u003c";
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Chromium appends the text of one <script> element to a single node, which
// costs time quadratic in its length: 20 MB of JSON took 30 s to parse as one
// element and 0.6 s as twenty. The data goes in parts of about this size.
constexpr std::size_t kDataPartBytes = 1 << 20;

// The data elements: `json`, made script-safe, split into parts at ASCII
// bytes other than '<' and '\\' (so no UTF-8 sequence or escape is cut), one
// <script class="sweetspot-data" type="application/json"> each, the first
// with id="sweetspot-data"; the page reads their texts concatenated.
std::string DataElements(const std::string& json) {
  const std::string text = ScriptSafe(json);
  std::string out;
  std::size_t begin = 0;
  do {
    std::size_t end = std::min(text.size(), begin + kDataPartBytes);
    while (end < text.size() &&
           (static_cast<unsigned char>(text[end]) >= 0x80 || text[end] == '<' || text[end] == '\\')) {
      ++end;
    }
    out += begin == 0 ? R"(<script id="sweetspot-data" class="sweetspot-data" type="application/json">)"
                      : R"(<script class="sweetspot-data" type="application/json">)";
    out.append(text, begin, end - begin).append("</script>\n");
    begin = end;
  } while (begin < text.size());
  return out;
}

// The template with each "{{NAME}}" replaced by values[NAME]; inserted text is
// never searched for placeholders.
std::string FillTemplate(std::string_view page, const std::map<std::string_view, std::string>& values) {
  std::string out;
  std::size_t done = 0;
  for (std::size_t at = page.find("{{"); at != std::string_view::npos; at = page.find("{{", done)) {
    const std::size_t end = page.find("}}", at);
    const auto value = values.find(page.substr(at + 2, end - at - 2));
    // The template is ours and embedded: a placeholder without a value is a build bug.
    assert(end != std::string_view::npos && value != values.end());
    out.append(page.substr(done, at - done)).append(value->second);
    done = end + 2;
  }
  return out.append(page.substr(done));
}

// detection.js and keypoints.js define what report.js calls: they go first, in the same element.
std::string PageScripts() {
  return std::string(html_page::DetectionScript())
      .append("\n")
      .append(html_page::KeypointsScript())
      .append("\n")
      .append(html_page::PageScript());
}

}  // namespace

fs::path DefaultNodeModules() {
  if (const char* dir = std::getenv("SWEETSPOT_NODE_MODULES"); dir != nullptr && *dir != '\0') return dir;
  return fs::path(SWEETSPOT_SOURCE_DIR) / "node_modules";
}

Result<HtmlAssets> LoadHtmlAssets(const fs::path& node_modules) {
  const fs::path echarts = node_modules / "echarts" / "dist" / "echarts.min.js";
  std::error_code ec;
  if (!fs::is_regular_file(echarts, ec)) {
    return Status::FailedPrecondition(
        fmt::format("echarts not found under {}: run scripts/bootstrap", SafeText(node_modules.string())));
  }
  HtmlAssets assets;
  SWEETSPOT_ASSIGN_OR_RETURN(assets.echarts_js, ReadTextFile(echarts));
  return assets;
}

Result<std::string> RenderHtmlReport(const std::string& report_data_json, const HtmlAssets& assets) {
  if (assets.echarts_js.empty()) return Status::InvalidArgument("echarts_js is empty: load it with LoadHtmlAssets");
  const nlohmann::json data = nlohmann::json::parse(report_data_json, nullptr, /*allow_exceptions=*/false);
  if (!data.is_object()) return Status::InvalidData("the report data is not a JSON object");
  const auto schema = data.find("schema");
  if (schema == data.end() || !schema->is_string() || schema->get<std::string>() != kSchema) {
    return Status::InvalidData(fmt::format("the report data's schema is not {}", kSchema));
  }
  const auto study = data.find("study");
  const std::string title = study != data.end() && study->is_string() ? study->get<std::string>() : "";

  return FillTemplate(html_page::PageTemplate(), {{"TITLE", HtmlEscape(SafeText(title))},
                                                  {"STYLE", ScriptSafe(html_page::PageStyle())},
                                                  {"ECHARTS", ScriptSafe(assets.echarts_js)},
                                                  {"SCRIPT", ScriptSafe(PageScripts())},
                                                  {"DATA", DataElements(report_data_json)}});
}

}  // namespace sweetspot
