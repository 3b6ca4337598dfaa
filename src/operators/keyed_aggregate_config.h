// Configuration of the unbounded keyed aggregate (a GROUP BY without a window,
// emitting a changelog), as the planner builds it from `key_by` and `aggregate`
// without `window`. Plain data; KeyedAggregateOperator checks and runs it.
#pragma once

#include <vector>

#include "core/schema.h"
#include "operators/window_config.h"

namespace eddy {

struct KeyedAggregateConfig {
  SchemaPtr input_schema;
  /// key columns..., aggregates in order..., then "op" (string: "+I" or "+U");
  /// keyed_aggregate_output_schema builds it.
  SchemaPtr output_schema;
  std::vector<int> key_columns;  // indices into input_schema; empty: one global key
  std::vector<AggregateSpec> aggregates;
};

/// The output schema of a keyed aggregate: the key columns of `input` (names
/// and types), one column per aggregate named spec.output of type
/// spec.output_type, then "op" (string). For the planner.
SchemaPtr keyed_aggregate_output_schema(const Schema& input, const std::vector<int>& keys,
                                        const std::vector<AggregateSpec>& aggs);

}  // namespace eddy
