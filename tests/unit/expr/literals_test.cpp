// Literals as PostgreSQL's parser delivers them, and the expressions written
// in PIPELINES.md, compiled against the schema of its bids source.
#include "expr_test_util.h"

using namespace expr_test;

TEST_CASE("integer literals are int64 whatever their size or sign") {
  CHECK(eval1("0") == "0");
  CHECK(eval1("-5") == "-5");
  CHECK(eval1("- 5") == "-5");
  CHECK(eval1("- -5") == "5");
  CHECK(eval1("3 - -5") == "8");
  CHECK(eval1("-/* comment */5") == "-5");
  CHECK(eval1("-0") == "0");
  CHECK(eval1("2147483648") == "2147483648");
  CHECK(eval1("-2147483648") == "-2147483648");
  CHECK(eval1("9223372036854775807") == "9223372036854775807");
  CHECK(compile("3000000000")->type() == DataType::kInt64);
  CHECK(compile("-7")->type() == DataType::kInt64);
  ExprError e = compile_error("9223372036854775808");
  CHECK(e.message == "integer 9223372036854775808 is out of range for int64");
  CHECK(e.offset == 0);
}

TEST_CASE("decimal literals are float64") {
  CHECK(compile("1.5")->type() == DataType::kFloat64);
  CHECK(eval1("1.5") == "1.5");
  CHECK(eval1("-2.5") == "-2.5");
  CHECK(eval1(".5") == "0.5");
  CHECK(eval1("5.") == "5");
  CHECK(eval1("1e3") == "1000");
  CHECK(compile("1e3")->type() == DataType::kFloat64);
  CHECK(eval1("2.5e-3") == "0.0025");
}

TEST_CASE("string, boolean and NULL literals") {
  CHECK(eval1("'it''s'") == "it's");
  CHECK(eval1("E'tab\\there'") == "tab\there");
  CHECK(eval1("''") == "");
  CHECK(eval1("'caf\xC3\xA9'") == "caf\xC3\xA9");
  CHECK(eval1("TRUE") == "true");
  CHECK(eval1("false") == "false");
  CHECK(compile("TRUE")->type() == DataType::kBool);
  CHECK(eval1("NULL") == "NULL");
  CHECK(compile("NULL")->type() == DataType::kString);
  CHECK(compile("NULL + 1")->type() == DataType::kInt64);
  CHECK(compile("NULL AND TRUE")->type() == DataType::kBool);
  CHECK(compile("NULL::timestamp")->type() == DataType::kTimestamp);
}

TEST_CASE("the expressions of PIPELINES.md compile and run on the bids schema") {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"auction", DataType::kInt64},
                                                            {"bidder", DataType::kInt64},
                                                            {"price", DataType::kFloat64},
                                                            {"channel", DataType::kString},
                                                            {"ts", DataType::kTimestamp}});
  BatchBuilder b(schema);
  const double prices[] = {150, 99, 250, 101};
  const char* channels[] = {"web", "app", "test", "api"};
  for (int r = 0; r < 4; ++r) {
    b.column(0).append_int(1000 + r);
    b.column(1).append_int(r);
    b.column(2).append_double(prices[r]);
    b.column(3).append_string(channels[r]);
    b.column(4).append_int(1704067200000 + r * 1000);
    b.commit_rows(1);
  }
  auto batch = b.finish();
  auto filter = compile_expression("price > 100 AND channel <> 'test'", *schema);
  REQUIRE(filter.ok());
  std::vector<uint32_t> rows;
  REQUIRE((*filter)->select_true(*batch, rows).is_ok());
  CHECK(rows == std::vector<uint32_t>{0, 3});
  auto euro = compile_expression("price * 0.908", *schema);
  REQUIRE(euro.ok());
  CHECK((*euro)->type() == DataType::kFloat64);
  auto col = (*euro)->evaluate(*batch);
  REQUIRE(col.ok());
  CHECK(col->doubles[0] == doctest::Approx(136.2));
  for (const char* pass : {"auction", "bidder", "ts"}) {
    auto e = compile_expression(pass, *schema);
    REQUIRE(e.ok());
    CHECK((*e)->column_ref_index() == schema->index_of(pass));
  }
  ExprError err;
  auto bad = compile_expression("channel + 1", *schema, &err);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kTypeError);
  CHECK(err.message == "operator + needs numeric operands, got string and int64");
  CHECK(err.offset == 8);
}
