// CASE (searched and simple) and CAST between all types, timestamps included.
#include "expr_test_util.h"

using namespace expr_test;

TEST_CASE("searched CASE takes the first true branch") {
  CHECK(eval_rows("CASE WHEN i > 5 THEN 'big' WHEN i > 0 THEN 'small' ELSE 'neg' END") ==
        "big, neg, neg, big");
  CHECK(eval_rows("CASE WHEN i > 0 THEN 'pos' WHEN i > 5 THEN 'never' END") == "pos, NULL, NULL, pos");
  CHECK(eval_rows("CASE WHEN nb THEN 1 ELSE 2 END") == "1, 2, 2, 2");
  CHECK(eval_rows("CASE WHEN b THEN i END") == "7, NULL, 0, NULL");
  CHECK(eval_rows("CASE WHEN b THEN i ELSE f END") == "7, -0.5, 0, 100");
  CHECK(eval_rows("CASE WHEN b THEN NULL ELSE s END") == "NULL, Banana, NULL, cherry pie");
  CHECK(eval_rows("CASE WHEN TRUE THEN n END") == "1, NULL, 3, NULL");
  CHECK(eval_rows("CASE WHEN i > 100 THEN 1 END") == "NULL, NULL, NULL, NULL");
  CHECK(eval_rows("CASE WHEN i > 0 THEN t ELSE '2024-01-01' END") ==
        "0, 1704067200000, 1704067200000, -1");
  CHECK(compile("CASE WHEN b THEN 1 END")->type() == DataType::kInt64);
  CHECK(compile("CASE WHEN b THEN NULL END")->type() == DataType::kString);
}

TEST_CASE("simple CASE compares its subject with each WHEN value") {
  CHECK(eval_rows("CASE i WHEN 7 THEN 'seven' WHEN 10 THEN 'ten' ELSE 'other' END") ==
        "seven, other, other, ten");
  CHECK(eval_rows("CASE n WHEN 1 THEN 'one' ELSE 'other' END") == "one, other, other, other");
  CHECK(eval_rows("CASE s WHEN 'apple' THEN 1 END") == "1, NULL, NULL, NULL");
  CHECK(eval_rows("CASE i % 2 WHEN 0 THEN 'even' ELSE 'odd' END") == "odd, odd, even, even");
}

TEST_CASE("CASE refuses mismatched branches and non-boolean conditions") {
  ExprError e = compile_error("CASE WHEN b THEN 1 ELSE 'x' END");
  CHECK(e.message == "CASE branches have different types: int64 and string");
  CHECK(e.offset == 24);
  e = compile_error("CASE WHEN i THEN 1 END");
  CHECK(e.message == "CASE WHEN needs a boolean condition, got int64");
  CHECK(e.offset == 10);
  e = compile_error("CASE i WHEN 'a' THEN 1 END");
  CHECK(e.message == "operator = cannot compare int64 and string");
}

TEST_CASE("CAST between numbers, booleans and text") {
  CHECK(compile("CAST(i AS double)")->type() == DataType::kFloat64);
  CHECK(eval_rows("CAST(i AS double precision) / 2") == "3.5, -3.5, 0, 5");
  CHECK(eval_rows("i::text") == "7, -7, 0, 10");
  CHECK(eval_rows("i::varchar(3) || '|'") == "7|, -7|, 0|, 10|");
  CHECK(eval_rows("f::text") == "2.5, -0.5, 0, 100");
  CHECK(eval_rows("f::bigint") == "2, 0, 0, 100");  // toward zero, as Flink
  CHECK(eval_rows("CAST(f AS int)") == "2, 0, 0, 100");
  CHECK(eval_rows("b::int") == "1, 0, 1, 0");
  CHECK(eval_rows("i::boolean") == "true, true, false, true");
  CHECK(eval_rows("b::text") == "true, false, true, false");
  CHECK(eval_rows("nb::text") == "true, NULL, false, NULL");
  CHECK(eval1("'42'::bigint") == "42");
  CHECK(eval1("' +42 '::int8") == "42");
  CHECK(eval1("'4.5e1'::float8") == "45");
  CHECK(eval1("'-0.25'::real") == "-0.25");
  CHECK(eval1("'true'::boolean") == "true");
  CHECK(eval1("'off'::bool") == "false");
  CHECK(eval1("CAST(0.1 + 0.2 AS text)") == "0.30000000000000004");
  CHECK(eval1("CAST(1e20 AS text)") == "1e+20");
  CHECK(eval1("CAST(NULL AS bigint) + 1") == "NULL");
  CHECK(eval_rows("CAST(ns AS text)") == "x, y, NULL, z");
  CHECK(compile("CAST(i AS bigint)")->column_ref_index() == 0);  // a no-op cast vanishes
}

