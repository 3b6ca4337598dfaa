// SQL text -> untyped AST, through PostgreSQL's parser (libpg_query): the text
// is parsed as "SELECT <expr>" and the JSON parse tree is converted node by
// node. Called by compile_expression() only.
#pragma once

#include <string_view>

#include "expr/ast.h"

namespace eddy::expr {

/// Parses one scalar expression. Literals and casts come back typed; columns,
/// operators and calls are typed later by type_check(). Refuses anything that
/// is not a single plain expression (statements, clauses, subqueries,
/// aggregates, window functions, parameters) with kParseError, and unknown
/// functions with kTypeError, filling `error` with offset and message.
Result<NodePtr> parse_sql_expression(std::string_view sql, ExprError* error);

}  // namespace eddy::expr
