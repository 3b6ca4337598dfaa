// Arithmetic: integer vs float semantics, constant operands, timestamps,
// overflow and division by zero.
#include <limits>
#include <random>

#include "expr/int_div.h"
#include "expr_test_util.h"

using namespace expr_test;

TEST_CASE("integer division truncates and any float operand makes a float") {
  CHECK(eval1("7 / 2") == "3");
  CHECK(eval1("7 / 2.0") == "3.5");
  CHECK(eval1("7.0 / 2") == "3.5");
  CHECK(eval1("7 % 3") == "1");
  CHECK(eval1("-7 / 2") == "-3");
  CHECK(eval1("-7 % 3") == "-1");
  CHECK(eval1("7 % -3") == "1");
  CHECK(eval_rows("i / 2") == "3, -3, 0, 5");
  CHECK(eval_rows("i % 3") == "1, -1, 0, 1");
  CHECK(eval_rows("i * f") == "17.5, 3.5, 0, 1000");
  CHECK(compile("i / 2")->type() == DataType::kInt64);
  CHECK(compile("i / 2.0")->type() == DataType::kFloat64);
  CHECK(compile("f + 1")->type() == DataType::kFloat64);
}

TEST_CASE("constant operands work on either side") {
  CHECK(eval_rows("i + 1") == "8, -6, 1, 11");
  CHECK(eval_rows("1 - i") == "-6, 8, 1, -9");
  CHECK(eval_rows("i - 1") == "6, -8, -1, 9");
  CHECK(eval_rows("2 * i") == "14, -14, 0, 20");
  CHECK(eval_rows("70 / (i + 1)") == "8, -11, 70, 6");
  CHECK(eval_rows("1000 + (i * 7919) % 10000") == "6433, -4433, 1000, 10190");
  CHECK(eval_rows("i % 4") == "3, -3, 0, 2");
  CHECK(eval_rows("i / -2") == "-3, 3, 0, -5");
  CHECK(eval_rows("i % -1") == "0, 0, 0, 0");
  CHECK(eval_rows("i / -1") == "-7, 7, 0, -10");
  CHECK(eval_rows("i / 1") == "7, -7, 0, 10");
  CHECK(eval_rows("i + i * i") == "56, 42, 0, 110");
}

TEST_CASE("float arithmetic keeps doubles") {
  auto e = compile("f * 0.908");
  auto col = e->evaluate(*sample_batch());
  REQUIRE(col.ok());
  CHECK(col->doubles[0] == doctest::Approx(2.27));
  CHECK(col->doubles[1] == doctest::Approx(-0.454));
  CHECK(col->doubles[3] == doctest::Approx(90.8));
  CHECK(eval_rows("f / 2") == "1.25, -0.25, 0, 50");
  CHECK(eval_rows("f % 2") == "0.5, -0.5, 0, 0");
  CHECK(eval_rows("-(f + 1)") == "-3.5, -0.5, -1, -101");
  CHECK(eval_rows("-i") == "-7, 7, 0, -10");
}

TEST_CASE("int64 and float64 compare numerically") {
  CHECK(eval_rows("i > 2.5") == "true, false, false, true");
  CHECK(eval_rows("i = 7.0") == "true, false, false, false");
  CHECK(eval_rows("f < i") == "true, false, false, false");
  CHECK(eval1("1 = 1.0") == "true");
}

TEST_CASE("timestamps take and give milliseconds") {
  CHECK(compile("t + 1000")->type() == DataType::kTimestamp);
  CHECK(compile("1000 + t")->type() == DataType::kTimestamp);
  CHECK(compile("t - 1")->type() == DataType::kTimestamp);
  CHECK(compile("t - t")->type() == DataType::kInt64);
  CHECK(eval_rows("t + 1000") == "1000, 2000, 1704067201000, 999");
  CHECK(eval_rows("t - CAST(0 AS timestamp)") == "0, 1000, 1704067200000, -1");
  CHECK(eval_rows("t >= '2024-01-01'") == "false, false, true, false");
  CHECK(eval_rows("t < '1970-01-01 00:00:01'") == "true, false, false, true");
  CHECK(eval_rows("t = TIMESTAMP '1970-01-01 00:00:01'") == "false, true, false, false");
}

TEST_CASE("NULL operands give NULL results") {
  CHECK(eval1("NULL + 1") == "NULL");
  CHECK(eval_rows("i + NULL") == "NULL, NULL, NULL, NULL");
  CHECK(compile("i + NULL")->type() == DataType::kInt64);
  CHECK(eval_rows("i + n") == "8, NULL, 3, NULL");
  CHECK(eval_rows("n * 2.5") == "2.5, NULL, 7.5, NULL");
  CHECK(eval_rows("-n") == "-1, NULL, -3, NULL");
  CHECK(eval_rows("t + NULL") == "NULL, NULL, NULL, NULL");
}

