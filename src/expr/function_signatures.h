// Type rules of Flink's built-in functions (those after Func::kNullIf in
// ast.h), as a table of signatures: arity, argument types with their implicit
// casts, the result type, whether the call can fail, and the state compiled
// once from literal arguments (a regular expression, a date pattern). Called
// by the type checker (type_check.cpp) after the call's arguments are checked.
#pragma once

#include <functional>

#include "core/status.h"
#include "expr/ast.h"
#include "expr/expression.h"

namespace eddy::expr {

/// Gives a checked child a type (the type checker's coercion: types a NULL
/// literal, reads a string literal as a timestamp, or adds a cast).
using CoerceFn = std::function<Status(NodePtr& child, DataType to)>;

/// Checks `call` against its function's signature and sets its type; errors
/// point at the call (arity) or at the offending argument.
Status check_flink_call(ExprNode& call, const CoerceFn& coerce, ExprError* error);

}  // namespace eddy::expr
