// Compile errors: syntax errors, unknown names, refused SQL constructs and type
// mismatches, each with the offset of the offending token.
#include "expr_test_util.h"

using namespace expr_test;

namespace {
/// Compiles `sql`, expecting failure with `code`; returns the error.
ExprError refused(const std::string& sql, StatusCode code) {
  StatusCode got = StatusCode::kOk;
  ExprError e = compile_error(sql, &got);
  INFO(sql, " -> ", e.message);
  CHECK(got == code);
  return e;
}
}  // namespace

TEST_CASE("syntax errors carry the offset PostgreSQL's parser reports") {
  ExprError e = refused("price >", StatusCode::kParseError);
  CHECK(e.message == "syntax error at end of input");
  CHECK(e.offset == 7);
  e = refused("i AND AND b", StatusCode::kParseError);
  CHECK(e.message == "syntax error at or near \"AND\"");
  CHECK(e.offset == 6);
  e = refused("'abc", StatusCode::kParseError);
  CHECK(e.message.find("unterminated quoted string") == 0);
  CHECK(e.offset == 0);
  e = refused("(i + 1", StatusCode::kParseError);
  CHECK(e.offset == 6);
  e = refused("CASE WHEN b END", StatusCode::kParseError);
  CHECK(e.offset == 12);
  e = refused("", StatusCode::kParseError);
  CHECK(e.message == "empty expression");
  e = refused("   ", StatusCode::kParseError);
  CHECK(e.message == "empty expression");
  e = refused("i +* 2", StatusCode::kParseError);
  CHECK(e.message == "operator +* is not supported");
  CHECK(e.offset == 2);
  e = refused(std::string("i\0", 2), StatusCode::kParseError);
  CHECK(e.offset == 1);
}

TEST_CASE("unknown columns are named with the columns the input has") {
  ExprError e = refused("price * 2", StatusCode::kTypeError);
  CHECK(e.message == "unknown column 'price'; the input has columns i, f, s, b, t, n, ns, nb");
  CHECK(e.offset == 0);
  e = refused("i + 2 * bogus", StatusCode::kTypeError);
  CHECK(e.message.find("unknown column 'bogus'") == 0);
  CHECK(e.offset == 8);
  auto r = compile_expression("x", Schema{}, &e);
  CHECK_FALSE(r.ok());
  CHECK(e.message == "unknown column 'x'; the input has no columns");
}

TEST_CASE("type errors point at the operator") {
  ExprError e = refused("s + 1", StatusCode::kTypeError);
  CHECK(e.message == "operator + needs numeric operands, got string and int64");
  CHECK(e.offset == 2);
  e = refused("i   =   'seven'", StatusCode::kTypeError);
  CHECK(e.message == "operator = cannot compare int64 and string");
  CHECK(e.offset == 4);
  e = refused("b AND i", StatusCode::kTypeError);
  CHECK(e.message == "AND needs boolean operands, got int64");
  CHECK(e.offset == 2);
  e = refused("i > 0 OR s", StatusCode::kTypeError);
  CHECK(e.message == "OR needs boolean operands, got string");
  CHECK(e.offset == 6);
  e = refused("NOT i", StatusCode::kTypeError);
  CHECK(e.message == "NOT needs boolean operands, got int64");
  CHECK(e.offset == 0);
  e = refused("i IS TRUE", StatusCode::kTypeError);
  CHECK(e.offset == 2);
  e = refused("i BETWEEN 'a' AND 'b'", StatusCode::kTypeError);
  CHECK(e.message == "BETWEEN cannot compare int64 and string");
  CHECK(e.offset == 2);
  e = refused("t = 5", StatusCode::kTypeError);
  CHECK(e.message == "operator = cannot compare timestamp and int64");
}

