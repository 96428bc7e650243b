// sweetspot: find the sweet spot between speed and accuracy for vision models.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "commands.h"
#include "output.h"
#include "sweetspot/edit_distance.h"
#include "sweetspot/log.h"
#include "sweetspot/text_file.h"

namespace {

// Usage and input errors exit 2; failures of the runtime or the system exit 1.
int ExitCodeFor(const sweetspot::Status& status) {
  using sweetspot::StatusCode;
  switch (status.code()) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kInvalidData:
    case StatusCode::kUnsupported:
    case StatusCode::kFailedPrecondition: return 2;
    default: return 1;
  }
}

// The option of `app` closest to the unknown `flag` ("--thread" ->
// "--threads"), or "" when none is within two edits.
std::string ClosestOption(const CLI::App& app, const std::string& flag) {
  std::string best;
  std::size_t best_distance = 3;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) {
      const std::size_t d = sweetspot::EditDistance(flag, "--" + name);
      if (d < best_distance) {
        best = "--" + name;
        best_distance = d;
      }
    }
  }
  return best;
}

// The word after "prefix" in `text` up to a space, or "".
std::string WordAfter(const std::string& text, const std::string& prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return "";
  const auto begin = at + prefix.size();
  return text.substr(begin, text.find(' ', begin) - begin);
}

// The option `name` ("--dim") of `app` and the value it takes ("NAME=VALUE").
std::string ValueName(const CLI::App& app, const std::string& name) {
  const CLI::Option* option = app.get_option_no_throw(name);
  const std::string type = option != nullptr ? option->get_type_name() : "";
  return type.empty() ? "VALUE" : type.substr(0, type.find(':'));  // "NAME=VALUE:POSITIVE": the validator's tag
}

// CLI11's parse error in our words: what is wrong with which flag, and the fix.
std::string ParseProblem(const CLI::App& app, const CLI::Error& e) {
  const std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    std::string arg = WordAfter(what, "expected: ");
    arg = arg.substr(0, arg.find('='));
    if (!arg.starts_with("-")) return fmt::format("unexpected argument '{}': remove it", arg);
    const std::string closest = ClosestOption(app, arg);
    return closest.empty() ? fmt::format("unknown option {}", arg)
                           : fmt::format("unknown option {}: use {}", arg, closest);
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr && what.starts_with("Could not convert: ")) {
    // "Could not convert: --threads = abc"
    const std::string rest = what.substr(std::string("Could not convert: ").size());
    const auto eq = rest.find(" = ");
    if (eq == std::string::npos) return rest;
    const std::string type = ValueName(app, rest.substr(0, eq));
    const std::string kind = type == "INT" || type == "UINT" ? "an integer" : type == "FLOAT" ? "a number" : type;
    return fmt::format("{}: '{}' is not {}: pass {}", rest.substr(0, eq), rest.substr(eq + 3), kind, kind);
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && what.ends_with(" is required")) {
    const std::string name = what.substr(0, what.size() - std::string(" is required").size());
    if (!name.starts_with("-")) return fmt::format("the {} argument is missing", name);
    return fmt::format("{} is required: pass {} {}", name, name, ValueName(app, name));
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    // "--dim: 2 required NAME=VALUE:POSITIVE missing" or "Expected exactly 1 arguments to --size, got 0"
    std::string name = what.substr(0, what.find(':'));
    if (!name.starts_with("-")) name = WordAfter(what, "arguments to ");
    name = name.substr(0, name.find(','));
    if (name.starts_with("-")) return fmt::format("{} needs a value: pass {} {}", name, name, ValueName(app, name));
  }
  return what;
}

// CLI11's failure_message hook: one line, "sweetspot: error: COMMAND: PROBLEM
// (see 'sweetspot COMMAND --help')". `root` is the whole app; the
// subcommand being parsed, if any, is the one the problem is in.
std::string ParseFailureLine(const CLI::App* root, const CLI::Error& e) {
  const std::vector<CLI::App*> used = root->get_subcommands();
  const CLI::App& app = used.empty() ? *root : *used.front();
  const std::string command = used.empty() ? "" : app.get_name() + ": ";
  const std::string help = used.empty() ? "sweetspot --help" : "sweetspot " + app.get_name() + " --help";
  return sweetspot::SafeText(fmt::format("sweetspot: error: {}{} (see '{}')", command, ParseProblem(app, e), help)) +
         "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "sweetspot: measures vision models' speed and accuracy on your data and hardware,\n"
      "and finds the variant that meets your constraints fastest."};
  app.set_version_flag("--version", std::string("sweetspot ") + SWEETSPOT_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  app.failure_message(ParseFailureLine);
  // Read now, before any thread: an invalid SWEETSPOT_LOG_LEVEL warns once.
  sweetspot::LogThreshold();

  sweetspot::cli::Action action;
  sweetspot::cli::RegisterBench(app, &action);
  sweetspot::cli::RegisterInspect(app, &action);
  sweetspot::cli::RegisterEval(app, &action);
  sweetspot::cli::RegisterTrain(app, &action);
  sweetspot::cli::RegisterStudy(app, &action);
  sweetspot::cli::RegisterResults(app, &action);
  sweetspot::cli::RegisterOptimize(app, &action);
  sweetspot::cli::RegisterReport(app, &action);
  sweetspot::cli::RegisterLoad(app, &action);
  sweetspot::cli::RegisterServe(app, &action);
  sweetspot::cli::RegisterCascade(app, &action);
  sweetspot::cli::RegisterStability(app, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 says "A subcommand is required" for a misspelt command; name it.
    if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
      std::string names;
      for (const CLI::App* sub : app.get_subcommands({})) {
        if (!sub->get_group().empty()) names += (names.empty() ? "" : ", ") + sub->get_name();
      }
      std::fprintf(stderr, "sweetspot: error: unknown command '%s' (commands: %s)\n", argv[1], names.c_str());
      return 2;
    }
    app.exit(e);
    return 2;
  }

  sweetspot::Status status;
  try {
    status = action();
  } catch (const std::exception& e) {
    // A library threw where it should have returned a Status: still one line,
    // and the input that provoked it is the likeliest cause.
    status = sweetspot::Status::InvalidData(std::string("unexpected input: ") + e.what());
  } catch (...) {
    status = sweetspot::Status::Internal("an unknown exception escaped");
  }
  status = sweetspot::cli::WithFlagFixes(status);
  if (!status.ok() && !status.message().empty()) {
    std::fprintf(stderr, "sweetspot: error: %s\n", sweetspot::SafeText(status.message()).c_str());
  }
  return ExitCodeFor(status);
}
