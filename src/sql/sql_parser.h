// Recursive descent over Flink SQL's statements and relations (docs/sql.md).
// Expressions are not parsed here: the parser finds where each one ends (at a
// clause keyword, a comma or a closing parenthesis outside parentheses) and
// keeps its tokens; src/expr parses them once the planner has resolved names.
#pragma once

#include <string>
#include <vector>

#include "plan/pipeline_spec.h"
#include "sql/sql_ast.h"
#include "sql/sql_lexer.h"

namespace eddy::sql {

struct Script {
  std::string text;
  std::vector<Token> tokens;
  std::vector<Statement> statements;
};

/// Parses `text` into `out`. On a syntax error, appends one diagnostic (what
/// was found, what was expected) and returns false.
bool parse_script(std::string text, Script& out, std::vector<Diagnostic>& diags);

/// Upper-case form of an identifier, for keyword and function-name checks.
std::string upper(std::string_view s);

}  // namespace eddy::sql
