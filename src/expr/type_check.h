// Type checking: resolves an untyped AST from parse_sql.cpp against an input
// schema. Called by compile_expression(), and by the join planner
// (plan/join_condition.cpp), which checks the conjuncts of a join's `on` apart.
#pragma once

#include "core/schema.h"
#include "expr/ast.h"
#include "expr/expression.h"

namespace eddy::expr {

/// Resolves column names to indices, gives every node its type, inserts the
/// implicit casts (int64 -> float64 beside a float64, string literals beside
/// timestamps, anything -> string for ||), compiles literal LIKE patterns,
/// marks nodes that may fail, and folds constant subtrees (which may replace
/// `root`). Returns kTypeError with `error` filled on any mismatch. With a
/// `resolver`, every column name (qualified or bare) is resolved by it.
Status type_check(NodePtr& root, const Schema& input, ExprError* error,
                  const ColumnResolver* resolver = nullptr);

}  // namespace eddy::expr
