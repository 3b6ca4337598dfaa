// Vectorized evaluation of a type-checked AST over a RecordBatch: one
// recursive call per node and batch, each running a kernel over whole columns.
// Called by CompiledExpr (expression.cpp) and by the type checker to fold
// constants.
#pragma once

#include <vector>

#include "core/record_batch.h"
#include "expr/ast.h"

namespace eddy::expr {

/// A column produced while evaluating: borrowed from the input batch (column
/// references cost nothing) or owned (computed).
class Vec {
 public:
  static Vec borrow(const Column& c) {
    Vec v;
    v.borrowed_ = &c;
    return v;
  }
  static Vec own(Column c) {
    Vec v;
    v.owned_ = std::move(c);
    return v;
  }
  const Column& col() const { return borrowed_ ? *borrowed_ : owned_; }
  /// The column by value: moved out when owned, copied when borrowed.
  Column release() && { return borrowed_ ? *borrowed_ : std::move(owned_); }

 private:
  const Column* borrowed_ = nullptr;
  Column owned_;
};

/// The value of `node` for every row of `batch`.
Result<Vec> evaluate_node(const ExprNode& node, const RecordBatch& batch);

/// Like evaluate_node, but rows where need[i] == 0 may come back NULL instead
/// of being computed. A node that may fail is evaluated on the needed rows
/// only, so a guard in CASE/AND/OR/COALESCE protects it.
Result<Vec> evaluate_where(const ExprNode& node, const RecordBatch& batch,
                           const std::vector<uint8_t>& need);

}  // namespace eddy::expr
