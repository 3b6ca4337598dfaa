// Configuration of the unbounded keyed aggregate (a GROUP BY without a window,
// emitting a changelog), as the planner builds it from `key_by` and `aggregate`
// without `window`, over an append-only or an updating stream. Plain data;
// KeyedAggregateOperator checks and runs it.
#pragma once

#include <vector>

#include "core/schema.h"
#include "operators/window_config.h"

namespace eddy {

struct KeyedAggregateConfig {
  SchemaPtr input_schema;
  /// "op" (string: "+I", "-U", "+U", "-D"), key columns..., aggregates in
  /// order...; keyed_aggregate_output_schema builds it.
  SchemaPtr output_schema;
  std::vector<int> key_columns;  // indices into input_schema; empty: one global key
  std::vector<AggregateSpec> aggregates;
  /// The input is an updating stream: its first column is "op" (string), and
  /// -U and -D rows take back what earlier rows added.
  bool input_updating = false;
};

/// The output schema of a keyed aggregate: "op" (string), the key columns of
/// `input` (names and types), then one column per aggregate named spec.output
/// of type spec.output_type. For the planner.
SchemaPtr keyed_aggregate_output_schema(const Schema& input, const std::vector<int>& keys,
                                        const std::vector<AggregateSpec>& aggs);

}  // namespace eddy
