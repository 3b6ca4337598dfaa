// Whole-pipeline checks of the planner that look past one operator: the
// key-group count against every parallelism (derived as Flink does when the
// file does not set it), outputs nobody reads, file sinks sharing a
// directory, and (on the host that runs the job) input files that are
// missing and sink directories that cannot be created. Each problem is a
// located Diagnostic. Called by job_graph.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/job_graph.h"
#include "plan/pipeline_spec.h"

namespace eddy {

/// Flink's default max parallelism for an operator of parallelism `p`
/// (KeyGroupRangeAssignment.computeDefaultMaxParallelism):
/// roundUpToPowerOfTwo(p + p / 2), at least 128 and at most 32768.
int32_t default_max_parallelism(int32_t p);

/// Without max_parallelism in the file (and none adopted from a snapshot),
/// sets graph.spec.max_parallelism to default_max_parallelism of the largest
/// node parallelism; else refuses, at max_parallelism, a node whose
/// parallelism exceeds it. Needs the nodes' parallelism (after collecting them).
void settle_max_parallelism(JobGraph& graph, bool adopted, std::vector<Diagnostic>& diags);

/// Refuses, at its name, a source or operator whose output no operator or
/// sink reads, and at late_output a late stream nobody reads. Needs inputs resolved.
void check_outputs_read(const JobGraph& graph, std::vector<Diagnostic>& diags);

/// Refuses, at its path, a file sink writing to the directory of an earlier
/// one (compared as absolute, lexically normal paths): part files of both
/// would get the same names.
void check_file_sink_paths(const PipelineSpec& spec, std::vector<Diagnostic>& diags);

/// Refuses, at its path, a file source whose input does not exist or cannot
/// be read, and with `sinks` a file sink whose directory cannot be created or
/// written (under a regular file, no permission). Reads the file system of
/// this host and changes nothing.
void check_local_files(const PipelineSpec& spec, bool sinks, std::vector<Diagnostic>& diags);

}  // namespace eddy
