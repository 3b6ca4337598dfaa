#include "operators/union_operator.h"

namespace eddy {

Status UnionOperator::process(const RecordBatchPtr& batch, Collector& out) { return process_input(0, batch, out); }

Status UnionOperator::process_input(int input, const RecordBatchPtr& batch, Collector& out) {
  // The planner checked that both inputs have the output's columns; schemas
  // are compared by content downstream, so batches pass on as they are.
  if (batch->num_rows == 0) return Status::ok();
  if (!add_op_[input == kRightInput ? 1 : 0]) return out.emit(batch);
  auto changed = std::make_shared<RecordBatch>();
  changed->schema = schema_;
  changed->num_rows = batch->num_rows;
  Column op(DataType::kString);
  for (size_t r = 0; r < batch->num_rows; ++r) op.append_string("+I");
  changed->columns.push_back(std::move(op));
  for (const Column& c : batch->columns) changed->columns.push_back(c);
  return out.emit(std::move(changed));
}

}  // namespace eddy
