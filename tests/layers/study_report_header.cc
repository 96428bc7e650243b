// Must not compile: the report module sits above the study (it builds the
// study's report snapshot, handed in as StudyOptions::report_run), so a
// source compiled as part of the study module cannot see the report's header.
#include "sweetspot/report_data.h"
#include "sweetspot/study.h"
