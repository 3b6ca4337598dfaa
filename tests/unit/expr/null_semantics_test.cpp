// SQL NULL semantics: three-valued logic, comparisons, IN, BETWEEN, IS tests,
// filters dropping NULL, and guards that keep failing branches unevaluated.
#include "expr_test_util.h"

using namespace expr_test;

// Reminder of the sample columns used here:
//   b: true, false, true, false     nb: true, NULL, false, NULL
//   i: 7, -7, 0, 10                 n: 1, NULL, 3, NULL

TEST_CASE("AND and OR follow three-valued logic") {
  CHECK(eval_rows("nb AND b") == "true, false, false, false");
  CHECK(eval_rows("nb AND TRUE") == "true, NULL, false, NULL");
  CHECK(eval_rows("nb AND FALSE") == "false, false, false, false");
  CHECK(eval_rows("nb OR b") == "true, NULL, true, NULL");
  CHECK(eval_rows("nb OR TRUE") == "true, true, true, true");
  CHECK(eval_rows("nb OR FALSE") == "true, NULL, false, NULL");
  CHECK(eval_rows("nb AND nb") == "true, NULL, false, NULL");
  CHECK(eval_rows("nb OR nb") == "true, NULL, false, NULL");
  CHECK(eval_rows("NOT nb") == "false, NULL, true, NULL");
  CHECK(eval_rows("b AND i > 0 AND n > 0") == "true, false, false, false");
  CHECK(eval_rows("NOT b OR n = 3") == "false, true, true, true");
  CHECK(eval1("NULL AND FALSE") == "false");
  CHECK(eval1("NULL AND TRUE") == "NULL");
  CHECK(eval1("NULL OR TRUE") == "true");
  CHECK(eval1("NULL OR FALSE") == "NULL");
  CHECK(eval1("NOT NULL") == "NULL");
}

TEST_CASE("comparisons with NULL are NULL") {
  CHECK(eval_rows("n = 1") == "true, NULL, false, NULL");
  CHECK(eval_rows("n <> 1") == "false, NULL, true, NULL");
  CHECK(eval_rows("n != 1") == "false, NULL, true, NULL");
  CHECK(eval_rows("n = NULL") == "NULL, NULL, NULL, NULL");
  CHECK(eval1("NULL = NULL") == "NULL");
  CHECK(eval_rows("ns = 'x'") == "true, false, NULL, false");
  CHECK(eval_rows("ns < 'y'") == "true, false, NULL, false");
  CHECK(eval_rows("b = nb") == "true, NULL, false, NULL");
  CHECK(eval_rows("b > nb") == "false, NULL, true, NULL");
}

TEST_CASE("a filter keeps only rows where the predicate is true") {
  auto batch = sample_batch();
  std::vector<uint32_t> rows = {99};
  auto check = [&](const std::string& sql, std::vector<uint32_t> want) {
    INFO(sql);
    REQUIRE(compile(sql)->select_true(*batch, rows).is_ok());
    CHECK(rows == want);
  };
  check("n > 0", {0, 2});
  check("nb", {0});
  check("NOT nb", {2});
  check("n IS NULL", {1, 3});
  check("b", {0, 2});
  check("i % 7 = 0", {0, 1, 2});
  check("TRUE", {0, 1, 2, 3});
  check("FALSE", {});
  check("NULL", {});
  check("n = NULL", {});
  std::vector<uint32_t> out;
  CHECK(compile("i + 1")->select_true(*batch, out).code() == StatusCode::kTypeError);
}

