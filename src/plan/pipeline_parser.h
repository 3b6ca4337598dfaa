// Parses a pipeline file's YAML into a PipelineSpec, collecting located
// diagnostics for YAML errors, wrong types, missing and unknown keys.
// Semantic checks (inputs, cycles, expressions) follow in job_graph.cpp's planner
// and pipeline_checks.h.
#pragma once

#include <string>
#include <vector>

#include "plan/pipeline_spec.h"

namespace eddy {

/// Parses `text` (the contents of `file_name`). Problems are appended to `diags`;
/// the spec is filled as far as the text allows.
PipelineSpec parse_pipeline(const std::string& file_name, const std::string& text,
                            std::vector<Diagnostic>& diags);

}  // namespace eddy
