#include "operators/union_operator.h"

namespace eddy {

Status UnionOperator::process(const RecordBatchPtr& batch, Collector& out) { return process_input(0, batch, out); }

Status UnionOperator::process_input(int, const RecordBatchPtr& batch, Collector& out) {
  // The planner checked that both inputs have the output's columns; schemas
  // are compared by content downstream, so batches pass on as they are.
  if (batch->num_rows == 0) return Status::ok();
  return out.emit(batch);
}

}  // namespace eddy
