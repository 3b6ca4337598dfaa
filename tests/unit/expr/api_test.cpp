// CompiledExpr as operators use it: column pass-through, name resolution,
// batch checks, empty batches, concurrent use, a randomized comparison with a
// row-at-a-time reference.
#include <chrono>
#include <random>
#include <thread>

#include "expr_test_util.h"

using namespace expr_test;

TEST_CASE("a bare column reference reports its index and evaluates to a copy") {
  CHECK(compile("i")->column_ref_index() == 0);
  CHECK(compile("nb")->column_ref_index() == 7);
  CHECK(compile("(ns)")->column_ref_index() == 6);
  CHECK(compile("i + 0")->column_ref_index() == -1);
  CHECK(compile("1")->column_ref_index() == -1);
  CHECK(compile("1 + 2")->is_constant());
  CHECK_FALSE(compile("i")->is_constant());
  CHECK(eval_rows("ns") == "x, y, NULL, z");
  CHECK(compile("i")->input_schema() == *sample_schema());
}

TEST_CASE("column names match exactly first, then ignoring case when unambiguous") {
  Schema schema({{"Price", DataType::kFloat64}, {"a", DataType::kInt64}, {"A", DataType::kInt64}});
  auto r = compile_expression("price * 2", schema);
  REQUIRE(r.ok());
  r = compile_expression("PRICE", schema);
  REQUIRE(r.ok());
  CHECK((*r)->column_ref_index() == 0);
  r = compile_expression("\"Price\"", schema);
  REQUIRE(r.ok());
  CHECK((*r)->column_ref_index() == 0);
  r = compile_expression("A", schema);  // folded to a, which exists
  REQUIRE(r.ok());
  CHECK((*r)->column_ref_index() == 1);
  r = compile_expression("\"A\"", schema);
  REQUIRE(r.ok());
  CHECK((*r)->column_ref_index() == 2);
  Schema ambiguous({{"X", DataType::kInt64}, {"xX", DataType::kInt64}, {"Xx", DataType::kInt64}});
  ExprError e;
  CHECK_FALSE(compile_expression("xx", ambiguous, &e).ok());
  CHECK(e.message.find("unknown column 'xx'") == 0);
}

TEST_CASE("SQL keywords such as user resolve to columns of that name") {
  Schema schema({{"user", DataType::kInt64}, {"current_date", DataType::kString}});
  auto r = compile_expression("user = 5", schema);
  REQUIRE(r.ok());
  r = compile_expression("user", schema);
  REQUIRE(r.ok());
  CHECK((*r)->column_ref_index() == 0);
  r = compile_expression("current_date", schema);
  REQUIRE(r.ok());
  CHECK((*r)->column_ref_index() == 1);
  ExprError e;
  CHECK_FALSE(compile_expression("current_timestamp", schema, &e).ok());
  CHECK(e.message.find("unknown column 'current_timestamp'") == 0);
}

TEST_CASE("every construct evaluates over an empty batch") {
  BatchBuilder b(sample_schema());
  auto empty = b.finish();
  for (const char* sql : {"i + 1", "f * 2", "s LIKE 'a%'", "CASE WHEN b THEN i END", "coalesce(n, i)",
                          "i IN (1, 2)", "i BETWEEN 1 AND 2", "s || i", "upper(s)", "CAST(s AS bigint)",
                          "100 / i", "nb AND i / 0 > 1", "t + 1000", "n IS NULL", "'x'"}) {
    auto e = compile(sql);
    auto col = e->evaluate(*empty);
    INFO(sql);
    REQUIRE(col.ok());
    CHECK(col->size() == 0);
    std::vector<uint32_t> rows;
    if (e->type() == DataType::kBool) CHECK(e->select_true(*empty, rows).is_ok());
  }
}

TEST_CASE("a constant evaluates to one value per row") {
  CHECK(eval_rows("'x'") == "x, x, x, x");
  CHECK(eval_rows("NULL") == "NULL, NULL, NULL, NULL");
  CHECK(eval_rows("1 + 2 * 3") == "7, 7, 7, 7");
}

