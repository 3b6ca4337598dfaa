// Name tables of the SQL dialect: which functions exist, which names are
// aggregates, what CAST type names mean, and which keywords stand for column
// names. Used by parse_sql.cpp.
#pragma once

#include <string>

#include "core/schema.h"
#include "expr/ast.h"

namespace eddy::expr {

/// Aggregate function names (count, sum, ...), refused inside expressions.
bool is_aggregate_name(const std::string& name);
/// The built-in function called `name` (lower case), if there is one.
bool lookup_function(const std::string& name, Func& f);
/// The built-in function whose name is nearest to `name` (lower case), or "".
std::string nearest_function(const std::string& name);
/// The type a CAST target name stands for, PostgreSQL's internal spellings
/// (int4, float8, bpchar, ...) included.
bool lookup_type(const std::string& name, DataType& t);
/// The column name for a SQLValueFunction op ("SVFOP_USER" -> "user"), or "".
std::string keyword_column_name(const std::string& op);

}  // namespace eddy::expr
