// A Flink SQL script (docs/sql.md) as a pipeline: the same PipelineSpec a
// YAML file makes, so both go through one planner (plan/job_graph.h) and run
// alike. Tables and views are remembered across statements; each INSERT
// (each SELECT, printed) adds a sink and the operators that feed it.
#pragma once

#include <string>
#include <vector>

#include "plan/pipeline_spec.h"

namespace eddy::sql {

/// Init scripts then the main script as one text, each after a line
/// `--@file NAME`, so messages name the file and line they are in.
std::string join_scripts(const std::vector<std::pair<std::string, std::string>>& parts);

/// Moves diagnostics about a join_scripts text to the file and line they are in.
void place_in_files(const std::string& text, std::vector<Diagnostic>& diags);

/// Whether `file_name` names a SQL script (ends in .sql).
bool is_sql_file(const std::string& file_name);

/// The pipeline a script describes. Problems are appended to `diags`, each
/// at its line and column; nothing is planned further after a syntax error.
PipelineSpec plan_sql_script(const std::string& file_name, const std::string& text,
                             std::vector<Diagnostic>& diags);

}  // namespace eddy::sql
