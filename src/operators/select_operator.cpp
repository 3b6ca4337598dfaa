// SelectOperator: one vectorized evaluation per output column per batch.
#include "operators/select_operator.h"

namespace eddy {

SelectOperator::SelectOperator(std::vector<std::shared_ptr<const CompiledExpr>> columns,
                               SchemaPtr output)
    : columns_(std::move(columns)), output_(std::move(output)) {}

Status SelectOperator::process(const RecordBatchPtr& batch, Collector& out) {
  if (batch->num_rows == 0) return Status::ok();
  auto result = std::make_shared<RecordBatch>();
  result->schema = output_;
  result->num_rows = batch->num_rows;
  result->columns.reserve(columns_.size());
  for (const auto& expr : columns_) {
    const int ref = expr->column_ref_index();
    if (ref >= 0) {
      result->columns.push_back(batch->columns[static_cast<size_t>(ref)]);
      continue;
    }
    EDDY_ASSIGN_OR_RETURN(Column col, expr->evaluate(*batch));
    result->columns.push_back(std::move(col));
  }
  return out.emit(std::move(result));
}

}  // namespace eddy
