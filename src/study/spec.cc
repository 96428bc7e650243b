#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "sweetspot/backend.h"
#include "sweetspot/detection_decoder.h"
#include "sweetspot/keypoint_decoder.h"
#include "sweetspot/keypoints.h"
#include "sweetspot/person_tracker.h"
#include "sweetspot/preprocess_toml.h"
#include "sweetspot/study.h"
#include "sweetspot/text_file.h"
#include "sweetspot/variant.h"

namespace sweetspot {
namespace fs = std::filesystem;

namespace {

constexpr double kMegabyte = 1e6;

// Errors name the spec file, the table and the key.
class SpecReader {
 public:
  explicit SpecReader(std::string file) : file_(std::move(file)) {}

  // "<file> line <N> <where>: <message>", the line that of `at` when given.
  Status Error(std::string_view where, std::string_view message, StatusCode code = StatusCode::kInvalidData,
               const toml::node* at = nullptr) const {
    const auto line = at != nullptr ? at->source().begin.line : 0;
    const std::string file = line > 0 ? fmt::format("{} line {}", file_, line) : file_;
    return Status::FromCode(code, fmt::format("{} {}: {}", file, where, message));
  }
  Status Error(std::string_view where, std::string_view message, const toml::node* at) const {
    return Error(where, message, StatusCode::kInvalidData, at);
  }

  Status CheckKeys(const toml::table& table, std::string_view where,
                   std::initializer_list<std::string_view> known) const {
    for (auto&& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        return Error(where,
                     fmt::format("unknown key '{}' (known: {}); check the spelling (docs/study.md)", key.str(),
                                 fmt::join(known, ", ")),
                     &node);
      }
    }
    return Status::Ok();
  }

  Result<std::optional<std::string>> String(const toml::table& t, std::string_view key, std::string_view where) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::optional<std::string>();
    const auto v = n->value<std::string>();
    if (!v) return Error(fmt::format("{} {}", where, key), "must be a string", n);
    return std::optional<std::string>(*v);
  }

  Result<std::optional<double>> Number(const toml::table& t, std::string_view key, std::string_view where) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::optional<double>();
    std::optional<double> v;
    if (const auto i = n->value_exact<std::int64_t>()) v = static_cast<double>(*i);
    if (const auto d = n->value_exact<double>()) v = *d;
    if (!v || !std::isfinite(*v)) return Error(fmt::format("{} {}", where, key), "must be a number", n);
    return v;
  }

  Result<std::optional<std::int64_t>> Integer(const toml::table& t, std::string_view key, std::string_view where,
                                              std::int64_t min) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::optional<std::int64_t>();
    const auto v = n->value_exact<std::int64_t>();
    if (!v || *v < min) {
      return Error(fmt::format("{} {}", where, key), fmt::format("must be an integer >= {}", min), n);
    }
    return std::optional<std::int64_t>(*v);
  }

  // An integer or an array of them.
  Result<std::vector<std::int64_t>> IntegerList(const toml::table& t, std::string_view key, std::string_view where,
                                                std::vector<std::int64_t> fallback, std::int64_t min) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return fallback;
    std::vector<std::int64_t> out;
    if (const auto v = n->value_exact<std::int64_t>()) {
      out.push_back(*v);
    } else if (const toml::array* a = n->as_array()) {
      for (const auto& e : *a) {
        const auto v2 = e.value_exact<std::int64_t>();
        if (!v2) return Error(fmt::format("{} {}", where, key), "must be an integer or an array of integers", &e);
        out.push_back(*v2);
      }
    }
    if (out.empty()) {
      return Error(fmt::format("{} {}", where, key), "must be an integer or a non-empty array of integers", n);
    }
    for (auto v : out) {
      if (v < min) return Error(fmt::format("{} {}", where, key), fmt::format("values must be >= {}", min), n);
    }
    SWEETSPOT_RETURN_IF_ERROR(CheckDistinct(out, where, key, n));
    return out;
  }

  Result<std::vector<std::string>> StringList(const toml::table& t, std::string_view key, std::string_view where,
                                              std::vector<std::string> fallback) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return fallback;
    std::vector<std::string> out;
    if (const auto v = n->value<std::string>()) {
      out.push_back(*v);
    } else if (const toml::array* a = n->as_array()) {
      for (const auto& e : *a) {
        const auto v2 = e.value<std::string>();
        if (!v2) return Error(fmt::format("{} {}", where, key), "must be a string or an array of strings", &e);
        out.push_back(*v2);
      }
    }
    if (out.empty()) {
      return Error(fmt::format("{} {}", where, key), "must be a string or a non-empty array of strings", n);
    }
    SWEETSPOT_RETURN_IF_ERROR(CheckDistinct(out, where, key, n));
    return out;
  }

  Result<std::vector<bool>> BoolList(const toml::table& t, std::string_view key, std::string_view where) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::vector<bool>{true};
    std::vector<bool> out;
    if (const auto v = n->value_exact<bool>()) {
      out.push_back(*v);
    } else if (const toml::array* a = n->as_array()) {
      for (const auto& e : *a) {
        const auto v2 = e.value_exact<bool>();
        if (!v2) return Error(fmt::format("{} {}", where, key), "must be true, false or [true, false]", &e);
        out.push_back(*v2);
      }
    }
    if (out.empty()) return Error(fmt::format("{} {}", where, key), "must be true, false or [true, false]", n);
    std::vector<std::string> texts;
    for (bool v : out) texts.emplace_back(v ? "true" : "false");
    SWEETSPOT_RETURN_IF_ERROR(CheckDistinct(texts, where, key, n));
    return out;
  }

  // A string list whose values `parse` turns into T; an unknown value's error
  // (which lists the known ones) is prefixed with the key.
  template <typename T, typename Parse>
  Result<std::vector<T>> EnumList(const toml::table& t, std::string_view key, std::string_view where,
                                  std::string fallback, Parse parse) const {
    SWEETSPOT_ASSIGN_OR_RETURN(auto texts, StringList(t, key, where, {std::move(fallback)}));
    std::vector<T> out;
    for (const auto& text : texts) {
      Result<T> value = parse(text);
      if (!value.ok()) return Error(fmt::format("{} {}", where, key), value.status().message(), t.get(key));
      out.push_back(*value);
    }
    return out;
  }

  // A list naming a value twice would make two identical candidates, ranked
  // against each other on timing noise alone.
  template <typename T>
  Status CheckDistinct(const std::vector<T>& values, std::string_view where, std::string_view key,
                       const toml::node* at) const {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (std::find(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), values[i]) ==
          values.begin() + static_cast<std::ptrdiff_t>(i)) {
        continue;
      }
      return Error(fmt::format("{} {}", where, key),
                   fmt::format("lists {} twice; list each value once (the same setting is one candidate)", values[i]),
                   StatusCode::kInvalidArgument, at);
    }
    return Status::Ok();
  }

  // A `dims` table: symbolic dimension name (or "<input>:<axis>") -> a value >= 1.
  Status Dims(const toml::table& parent, std::string_view where, std::map<std::string, std::int64_t>* dims) const {
    const toml::node* n = parent.get("dims");
    if (n == nullptr) return Status::Ok();
    const toml::table* t = n->as_table();
    if (t == nullptr) return Error(fmt::format("{} dims", where), "must be a table, e.g. dims = { seq = 128 }", n);
    for (auto&& [key, node] : *t) {
      const auto v = node.value_exact<std::int64_t>();
      if (!v || *v < 1) {
        return Error(fmt::format("{} dims.{}", where, key.str()), "must be an integer >= 1", &node);
      }
      (*dims)[std::string(key.str())] = *v;
    }
    return Status::Ok();
  }

  // A preprocess table (a [*.preprocess] header, dotted keys or an inline
  // table), checked where it was parsed, as standalone TOML text.
  Result<std::string> Preprocess(const toml::table& parent, std::string_view where) const {
    const toml::node* n = parent.get("preprocess");
    if (n == nullptr) return std::string();
    const toml::table* t = n->as_table();
    if (t == nullptr) return Error(where, "'preprocess' must be a table of preprocessing keys (docs/eval.md)", n);
    auto parsed = ParsePreprocessTable(*t, fmt::format("{} {} preprocess", file_, where));
    if (!parsed.ok()) return parsed.status();
    toml::table document = *t;
    document.is_inline(false);  // an inline table prints as `{ ... }`, which is not a document
    std::ostringstream text;
    text << document;
    return text.str();
  }

  // A `variants` list, each entry parsed and written in its canonical form.
  Result<std::vector<std::string>> Variants(const toml::table& t, std::string_view where,
                                            std::vector<std::string> fallback) const {
    SWEETSPOT_ASSIGN_OR_RETURN(auto texts, StringList(t, "variants", where, fallback));
    std::vector<std::string> canonical;
    for (const auto& text : texts) {
      auto parsed = ParseVariantSpec(text);
      if (!parsed.ok()) {
        return Error(fmt::format("{} variants", where), parsed.status().message(), t.get("variants"));
      }
      canonical.push_back(parsed->Canonical());
    }
    SWEETSPOT_RETURN_IF_ERROR(CheckDistinct(canonical, where, "variants", t.get("variants")));
    return canonical;
  }

  // A table as standalone TOML text, less the keys in `drop`.
  static std::string TableText(const toml::table& table, std::initializer_list<std::string_view> drop = {}) {
    toml::table document = table;
    document.is_inline(false);
    for (std::string_view key : drop) document.erase(key);
    std::ostringstream text;
    text << document;
    return text.str();
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// An IDX prefix names no file itself; the reader finds PREFIX-images-idx3-ubyte[.gz].
bool DatasetPathExists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec) || fs::exists(path.string() + "-images-idx3-ubyte", ec) ||
         fs::exists(path.string() + "-images-idx3-ubyte.gz", ec);
}

