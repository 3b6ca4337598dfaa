// Flink's math functions (power, sqrt, exp, ln, log, log10, log2, sign, pi,
// truncate) and the conditional IF.
#include "expr_test_util.h"

using namespace expr_test;

// i: 7, -7, 0, 10     f: 2.5, -0.5, 0, 100     n: 1, NULL, 3, NULL

TEST_CASE("power, sqrt, exp and the logarithms return float64") {
  CHECK(eval1("power(2, 10)") == "1024");
  CHECK(eval1("power(2.0, -1)") == "0.5");
  CHECK(eval_rows("power(i, 2)") == "49, 49, 0, 100");
  CHECK(eval1("sqrt(16)") == "4");
  CHECK(eval1("sqrt(-1)").find("nan") != std::string::npos);  // NaN, as Java's Math.sqrt
  CHECK(eval1("exp(0)") == "1");
  CHECK(eval1("ln(1)") == "0");
  CHECK(eval1("ln(0)") == "-inf");
  CHECK(eval1("log(1)") == "0");
  CHECK(eval1("log(2, 8)") == "3");
  CHECK(eval1("log10(1000)") == "3");
  CHECK(eval1("log2(1024)") == "10");
  CHECK(eval_rows("sqrt(n)") == "1, NULL, 1.7320508075688772, NULL");
  auto e = compile("power(i, 2)");
  CHECK(e->type() == DataType::kFloat64);
  CHECK(compile_error("sqrt(s)").message == "sqrt needs a numeric argument, got string");
  CHECK(compile_error("power(2)").message == "function power takes 2 arguments, got 1");
  CHECK(compile_error("log(1, 2, 3)").message == "function log takes 1 or 2 arguments, got 3");
}

TEST_CASE("sign keeps the argument's type; pi takes no argument") {
  CHECK(eval_rows("sign(i)") == "1, -1, 0, 1");
  CHECK(eval_rows("sign(f)") == "1, -1, 0, 1");
  CHECK(compile("sign(i)")->type() == DataType::kInt64);
  CHECK(compile("sign(f)")->type() == DataType::kFloat64);
  CHECK(eval1("sign(NULL)") == "NULL");
  CHECK(eval1("pi()") == "3.141592653589793");
  CHECK(compile_error("pi(1)").message == "function pi takes 0 arguments, got 1");
}

TEST_CASE("truncate cuts to decimal places toward zero, as written") {
  CHECK(eval1("truncate(42.324, 2)") == "42.32");
  CHECK(eval1("truncate(42.324)") == "42");
  CHECK(eval1("truncate(-42.39, 1)") == "-42.3");
  CHECK(eval1("truncate(0.3, 1)") == "0.3");
  CHECK(eval1("truncate(1234.5, -2)") == "1200");
  CHECK(eval1("truncate(1234, -2)") == "1200");
  CHECK(eval1("truncate(-1234, -2)") == "-1200");
  CHECK(eval1("truncate(1234, 2)") == "1234");
  CHECK(eval1("truncate(1234, -30)") == "0");
  CHECK(compile("truncate(i, 1)")->type() == DataType::kInt64);
  CHECK(eval_rows("truncate(f, n)") == "2.5, NULL, 0, NULL");
  CHECK(compile_error("truncate(f, 1.5)").message == "truncate needs an int64 argument, got float64");
}

TEST_CASE("IF picks its second or third argument, the third when the condition is NULL") {
  CHECK(eval1("IF(5 > 3, 5, 3)") == "5");
  CHECK(eval_rows("IF(i > 0, s, ns)") == "apple, y, NULL, cherry pie");
  CHECK(eval_rows("IF(nb, 'yes', 'no')") == "yes, no, no, no");
  CHECK(eval_rows("if(b, i, f)") == "7, -0.5, 0, 100");
  // Only the rows that take a branch evaluate it.
  CHECK(eval_rows("IF(i <> 0, 100 / i, -1)") == "14, -14, -1, 10");
  CHECK(compile_error("IF(i, 1, 2)").message == "IF needs a boolean condition, got int64");
  CHECK(compile_error("IF(b, 1, 'x')").message == "IF branches have different types: int64 and string");
  CHECK(compile_error("IF(b, 1)").message == "function if takes 3 arguments, got 2");
}
