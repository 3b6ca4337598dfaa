// Parses one `aggregate:` call of a pipeline file: count(*), count(col),
// count(distinct col), sum(col), min(col), max(col), avg(col), each optionally
// followed by FILTER (WHERE condition), as in SQL. Used by the planner.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "operators/window_config.h"

namespace eddy {

struct AggregateCall {
  AggregateFunction function = AggregateFunction::kCountStar;
  std::string column;   // empty for count(*)
  int column_offset = 0;  // where the column name starts in the call text, for errors
  /// The condition of `FILTER (WHERE condition)`; empty without one.
  std::string filter;
  int filter_offset = 0;  // where the condition starts in the call text, for errors
};

/// On failure the Status says what was expected; `error_offset` (if given) is
/// the 0-based offset into `text` of the problem.
Result<AggregateCall> parse_aggregate_call(std::string_view text, int* error_offset = nullptr);

/// "count", "sum", ...
const char* aggregate_function_name(AggregateFunction f);

}  // namespace eddy