fs::path Resolve(const fs::path& base, const std::string& path) {
  const fs::path p(path);
  return (p.is_absolute() ? p : base / p).lexically_normal();
}

}  // namespace

std::string RuntimeSetting::Label() const {
  const RuntimeSetting defaults;
  std::string label = engine == defaults.engine ? "" : engine + " ";
  label += fmt::format("{} b{} t{}", ScenarioName(scenario), batch_size, threads);
  if (inter_op_threads != defaults.inter_op_threads) label += fmt::format(" inter{}", inter_op_threads);
  if (graph_optimization != defaults.graph_optimization) {
    label += fmt::format(" opt:{}", GraphOptimizationName(graph_optimization));
  }
  if (execution_mode != defaults.execution_mode) label += fmt::format(" mode:{}", ExecutionModeName(execution_mode));
  if (allow_spinning != defaults.allow_spinning) label += allow_spinning ? " spin:on" : " spin:off";
  if (memory_arena != defaults.memory_arena) label += memory_arena ? " arena:on" : " arena:off";
  return label;
}

namespace {

Result<std::vector<std::string>> Engines(const SpecReader& r, const toml::table& rt) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto engines, r.StringList(rt, "engine", "[runtime]", {std::string(kDefaultEngine)}));
  const std::vector<std::string> available = BackendNames();
  for (const auto& engine : engines) {
    if (std::find(available.begin(), available.end(), engine) == available.end()) {
      return r.Error("[runtime] engine",
                     fmt::format("unknown engine '{}'; use one of: {}", engine, fmt::join(available, ", ")),
                     StatusCode::kInvalidArgument, rt.get("engine"));
    }
  }
  return engines;
}

// `settings` times `values`: each setting once per value, `set` applying it.
template <typename T, typename Set>
std::vector<RuntimeSetting> Times(const std::vector<RuntimeSetting>& settings, const std::vector<T>& values, Set set) {
  std::vector<RuntimeSetting> out;
  for (const RuntimeSetting& setting : settings) {
    for (const T& value : values) {
      out.push_back(setting);
      set(out.back(), value);
    }
  }
  return out;
}

// Every combination of the [runtime] axes, the engine outermost.
Result<std::vector<RuntimeSetting>> RuntimeSettings(const SpecReader& r, const toml::table& rt) {
  constexpr std::string_view kWhere = "[runtime]";
  SWEETSPOT_ASSIGN_OR_RETURN(auto engines, Engines(r, rt));
  const auto parse_scenario = [](std::string_view name) -> Result<Scenario> {
    auto scenario = ParseScenario(name);
    if (scenario.ok() && *scenario != Scenario::kConcurrent) return scenario;
    return Status::InvalidData(fmt::format("'{}' is not a study scenario (known: single-stream, offline)", name));
  };
  SWEETSPOT_ASSIGN_OR_RETURN(auto scenarios,
                             r.EnumList<Scenario>(rt, "scenario", kWhere, "single-stream", parse_scenario));
  SWEETSPOT_ASSIGN_OR_RETURN(auto batches, r.IntegerList(rt, "batch", kWhere, {1}, 1));
  SWEETSPOT_ASSIGN_OR_RETURN(auto threads, r.IntegerList(rt, "threads", kWhere, {1}, 0));
  SWEETSPOT_ASSIGN_OR_RETURN(auto inter, r.IntegerList(rt, "inter_op_threads", kWhere, {1}, 0));
  SWEETSPOT_ASSIGN_OR_RETURN(
      auto levels, r.EnumList<GraphOptimization>(rt, "graph_optimization", kWhere, "all", ParseGraphOptimization));
  SWEETSPOT_ASSIGN_OR_RETURN(auto modes,
                             r.EnumList<ExecutionMode>(rt, "execution_mode", kWhere, "sequential", ParseExecutionMode));
  SWEETSPOT_ASSIGN_OR_RETURN(auto spinning, r.BoolList(rt, "spinning", kWhere));
  SWEETSPOT_ASSIGN_OR_RETURN(auto arenas, r.BoolList(rt, "memory_arena", kWhere));
  auto settings = Times(std::vector<RuntimeSetting>(1), engines, [](auto& s, const auto& v) { s.engine = v; });
  settings = Times(settings, scenarios, [](auto& s, auto v) { s.scenario = v; });
  settings = Times(settings, batches, [](auto& s, auto v) { s.batch_size = v; });
  settings = Times(settings, threads, [](auto& s, auto v) { s.threads = static_cast<int>(v); });
  settings = Times(settings, inter, [](auto& s, auto v) { s.inter_op_threads = static_cast<int>(v); });
  settings = Times(settings, levels, [](auto& s, auto v) { s.graph_optimization = v; });
  settings = Times(settings, modes, [](auto& s, auto v) { s.execution_mode = v; });
  settings = Times(settings, spinning, [](auto& s, bool v) { s.allow_spinning = v; });
  return Times(settings, arenas, [](auto& s, bool v) { s.memory_arena = v; });
}

