// Sub-plan reuse, as Flink's optimizer does by default
// (table.optimizer.reuse-sub-plan-enabled): operators a script lowered twice
// with the same input and the same work, say one window aggregate that two
// subqueries of Nexmark q5 each compute, run once, and everything that read
// the copy reads the first. Sources are reused already (one per table and kind).
#pragma once

#include "plan/pipeline_spec.h"

namespace eddy::sql {

/// Merges identical operators of `spec` (all but their names), repeatedly,
/// since merging two may make their readers identical too.
void reuse_sub_plans(PipelineSpec& spec);

}  // namespace eddy::sql
