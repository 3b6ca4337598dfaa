// Messages for an expression that fails on a record (division by zero, a cast
// that does not parse, int64 overflow): which expression, and which record.
// Used by the filter and select operators on their error path only.
#pragma once

#include <string>

#include "core/record_batch.h"
#include "core/status.h"
#include "expr/expression.h"

namespace eddy {

/// `error` came from evaluating `expr` (SQL text `sql`; `what` names it, e.g.
/// "column 'ratio'" or "the filter") over `batch`. Finds the first row it
/// fails on and returns an evaluation error naming the expression, the error
/// and that row's values. Errors other than kInvalidArgument (the code of
/// evaluation errors, src/expr/expression.h) come back unchanged.
Status expression_failure(const Status& error, const CompiledExpr& expr, const std::string& what,
                          const std::string& sql, const RecordBatch& batch);

/// "a=1, b=0, name='x'": row `row` of `batch` for a message, at most about 300 bytes.
std::string describe_row(const RecordBatch& batch, size_t row);

}  // namespace eddy
