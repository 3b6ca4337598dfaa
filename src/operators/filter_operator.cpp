// FilterOperator: evaluates the predicate a column at a time, then gathers.
#include "operators/filter_operator.h"

namespace eddy {

FilterOperator::FilterOperator(std::shared_ptr<const CompiledExpr> predicate, SchemaPtr schema)
    : predicate_(std::move(predicate)), schema_(std::move(schema)) {}

Status FilterOperator::process(const RecordBatchPtr& batch, Collector& out) {
  EDDY_RETURN_IF_ERROR(predicate_->select_true(*batch, rows_));
  if (rows_.empty()) return Status::ok();
  if (rows_.size() == batch->num_rows) return out.emit(batch);  // all pass: no copy
  return out.emit(batch->take(rows_.data(), rows_.size()));
}

}  // namespace eddy
