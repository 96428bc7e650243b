// The report page: one self-contained HTML file built from a ReportData JSON
// document ("schema": "sweetspot.report/1", report_data.h), with ECharts'
// dist/echarts.min.js and sweetspot's own page script and style (src/html/page/,
// embedded into the library at build time) inlined, so that opening it makes
// no network request. The page's sections, controls and window.sweetspot API
// are the contract the browser test checks (docs/report.md).
//
// Thread-safety: all functions are reentrant.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sweetspot/status.h"

namespace sweetspot {

// What the page needs from npm, read at report time (never committed).
struct HtmlAssets {
  std::string echarts_js;  // the whole of echarts/dist/echarts.min.js
};

// The node_modules folder the assets come from: the environment variable
// SWEETSPOT_NODE_MODULES when set, else <source dir>/node_modules, where
// scripts/bootstrap installs package.json's packages.
std::filesystem::path DefaultNodeModules();

// Reads echarts/dist/echarts.min.js under `node_modules`. Errors:
// kFailedPrecondition "echarts not found under DIR: run scripts/bootstrap"
// when the file is missing; kIoError when it cannot be read.
Result<HtmlAssets> LoadHtmlAssets(const std::filesystem::path& node_modules);

// The HTML document: the page template with the style, ECharts, the page
// script and `report_data_json` inlined. The data goes in consecutive
// <script class="sweetspot-data" type="application/json"> elements of about
// 1 MB each (the first with id="sweetspot-data"; Chromium parses one huge
// element in time quadratic in its length), whose texts concatenated are
// `report_data_json` with every "</" written "<\/" and "<!--" written
// "\u003c!--", so no string in it can end an element; the page's
// window.sweetspot.data is the parsed document. The title names the study.
// Errors: kInvalidData when `report_data_json` is not a JSON object whose
// "schema" is "sweetspot.report/1"; kInvalidArgument when
// `assets.echarts_js` is empty.
Result<std::string> RenderHtmlReport(const std::string& report_data_json, const HtmlAssets& assets);

// Opens the report page `html` in headless Chromium (node, with playwright-core
// from `node_modules`, driving SWEETSPOT_CHROMIUM or /usr/bin/chromium, with no
// request but the file itself) and writes each main chart the page has as
// `dir`/<chart>.png through the page's window.sweetspot.exportPng:
// speed-accuracy, confusion-a, confusion-b, confusion-diff, latency-macs,
// latency-distribution, sqnr, cascade, and per dataset K of a detection
// study detection-speed-K and detection-pr-K, and per video K of a keypoint
// study keypoint-angle-K-J (angle J), keypoint-jitter-K and keypoint-noise-K.
// Returns the files written. Errors:
// kFailedPrecondition naming what is missing (node on PATH, playwright-core,
// chromium) with "run scripts/bootstrap"; kRuntimeError with the browser's
// message when it fails. Blocks until the browser has finished.
Result<std::vector<std::filesystem::path>> WriteChartPngs(const std::filesystem::path& html,
                                                          const std::filesystem::path& dir,
                                                          const std::filesystem::path& node_modules);

}  // namespace sweetspot
