// FilterOperator: evaluates the predicate a column at a time, then gathers.
#include "operators/filter_operator.h"

#include "operators/expression_failure.h"

namespace eddy {

FilterOperator::FilterOperator(std::shared_ptr<const CompiledExpr> predicate, SchemaPtr schema, std::string sql)
    : predicate_(std::move(predicate)), schema_(std::move(schema)), sql_(std::move(sql)) {}

Status FilterOperator::process(const RecordBatchPtr& batch, Collector& out) {
  if (Status st = predicate_->select_true(*batch, rows_); !st.is_ok())
    return expression_failure(st, *predicate_, "the filter", sql_, *batch);
  if (rows_.empty()) return Status::ok();
  if (rows_.size() == batch->num_rows) return out.emit(batch);  // all pass: no copy
  return out.emit(batch->take(rows_.data(), rows_.size()));
}

}  // namespace eddy
