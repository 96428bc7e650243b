#include "output.h"

#include <fcntl.h>
#include <unistd.h>
#include <charconv>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "sweetspot/p_value_text.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {

constexpr std::chrono::milliseconds kRedrawInterval{100};
constexpr std::size_t kBarWidth = 24;

std::string Eta(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  return s >= 60 ? fmt::format("ETA {}m{:02}s", s / 60, s % 60) : fmt::format("ETA {}s", s);
}

CLI::Validator IntegerAtLeast(std::int64_t minimum, std::string what, std::string tag) {
  return CLI::Validator(
      [minimum, what](std::string& text) -> std::string {
        std::int64_t value = 0;
        if (CLI::detail::lexical_cast(text, value) && value >= minimum) return "";
        return text + " is not " + what;
      },
      std::move(tag));
}

}  // namespace

namespace {

// Whether `path` holds an SQLite database (its 16-byte header), such as a
// results store: an output flag naming one would overwrite measurements.
bool IsSqliteFile(const std::string& path) {
  static constexpr char kHeader[] = "SQLite format 3";  // with its NUL: the 16 bytes
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  char head[sizeof(kHeader)] = {};
  const bool sqlite =
      std::fread(head, 1, sizeof(head), file) == sizeof(head) && std::memcmp(head, kHeader, sizeof(head)) == 0;
  std::fclose(file);
  return sqlite;
}

Status DatabaseAsOutput(const std::string& path, std::string_view flag) {
  return Status::InvalidArgument(fmt::format(
      "{}: '{}' is a database (a results store?); writing there would destroy it: name another file", flag, path));
}

}  // namespace

Status WriteOutput(const std::string& path, const std::string& raw, std::string_view flag) {
  const std::string text = SafeText(raw);
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return Status::Ok();
  }
  // Also where a command did not check its outputs up front: never over a
  // database (the folder checks stay with CheckOutputFile, called up front).
  if (IsSqliteFile(path)) return DatabaseAsOutput(path, flag);
  return WriteTextFile(path, text).WithContext(flag);
}

namespace {

namespace fs = std::filesystem;

std::string Quoted(const fs::path& path) { return "'" + path.string() + "'"; }

// The first leading part of `path` that exists but is not a folder, if any.
fs::path FileInTheWay(const fs::path& path) {
  fs::path prefix;
  for (const fs::path& part : path) {
    prefix /= part;
    std::error_code ec;
    const fs::file_status status = fs::status(prefix, ec);
    if (ec || !fs::exists(status)) return {};
    if (!fs::is_directory(status)) return prefix;
  }
  return {};
}

// Why an existing folder `dir` takes no new file ("" when it does), by
// creating one: permission bits do not tell for root or for /proc.
std::string WriteProblem(const fs::path& dir) {
  const fs::path probe = dir / fmt::format(".sweetspot-write-test-{}", ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    // The folder exists, so ENOENT means it takes no new entries (/proc, /sys).
    return errno == ENOENT ? "it takes no new files" : std::strerror(errno);
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return "";
}

}  // namespace

Status CheckOutputFolder(const fs::path& folder, std::string_view flag) {
  const fs::path dir = folder.empty() ? fs::path(".") : folder;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (const fs::path file = FileInTheWay(dir); !file.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: {} is a file, not a folder, so {} cannot be written; choose "
                      "another path",
                      flag, Quoted(file), Quoted(dir)));
    }
    // mkdir -p works only where the nearest existing folder takes new entries.
    fs::path existing = dir.parent_path();
    while (!existing.empty() && !fs::exists(existing, ec)) existing = existing.parent_path();
    if (existing.empty()) existing = ".";
    if (const std::string why = WriteProblem(existing); !why.empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: folder {} does not exist and cannot be created: folder {} is not writable ({}); choose "
                      "another folder",
                      flag, Quoted(dir), Quoted(existing), why));
    }
    return Status::NotFound(
        fmt::format("{}: folder {} does not exist; create it first (mkdir -p {})", flag, Quoted(dir), Quoted(dir)));
  }
  if (const std::string why = WriteProblem(dir); !why.empty()) {
    return Status::InvalidArgument(fmt::format(
        "{}: cannot create files in folder {} ({}); choose a folder you can write to", flag, Quoted(dir), why));
  }
  return Status::Ok();
}

Status CheckOneStdout(std::initializer_list<std::pair<std::string_view, std::string_view>> outputs) {
  std::string_view first;
  for (const auto& [path, flag] : outputs) {
    if (path != "-") continue;
    if (first.empty()) {
      first = flag;
      continue;
    }
    return Status::InvalidArgument(fmt::format(
        "{} - and {} - would both write to stdout, where they could not be told apart; give one of them a file", first,
        flag));
  }
  return Status::Ok();
}

Status ParseSizeFlag(const std::string& text, int* width, int* height) {
  const auto x = text.find_first_of("xX");
  const std::string w_text = text.substr(0, x);
  const std::string h_text = x == std::string::npos ? w_text : text.substr(x + 1);
  const auto parse = [](const std::string& part, int* value) {
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), *value);
    return ec == std::errc() && end == part.data() + part.size() && *value > 0;
  };
  if (!parse(w_text, width) || !parse(h_text, height)) {
    return Status::InvalidArgument("--size: '" + text + "' is not a size (expected e.g. 224 or 224x160)");
  }
  return Status::Ok();
}

Status CheckOutputFile(const std::string& path, std::string_view flag, OutputFile kind) {
  if (path.empty() || path == "-") return Status::Ok();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return Status::InvalidArgument(fmt::format("{}: {} is a folder; name a file inside it", flag, Quoted(path)));
  }
  if (kind == OutputFile::kReplacesIt && IsSqliteFile(path)) return DatabaseAsOutput(path, flag);
  return CheckOutputFolder(fs::path(path).parent_path(), flag);
}

