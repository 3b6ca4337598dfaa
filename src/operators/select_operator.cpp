// SelectOperator: one vectorized evaluation per output column per batch.
#include "operators/select_operator.h"

#include "operators/expression_failure.h"

namespace eddy {

SelectOperator::SelectOperator(std::vector<std::shared_ptr<const CompiledExpr>> columns,
                               SchemaPtr output, std::vector<std::string> sql)
    : columns_(std::move(columns)), output_(std::move(output)), sql_(std::move(sql)) {}

Status SelectOperator::process(const RecordBatchPtr& batch, Collector& out) {
  if (batch->num_rows == 0) return Status::ok();
  auto result = std::make_shared<RecordBatch>();
  result->schema = output_;
  result->num_rows = batch->num_rows;
  result->columns.reserve(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    const CompiledExpr& expr = *columns_[i];
    const int ref = expr.column_ref_index();
    if (ref >= 0) {
      result->columns.push_back(batch->columns[static_cast<size_t>(ref)]);
      continue;
    }
    auto col = expr.evaluate(*batch);
    if (!col.ok())
      return expression_failure(col.status(), expr, "column '" + output_->field(i).name + "'",
                                i < sql_.size() ? sql_[i] : "", *batch);
    result->columns.push_back(std::move(col).value());
  }
  return out.emit(std::move(result));
}

}  // namespace eddy
