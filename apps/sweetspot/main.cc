// sweetspot: find the sweet spot between speed and accuracy for vision models.
#include <cstdio>
#include <exception>
#include <string>

#include <fmt/core.h>

#include "commands.h"
#include "output.h"
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "sweetspot: measures vision models' speed and accuracy on your data and hardware,\n"
      "and finds the variant that meets your constraints fastest."};
  app.set_version_flag("--version", std::string("sweetspot ") + SWEETSPOT_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  sweetspot::cli::Action action;
  sweetspot::cli::RegisterBench(app, &action);
  sweetspot::cli::RegisterInspect(app, &action);
  sweetspot::cli::RegisterEval(app, &action);
  sweetspot::cli::RegisterTrain(app, &action);
  sweetspot::cli::RegisterStudy(app, &action);
  sweetspot::cli::RegisterResults(app, &action);
  sweetspot::cli::RegisterOptimize(app, &action);

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
    std::fprintf(stderr, "sweetspot: error: %s (see 'sweetspot --help')\n", e.what());
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
