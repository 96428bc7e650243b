#include "sweetspot/metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>

#include "sweetspot/text_file.h"

namespace sweetspot {
namespace {

std::string_view TrimView(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

double SafeDiv(double a, double b) { return b == 0.0 ? 0.0 : a / b; }

}  // namespace

std::string_view OutputKindName(OutputKind kind) {
  switch (kind) {
    case OutputKind::kAuto: return "auto";
    case OutputKind::kLogits: return "logits";
    case OutputKind::kProbabilities: return "probabilities";
    case OutputKind::kSigmoid: return "sigmoid";
  }
  return "auto";
}

Result<OutputKind> ParseOutputKind(std::string_view name) {
  if (name == "auto") return OutputKind::kAuto;
  if (name == "logits") return OutputKind::kLogits;
  if (name == "probabilities" || name == "probs") return OutputKind::kProbabilities;
  if (name == "sigmoid") return OutputKind::kSigmoid;
  return Status::InvalidArgument("unknown output kind '" + std::string(name) +
                                 "' (expected auto, logits, probabilities or sigmoid)");
}

RowSummary SummarizeRow(std::span<const float> row) {
  assert(!row.empty());
  RowSummary s;
  s.k = static_cast<int>(std::min<std::size_t>(kTopK, row.size()));
  // Insertion into a k-sized list: rows are narrow (classes), k is 5.
  for (std::size_t c = 0; c < row.size(); ++c) {
    const float v = row[c];
    int pos = -1;
    const int filled = std::min(static_cast<int>(c), s.k);
    for (int j = 0; j < filled; ++j) {
      if (v > s.top_value[static_cast<std::size_t>(j)]) {
        pos = j;
        break;
      }
    }
    if (pos < 0) {
      if (filled >= s.k) continue;
      pos = filled;
    }
    for (int j = std::min(filled, s.k - 1); j > pos; --j) {
      s.top_value[static_cast<std::size_t>(j)] = s.top_value[static_cast<std::size_t>(j - 1)];
      s.top_class[static_cast<std::size_t>(j)] = s.top_class[static_cast<std::size_t>(j - 1)];
    }
    s.top_value[static_cast<std::size_t>(pos)] = v;
    s.top_class[static_cast<std::size_t>(pos)] = static_cast<int>(c);
  }
  const double max = s.top_value[0];
  double exp_sum = 0.0;
  double sum = 0.0;
  double min = row[0];
  for (float v : row) {
    exp_sum += std::exp(static_cast<double>(v) - max);
    sum += v;
    min = std::min(min, static_cast<double>(v));
  }
  s.log_sum_exp = max + std::log(exp_sum);
  s.sum = sum;
  s.min = min;
  return s;
}

OutputKind DetectOutputKind(std::span<const RowSummary> rows) {
  if (rows.empty()) return OutputKind::kLogits;
  bool sums_to_one = true;
  for (const auto& r : rows) {
    if (r.min < 0.0 || r.top_value[0] > 1.0) return OutputKind::kLogits;
    sums_to_one = sums_to_one && std::abs(r.sum - 1.0) <= 1e-3;
  }
  return sums_to_one ? OutputKind::kProbabilities : OutputKind::kSigmoid;
}

bool Prediction::correct_top5() const {
  for (int j = 0; j < k; ++j) {
    if (top_class[static_cast<std::size_t>(j)] == label) return true;
  }
  return false;
}

std::vector<Prediction> ToPredictions(std::span<const RowSummary> rows, std::span<const int> labels, OutputKind kind) {
  assert(rows.size() == labels.size());
  assert(kind != OutputKind::kAuto);
  std::vector<Prediction> out(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const RowSummary& r = rows[i];
    Prediction& p = out[i];
    p.label = labels[i];
    p.k = r.k;
    for (std::size_t j = 0; j < static_cast<std::size_t>(r.k); ++j) {
      p.top_class[j] = r.top_class[j];
      p.top_probability[j] =
          kind == OutputKind::kLogits ? std::exp(static_cast<double>(r.top_value[j]) - r.log_sum_exp) : r.top_value[j];
    }
  }
  return out;
}

ClassificationMetrics ComputeMetrics(std::span<const Prediction> predictions,
                                     const std::vector<std::string>& class_names) {
  const std::size_t classes = class_names.size();
  ClassificationMetrics m;
  m.count = static_cast<std::int64_t>(predictions.size());
  m.confusion.assign(classes, std::vector<std::int64_t>(classes, 0));
  std::vector<double> confidences;
  confidences.reserve(predictions.size());
  std::array<std::int64_t, kCalibrationBins> bin_count{};
  std::array<double, kCalibrationBins> bin_confidence{};
  std::array<double, kCalibrationBins> bin_correct{};
  for (const auto& p : predictions) {
    assert(p.label >= 0 && static_cast<std::size_t>(p.label) < classes);
    assert(p.predicted() >= 0 && static_cast<std::size_t>(p.predicted()) < classes);
    ++m.confusion[static_cast<std::size_t>(p.label)][static_cast<std::size_t>(p.predicted())];
    m.top1_correct += p.correct() ? 1 : 0;
    m.top5_correct += p.correct_top5() ? 1 : 0;
    const double conf = p.confidence();
    confidences.push_back(conf);
    const int bin = std::clamp(static_cast<int>(std::ceil(conf * kCalibrationBins)) - 1, 0, kCalibrationBins - 1);
    ++bin_count[static_cast<std::size_t>(bin)];
    bin_confidence[static_cast<std::size_t>(bin)] += conf;
    bin_correct[static_cast<std::size_t>(bin)] += p.correct() ? 1.0 : 0.0;
  }
  if (m.count > 0) {
    m.top1 = static_cast<double>(m.top1_correct) / static_cast<double>(m.count);
    m.top5 = static_cast<double>(m.top5_correct) / static_cast<double>(m.count);
    m.top1_ci = stats::WilsonInterval(m.top1_correct, m.count);
    m.top5_ci = stats::WilsonInterval(m.top5_correct, m.count);
    double sum = 0.0;
    for (double c : confidences) sum += c;
    m.mean_confidence = sum / static_cast<double>(m.count);
    std::sort(confidences.begin(), confidences.end());
    const std::size_t n = confidences.size();
    m.median_confidence = n % 2 == 1 ? confidences[n / 2] : (confidences[n / 2 - 1] + confidences[n / 2]) / 2.0;
    double ece = 0.0;
    for (std::size_t b = 0; b < static_cast<std::size_t>(kCalibrationBins); ++b) {
      if (bin_count[b] == 0) continue;
      const double size = static_cast<double>(bin_count[b]);
      ece += size / static_cast<double>(m.count) * std::abs(bin_correct[b] / size - bin_confidence[b] / size);
    }
    m.ece = ece;
  }
  double f1_sum = 0.0;
  int f1_classes = 0;
  for (std::size_t c = 0; c < classes; ++c) {
    ClassMetrics cm;
    cm.name = class_names[c];
    cm.true_positives = m.confusion[c][c];
    for (std::size_t o = 0; o < classes; ++o) {
      cm.support += m.confusion[c][o];
      cm.predicted += m.confusion[o][c];
    }
    cm.precision = SafeDiv(static_cast<double>(cm.true_positives), static_cast<double>(cm.predicted));
    cm.recall = SafeDiv(static_cast<double>(cm.true_positives), static_cast<double>(cm.support));
    cm.f1 = SafeDiv(2.0 * cm.precision * cm.recall, cm.precision + cm.recall);
    if (cm.support > 0 || cm.predicted > 0) {
      f1_sum += cm.f1;
      ++f1_classes;
    }
    m.per_class.push_back(std::move(cm));
  }
  m.macro_f1 = f1_classes > 0 ? f1_sum / f1_classes : 0.0;
  return m;
}

Result<LabelMap> ParseLabelMap(std::string_view text, std::string_view source,
                               const std::vector<std::string>& fine_names) {
  std::map<std::string, int, std::less<>> fine_index;
  for (std::size_t i = 0; i < fine_names.size(); ++i) fine_index[fine_names[i]] = static_cast<int>(i);
  LabelMap map;
  map.fine_to_coarse.assign(fine_names.size(), -1);
  std::map<std::string, int, std::less<>> coarse_index;
  std::size_t start = 0;
  int line_no = 0;
  const std::string where(source);
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = TrimView(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    std::size_t sep = line.find(',');
    if (sep == std::string_view::npos) sep = line.find('\t');
    if (sep == std::string_view::npos) {
      return Status::InvalidData(where + " line " + std::to_string(line_no) + ": expected `fine_class,coarse_class`");
    }
    const std::string fine = SafeText(TrimView(line.substr(0, sep)));
    const std::string coarse = SafeText(TrimView(line.substr(sep + 1)));
    if (fine.empty() || coarse.empty()) {
      return Status::InvalidData(where + " line " + std::to_string(line_no) + ": expected `fine_class,coarse_class`");
    }
    const auto it = fine_index.find(fine);
    if (it == fine_index.end()) {
      // A name the class list repeats is only known as "name#index".
      std::string repeated;
      for (auto at = fine_index.lower_bound(fine + "#"); at != fine_index.end() && at->first.starts_with(fine + "#");
           ++at) {
        repeated += (repeated.empty() ? "'" : " and '") + at->first + "'";
      }
      return Status::InvalidData(where + " line " + std::to_string(line_no) + ": '" + fine + "' " +
                                 (repeated.empty() ? "is not one of the dataset's classes"
                                                   : "is ambiguous: the dataset has " + repeated + "; map each"));
    }
    if (map.fine_to_coarse[static_cast<std::size_t>(it->second)] >= 0) {
      return Status::InvalidData(where + " line " + std::to_string(line_no) + ": class '" + fine + "' is mapped twice");
    }
    auto [c, inserted] = coarse_index.emplace(coarse, static_cast<int>(map.coarse_names.size()));
    if (inserted) map.coarse_names.push_back(coarse);
    map.fine_to_coarse[static_cast<std::size_t>(it->second)] = c->second;
  }
  for (std::size_t i = 0; i < fine_names.size(); ++i) {
    if (map.fine_to_coarse[i] < 0) {
      return Status::InvalidData(where + ": class '" + fine_names[i] + "' is not mapped (add a line `" + fine_names[i] +
                                 ",<coarse class>`)");
    }
  }
  return map;
}

Result<LabelMap> LoadLabelMap(const std::filesystem::path& path, const std::vector<std::string>& fine_names) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status().WithContext("label map");
  return ParseLabelMap(*text, SafeText(path.string()), fine_names);
}

std::vector<Prediction> MapToCoarse(std::span<const Prediction> fine, const LabelMap& map) {
  std::vector<Prediction> out(fine.size());
  for (std::size_t i = 0; i < fine.size(); ++i) {
    const Prediction& f = fine[i];
    Prediction& c = out[i];
    c.label = map.fine_to_coarse[static_cast<std::size_t>(f.label)];
    for (int j = 0; j < f.k; ++j) {
      const int coarse = map.fine_to_coarse[static_cast<std::size_t>(f.top_class[static_cast<std::size_t>(j)])];
      int at = 0;
      while (at < c.k && c.top_class[static_cast<std::size_t>(at)] != coarse) ++at;
      if (at == c.k) {
        c.top_class[static_cast<std::size_t>(at)] = coarse;
        ++c.k;
      }
      c.top_probability[static_cast<std::size_t>(at)] += f.top_probability[static_cast<std::size_t>(j)];
    }
  }
  return out;
}

Result<Comparison> Compare(std::span<const Prediction> model, std::span<const Prediction> reference) {
  if (model.size() != reference.size()) {
    return Status::InvalidArgument("comparison needs the same samples: " + std::to_string(model.size()) + " vs " +
                                   std::to_string(reference.size()) + " predictions");
  }
  Comparison c;
  c.count = static_cast<std::int64_t>(model.size());
  double model_conf = 0.0;
  double ref_conf = 0.0;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const Prediction& m = model[i];
    const Prediction& r = reference[i];
    if (m.label != r.label) {
      return Status::InvalidArgument("comparison needs the same samples: sample " + std::to_string(i) +
                                     " has different labels");
    }
    const bool mc = m.correct();
    const bool rc = r.correct();
    c.both_correct += mc && rc ? 1 : 0;
    c.only_model_correct += mc && !rc ? 1 : 0;
    c.only_reference_correct += !mc && rc ? 1 : 0;
    c.both_wrong += !mc && !rc ? 1 : 0;
    model_conf += m.confidence();
    ref_conf += r.confidence();
    if (m.predicted() == r.predicted()) {
      ++c.agreements;
    } else {
      c.flips.push_back({i, m.label, m.predicted(), r.predicted(), m.confidence(), r.confidence()});
    }
  }
  if (c.count > 0) {
    const double n = static_cast<double>(c.count);
    c.agreement = static_cast<double>(c.agreements) / n;
    c.top1_delta = static_cast<double>(c.only_model_correct - c.only_reference_correct) / n;
    c.mean_confidence_delta = (model_conf - ref_conf) / n;
    c.relative_confidence_change = ref_conf > 0.0 ? model_conf / ref_conf - 1.0 : 0.0;
  }
  c.mcnemar_p = stats::McNemarExactPValue(c.only_model_correct, c.only_reference_correct);
  return c;
}

}  // namespace sweetspot
