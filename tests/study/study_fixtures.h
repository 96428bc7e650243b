// Models for the study tests beyond the evaluation fixtures.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <onnx/onnx_pb.h>

#include "eval/eval_fixtures.h"
#include "support/support.h"
#include "sweetspot/onnx_model.h"

namespace sweetspot::testing {

// A file's bytes ("" when it cannot be read).
inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Rows in a table of the store, read with SQLite directly (0 if unreadable).
inline std::int64_t Rows(const std::filesystem::path& db, const std::string& table) {
  sqlite3* raw = nullptr;
  std::int64_t n = 0;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(raw, ("SELECT count(*) FROM " + table).c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(raw);
  return n;
}

// Runs `sql` on the store with SQLite directly (what a test does to the file
// behind sweetspot's back); false when it fails.
inline bool ExecuteSql(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  const bool ok = sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK &&
                  sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(raw);
  return ok;
}

// input [N,3,H,W] with symbolic H and W -> GlobalAveragePool -> Flatten:
// score c = the mean of channel c, at any image size. On WriteRgbFolder it
// gets 8 of 9 right, like ChannelModel.
inline onnx::ModelProto DynamicSizeModel(const std::string& h = "H", const std::string& w = "W") {
  GraphBuilder b("dynamic_size");
  b.Input("input", DType::kFloat32, {-1, 3, -1, -1}, {"N", "", h, w});
  b.Node("GlobalAveragePool", {"input"}, {"pooled"});
  b.Node("Flatten", {"pooled"}, {"output"}, {Attr("axis", int64_t{1})});
  b.Output("output", DType::kFloat32, {-1, 3}, {"N", ""});
  return b.Build();
}

// DIR/study.toml, the "colours" study of two channel models on
// WriteRgbFolder's images (DIR/images): "good" misses one image of nine, "bad"
// (green and blue swapped) several; short benchmarks, min_top1 = 0.8.
inline void WriteColoursStudy(const std::filesystem::path& dir) {
  WriteRgbFolder(dir / "images");
  WriteModel(ChannelModel(), dir / "good.onnx");
  WriteModel(ChannelModel({-1, 3, 2, 2}, 3, false, false, /*swap_green_blue=*/true), dir / "bad.onnx");
  WriteFile(dir / "study.toml",
            "name = \"colours\"\n[dataset]\npath = \"images\"\n"
            "[[models]]\nname = \"good\"\npath = \"good.onnx\"\n"
            "[[models]]\nname = \"bad\"\npath = \"bad.onnx\"\n"
            "[runtime]\nthreads = [1]\nduration_s = 0.05\nmax_duration_s = 0.3\nmin_count = 10\n"
            "[constraints]\nmin_top1 = 0.8\n");
}

}  // namespace sweetspot::testing
