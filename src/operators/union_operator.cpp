#include "operators/union_operator.h"

#include <memory>

namespace eddy {

Status UnionOperator::process(const RecordBatchPtr& batch, Collector& out) { return process_input(0, batch, out); }

Status UnionOperator::process_input(int, const RecordBatchPtr& batch, Collector& out) {
  if (batch->num_rows == 0) return Status::ok();
  if (batch->schema == schema_) return out.emit(batch);
  // The other input's batches carry its own (equal) schema: the output's is one.
  auto same = std::make_shared<RecordBatch>(*batch);
  same->schema = schema_;
  return out.emit(std::move(same));
}

}  // namespace eddy
