#include "grpc/grpc_log.h"

#include <grpc/support/log.h>

#include <mutex>
#include <string>

#include "sweetspot/log.h"

namespace sweetspot::grpc_log {
namespace {

void Forward(gpr_log_func_args* args) { Log(LogLevel::kDebug, std::string("grpc: ") + args->message); }

}  // namespace

void ForwardGrpcLog() {
  static std::once_flag once;
  std::call_once(once, [] {
    gpr_set_log_verbosity(LogThreshold() == LogLevel::kDebug ? GPR_LOG_SEVERITY_DEBUG : GPR_LOG_SEVERITY_ERROR);
    gpr_set_log_function(Forward);
  });
}

}  // namespace sweetspot::grpc_log
