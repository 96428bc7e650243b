// gRPC's own log (gpr_log) through sweetspot's (log.h): our prefix, our
// threshold, one line each. Its errors go to debug: each failure that matters
// also comes back as a status (a port that cannot be bound, a failed call),
// which the caller turns into one line; printed too, it would make two.
#pragma once

namespace sweetspot::grpc_log {

// Process-wide; idempotent and thread-safe. Called before gRPC is used.
void ForwardGrpcLog();

}  // namespace sweetspot::grpc_log