TEST_CASE("CAST to and from timestamp uses epoch milliseconds") {
  CHECK(eval_rows("CAST(t AS bigint)") == "0, 1000, 1704067200000, -1");
  CHECK(compile("CAST(t AS bigint)")->type() == DataType::kInt64);
  CHECK(eval1("CAST(1704067200000 AS timestamp)") == "1704067200000");
  CHECK(compile("CAST(i AS timestamp)")->type() == DataType::kTimestamp);
  CHECK(eval_rows("CAST(i * 1000 AS timestamp)") == "7000, -7000, 0, 10000");
  CHECK(eval1("CAST('2024-01-01 00:00:00' AS timestamp)") == "1704067200000");
  CHECK(eval1("'2024-01-01T00:00:01.5'::timestamp") == "1704067201500");
  CHECK(eval1("TIMESTAMP '2024-01-01'") == "1704067200000");
  CHECK(eval1("CAST(1.6 AS timestamp)") == "1");
  CHECK(eval1("CAST(-1.6 AS timestamp)") == "-1");
  CHECK(eval1("CAST(CAST(1500 AS timestamp) AS double)") == "1500");
  CHECK(eval_rows("t::text") == "1970-01-01 00:00:00.000, 1970-01-01 00:00:01.000, "
                                "2024-01-01 00:00:00.000, 1969-12-31 23:59:59.999");
  CHECK(eval_rows("CAST(t::text AS timestamp) = t") == "true, true, true, true");
  CHECK(eval1("CAST(TIMESTAMP '2024-01-01' AS timestamptz)") == "1704067200000");
}

TEST_CASE("an unparsable string cast is an error naming the value") {
  Status s = eval_error("CAST(s AS bigint)");
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message() == "cannot cast 'apple' to int64");
  CHECK(eval_error("s::double").message() == "cannot cast 'apple' to float64");
  CHECK(eval_error("s::boolean").message() == "cannot cast 'apple' to bool");
  CHECK(eval_error("ns::timestamp").message() == "cannot cast 'x' to timestamp");
  CHECK(eval_error("(f * 1e300 * 1e10)::timestamp").message() ==
        "cannot cast Infinity to timestamp: out of range");
  StatusCode code;
  ExprError e = compile_error("CAST('abc' AS bigint)", &code);  // constant: caught at compile time
  CHECK(code == StatusCode::kTypeError);
  CHECK(e.message == "cannot cast 'abc' to int64");
  CHECK(e.offset == 0);
  CHECK(compile_error("1e30::timestamp").message == "cannot cast 1e+30 to timestamp: out of range");
  CHECK(compile_error("CAST('2024-02-30 00:00:00' AS timestamp)").message ==
        "cannot cast '2024-02-30 00:00:00' to timestamp");
  CHECK(compile_error("t < '2023-02-29'").message == "cannot read '2023-02-29' as a timestamp");
  CHECK(eval_error("CAST(s || '2024-01-01 25:00:00' AS timestamp)").message() ==
        "cannot cast 'apple2024-01-01 25:00:00' to timestamp");
}

TEST_CASE("CAST of a float to bigint truncates toward zero and saturates, as Flink does") {
  // Flink casts DOUBLE to BIGINT with Java's (long): the fraction is dropped,
  // values beyond the range give its ends, NaN gives 0.
  CHECK(eval1("CAST(2.7 AS bigint)") == "2");
  CHECK(eval1("CAST(-2.7 AS bigint)") == "-2");
  CHECK(eval1("CAST(-0.5 AS bigint)") == "0");
  CHECK(eval1("CAST(0.999999 AS int)") == "0");
  CHECK(eval1("CAST(-123.456789 AS bigint)") == "-123");
  CHECK(eval1("CAST(9234567891.12345 AS bigint)") == "9234567891");
  CHECK(eval1("CAST(1e30 AS bigint)") == "9223372036854775807");
  CHECK(eval1("CAST(-1e30 AS bigint)") == "-9223372036854775808");
  CHECK(eval1("CAST(9223372036854775807.0 AS bigint)") == "9223372036854775807");  // 2^63
  CHECK(eval1("CAST(-9223372036854775808.0 AS bigint)") == "-9223372036854775808");
  CHECK(eval1("CAST(CAST('NaN' AS double) AS bigint)") == "0");
  CHECK(eval1("CAST(CAST('-Infinity' AS double) AS bigint)") == "-9223372036854775808");
  CHECK(eval_rows("(f * 1e300 * 1e10)::bigint") ==
        "9223372036854775807, -9223372036854775808, 0, 9223372036854775807");
  CHECK(eval_rows("CAST(f * -3 AS bigint)") == "-7, 1, 0, -300");
}

TEST_CASE("impossible casts and unknown types are refused at compile time") {
  ExprError e = compile_error("CAST(b AS timestamp)");
  CHECK(e.message == "cannot cast bool to timestamp");
  CHECK(e.offset == 0);
  e = compile_error("f::boolean");
  CHECK(e.message == "cannot cast float64 to bool");
  CHECK(e.offset == 1);
  StatusCode code;
  e = compile_error("i::interval", &code);
  CHECK(code == StatusCode::kParseError);
  CHECK(e.offset == 3);
  e = compile_error("CAST(i AS money)", &code);
  CHECK(e.message == "unknown type 'money'");
  CHECK(e.offset == 10);
  e = compile_error("i::int[]");
  CHECK(e.message == "array types are not supported");
  e = compile_error("t < 'yesterday'");
  CHECK(e.message == "cannot read 'yesterday' as a timestamp");
  CHECK(e.offset == 4);
}