TEST_CASE("a batch of another schema is refused instead of misread") {
  auto e = compile("i + 1");
  auto other = std::make_shared<Schema>(std::vector<Field>{{"i", DataType::kString}});
  BatchBuilder b(other);
  b.column(0).append_string("7");
  b.commit_rows(1);
  auto batch = b.finish();
  auto col = e->evaluate(*batch);
  REQUIRE_FALSE(col.ok());
  CHECK(col.status().code() == StatusCode::kInternal);
}

TEST_CASE("one compiled expression serves several threads at once") {
  auto e = compile("CASE WHEN s LIKE '%e%' THEN upper(s) || i ELSE coalesce(ns, 'none') END");
  auto batch = sample_batch();
  const std::string want = "APPLE7, y, none, CHERRY PIE10";
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 200; ++k) {
        auto col = e->evaluate(*batch);
        std::string out;
        for (size_t r = 0; col.ok() && r < col->size(); ++r) out += (r ? ", " : "") + cell(*col, r);
        got[t] = out;
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& g : got) CHECK(g == want);
}

TEST_CASE("vectorized results match a row-at-a-time reference on random data") {
  auto schema = std::make_shared<Schema>(std::vector<Field>{
      {"a", DataType::kInt64}, {"b", DataType::kInt64}, {"x", DataType::kFloat64}});
  std::mt19937_64 rng(7);
  BatchBuilder builder(schema);
  const size_t n = 5000;
  for (size_t r = 0; r < n; ++r) {
    if (rng() % 10 == 0) builder.column(0).append_null();
    else builder.column(0).append_int(static_cast<int64_t>(rng() % 2000001) - 1000000);
    builder.column(1).append_int(static_cast<int64_t>(rng() % 201) - 100);
    if (rng() % 7 == 0) builder.column(2).append_null();
    else builder.column(2).append_double(static_cast<double>(rng() % 100000) / 100.0 - 500);
    builder.commit_rows(1);
  }
  auto batch = builder.finish();
  const Column& a = batch->column(0);
  const Column& b = batch->column(1);
  const Column& x = batch->column(2);
  auto run = [&](const std::string& sql) {
    auto r = compile_expression(sql, *schema);
    REQUIRE(r.ok());
    auto col = (*r)->evaluate(*batch);
    REQUIRE(col.ok());
    REQUIRE(col->size() == n);
    return std::move(*col);
  };
  Column c1 = run("1000 + (a * 7919) % 10000 - b / 3");
  Column c2 = run("CASE WHEN b <> 0 THEN a % b ELSE -1 END");
  Column c3 = run("x * 0.908 + a");
  Column c4 = run("a > 0 AND x < 100 OR b = 7");
  for (size_t r = 0; r < n; ++r) {
    INFO("row ", r);
    const bool an = a.is_null(r), xn = x.is_null(r);
    const int64_t av = a.ints[r], bv = b.ints[r];
    REQUIRE(c1.is_null(r) == an);
    if (!an) REQUIRE(c1.ints[r] == 1000 + (av * 7919) % 10000 - bv / 3);
    REQUIRE(c2.is_null(r) == (an && bv != 0));
    if (!c2.is_null(r)) REQUIRE(c2.ints[r] == (bv != 0 ? av % bv : -1));
    REQUIRE(c3.is_null(r) == (an || xn));
    if (!c3.is_null(r)) REQUIRE(c3.doubles[r] == x.doubles[r] * 0.908 + static_cast<double>(av));
    // (a > 0 AND x < 100) OR b = 7 in three-valued logic
    const int p = an ? 2 : (av > 0 ? 1 : 0);  // 2 = NULL
    const int q = xn ? 2 : (x.doubles[r] < 100 ? 1 : 0);
    const int conj = (p == 0 || q == 0) ? 0 : (p == 2 || q == 2) ? 2 : 1;
    const int want = bv == 7 ? 1 : conj;
    REQUIRE(c4.is_null(r) == (want == 2));
    if (want != 2) REQUIRE(c4.bools[r] == want);
  }
}

// Run with: unit_expr --no-skip -tc="*throughput*"
