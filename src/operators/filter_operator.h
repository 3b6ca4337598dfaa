// FilterOperator: keeps the rows where a SQL predicate is TRUE (PIPELINES.md,
// Expressions). Stateless; hosted in a subtask's operator chain.
#pragma once

#include <memory>
#include <vector>

#include "expr/expression.h"
#include "operators/operator.h"

namespace eddy {

class FilterOperator final : public Operator {
 public:
  /// `sql`: the predicate's text, for error messages.
  FilterOperator(std::shared_ptr<const CompiledExpr> predicate, SchemaPtr schema, std::string sql = {});
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  SchemaPtr output_schema() const override { return schema_; }

 private:
  std::shared_ptr<const CompiledExpr> predicate_;
  SchemaPtr schema_;
  std::string sql_;
  std::vector<uint32_t> rows_;  // reused selection vector
};

}  // namespace eddy
