// `sweetspot inspect`: what a model costs, read from its graph (nothing runs).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "output.h"
#include "sweetspot/inspect_report.h"
#include "sweetspot/model_info.h"
#include "sweetspot/text_file.h"

namespace sweetspot::cli {
namespace {
namespace fs = std::filesystem;

struct InspectArgs {
  std::string model;
  int64_t batch_size = 1;
  // NAME=VALUE pairs, split and checked by CLI11 (the value as text: CLI11 2.1
  // warns on an integer pair member under -O3).
  std::vector<std::pair<std::string, std::string>> dims;
  std::string json_path;
  bool all_nodes = false;
};

Status RunInspect(const InspectArgs& args) {
  InspectOptions options;
  options.batch_size = args.batch_size;
  options.dim_values = DimValues(args.dims);
  SWEETSPOT_RETURN_IF_ERROR(CheckOutputFile(args.json_path, "--json"));
  SWEETSPOT_ASSIGN_OR_RETURN(const ModelInfo info, InspectModel(fs::path(args.model), options));
  if (args.json_path != "-") {
    std::cout << RenderInspectText(info, args.all_nodes, "--nodes");
    std::cout.flush();
  }
  if (!args.json_path.empty())
    SWEETSPOT_RETURN_IF_ERROR(WriteOutput(args.json_path, DumpJson(ToJson(info), 2) + "\n", "--json"));
  return Status::Ok();
}

}  // namespace

void RegisterInspect(CLI::App& root, Action* selected) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd =
      root.add_subcommand("inspect", "Count an ONNX model's parameters and MACs from its graph (nothing is run)");
  cmd->footer(
      "Dynamic input dimensions need values: each input's first dynamic dimension is the batch\n"
      "(--batch); name any other with --dim, e.g. --dim height=224, or --dim INPUT:AXIS=VALUE for\n"
      "an unnamed one. MACs count Conv/ConvTranspose/Gemm/MatMul (and their quantized forms) and\n"
      "pooling; other ops are reported apart as elementwise ops (their output elements), so the\n"
      "MAC figure compares with published ones. Parameters are the stored learned tensors (not\n"
      "shapes, indices, scalars or quantization scales).\n\n"
      "Examples:\n"
      "  sweetspot inspect model.onnx\n"
      "  sweetspot inspect model.onnx --batch 8 --nodes\n"
      "  sweetspot inspect detector.onnx --dim height=640 --dim width=640 --json -");
  cmd->add_option("model", args->model, "ONNX model file")->required();
  cmd->add_option("--batch", args->batch_size, "value of each input's batch (first dynamic) dimension (default 1)")
      ->check(PositiveInteger());
  cmd->add_option("--dim", args->dims,
                  "NAME=VALUE for another dynamic dimension, or INPUT:AXIS=VALUE for an unnamed one (repeatable)")
      ->delimiter('=')
      ->type_name("NAME=VALUE")
      ->check(PositiveInteger().application_index(1));
  cmd->add_option("--json", args->json_path,
                  "write every figure, per node too, as JSON to FILE (- prints only the JSON, to stdout)");
  cmd->add_flag("--nodes", args->all_nodes, "list every node with its cost, not just the top 10 by MACs");
  cmd->callback([args, selected] { *selected = [args] { return RunInspect(*args); }; });
}

}  // namespace sweetspot::cli
