// What each logical node of a planned job is, in a form that outlives the plan:
// its kind, whether it keeps state a checkpoint holds, and the types of the key
// its keyed state is partitioned by. The checkpoint metadata records these so
// a restore can tell whether a snapshot fits the pipeline it is given. Called
// by whoever writes or checks checkpoint metadata; pure, no actor owns it.
#pragma once

#include <string>
#include <vector>

#include "plan/job_graph.h"

namespace eddy {

/// One logical node (source, operator, sink, or the top-n stage of a window).
struct PlanOperatorSignature {
  /// The node's name: the pipeline file's, "NAME/top_n" for a window's top-n stage.
  std::string name;
  /// "source:file" | "source:datagen" | "source:nexmark" | "filter" | "select" |
  /// "window" | "keyed_aggregate" | "top_n" | "sink:file" | "sink:print" | "sink:blackhole".
  std::string kind;
  /// True when a checkpoint holds state of it: sources (read positions), windows,
  /// keyed aggregates, top-n and file sinks (pending part files).
  bool has_state = false;
  /// Keyed operators only (window, keyed_aggregate, top_n): the type names
  /// (schema.h's type_name) of the columns their keyed state is keyed by --
  /// key_by, or partition_by for top-n -- in order, as the operator's input
  /// schema has them. Empty for one global key and for every other node (a
  /// key_by on them only partitions, it keeps no state).
  std::vector<std::string> key_types;
};

/// One signature per node of `graph`, in graph.nodes order.
std::vector<PlanOperatorSignature> operator_signatures(const JobGraph& graph);

}  // namespace eddy
