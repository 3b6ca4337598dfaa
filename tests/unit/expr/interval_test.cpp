// INTERVAL literals as int64 milliseconds (expr/interval.h), and qualified
// column names resolved through a ColumnResolver.
#include "expr/interval.h"

#include "expr_test_util.h"

using namespace expr_test;

TEST_CASE("interval_ms reads a number of one unit, or number-unit pairs") {
  CHECK(*expr::interval_ms("20", expr::kIntervalMinute) == 1200000);
  CHECK(*expr::interval_ms(" 1.5 ", expr::kIntervalSecond) == 1500);
  CHECK(*expr::interval_ms("-2", expr::kIntervalHour) == -7200000);
  CHECK(*expr::interval_ms("1", expr::kIntervalDay) == 86400000);
  CHECK(*expr::interval_ms("1 hour 30 minutes", 0) == 5400000);
  CHECK(*expr::interval_ms("250ms", 0) == 250);
  CHECK(*expr::interval_ms("2 days 1 sec", 0) == 172801000);
  CHECK_FALSE(expr::interval_ms("1", 1 << 1).ok());  // months have no fixed length
  CHECK_FALSE(expr::interval_ms("1", expr::kIntervalHour | expr::kIntervalMinute).ok());
  CHECK_FALSE(expr::interval_ms("0.0001", expr::kIntervalSecond).ok());  // not whole milliseconds
  CHECK_FALSE(expr::interval_ms("3 fortnights", 0).ok());
  CHECK_FALSE(expr::interval_ms("", 0).ok());
  CHECK_FALSE(expr::interval_ms("x", expr::kIntervalMinute).ok());
  CHECK_FALSE(expr::interval_ms("1e30", expr::kIntervalMinute).ok());
}

TEST_CASE("INTERVAL literals compile to milliseconds beside timestamps") {
  CHECK(eval_rows("t + INTERVAL '1' SECOND") == "1000, 2000, 1704067201000, 999");
  CHECK(eval_rows("t - INTERVAL '1 minute'") == "-60000, -59000, 1704067140000, -60001");
  CHECK(eval_rows("INTERVAL '20' MINUTE") == "1200000, 1200000, 1200000, 1200000");
  CHECK(eval_rows("t BETWEEN t AND t + INTERVAL '2' HOUR") == "true, true, true, true");
  ExprError e = compile_error("t + INTERVAL '1' MONTH");
  CHECK(e.message.find("months or years have no fixed length") != std::string::npos);
  CHECK(e.offset == 4);
  e = compile_error("i::interval");
  CHECK(e.offset == 3);
}

TEST_CASE("qualified names go through a ColumnResolver") {
  const Schema schema = *sample_schema();
  const ColumnResolver resolver = [](const std::string& q, const std::string& name, std::string& message) {
    if (q == "x" && name == "f") return 1;
    if (q.empty() && name == "k") return 0;
    message = "no column " + q + "." + name;
    return -1;
  };
  ExprError err;
  auto e = compile_expression("x.f + k", schema, &err, resolver);
  REQUIRE(e.ok());
  CHECK((*e)->type() == DataType::kFloat64);
  e = compile_expression("y.f", schema, &err, resolver);
  CHECK_FALSE(e.ok());
  CHECK(err.message == "no column y.f");
  CHECK(err.offset == 0);
  e = compile_expression("x.f", schema, &err);  // without a resolver: refused as before
  CHECK_FALSE(e.ok());
  CHECK(err.message.find("qualified names like 'x.f' are not supported") == 0);
}
