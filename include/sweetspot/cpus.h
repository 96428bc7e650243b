// How many CPUs this process may really use: the default thread count of
// every "0: all CPUs" option (train, eval, bench, study, tensor-cache decode).
//
// The machine's core count overstates it under `taskset`, a cpuset, or a
// container's CPU quota: threads beyond the usable CPUs only time-share them
// and make training and inference slower, not faster.
//
// Thread-safety: all functions are reentrant.
#pragma once

#include <optional>
#include <string_view>

namespace sweetspot {

// The CPUs in this process's affinity mask (sched_getaffinity), capped by a
// cgroup CPU quota when one is set (v2 cpu.max, or v1 cpu.cfs_quota_us /
// cpu.cfs_period_us, on this process's cgroup and its parents), rounded up.
// At least 1.
int UsableCpuCount();

// OMP_NUM_THREADS when it is set to a positive integer (or a list, whose
// first entry counts, as OpenMP reads it); nullopt otherwise.
std::optional<int> OmpNumThreads();

// The thread count that "0: all CPUs" means: OMP_NUM_THREADS when set (the
// user asked for it, as OpenMP programs honour it), else UsableCpuCount().
int DefaultThreadCount();

// The CPUs a cgroup v2 `cpu.max` line ("QUOTA PERIOD", in microseconds)
// allows: "150000 100000" -> 1.5; "max 100000" (no limit) or a malformed
// line -> nullopt.
std::optional<double> ParseCgroupCpuMax(std::string_view text);

// The same for cgroup v1's cpu.cfs_quota_us and cpu.cfs_period_us contents:
// a quota of -1 means no limit -> nullopt.
std::optional<double> ParseCfsQuota(std::string_view quota_us, std::string_view period_us);

}  // namespace sweetspot
