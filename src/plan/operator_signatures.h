// What each logical node of a planned job is, in a form that outlives the plan:
// its kind, whether it keeps state a checkpoint holds, the types of the key
// its keyed state is partitioned by, and what else the layout of that state
// depends on (aggregates, window, top-n, file formats). The checkpoint
// metadata records these so a restore can tell whether a snapshot fits the
// pipeline it is given. Called by whoever writes or checks checkpoint
// metadata; pure, no actor owns it.
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
  /// "window" | "keyed_aggregate" | "top_n" | "join" | "sink:file" | "sink:print" | "sink:blackhole".
  std::string kind;
  /// True when a checkpoint holds state of it: sources (read positions), windows,
  /// keyed aggregates, top-n, joins and file sinks (pending part files).
  bool has_state = false;
  /// Keyed operators only (window, keyed_aggregate, top_n, join: its left key): the type names
  /// (schema.h's type_name) of the columns their keyed state is keyed by --
  /// key_by, or partition_by for top-n -- in order, as the operator's input
  /// schema has them. Empty for one global key and for every other node (a
  /// key_by on them only partitions, it keeps no state).
  std::vector<std::string> key_types;
  /// What else the layout of its state depends on, as (aspect, value) in a
  /// fixed order, spelled as checkpoint/checkpoint_metadata.h's
  /// kStateLayoutVersion says (changing a spelling means a new version):
  ///   window:          window ("tumbling 10s on event time"), aggregates
  ///                    ("[n: count(*), hi: max(price)]"), argument types ("(price float64)")
  ///   keyed_aggregate: aggregates, argument types
  ///   top_n:           top_n ("3 rows by price DESC"), rows (its input columns and types)
  ///   join:            join ("interval inner"), left rows, right rows (each input's columns and types)
  ///   source:file, sink:file: format ("csv" | "jsonl")
  /// Empty for the others. allowed_lateness is not part of it: it decides
  /// when windows fire, not what their state holds.
  std::vector<std::pair<std::string, std::string>> layout;
};

/// One signature per node of `graph`, in graph.nodes order.
std::vector<PlanOperatorSignature> operator_signatures(const JobGraph& graph);

/// A window aggregate's window: "tumbling 10s on event time", "sliding 10s
/// every 2s on processing time", "session with gap 5s on event time",
/// "cumulate 1m every 10s on event time" (windows growing by 10s up to 1m),
/// each ", with partial results" under emit_every.
std::string window_description(const WindowAggregateConfig& w);

}  // namespace eddy
