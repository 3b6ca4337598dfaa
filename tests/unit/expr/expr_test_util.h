// Helpers for the expression tests: a sample schema and batch, and one-line
// evaluation of an expression to a Column or to printable values.
#pragma once

#include <doctest/doctest.h>

#include <charconv>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "expr/expression.h"

namespace expr_test {

using namespace eddy;

/// Columns: i (int64), f (float64), s (string), b (bool), t (timestamp),
/// n (int64, NULL in rows 1 and 3), ns (string, NULL in row 2),
/// nb (bool: true, NULL, false, NULL).
inline SchemaPtr sample_schema() {
  return std::make_shared<Schema>(std::vector<Field>{{"i", DataType::kInt64},
                                                     {"f", DataType::kFloat64},
                                                     {"s", DataType::kString},
                                                     {"b", DataType::kBool},
                                                     {"t", DataType::kTimestamp},
                                                     {"n", DataType::kInt64},
                                                     {"ns", DataType::kString},
                                                     {"nb", DataType::kBool}});
}

/// Four rows:
///   i: 7, -7, 0, 10     f: 2.5, -0.5, 0, 100     s: "apple", "Banana", "", "cherry pie"
///   b: true, false, true, false    t: 0, 1000, 1704067200000 (2024-01-01), -1
///   n: 1, NULL, 3, NULL   ns: "x", "y", NULL, "z"   nb: true, NULL, false, NULL
inline RecordBatchPtr sample_batch() {
  BatchBuilder b(sample_schema());
  const int64_t is[] = {7, -7, 0, 10};
  const double fs[] = {2.5, -0.5, 0, 100};
  const char* ss[] = {"apple", "Banana", "", "cherry pie"};
  const bool bs[] = {true, false, true, false};
  const int64_t ts[] = {0, 1000, 1704067200000, -1};
  const char* nss[] = {"x", "y", nullptr, "z"};
  for (int r = 0; r < 4; ++r) {
    b.column(0).append_int(is[r]);
    b.column(1).append_double(fs[r]);
    b.column(2).append_string(ss[r]);
    b.column(3).append_bool(bs[r]);
    b.column(4).append_int(ts[r]);
    if (r % 2 == 0) b.column(5).append_int(r + 1); else b.column(5).append_null();
    if (nss[r]) b.column(6).append_string(nss[r]); else b.column(6).append_null();
    if (r == 0) b.column(7).append_bool(true);
    else if (r == 2) b.column(7).append_bool(false);
    else b.column(7).append_null();
    b.commit_rows(1);
  }
  return b.finish();
}

/// Compiles `sql` against the sample schema; fails the test if it does not compile.
inline std::shared_ptr<const CompiledExpr> compile(const std::string& sql) {
  ExprError err;
  auto r = compile_expression(sql, *sample_schema(), &err);
  INFO("expression: ", sql, " error: ", err.message);
  REQUIRE(r.ok());
  return *r;
}

/// The value of row `row` of `c` as text: NULL, true/false, integers, doubles
/// in their shortest round-trip form, strings as they are.
inline std::string cell(const Column& c, size_t row) {
  if (c.is_null(row)) return "NULL";
  switch (c.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp: return std::to_string(c.ints[row]);
    case DataType::kFloat64: {
      char buf[40];
      auto res = std::to_chars(buf, buf + sizeof buf, c.doubles[row]);
      return std::string(buf, res.ptr);
    }
    case DataType::kBool: return c.bools[row] ? "true" : "false";
    case DataType::kString: return std::string(c.string_at(row));
  }
  return "?";
}

/// Every row of `sql` over the sample batch, joined by ", ".
inline std::string eval_rows(const std::string& sql) {
  auto e = compile(sql);
  auto batch = sample_batch();
  auto col = e->evaluate(*batch);
  INFO("expression: ", sql, " status: ", col.status().to_string());
  REQUIRE(col.ok());
  REQUIRE(col->size() == batch->num_rows);
  REQUIRE(col->type() == e->type());
  std::string out;
  for (size_t r = 0; r < col->size(); ++r) out += (r ? ", " : "") + cell(*col, r);
  return out;
}

/// Row 0 of `sql` over the sample batch (handy for constant expressions).
inline std::string eval1(const std::string& sql) {
  std::string rows = eval_rows(sql);
  return rows.substr(0, rows.find(", "));
}

/// The error of compiling `sql` (the test fails if it compiles).
inline ExprError compile_error(const std::string& sql, StatusCode* code = nullptr) {
  ExprError err;
  auto r = compile_expression(sql, *sample_schema(), &err);
  INFO("expression: ", sql);
  REQUIRE_FALSE(r.ok());
  if (code) *code = r.status().code();
  CHECK(r.status().message() == err.message);
  return err;
}

/// The runtime error of evaluating `sql` over the sample batch.
inline Status eval_error(const std::string& sql) {
  auto e = compile(sql);
  auto col = e->evaluate(*sample_batch());
  INFO("expression: ", sql);
  REQUIRE_FALSE(col.ok());
  return col.status();
}

}  // namespace expr_test
