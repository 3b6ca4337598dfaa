// SelectOperator: computes output columns from SQL expressions, in the order
// the pipeline file lists them (PIPELINES.md, `select`). Stateless.
#pragma once

#include <memory>
#include <vector>

#include "expr/expression.h"
#include "operators/operator.h"

namespace eddy {

class SelectOperator final : public Operator {
 public:
  /// `sql`: the expressions' texts, for error messages (may be empty).
  SelectOperator(std::vector<std::shared_ptr<const CompiledExpr>> columns, SchemaPtr output,
                 std::vector<std::string> sql = {});
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  SchemaPtr output_schema() const override { return output_; }

 private:
  std::vector<std::shared_ptr<const CompiledExpr>> columns_;
  SchemaPtr output_;
  std::vector<std::string> sql_;
};

}  // namespace eddy
