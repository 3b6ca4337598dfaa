// Builds the runtime objects of a planned job: the operators of a chain, and a
// source's reader and split enumerator. Called by task managers and the source
// coordinator when a job is deployed, once per subtask.
#pragma once

#include <memory>
#include <vector>

#include "connectors/source.h"
#include "operators/operator.h"
#include "plan/job_graph.h"

namespace eddy {

/// The operators of vertex `vertex_id` in chain order, sources excluded (a
/// source node is hosted through its SourceReader instead).
Result<std::vector<OperatorPtr>> make_chain_operators(const JobGraph& graph, int vertex_id);

/// The reader of source node `node`.
Result<std::unique_ptr<SourceReader>> make_source_reader(const JobGraph& graph, int node);

/// The split enumerator of source node `node`.
Result<std::unique_ptr<SplitEnumerator>> make_split_enumerator(const JobGraph& graph, int node);

}  // namespace eddy
