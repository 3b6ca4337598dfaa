// UnionOperator: SQL's UNION ALL of two streams with the same columns: every
// batch of either input passes on unchanged. Stateless. Its subtask merges
// the two inputs' watermarks (the minimum) as for any two-input operator; a
// union of more streams is a chain of these (sql/sql_lowering.cpp).
#pragma once

#include "operators/operator.h"

namespace eddy {

class UnionOperator final : public Operator {
 public:
  explicit UnionOperator(SchemaPtr schema) : schema_(std::move(schema)) {}

  int input_count() const override { return 2; }
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  Status process_input(int input, const RecordBatchPtr& batch, Collector& out) override;
  SchemaPtr output_schema() const override { return schema_; }

 private:
  SchemaPtr schema_;
};

}  // namespace eddy
