// UnionOperator: SQL's UNION ALL of two streams with the same columns: every
// batch of either input passes on unchanged, but that the rows of an
// append-only input unioned with an updating one become inserts ("op" = +I
// put first), so the output is one changelog. Stateless. Its subtask merges
// the two inputs' watermarks (the minimum) as for any two-input operator; a
// union of more streams is a chain of these (sql/sql_lowering.cpp).
#pragma once

#include <array>

#include "operators/operator.h"

namespace eddy {

class UnionOperator final : public Operator {
 public:
  /// `add_op[i]`: input i is append-only and the output updating.
  explicit UnionOperator(SchemaPtr schema, std::array<bool, 2> add_op = {false, false})
      : schema_(std::move(schema)), add_op_(add_op) {}

  int input_count() const override { return 2; }
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  Status process_input(int input, const RecordBatchPtr& batch, Collector& out) override;
  SchemaPtr output_schema() const override { return schema_; }

 private:
  SchemaPtr schema_;
  std::array<bool, 2> add_op_;
};

}  // namespace eddy