TEST_CASE("IS NULL, IS TRUE and IS DISTINCT FROM never return NULL") {
  CHECK(eval_rows("ns IS NULL") == "false, false, true, false");
  CHECK(eval_rows("ns IS NOT NULL") == "true, true, false, true");
  CHECK(eval_rows("n + 1 IS NULL") == "false, true, false, true");
  CHECK(eval1("NULL IS NULL") == "true");
  CHECK(eval_rows("nb IS TRUE") == "true, false, false, false");
  CHECK(eval_rows("nb IS NOT TRUE") == "false, true, true, true");
  CHECK(eval_rows("nb IS FALSE") == "false, false, true, false");
  CHECK(eval_rows("nb IS NOT FALSE") == "true, true, false, true");
  CHECK(eval_rows("nb IS UNKNOWN") == "false, true, false, true");
  CHECK(eval_rows("nb IS NOT UNKNOWN") == "true, false, true, false");
  CHECK(eval_rows("n IS DISTINCT FROM 1") == "false, true, true, true");
  CHECK(eval_rows("n IS NOT DISTINCT FROM NULL") == "false, true, false, true");
  CHECK(eval_rows("n IS DISTINCT FROM i") == "true, true, true, true");
}

TEST_CASE("IN lists follow SQL NULL rules") {
  CHECK(eval_rows("i IN (7, 10)") == "true, false, false, true");
  CHECK(eval_rows("n IN (1, 2)") == "true, NULL, false, NULL");
  CHECK(eval_rows("i IN (7, NULL)") == "true, NULL, NULL, NULL");
  CHECK(eval_rows("i NOT IN (7, NULL)") == "false, NULL, NULL, NULL");
  CHECK(eval_rows("i NOT IN (1, 2)") == "true, true, true, true");
  CHECK(eval_rows("i IN (7, 10.0)") == "true, false, false, true");
  CHECK(eval_rows("s IN ('apple', 'cherry pie')") == "true, false, false, true");
  CHECK(eval_rows("NOT s IN ('apple')") == "false, true, true, true");
  CHECK(eval_rows("i IN (n, 0)") == "false, NULL, true, NULL");
  ExprError e = compile_error("i IN (1, 'a')");
  CHECK(e.message == "IN cannot compare int64 and string");
  CHECK(e.offset == 2);
}

TEST_CASE("BETWEEN is inclusive and NULL-aware") {
  CHECK(eval_rows("i BETWEEN 0 AND 7") == "true, false, true, false");
  CHECK(eval_rows("i NOT BETWEEN 0 AND 7") == "false, true, false, true");
  CHECK(eval_rows("n BETWEEN 0 AND 2") == "true, NULL, false, NULL");
  CHECK(eval_rows("f BETWEEN -1 AND 2.5") == "true, true, true, false");
  CHECK(eval_rows("t BETWEEN '1970-01-01 00:00:00' AND '1970-01-01 00:00:01'") ==
        "true, true, false, false");
  CHECK(eval_rows("s BETWEEN 'a' AND 'c'") == "true, false, false, false");
  CHECK(eval_rows("i BETWEEN NULL AND 100") == "NULL, NULL, NULL, NULL");
  CHECK(eval_rows("i NOT BETWEEN 8 AND NULL") == "true, true, true, NULL");
}

TEST_CASE("guards keep a failing branch from running on the rows they exclude") {
  CHECK(eval_error("100 / i > 5").message() == "division by zero");
  CHECK(eval_rows("i <> 0 AND 100 / i > 5") == "true, false, false, true");
  CHECK(eval_rows("i = 0 OR 100 / i > 5") == "true, false, true, true");
  CHECK(eval_rows("CASE WHEN i = 0 THEN 0 ELSE 100 / i END") == "14, -14, 0, 10");
  CHECK(eval_rows("CASE WHEN i <> 0 THEN 100 / i END") == "14, -14, NULL, 10");
  CHECK(eval_rows("coalesce(n, 100 / i)") == "1, -14, 3, 10");
  CHECK(eval_rows("CASE WHEN s = 'apple' THEN 'x' ELSE CAST(i AS text) END") == "x, -7, 0, 10");
  CHECK(eval_rows("CASE WHEN s = '' THEN CAST(s || '5' AS bigint) ELSE 0 END") == "0, 0, 5, 0");
  CHECK(eval_error("CASE WHEN s <> '' THEN CAST(s AS bigint) ELSE 0 END").message() ==
        "cannot cast 'apple' to int64");
}