TEST_CASE("only a single plain expression is accepted") {
  ExprError e = refused("1; DROP TABLE x", StatusCode::kParseError);
  CHECK(e.message == "expected one expression, found several statements");
  CHECK(e.offset == 1);
  e = refused("i, f", StatusCode::kParseError);
  CHECK(e.message == "expected one expression, found 2 separated by commas");
  CHECK(e.offset == 3);
  e = refused("i FROM t", StatusCode::kParseError);
  CHECK(e.message == "an expression cannot have a FROM clause");
  CHECK(e.offset == 7);
  e = refused("i WHERE b", StatusCode::kParseError);
  CHECK(e.message == "an expression cannot have a WHERE clause");
  refused("1 UNION SELECT 2", StatusCode::kParseError);
  refused("i ORDER BY i", StatusCode::kParseError);
  e = refused("i AS j", StatusCode::kParseError);
  CHECK(e.message == "an expression cannot have an alias (AS ...)");
  e = refused("(SELECT 1)", StatusCode::kParseError);
  CHECK(e.message == "subqueries are not allowed in an expression");
  CHECK(e.offset == 0);
  e = refused("i IN (SELECT 1)", StatusCode::kParseError);
  CHECK(e.message == "subqueries are not allowed in an expression");
  e = refused("EXISTS (SELECT 1)", StatusCode::kParseError);
  CHECK(e.message == "subqueries are not allowed in an expression");
  e = refused("$1 + i", StatusCode::kParseError);
  CHECK(e.message == "parameters ($1) are not supported");
  e = refused("t.i", StatusCode::kParseError);
  CHECK(e.message.find("qualified names") == 0);
  e = refused("*", StatusCode::kParseError);
  CHECK(e.message == "'*' is not allowed in an expression");
  e = refused("i = ANY(i)", StatusCode::kParseError);
  e = refused("s SIMILAR TO 'a'", StatusCode::kParseError);
  CHECK(e.message == "SIMILAR TO is not supported; use LIKE");
  e = refused("ARRAY[1]", StatusCode::kParseError);
  CHECK(e.message == "arrays are not supported");
}

TEST_CASE("an unknown function close to a known one is named with it") {
  ExprError e = refused("date_formt(s, 'yyyy')", StatusCode::kTypeError);
  CHECK(e.message.rfind("unknown function 'date_formt'; did you mean date_format()?", 0) == 0);
}

TEST_CASE("aggregates, window functions and unknown functions are refused") {
  ExprError e = refused("sum(i)", StatusCode::kParseError);
  CHECK(e.message == "aggregate functions are not allowed here");
  CHECK(e.offset == 0);
  e = refused("1 + count(*)", StatusCode::kParseError);
  CHECK(e.message == "aggregate functions are not allowed here");
  CHECK(e.offset == 4);
  refused("count(DISTINCT i)", StatusCode::kParseError);
  refused("max(i)", StatusCode::kParseError);
  e = refused("upper(s) OVER ()", StatusCode::kParseError);
  CHECK(e.message == "window functions are not allowed here");
  e = refused("i + foo(1)", StatusCode::kTypeError);
  CHECK(e.message.rfind("unknown function 'foo' (", 0) == 0);
  CHECK(e.offset == 4);
  e = refused("myschema.abs(i)", StatusCode::kTypeError);
  CHECK(e.message == "unknown function 'myschema.abs'");
  e = refused("now()", StatusCode::kTypeError);
  CHECK(e.message.rfind("unknown function 'now' (", 0) == 0);
}

TEST_CASE("very deep or very long expressions are refused, not crashed on") {
  // 255 additions and the column: 256 levels, the limit.
  std::string chain = "i";
  for (int k = 0; k < 255; ++k) chain += " + 1";
  CHECK(eval1(chain) == "262");
  chain += " + 1";
  ExprError e = refused(chain, StatusCode::kParseError);
  CHECK(e.message == "expression is nested too deeply (the limit is 256 levels of operators, calls and "
                     "parentheses)");
  std::string longest(70000, ' ');
  longest += "1";
  e = refused(longest, StatusCode::kParseError);
  CHECK(e.message == "expression is too long (70001 bytes; the limit is 65536)");
}

TEST_CASE("format_expr_error shows the line and a caret") {
  ExprError e = refused("prise * 0.908", StatusCode::kTypeError);
  CHECK(format_expr_error("prise * 0.908", e) ==
        "unknown column 'prise'; the input has columns i, f, s, b, t, n, ns, nb\n"
        "  prise * 0.908\n"
        "  ^");
  e = refused("i > 0 AND\n  s + 1 > 2", StatusCode::kTypeError);
  CHECK(format_expr_error("i > 0 AND\n  s + 1 > 2", e) ==
        "operator + needs numeric operands, got string and int64\n"
        "    s + 1 > 2\n"
        "      ^");
  CHECK(format_expr_error("x", ExprError{-1, "bad"}) == "bad\n  x");
}