// [cascade]: each name a model's, or a variant of one ("large/int8-static").
Result<std::optional<CascadeSpec>> ParseCascade(const SpecReader& r, const toml::table& root,
                                                const std::set<std::string>& names) {
  if (!root.contains("cascade")) return std::optional<CascadeSpec>();
  const toml::table* table = root["cascade"].as_table();
  if (table == nullptr) return r.Error("cascade", "must be a table: [cascade] fast = \"...\" accurate = \"...\"");
  SWEETSPOT_RETURN_IF_ERROR(r.CheckKeys(*table, "[cascade]", {"fast", "accurate", "max_drop_points"}));
  CascadeSpec cascade;
  for (auto [key, name] : {std::pair{"fast", &cascade.fast}, {"accurate", &cascade.accurate}}) {
    SWEETSPOT_ASSIGN_OR_RETURN(auto value, r.String(*table, key, "[cascade]"));
    if (!value) return r.Error(fmt::format("[cascade] {}", key), "is missing: name a candidate, e.g. \"nano\"");
    if (!names.contains(value->substr(0, value->find('/')))) {
      return r.Error(fmt::format("[cascade] {}", key),
                     fmt::format("'{}' is not a model name (names: {})", *value, fmt::join(names, ", ")),
                     table->get(key));
    }
    *name = *value;
  }
  if (cascade.fast == cascade.accurate) return r.Error("[cascade] accurate", "names the fast model too: pick two");
  SWEETSPOT_ASSIGN_OR_RETURN(auto drop, r.Number(*table, "max_drop_points", "[cascade]"));
  cascade.max_drop_points = drop.value_or(cascade.max_drop_points);
  if (cascade.max_drop_points < 0) return r.Error("[cascade] max_drop_points", "must be >= 0 (points of top-1)");
  return std::optional<CascadeSpec>(cascade);
}

// The [dataset] table: the classification study's dataset (a detection
// study's one dataset), its subset and its calibration set.
Status ParseDatasetTable(const SpecReader& r, const toml::table& table, const fs::path& base, StudySpec* out) {
  const toml::table* dataset = &table;
  StudySpec& spec = *out;
  SWEETSPOT_RETURN_IF_ERROR(r.CheckKeys(
      *dataset, "[dataset]", {"path", "classes", "limit", "seed", "preprocess", "calibration", "calibration_samples"}));
  SWEETSPOT_ASSIGN_OR_RETURN(auto data_path, r.String(*dataset, "path", "[dataset]"));
  if (!data_path) return r.Error("[dataset]", "path is missing; add path = \"images/\"");
  spec.dataset_path = Resolve(base, *data_path);
  std::error_code ec;
  if (!DatasetPathExists(spec.dataset_path)) {
    return r.Error("[dataset] path",
                   fmt::format("'{}' does not exist; fix the path (relative paths start at the spec's folder)",
                               spec.dataset_path.string()),
                   StatusCode::kNotFound, dataset->get("path"));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto classes, r.String(*dataset, "classes", "[dataset]"));
  if (classes) {
    spec.classes_file = Resolve(base, *classes);
    if (!fs::is_regular_file(spec.classes_file, ec)) {
      return r.Error("[dataset] classes", fmt::format("'{}' does not exist", spec.classes_file.string()),
                     StatusCode::kNotFound, dataset->get("classes"));
    }
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto limit, r.Integer(*dataset, "limit", "[dataset]", 0));
  spec.limit = static_cast<std::size_t>(limit.value_or(0));
  SWEETSPOT_ASSIGN_OR_RETURN(auto seed, r.Integer(*dataset, "seed", "[dataset]", 0));
  spec.seed = static_cast<std::uint64_t>(seed.value_or(0));
  SWEETSPOT_ASSIGN_OR_RETURN(spec.dataset_preprocess_toml, r.Preprocess(*dataset, "[dataset]"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto calibration_samples, r.Integer(*dataset, "calibration_samples", "[dataset]", 1));
  spec.calibration_samples = static_cast<std::size_t>(calibration_samples.value_or(0));
  SWEETSPOT_ASSIGN_OR_RETURN(auto calibration, r.String(*dataset, "calibration", "[dataset]"));
  if (calibration) {
    spec.calibration_path = Resolve(base, *calibration);
    if (!DatasetPathExists(spec.calibration_path)) {
      return r.Error("[dataset] calibration",
                     fmt::format("'{}' does not exist; name an image folder, manifest or IDX prefix (relative paths "
                                 "start at the spec's folder)",
                                 spec.calibration_path.string()),
                     StatusCode::kNotFound, dataset->get("calibration"));
    }
    // weakly_canonical: a link or another spelling of the same set is the same set.
    const fs::path calibration_real = fs::weakly_canonical(spec.calibration_path, ec);
    const fs::path dataset_real = fs::weakly_canonical(spec.dataset_path, ec);
    if (spec.calibration_path == spec.dataset_path || (!calibration_real.empty() && calibration_real == dataset_real)) {
      return r.Error("[dataset] calibration",
                     "is the evaluation dataset; calibrating on the samples accuracy is measured on overstates it: "
                     "name another set (e.g. the training set) or remove the key to hold samples out",
                     StatusCode::kInvalidArgument, dataset->get("calibration"));
    }
  }

  return Status::Ok();
}

// A keypoint study times each person crop in its accuracy run (the crop /
// network / decoding split of one crop at a time): single-stream, batch 1. A
// detection study benchmarks separately: single-stream one image at a time,
// or offline in batches of any size.
Status CheckDetectionSettings(const SpecReader& r, const toml::table& rt, const std::vector<RuntimeSetting>& settings,
                              std::string_view task) {
  const bool keypoints = task == "keypoints";
  for (const RuntimeSetting& s : settings) {
    if (keypoints && s.scenario != Scenario::kSingleStream) {
      return r.Error("[runtime] scenario",
                     "a keypoints study times single-stream queries only (pre-processing, network and decoding of "
                     "one person crop at a time, in its accuracy run): set scenario = \"single-stream\"",
                     StatusCode::kInvalidArgument, rt.get("scenario"));
    }
    if (keypoints && s.batch_size != 1) {
      return r.Error("[runtime] batch", "a keypoints study times one person crop at a time: set batch = [1]",
                     StatusCode::kInvalidArgument, rt.get("batch"));
    }
    if (s.scenario == Scenario::kSingleStream && s.batch_size != 1) {
      return r.Error("[runtime] batch",
                     fmt::format("a {} study times single-stream queries one image at a time (batch {} is for "
                                 "offline): set batch = [1], or scenario = \"offline\"",
                                 task, s.batch_size),
                     StatusCode::kInvalidArgument, rt.get("batch"));
    }
  }
  return Status::Ok();
}

// Variants that calibrate on the study's images (int8-static, int8-aware)
// would need the detector's (keypoint model's) preprocessing of its images;
// a detection or keypoint study takes the variants that need none.
Status CheckDetectionVariants(const SpecReader& r, const toml::table& root, const StudySpec& spec) {
  const std::string_view task = StudyTaskName(spec.task);
  const auto check = [&](const std::vector<std::string>& variants, const std::string& where,
                         const toml::node* at) -> Status {
    for (const auto& text : variants) {
      if (!ParseVariantSpec(text)->NeedsCalibration()) continue;
      return r.Error(where + " variants",
                     fmt::format("{} calibrates on classification images, which a {} study has not: remove it "
                                 "(fp16 and int8-dynamic need no calibration)",
                                 text, task),
                     StatusCode::kUnsupported, at);
    }
    return Status::Ok();
  };
  SWEETSPOT_RETURN_IF_ERROR(check(spec.variants, "(top level)", root.get("variants")));
  const toml::array* models = root["models"].as_array();
  for (std::size_t i = 0; i < spec.models.size(); ++i) {
    const toml::node* at = models->get(i)->as_table()->get("variants");
    SWEETSPOT_RETURN_IF_ERROR(check(spec.models[i].variants, fmt::format("[[models]] #{}", i + 1), at));
  }
  return Status::Ok();
}

constexpr std::string_view kDetectionOnly = "set task = \"detection\" (top level) for a detection study";

// [detection] or [models.detection]: the decoder keys (their values checked
// here, the layout's name by the decoder when the model is evaluated), the
// model's class list and, for the study only, the protocol.
Status ParseDetectionTable(const SpecReader& r, const toml::table& parent, std::string_view where, bool study_table,
                           const fs::path& base, StudyDetection* out) {
  const toml::node* n = parent.get("detection");
  if (n == nullptr) return Status::Ok();
  const toml::table* t = n->as_table();
  if (t == nullptr) return r.Error(where, "must be a table of decoder keys (docs/study.md)", n);
  std::vector<std::string_view> known = {
      "layout",        "strides",        "box_format",         "normalized_boxes", "label_offset", "score_threshold",
      "iou_threshold", "max_detections", "class_agnostic_nms", "multi_label",      "model_classes"};
  if (study_table) known.push_back("protocol");
  for (auto&& [key, node] : *t) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
    return r.Error(where,
                   fmt::format("unknown key '{}' (known: {}); check the spelling (docs/study.md)", key.str(),
                               fmt::join(known, ", ")),
                   &node);
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto classes, r.String(*t, "model_classes", where));
  if (classes && *classes != "coco80") {
    std::error_code ec;
    const fs::path file = Resolve(base, *classes);
    if (!fs::is_regular_file(file, ec)) {
      return r.Error(fmt::format("{} model_classes", where),
                     fmt::format("'{}' does not exist; write \"coco80\" for the 80 COCO classes or the path of a file "
                                 "with one class name per line (relative paths start at the spec's folder)",
                                 file.string()),
                     StatusCode::kNotFound, t->get("model_classes"));
    }
    out->model_classes = file.string();
  } else if (classes) {
    out->model_classes = *classes;
  }
  if (study_table) {
    SWEETSPOT_ASSIGN_OR_RETURN(auto protocol, r.String(*t, "protocol", where));
    if (protocol && *protocol != "coco" && *protocol != "voc") {
      return r.Error(fmt::format("{} protocol", where),
                     fmt::format("'{}' is not a protocol; write \"coco\" (mAP@[.5:.95]) or \"voc\" (mAP@0.5, VOC "
                                 "devkit)",
                                 *protocol),
                     t->get("protocol"));
    }
    out->protocol = protocol.value_or(out->protocol);
  }
  out->decoder_toml.clear();
  if (t->size() == static_cast<std::size_t>(t->contains("model_classes")) + t->contains("protocol")) {
    return Status::Ok();
  }
  // The decoder's own parser checks its keys' values, as the evaluation will read them.
  out->decoder_toml = SpecReader::TableText(*t, {"model_classes", "protocol"});
  const auto parsed =
      ParseDetectorToml(out->decoder_toml, PreprocessSource(fmt::format("{} {}", r.file(), where), false));
  return parsed.ok() ? Status::Ok() : parsed.status();
}