TEST_CASE("division by zero is an error unless the row is NULL") {
  CHECK(eval_error("100 / i").message() == "division by zero");
  CHECK(eval_error("100 % i").message() == "division by zero");
  CHECK(eval_error("i / 0").message() == "division by zero");
  CHECK(eval_error("i % 0").message() == "division by zero");
  CHECK(eval_error("1 / f").message() == "division by zero");
  CHECK(eval_error("f / 0.0").message() == "division by zero");
  CHECK(eval_error("i / (n - 1)").message() == "division by zero");
  // n is NULL where its placeholder is 0: those rows are NULL, not errors.
  CHECK(eval_rows("i / n") == "7, NULL, 0, NULL");
  CHECK(eval_rows("i % n") == "0, NULL, 0, NULL");
  CHECK(eval_rows("CASE WHEN n IS NULL THEN n % 0 END") == "NULL, NULL, NULL, NULL");
  StatusCode code;
  CHECK(compile_error("1 / 0", &code).message == "division by zero");
  CHECK(code == StatusCode::kTypeError);
}

TEST_CASE("int64 overflow is an error") {
  Status s = eval_error("i * 9223372036854775807");
  CHECK(s.message() == "int64 overflow: 7 * 9223372036854775807");
  CHECK(eval_error("i + 9223372036854775807").message().find("int64 overflow") == 0);
  CHECK(eval_error("-9223372036854775807 - i").message().find("int64 overflow") == 0);
  CHECK(eval_error("(n - 9223372036854775807 - 2) / -1").message() ==
        "int64 overflow: -9223372036854775808 / -1");
  CHECK(eval_error("abs(n - 9223372036854775807 - 2)").message() ==
        "int64 overflow: abs(-9223372036854775808)");
  CHECK(compile_error("9223372036854775807 + 1").message == "int64 overflow: 9223372036854775807 + 1");
  CHECK(eval1("-9223372036854775807 - 1") == std::to_string(std::numeric_limits<int64_t>::min()));
}

TEST_CASE("division by a constant matches hardware division for every sign and size") {
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> divisors = {1, -1, 2, -2, 3, -3, 5, 7, 10, -10, 123, 1000, 7919, 10000,
                                   1 << 20, (1LL << 20) + 1, 1000000007, (1LL << 40) - 1,
                                   kMax, kMin, kMin + 1, kMax / 3, -(1LL << 62)};
  std::vector<int64_t> values = {0, 1, -1, 2, -2, 9, -9, 122, 123, 124, -123, 9999, 10000, 10001,
                                 kMax, kMin, kMin + 1, kMax - 1};
  std::mt19937_64 rng(42);
  for (int k = 0; k < 2000; ++k) {
    values.push_back(static_cast<int64_t>(rng()));
    values.push_back(static_cast<int64_t>(rng() >> (rng() % 63)));
  }
  for (int k = 0; k < 200; ++k) divisors.push_back(static_cast<int64_t>(rng() >> (rng() % 63)) | 1);
  for (int64_t d : divisors) {
    if (d == 0) continue;
    eddy::expr::ConstDivisor div(d);
    for (int64_t n : values) {
      if (n == kMin && d == -1) continue;  // overflows; the kernel reports it
      const int64_t q = div.is_pow2() ? div.quotient<true>(n) : div.quotient<false>(n);
      const int64_t r = div.is_pow2() ? div.remainder<true>(n) : div.remainder<false>(n);
      INFO(n, " / ", d);
      REQUIRE(q == n / d);
      REQUIRE(r == n % d);
    }
  }
}

TEST_CASE("division by a constant takes a faster path when no dividend is negative") {
  CHECK(eval_rows("(i * i) % 7") == "0, 0, 0, 2");
  CHECK(eval_rows("(i * i) / 7") == "7, 7, 0, 14");
  CHECK(eval_rows("(i * i) / -7") == "-7, -7, 0, -14");
  CHECK(eval_rows("(i * i) % 8") == "1, 1, 0, 4");
  CHECK(eval_rows("(i * i) / 8") == "6, 6, 0, 12");
  CHECK(eval_rows("n % 2") == "1, NULL, 1, NULL");
  for (int64_t d : {3LL, 7LL, 10000LL, 1LL << 33, 9223372036854775807LL, -3LL, -1024LL}) {
    eddy::expr::ConstDivisor div(d);
    for (int64_t n : {0LL, 1LL, 6LL, 7LL, 999999999999LL, 9223372036854775807LL}) {
      INFO(n, " / ", d);
      const int64_t q = div.is_pow2() ? div.quotient<true, true>(n) : div.quotient<false, true>(n);
      const int64_t r = div.is_pow2() ? div.remainder<true, true>(n) : div.remainder<false, true>(n);
      CHECK(q == n / d);
      CHECK(r == n % d);
    }
  }
}

TEST_CASE("arithmetic on strings or booleans is refused with the operator's offset") {
  ExprError e = compile_error("i + s");
  CHECK(e.message == "operator + needs numeric operands, got int64 and string");
  CHECK(e.offset == 2);
  e = compile_error("b * 2");
  CHECK(e.message == "operator * needs numeric operands, got bool and int64");
  CHECK(e.offset == 2);
  e = compile_error("t * 2");
  CHECK(e.message ==
        "operator * needs numeric operands (or timestamp +/- int64 milliseconds), got timestamp and int64");
  e = compile_error("t + t");
  CHECK(e.offset == 2);
  e = compile_error("-s");
  CHECK(e.message == "operator - needs a numeric operand, got string");
  CHECK(e.offset == 0);
  e = compile_error("'a' + NULL");
  CHECK(e.message == "operator + needs numeric operands, got string and NULL");
}