bool StderrIsTerminal() { return isatty(STDERR_FILENO) != 0; }

void ClearProgressLine() {
  if (StderrIsTerminal()) std::fprintf(stderr, "\r\033[K");
}

ProgressBar::ProgressBar(bool enabled) : tty_(StderrIsTerminal()), enabled_(enabled) {}

bool ProgressBar::Due(std::string_view label, bool force) {
  const auto now = Clock::now();
  if (label != label_) {
    label_ = std::string(label);
    label_start_ = now;
    force = true;
  }
  if (!enabled_ || !tty_ || (!force && now - last_draw_ < kRedrawInterval)) return false;
  last_draw_ = now;
  drawn_ = true;
  return true;
}

void ProgressBar::Update(std::string_view label, std::size_t done, std::size_t total, std::string_view detail) {
  if (!Due(label, done >= total)) return;
  const std::size_t filled = total > 0 ? kBarWidth * std::min(done, total) / total : kBarWidth;
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - label_start_).count();
  const std::string eta = done > 0 && done < total
                              ? Eta(elapsed_s / static_cast<double>(done) * static_cast<double>(total - done))
                              : (done >= total ? "" : "ETA --");
  std::fprintf(stderr, "\r\033[K%.*s [%s%s] %zu/%zu  %.*s  %s", static_cast<int>(label.size()), label.data(),
               std::string(filled, '#').c_str(), std::string(kBarWidth - filled, '.').c_str(), done, total,
               static_cast<int>(detail.size()), detail.data(), eta.c_str());
  std::fflush(stderr);
}

void ProgressBar::Update(std::string_view label, double fraction, std::string_view detail) {
  if (!Due(label, fraction >= 1.0)) return;
  if (fraction < 0) {
    std::fprintf(stderr, "\r\033[K%.*s: %.*s...", static_cast<int>(label.size()), label.data(),
                 static_cast<int>(detail.size()), detail.data());
  } else {
    std::fprintf(stderr, "\r\033[K%.*s: %.*s %3.0f%%", static_cast<int>(label.size()), label.data(),
                 static_cast<int>(detail.size()), detail.data(), 100 * std::min(fraction, 1.0));
  }
  std::fflush(stderr);
}

void ProgressBar::Print(std::string_view line) {
  if (!enabled_) return;
  Clear();
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

void ProgressBar::Clear() {
  if (drawn_ && tty_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

std::string StageTimesTable(std::string_view heading,
                            std::initializer_list<std::pair<std::string_view, const stats::Summary*>> stages) {
  std::string out = fmt::format("{}\n  {:<16}  {:>9}  {:>9}\n", heading, "stage", "p50 ms", "mean ms");
  for (const auto& [name, s] : stages) out += fmt::format("  {:<16}  {:>9.2f}  {:>9.2f}\n", name, s->p50, s->mean);
  return out;
}

std::string SignificanceText(double p_value, std::size_t resamples) {
  return fmt::format("{}: {}", PValueText(p_value, resamples),
                     p_value < 0.05 ? "significant at 5 %" : "not significant at 5 %");
}

void RegisterChildCommand(CLI::App& root, std::function<Status()>* selected, const std::string& name,
                          Status (*run)(const std::filesystem::path& request, const std::filesystem::path& result)) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* child = root.add_subcommand(name, "");
  child->group("");  // hidden from --help
  child->add_option("files", *files)->expected(2)->required();
  child->callback([files, selected, run] {
    *selected = [files, run]() -> Status {
      const Status status = run((*files)[0], (*files)[1]);
      std::fflush(nullptr);
      _exit(status.ok() ? 0 : 1);
    };
  });
}

CLI::Validator PositiveInteger() { return IntegerAtLeast(1, "a positive integer", "POSITIVE"); }

Status WithFlagFixes(const Status& status) {
  std::vector<std::string> flags;
  for (const FieldFix& fix : status.fixes()) {
    if (fix.field == "size") {
      flags.push_back(fmt::format("--size {}", fmt::join(fix.values, "x")));
    } else if (fix.field == "dims" || fix.field == "input") {
      flags.push_back(
          fmt::format("--{} {}={}", fix.field == "dims" ? "dim" : "input", fix.key, fmt::join(fix.values, ",")));
    } else {
      // Every other field is its flag ("crop_fraction" is --crop-fraction, a
      // list is comma-separated) but a few named otherwise.
      static const std::map<std::string, std::string> kRenamed = {{"engine", "runtime"},
                                                                  {"pck_normalization", "pck_norm"}};
      const auto renamed = kRenamed.find(fix.field);
      std::string flag = "--" + (renamed == kRenamed.end() ? fix.field : renamed->second);
      std::replace(flag.begin(), flag.end(), '_', '-');
      flags.push_back(fix.values.empty() ? flag : fmt::format("{} {}", flag, fmt::join(fix.values, ",")));
    }
  }
  return status.RenderedFixes(flags.empty() ? "" : fmt::format("pass {}", fmt::join(flags, " ")));
}

std::map<std::string, std::int64_t> DimValues(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::map<std::string, std::int64_t> values;
  for (const auto& [name, text] : pairs) {
    std::int64_t value = 0;
    CLI::detail::lexical_cast(text, value);  // checked by the option's validator
    values[name] = value;
  }
  return values;
}

CLI::Validator NonNegativeInteger() { return IntegerAtLeast(0, "a non-negative integer", "NON-NEGATIVE"); }

CLI::Validator NonNegativeNumber() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        if (CLI::detail::lexical_cast(text, value) && value >= 0) return "";
        return text + " is not a non-negative number";
      },
      "NON-NEGATIVE");
}

}  // namespace sweetspot::cli