// A dataset's default name: its folder's (or file's) stem.
std::string DatasetName(const fs::path& path) {
  return path.has_filename() ? path.stem().string() : path.parent_path().stem().string();
}

// One [[datasets]] entry (or the [dataset] table of a detection study).
Result<StudyDataset> ParseDatasetEntry(const SpecReader& r, const toml::table& t, const std::string& where,
                                       const fs::path& base) {
  StudyDataset dataset;
  SWEETSPOT_ASSIGN_OR_RETURN(auto path, r.String(t, "path", where));
  if (!path) return r.Error(where, "path is missing; add path = \"data/\" (a VOC folder, COCO JSON or YOLO data.yaml)");
  dataset.path = Resolve(base, *path);
  std::error_code ec;
  if (!DatasetPathExists(dataset.path)) {
    return r.Error(where + " path",
                   fmt::format("'{}' does not exist; fix the path (relative paths start at the spec's folder)",
                               dataset.path.string()),
                   StatusCode::kNotFound, t.get("path"));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto name, r.String(t, "name", where));
  dataset.name = name ? *name : DatasetName(dataset.path);
  SWEETSPOT_ASSIGN_OR_RETURN(auto classes, r.String(t, "classes", where));
  if (classes) {
    dataset.classes_file = Resolve(base, *classes);
    if (!fs::is_regular_file(dataset.classes_file, ec)) {
      return r.Error(where + " classes", fmt::format("'{}' does not exist", dataset.classes_file.string()),
                     StatusCode::kNotFound, t.get("classes"));
    }
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto limit, r.Integer(t, "limit", where, 0));
  dataset.limit = static_cast<std::size_t>(limit.value_or(0));
  SWEETSPOT_ASSIGN_OR_RETURN(dataset.preprocess_toml, r.Preprocess(t, where));
  return dataset;
}

// [[datasets]]: every entry, names distinct.
Result<std::vector<StudyDataset>> ParseDatasets(const SpecReader& r, const toml::table& root, const fs::path& base) {
  const toml::array* entries = root["datasets"].as_array();
  if (entries == nullptr || entries->empty()) {
    return r.Error("[[datasets]]", "must be one or more tables: [[datasets]] path = \"data/\"", root.get("datasets"));
  }
  std::vector<StudyDataset> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = fmt::format("[[datasets]] #{}", i + 1);
    const toml::table* t = entries->get(i)->as_table();
    if (t == nullptr) return r.Error(where, "must be a table with path = \"data/\"", entries->get(i));
    SWEETSPOT_RETURN_IF_ERROR(r.CheckKeys(*t, where, {"name", "path", "classes", "preprocess", "limit"}));
    SWEETSPOT_ASSIGN_OR_RETURN(StudyDataset dataset, ParseDatasetEntry(r, *t, where, base));
    if (!names.insert(dataset.name).second) {
      return r.Error(where + " name", fmt::format("'{}' names two datasets; give each a distinct name", dataset.name),
                     t->get("name") != nullptr ? t->get("name") : t->get("path"));
    }
    out.push_back(std::move(dataset));
  }
  return out;
}

constexpr std::string_view kKeypointsOnly = "set task = \"keypoints\" (top level) for a keypoint study";

// A schema value: a built-in name, or a schema TOML file (relative to the spec's folder).
Result<std::string> SchemaValue(const SpecReader& r, const toml::table& t, std::string_view where,
                                const fs::path& base) {
  SWEETSPOT_ASSIGN_OR_RETURN(auto schema, r.String(t, "schema", where));
  if (!schema || BuiltinSchema(*schema).ok()) return schema.value_or("");
  const fs::path file = Resolve(base, *schema);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return r.Error(fmt::format("{} schema", where),
                   fmt::format("'{}' is neither a built-in schema ({}) nor a schema file; fix the name or the path "
                               "(relative paths start at the spec's folder)",
                               *schema, fmt::join(BuiltinSchemaNames(), ", ")),
                   StatusCode::kNotFound, t.get("schema"));
  }
  return file.string();
}

// [keypoints] or [models.keypoints]: the decoder keys (checked by the
// decoder's own parser, as the evaluation reads them) and the schema.
Status ParseKeypointDecoder(const SpecReader& r, const toml::table& t, std::string_view where, const fs::path& base,
                            std::initializer_list<std::string_view> study_keys, std::string* decoder_toml,
                            std::string* schema) {
  SWEETSPOT_ASSIGN_OR_RETURN(*schema, SchemaValue(r, t, where, base));
  std::vector<std::string_view> drop = {"schema"};
  drop.insert(drop.end(), study_keys.begin(), study_keys.end());
  toml::table decoder = t;
  for (std::string_view key : drop) decoder.erase(key);
  if (decoder.empty()) return Status::Ok();
  decoder.is_inline(false);
  std::ostringstream text;
  text << decoder;
  *decoder_toml = text.str();
  const auto parsed =
      ParseKeypointDecoderToml(*decoder_toml, PreprocessSource(fmt::format("{} {}", r.file(), where), false));
  return parsed.ok() ? Status::Ok() : parsed.status();
}

