// The header fields of a StudyReport that AssembleReport leaves empty, as a
// study (or a report of stored measurements) fills them.
#pragma once

#include <filesystem>

#include "sweetspot/dataset.h"
#include "sweetspot/study.h"
#include "sweetspot/study_plan.h"

namespace sweetspot {

// The database, the dataset's description and notes, and the samples asked
// for (after `limit` and the calibration holdout). The environment is left.
void FillReportHeader(const StudySpec& spec, const StudyPlan& plan, const Dataset& dataset,
                      const std::filesystem::path& db_path, StudyReport* report);

}  // namespace sweetspot