// [keypoints] pck_alphas, normalization and padding.
Status ParseKeypointScoring(const SpecReader& r, const toml::table& t, StudyKeypoints* out) {
  constexpr std::string_view kWhere = "[keypoints]";
  if (const toml::node* n = t.get("pck_alphas")) {
    const toml::array* a = n->as_array();
    std::vector<double> alphas;
    for (std::size_t i = 0; a != nullptr && i < a->size(); ++i) {
      const toml::node& e = *a->get(i);
      const auto v = e.is_integer() ? static_cast<double>(*e.value<std::int64_t>()) : e.value_or(-1.0);
      alphas.push_back(v);
    }
    const bool valid = !alphas.empty() && std::all_of(alphas.begin(), alphas.end(), [](double v) { return v > 0; });
    if (!valid) {
      return r.Error("[keypoints] pck_alphas",
                     "must be a non-empty array of numbers > 0, the primary first, e.g. [0.2, 0.1, 0.05]", n);
    }
    SWEETSPOT_RETURN_IF_ERROR(r.CheckDistinct(alphas, kWhere, "pck_alphas", n));
    out->pck_alphas = alphas;
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto normalization, r.String(t, "normalization", kWhere));
  if (normalization && *normalization != "box" && *normalization != "head") {
    return r.Error("[keypoints] normalization",
                   fmt::format("'{}' is not a PCK normalisation; write \"box\" (the person box's longer side) or "
                               "\"head\" (the head segment, MPII)",
                               *normalization),
                   t.get("normalization"));
  }
  out->normalization = normalization.value_or(out->normalization);
  SWEETSPOT_ASSIGN_OR_RETURN(auto padding, r.Number(t, "padding", kWhere));
  out->padding = padding.value_or(out->padding);
  if (out->padding < 1.0) {
    return r.Error("[keypoints] padding", "must be >= 1 (the crop side over the person box's longer side)",
                   t.get("padding"));
  }
  return Status::Ok();
}

// Two or four numbers (a point, a box).
Result<std::optional<std::vector<double>>> Numbers(const SpecReader& r, const toml::table& t, std::string_view key,
                                                   std::size_t count, std::string_view example) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::optional<std::vector<double>>();
  const toml::array* a = n->as_array();
  std::vector<double> values;
  for (std::size_t i = 0; a != nullptr && i < a->size(); ++i) {
    const toml::node& e = *a->get(i);
    if (!e.is_number()) break;
    values.push_back(e.is_integer() ? static_cast<double>(*e.value<std::int64_t>()) : *e.value<double>());
  }
  if (values.size() != count || (a != nullptr && a->size() != count)) {
    return r.Error(fmt::format("[video] {}", key), fmt::format("must be {} numbers (pixels), e.g. {}", count, example),
                   n);
  }
  return std::optional<std::vector<double>>(values);
}

// [video]: the video, the person's first square, the frames and the stability threshold.
Status ParseVideoTable(const SpecReader& r, const toml::table& t, const fs::path& base, StudyVideo* out) {
  constexpr std::string_view kWhere = "[video]";
  SWEETSPOT_RETURN_IF_ERROR(
      r.CheckKeys(t, kWhere, {"path", "centre", "side", "box", "padding", "max_frames", "min_confidence"}));
  SWEETSPOT_ASSIGN_OR_RETURN(auto path, r.String(t, "path", kWhere));
  if (!path) return r.Error(kWhere, "path is missing; add path = \"walk.avi\" (a video file or a frame folder)");
  out->path = Resolve(base, *path);
  std::error_code ec;
  if (!fs::exists(out->path, ec)) {
    return r.Error("[video] path",
                   fmt::format("'{}' does not exist; fix the path (relative paths start at the spec's folder)",
                               out->path.string()),
                   StatusCode::kNotFound, t.get("path"));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto centre, Numbers(r, t, "centre", 2, "centre = [640, 210]"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto box, Numbers(r, t, "box", 4, "box = [480, 40, 800, 380]"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto side, r.Number(t, "side", kWhere));
  SWEETSPOT_ASSIGN_OR_RETURN(auto padding, r.Number(t, "padding", kWhere));
  if (box && (centre || side)) {
    return r.Error("[video] box", "and centre/side both give the first square; keep one", t.get("box"));
  }
  if (box) {
    const Box b{(*box)[0], (*box)[1], (*box)[2], (*box)[3]};
    if (b.width() <= 0 || b.height() <= 0)
      return r.Error("[video] box", "must be [x1, y1, x2, y2] with x2 > x1, y2 > y1", t.get("box"));
    const TrackSquare square = TrackSquare::AroundBox(b, padding.value_or(KeypointEvalRequest{}.padding));
    *out = StudyVideo{out->path, square.cx_px, square.cy_px, square.side_px};
  } else if (!centre || !side || *side <= 0) {
    return r.Error(kWhere,
                   "needs the person's square in the first frame: add centre = [x, y] and side = S (pixels, S > 0), "
                   "or box = [x1, y1, x2, y2]",
                   StatusCode::kInvalidArgument, &t);
  } else {
    *out = StudyVideo{out->path, (*centre)[0], (*centre)[1], *side};
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto max_frames, r.Integer(t, "max_frames", kWhere, 0));
  out->max_frames = static_cast<std::uint64_t>(max_frames.value_or(0));
  SWEETSPOT_ASSIGN_OR_RETURN(auto min_confidence, r.Number(t, "min_confidence", kWhere));
  out->min_confidence = min_confidence.value_or(out->min_confidence);
  if (out->min_confidence < 0 || out->min_confidence > 1) {
    return r.Error("[video] min_confidence", "must be in [0, 1] (a joint's score)", t.get("min_confidence"));
  }
  return Status::Ok();
}

// [keypoints] and [video]: for keypoint studies only.
Status ParseKeypointTables(const SpecReader& r, const toml::table& root, bool keypoints, const fs::path& base,
                           StudySpec* spec) {
  for (const char* key : {"keypoints", "video"}) {
    if (!keypoints && root.contains(key)) {
      return r.Error(fmt::format("[{}]", key), fmt::format("is for keypoint studies; {}", kKeypointsOnly),
                     root.get(key));
    }
  }
  if (!keypoints) return Status::Ok();
  if (const toml::node* n = root.get("keypoints")) {
    const toml::table* t = n->as_table();
    if (t == nullptr) return r.Error("[keypoints]", "must be a table (docs/study.md \"Keypoint studies\")", n);
    SWEETSPOT_RETURN_IF_ERROR(ParseKeypointDecoder(r, *t, "[keypoints]", base,
                                                   {"pck_alphas", "normalization", "padding"},
                                                   &spec->keypoints.decoder_toml, &spec->keypoints.schema));
    SWEETSPOT_RETURN_IF_ERROR(ParseKeypointScoring(r, *t, &spec->keypoints));
  }
  if (const toml::node* n = root.get("video")) {
    const toml::table* t = n->as_table();
    if (t == nullptr) return r.Error("[video]", "must be a table: [video] path = \"walk.avi\"", n);
    SWEETSPOT_RETURN_IF_ERROR(ParseVideoTable(r, *t, base, &spec->video));
  }
  return Status::Ok();
}

// A [[models]] entry's `engine` and [models.keypoints] (keypoint studies only).
Status ParseModelKeypoints(const SpecReader& r, const toml::table& m, const std::string& where, bool keypoints,
                           const fs::path& base, StudyModel* model) {
  for (const char* key : {"engine", "keypoints"}) {
    if (!keypoints && m.contains(key)) {
      return r.Error(fmt::format("{} {}", where, key), fmt::format("is for keypoint studies; {}", kKeypointsOnly),
                     m.get(key));
    }
  }
  if (!keypoints) return Status::Ok();
  SWEETSPOT_ASSIGN_OR_RETURN(auto engine, r.String(m, "engine", where));
  if (engine) {
    const std::vector<std::string> available = BackendNames();
    if (std::find(available.begin(), available.end(), *engine) == available.end()) {
      return r.Error(where + " engine",
                     fmt::format("unknown engine '{}'; use one of: {}", *engine, fmt::join(available, ", ")),
                     StatusCode::kInvalidArgument, m.get("engine"));
    }
    model->engine = *engine;
  }
  const toml::node* n = m.get("keypoints");
  if (n == nullptr) return Status::Ok();
  const toml::table* t = n->as_table();
  if (t == nullptr) return r.Error(where + " keypoints", "must be a table of decoder keys and schema", n);
  return ParseKeypointDecoder(r, *t, where + " keypoints", base, {}, &model->keypoints_toml, &model->schema);
}

// min_pck, min_oks (fractions), max_jitter_px, max_angle_noise_deg: keypoint
// studies only; the noise bounds need a video.
Status ParseKeypointConstraints(const SpecReader& r, const toml::table& ct, StudySpec* spec) {
  constexpr std::string_view kWhere = "[constraints]";
  const bool keypoints = spec->task == StudyTask::kKeypoints;
  for (const char* key : {"min_pck", "min_oks", "max_jitter_px", "max_angle_noise_deg"}) {
    if (!ct.contains(key)) continue;
    if (!keypoints) {
      return r.Error(fmt::format("{} {}", kWhere, key), fmt::format("is for keypoint studies; {}", kKeypointsOnly),
                     StatusCode::kInvalidArgument, ct.get(key));
    }
    const bool noise = std::string_view(key).starts_with("max_");
    if (noise && spec->video.path.empty()) {
      return r.Error(fmt::format("{} {}", kWhere, key),
                     "is measured on a video, and the spec has none: add [video] with path, centre and side (or "
                     "remove the constraint)",
                     StatusCode::kInvalidArgument, ct.get(key));
    }
  }
  Constraints& k = spec->constraints;
  k.pck_alpha = spec->keypoints.pck_alphas.front();
  SWEETSPOT_ASSIGN_OR_RETURN(k.min_pck, r.Number(ct, "min_pck", kWhere));
  SWEETSPOT_ASSIGN_OR_RETURN(k.min_oks, r.Number(ct, "min_oks", kWhere));
  SWEETSPOT_ASSIGN_OR_RETURN(k.max_jitter_px, r.Number(ct, "max_jitter_px", kWhere));
  SWEETSPOT_ASSIGN_OR_RETURN(k.max_angle_noise_deg, r.Number(ct, "max_angle_noise_deg", kWhere));
  for (const auto& [value, key] : {std::pair{k.min_pck, "min_pck"}, {k.min_oks, "min_oks"}}) {
    if (value && (*value < 0 || *value > 1)) {
      return r.Error(fmt::format("{} {}", kWhere, key),
                     fmt::format("{:g} is not a fraction in [0, 1]; write 0.7 for 70 %", *value), ct.get(key));
    }
  }
  for (const auto& [value, key] :
       {std::pair{k.max_jitter_px, "max_jitter_px"}, {k.max_angle_noise_deg, "max_angle_noise_deg"}}) {
    if (value && *value <= 0) return r.Error(fmt::format("{} {}", kWhere, key), "must be > 0", ct.get(key));
  }
  return Status::Ok();
}

}  // namespace

std::string_view StudyTaskName(StudyTask task) {
  switch (task) {
    case StudyTask::kDetection: return "detection";
    case StudyTask::kKeypoints: return "keypoints";
    case StudyTask::kClassification: break;
  }
  return "classification";
}

Result<StudySpec> ParseStudySpec(std::string_view text, const fs::path& spec_path) {
  const SpecReader r(spec_path.string());
  toml::table root;
  try {
    root = toml::parse(text, spec_path.string());
  } catch (const toml::parse_error& e) {
    return Status::InvalidData(
        fmt::format("{} line {}: {}", spec_path.string(), e.source().begin.line, e.description()));
  }
  SWEETSPOT_RETURN_IF_ERROR(
      r.CheckKeys(root, "(top level)",
                  {"name", "task", "reference", "objective", "variants", "dataset", "datasets", "detection",
                   "keypoints", "video", "models", "runtime", "constraints", "cascade"}));

  StudySpec spec;
  spec.spec_path = fs::absolute(spec_path).lexically_normal();
  spec.spec_text = std::string(text);
  const fs::path base = spec.spec_path.parent_path();
  SWEETSPOT_ASSIGN_OR_RETURN(auto name, r.String(root, "name", "(top level)"));
  spec.name = name ? *name : spec.spec_path.stem().string();
  if (spec.name.empty()) return r.Error("name", "must not be empty", root.get("name"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto task, r.String(root, "task", "(top level)"));
  if (task && *task != "classification" && *task != "detection" && *task != "keypoints") {
    return r.Error("task",
                   fmt::format("'{}' is not a task; write \"classification\", \"detection\" or \"keypoints\"", *task),
                   root.get("task"));
  }
  const bool detection = task == "detection";
  const bool keypoints = task == "keypoints";
  // Detection and keypoint studies read their datasets from `datasets`.
  const bool listed = detection || keypoints;
  spec.task = detection ? StudyTask::kDetection : keypoints ? StudyTask::kKeypoints : StudyTask::kClassification;
  SWEETSPOT_RETURN_IF_ERROR(ParseKeypointTables(r, root, keypoints, base, &spec));
  if (!detection && root.contains("detection")) {
    return r.Error("[detection]", fmt::format("is for detection studies; {}", kDetectionOnly), root.get("detection"));
  }
  SWEETSPOT_RETURN_IF_ERROR(ParseDetectionTable(r, root, "[detection]", true, base, &spec.detection));

  // [dataset] or [[datasets]]
  if (root.contains("dataset") && root.contains("datasets")) {
    return r.Error("[[datasets]]",
                   "and [dataset] are both set; keep one: move [dataset]'s path into a [[datasets]] entry, or remove "
                   "[[datasets]]",
                   StatusCode::kInvalidArgument, root.get("datasets"));
  }
  if (root.contains("datasets")) {
    SWEETSPOT_ASSIGN_OR_RETURN(spec.datasets, ParseDatasets(r, root, base));
    if (!detection && spec.datasets.size() > 1) {
      return r.Error(
          "[[datasets]]",
          fmt::format("lists {} datasets but a {} study evaluates one: keep one entry{}", spec.datasets.size(),
                      keypoints ? "keypoint" : "classification",
                      keypoints ? " (one study per labelled dataset)" : ", or " + std::string(kDetectionOnly)),
          StatusCode::kInvalidArgument, root.get("datasets"));
    }
    if (!listed) {
      const StudyDataset only = spec.datasets.front();
      spec.datasets.clear();
      spec.dataset_path = only.path;
      spec.classes_file = only.classes_file;
      spec.dataset_preprocess_toml = only.preprocess_toml;
      spec.limit = only.limit;
    }
  }
  if (!root.contains("datasets")) {
    const toml::table* dataset = root["dataset"].as_table();
    if (dataset == nullptr) {
      return r.Error("[dataset]",
                     detection   ? "missing; add [[datasets]] with path = \"data/\" (a VOC folder, COCO JSON or YOLO "
                                   "data.yaml), one per dataset"
                     : keypoints ? "missing; add [dataset] with path = \"persons.json\" (a COCO keypoint JSON or an "
                                   "MPII-style JSON list)"
                                 : "missing; add [dataset] with path = \"images/\" (an image folder, manifest or IDX "
                                   "prefix)");
    }
    SWEETSPOT_RETURN_IF_ERROR(ParseDatasetTable(r, *dataset, base, &spec));
    if (listed) {  // the one dataset is read from `datasets` alone
      spec.datasets.push_back({DatasetName(spec.dataset_path), spec.dataset_path, spec.classes_file,
                               spec.dataset_preprocess_toml, spec.limit});
      spec.dataset_path.clear();
      spec.classes_file.clear();
      spec.dataset_preprocess_toml.clear();
      spec.limit = 0;
    }
  }

  // [[models]]
  const toml::array* models = root["models"].as_array();
  if (models == nullptr || models->empty()) {
    return r.Error("[[models]]", "no candidate models; add one [[models]] table with path = \"model.onnx\" per model");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < models->size(); ++i) {
    const std::string where = fmt::format("[[models]] #{}", i + 1);
    const toml::table* m = models->get(i)->as_table();
    if (m == nullptr) return r.Error(where, "must be a table with path = \"model.onnx\"");
    SWEETSPOT_RETURN_IF_ERROR(
        r.CheckKeys(*m, where, {"name", "path", "preprocess", "dims", "variants", "detection", "engine", "keypoints"}));
    SWEETSPOT_ASSIGN_OR_RETURN(auto path, r.String(*m, "path", where));
    if (!path) return r.Error(where, "path is missing; add path = \"model.onnx\"");
    StudyModel model;
    model.path = Resolve(base, *path);
    std::error_code ec;
    if (!fs::is_regular_file(model.path, ec)) {
      return r.Error(where + " path",
                     fmt::format("model '{}' does not exist; fix the path (relative paths start at the spec's folder)",
                                 model.path.string()),
                     StatusCode::kNotFound, m->get("path"));
    }
    SWEETSPOT_ASSIGN_OR_RETURN(auto model_name, r.String(*m, "name", where));
    model.name = model_name ? *model_name : model.path.stem().string();
    if (!names.insert(model.name).second) {
      return r.Error(where + " name", fmt::format("'{}' names two models; give each a distinct name", model.name),
                     m->get("name"));
    }
    SWEETSPOT_ASSIGN_OR_RETURN(model.preprocess_toml, r.Preprocess(*m, where));
    SWEETSPOT_RETURN_IF_ERROR(r.Dims(*m, where, &model.dims));
    SWEETSPOT_ASSIGN_OR_RETURN(model.variants, r.Variants(*m, where, {}));
    if (!detection && m->contains("detection")) {
      return r.Error(where + " detection", fmt::format("is for detection studies; {}", kDetectionOnly),
                     m->get("detection"));
    }
    StudyDetection model_detection;
    SWEETSPOT_RETURN_IF_ERROR(ParseDetectionTable(r, *m, where + " detection", false, base, &model_detection));
    model.detection_toml = model_detection.decoder_toml;
    model.model_classes = model_detection.model_classes;
    SWEETSPOT_RETURN_IF_ERROR(ParseModelKeypoints(r, *m, where, keypoints, base, &model));
    spec.models.push_back(std::move(model));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto reference, r.String(root, "reference", "(top level)"));
  if (reference) {
    if (!names.contains(*reference)) {
      return r.Error("reference",
                     fmt::format("'{}' is not a model name (names: {})", *reference, fmt::join(names, ", ")));
    }
    spec.reference = *reference;
  }
  SWEETSPOT_ASSIGN_OR_RETURN(spec.variants, r.Variants(root, "(top level)", {"identity"}));
  if (listed) SWEETSPOT_RETURN_IF_ERROR(CheckDetectionVariants(r, root, spec));
  SWEETSPOT_ASSIGN_OR_RETURN(spec.cascade, ParseCascade(r, root, names));
  if (keypoints && spec.cascade) {
    return r.Error("[cascade]", "cascades classifiers; a keypoint study has none: remove [cascade]",
                   StatusCode::kInvalidArgument, root.get("cascade"));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(auto objective, r.String(root, "objective", "(top level)"));
  if (objective) {
    auto parsed = ParseObjective(*objective);
    if (!parsed.ok()) return r.Error("objective", parsed.status().message());
    spec.objective = *parsed;
    const bool map = *parsed == Objective::kMaxMap50_95 || *parsed == Objective::kMaxMap50;
    if (map && !detection) {
      return r.Error("objective",
                     fmt::format("'{}' ranks detectors; {}, or use max-accuracy", *objective, kDetectionOnly),
                     root.get("objective"));
    }
  }

  // [runtime]
  static const toml::table kEmpty;
  const toml::table* runtime = root["runtime"].as_table();
  if (root.contains("runtime") && runtime == nullptr) return r.Error("runtime", "must be a table: [runtime]");
  const toml::table& rt = runtime != nullptr ? *runtime : kEmpty;
  SWEETSPOT_RETURN_IF_ERROR(
      r.CheckKeys(rt, "[runtime]",
                  {"engine", "scenario", "batch", "threads", "inter_op_threads", "graph_optimization", "execution_mode",
                   "spinning", "memory_arena", "duration_s", "max_duration_s", "min_count", "target_ci", "eval_batch",
                   "eval_threads", "timeout_s"}));
  SWEETSPOT_ASSIGN_OR_RETURN(spec.settings, RuntimeSettings(r, rt));
  if (listed) SWEETSPOT_RETURN_IF_ERROR(CheckDetectionSettings(r, rt, spec.settings, StudyTaskName(spec.task)));
  SWEETSPOT_ASSIGN_OR_RETURN(auto duration, r.Number(rt, "duration_s", "[runtime]"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto max_duration, r.Number(rt, "max_duration_s", "[runtime]"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto min_count, r.Integer(rt, "min_count", "[runtime]", 1));
  SWEETSPOT_ASSIGN_OR_RETURN(auto target_ci, r.Number(rt, "target_ci", "[runtime]"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto eval_batch, r.Integer(rt, "eval_batch", "[runtime]", 1));
  SWEETSPOT_ASSIGN_OR_RETURN(auto eval_threads, r.Integer(rt, "eval_threads", "[runtime]", 0));
  SWEETSPOT_ASSIGN_OR_RETURN(auto timeout, r.Number(rt, "timeout_s", "[runtime]"));
  spec.duration_s = duration.value_or(spec.duration_s);
  spec.max_duration_s = std::max(max_duration.value_or(spec.max_duration_s), spec.duration_s);
  spec.min_count = static_cast<std::size_t>(min_count.value_or(static_cast<std::int64_t>(spec.min_count)));
  spec.target_ci = target_ci.value_or(spec.target_ci);
  spec.eval_batch = static_cast<int>(eval_batch.value_or(spec.eval_batch));
  spec.eval_threads = static_cast<int>(eval_threads.value_or(spec.eval_threads));
  spec.timeout_s = timeout.value_or(spec.timeout_s);
  if (spec.duration_s <= 0) return r.Error("[runtime] duration_s", "must be > 0");
  if (spec.target_ci <= 0) return r.Error("[runtime] target_ci", "must be > 0 (e.g. 0.02 for +/-2 %)");
  if (spec.timeout_s <= 0) return r.Error("[runtime] timeout_s", "must be > 0");

  // [constraints]
  const toml::table* constraints = root["constraints"].as_table();
  if (root.contains("constraints") && constraints == nullptr) return r.Error("constraints", "must be a table");
  const toml::table& ct = constraints != nullptr ? *constraints : kEmpty;
  SWEETSPOT_RETURN_IF_ERROR(r.CheckKeys(
      ct, "[constraints]",
      {"min_top1", "min_map50_95", "min_map50", "min_pck", "min_oks", "max_jitter_px", "max_angle_noise_deg",
       "max_p50_ms", "max_p99_ms", "min_items_per_s", "max_peak_memory_mb", "max_model_memory_mb", "max_size_mb"}));
  SWEETSPOT_RETURN_IF_ERROR(ParseKeypointConstraints(r, ct, &spec));
  Constraints& k = spec.constraints;
  SWEETSPOT_ASSIGN_OR_RETURN(k.min_top1, r.Number(ct, "min_top1", "[constraints]"));
  SWEETSPOT_ASSIGN_OR_RETURN(k.min_map50_95, r.Number(ct, "min_map50_95", "[constraints]"));
  SWEETSPOT_ASSIGN_OR_RETURN(k.min_map50, r.Number(ct, "min_map50", "[constraints]"));
  for (const auto& [value, key] :
       {std::pair{k.min_top1, "min_top1"}, {k.min_map50_95, "min_map50_95"}, {k.min_map50, "min_map50"}}) {
    if (value && (*value < 0 || *value > 1)) {
      return r.Error(fmt::format("[constraints] {}", key),
                     fmt::format("{:g} is not a fraction in [0, 1]; write 0.82 for 82 %", *value), ct.get(key));
    }
  }
  if (detection && k.min_top1) {
    return r.Error("[constraints] min_top1",
                   "a detection study measures no top-1; use min_map50_95 (COCO mAP@[.5:.95]) or min_map50 (mAP@0.5)",
                   StatusCode::kInvalidArgument, ct.get("min_top1"));
  }
  if (keypoints && k.min_top1) {
    return r.Error("[constraints] min_top1",
                   fmt::format("a keypoint study measures no top-1; use min_pck (PCK@{:g}, [keypoints] pck_alphas' "
                               "first) or min_oks",
                               spec.keypoints.pck_alphas.front()),
                   StatusCode::kInvalidArgument, ct.get("min_top1"));
  }
  for (const char* key : {"min_map50_95", "min_map50"}) {
    if (!detection && ct.contains(key)) {
      return r.Error(fmt::format("[constraints] {}", key),
                     fmt::format("is for detection studies; {}, or use min_top1", kDetectionOnly),
                     StatusCode::kInvalidArgument, ct.get(key));
    }
  }
  SWEETSPOT_ASSIGN_OR_RETURN(k.max_p50_ms, r.Number(ct, "max_p50_ms", "[constraints]"));
  SWEETSPOT_ASSIGN_OR_RETURN(k.max_p99_ms, r.Number(ct, "max_p99_ms", "[constraints]"));
  SWEETSPOT_ASSIGN_OR_RETURN(k.min_items_per_s, r.Number(ct, "min_items_per_s", "[constraints]"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto peak_mb, r.Number(ct, "max_peak_memory_mb", "[constraints]"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto model_mb, r.Number(ct, "max_model_memory_mb", "[constraints]"));
  SWEETSPOT_ASSIGN_OR_RETURN(auto size_mb, r.Number(ct, "max_size_mb", "[constraints]"));
  if (peak_mb) k.max_peak_memory_bytes = static_cast<std::int64_t>(std::llround(*peak_mb * kMegabyte));
  if (model_mb) k.max_model_memory_bytes = static_cast<std::int64_t>(std::llround(*model_mb * kMegabyte));
  if (size_mb) k.max_size_bytes = static_cast<std::int64_t>(std::llround(*size_mb * kMegabyte));
  for (const auto& [value, key] : {std::pair{k.max_p50_ms, "max_p50_ms"},
                                   {k.max_p99_ms, "max_p99_ms"},
                                   {k.min_items_per_s, "min_items_per_s"},
                                   {peak_mb, "max_peak_memory_mb"},
                                   {model_mb, "max_model_memory_mb"},
                                   {size_mb, "max_size_mb"}}) {
    if (value && *value <= 0) return r.Error(fmt::format("[constraints] {}", key), "must be > 0");
  }
  return spec;
}

namespace {

// A preprocessing value as TOML: enum names are strings, a size is [width, height].
std::string PreprocessValue(const FieldFix& fix) {
  static const std::set<std::string> kStrings = {"color", "resize", "interpolation", "layout", "dtype"};
  if (kStrings.contains(fix.field)) return fmt::format("\"{}\"", fmt::join(fix.values, ""));
  if (fix.field == "size" || fix.values.size() > 1) return fmt::format("[{}]", fmt::join(fix.values, ", "));
  return fmt::format("{}", fmt::join(fix.values, ""));
}

}  // namespace

Status WithSpecFixes(const Status& status) {
  std::vector<std::string> preprocess;
  std::vector<std::string> dims;
  std::vector<std::string> other;
  for (const FieldFix& fix : status.fixes()) {
    const std::string value = fmt::format("{}", fmt::join(fix.values, ", "));
    if (fix.field == "dims") {
      dims.push_back(fmt::format("{} = {}", fix.key, value));
    } else if (fix.field == "batch") {
      other.push_back(fmt::format("[runtime] batch = [{}]", value));
    } else if (fix.field == "engine") {  // a keypoint model another engine loads
      other.push_back(fmt::format("[[models]] engine = \"{}\"", value));
    } else if (fix.field == "initial" && fix.values.size() == 2) {  // the video's first square off frame 0
      other.push_back(fmt::format("[video] centre inside 0..{} x 0..{} (or a box around the person in the first frame)",
                                  fix.values[0], fix.values[1]));
    } else if (fix.field == "classes") {
      other.push_back(fmt::format("[dataset] classes = \"{}\"", value));
    } else if (fix.field == "decoder" || fix.field == "keypoint_decoder") {  // the decoder's layout key
      other.push_back(
          fmt::format("[models.{}] layout = \"{}\"", fix.field == "decoder" ? "detection" : "keypoints", value));
    } else if (fix.field != "input" && fix.field != "allow_corrupt") {  // a study has no such option
      preprocess.push_back(fmt::format("{} = {}", fix.field, PreprocessValue(fix)));
    }
  }
  std::vector<std::string> tables;
  if (!preprocess.empty()) tables.push_back(fmt::format("[models.preprocess] {}", fmt::join(preprocess, ", ")));
  if (!dims.empty()) tables.push_back(fmt::format("[[models]] dims = {{ {} }}", fmt::join(dims, ", ")));
  tables.insert(tables.end(), other.begin(), other.end());
  return status.RenderedFixes(tables.empty() ? "" : fmt::format("set {}", fmt::join(tables, " and ")));
}

Result<StudySpec> LoadStudySpec(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return Status::NotFound(
        fmt::format("study spec '{}' does not exist; pass the path of a study TOML file "
                    "(see examples/cifar10-study.toml)",
                    path.string()));
  }
  SWEETSPOT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseStudySpec(text, path);
}

// --quick's video: the first 60 frames (enough triples for every stability
// verdict to be tested, kMinTestedMeasurements in stability.h).
constexpr std::uint64_t kQuickVideoFrames = 60;

void MakeQuick(StudySpec& spec) {
  spec.limit = spec.limit == 0 ? kQuickLimit : std::min(spec.limit, kQuickLimit);
  spec.video.max_frames =
      spec.video.max_frames == 0 ? kQuickVideoFrames : std::min(spec.video.max_frames, kQuickVideoFrames);
  for (StudyDataset& dataset : spec.datasets) {
    dataset.limit = dataset.limit == 0 ? kQuickLimit : std::min(dataset.limit, kQuickLimit);
  }
  spec.duration_s = std::min(spec.duration_s, 0.3);
  spec.max_duration_s = std::min(spec.max_duration_s, 1.0);
  spec.min_count = std::min<std::size_t>(spec.min_count, 30);
}

}  // namespace sweetspot
