// LookupJoinOperator: a stream joined with a CSV table read whole at open:
// keys as columns or computed from the stream, several rows per key, NULL
// keys, inner and left joins, a residual condition, updating input, and a
// table that cannot be read.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "operator_harness.h"
#include "operators/lookup_join_operator.h"
#include "unit/temp_dir.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

/// A lookup join of a stream (sk, sv) with the table (key, name) written to
/// `dir`, on `key_expr` = key; output: every joined column (sk, sv, key, name).
std::shared_ptr<JoinConfig> lookup_config(const test::TempDir& dir, JoinType type, const std::string& key_expr = "",
                                          bool updating = false, const std::string& residual = "") {
  std::ofstream(dir.file("table.csv")) << "1,one\n2,two\n2,deux\n,nobody\n";
  auto c = std::make_shared<JoinConfig>();
  c->kind = JoinKind::kLookup;
  c->type = type;
  std::vector<Field> left;
  if (updating) left.push_back({"op", DataType::kString});
  left.push_back({"sk", DataType::kInt64});
  left.push_back({"sv", DataType::kString});
  c->left_schema = schema_of(left);
  c->left_updating = updating;
  c->right_schema = schema_of({{"key", DataType::kInt64}, {"name", DataType::kString}});
  c->lookup_table.path = dir.file("table.csv");
  c->lookup_table.schema = c->right_schema;
  c->right_keys = {0};
  c->joined_schema = schema_of({{"sk", DataType::kInt64}, {"sv", DataType::kString}, {"key", DataType::kInt64},
                                {"name", DataType::kString}});
  if (key_expr.empty()) {
    c->left_keys = {updating ? 1 : 0};
    c->left_key_exprs = {nullptr};
  } else {
    auto e = compile_expression(key_expr, *c->left_schema);
    REQUIRE(e.ok());
    c->left_keys = {kComputedKey};
    c->left_key_exprs = {*e};
  }
  if (!residual.empty()) {
    auto e = compile_expression(residual, *c->joined_schema);
    REQUIRE(e.ok());
    c->residual = *e;
  }
  c->output_updating = updating;
  std::vector<Field> out;
  if (updating) out.push_back({"op", DataType::kString});
  for (const Field& f : c->joined_schema->fields()) out.push_back(f);
  c->output_schema = schema_of(out);
  return c;
}

}  // namespace

TEST_CASE("an inner lookup join emits each row with every table row of its key, in input order") {
  test::TempDir dir;
  auto config = lookup_config(dir, JoinType::kInner);
  LookupJoinOperator op(config);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.table_rows() == 3);  // the row with a NULL key matches nothing and is not kept
  CHECK(op.table_keys() == 2);
  REQUIRE(op.process(batch_of(config->left_schema, {{2, "a"}, {3, "b"}, {1, "c"}, {nullptr, "d"}}), h).is_ok());
  CHECK(h.rows() == std::vector<std::string>{"2 | a | 2 | two", "2 | a | 2 | deux", "1 | c | 1 | one"});
}

TEST_CASE("a left lookup join pads the rows that find nothing, NULL keys included") {
  test::TempDir dir;
  auto config = lookup_config(dir, JoinType::kLeft);
  LookupJoinOperator op(config);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(op.process(batch_of(config->left_schema, {{3, "b"}, {1, "c"}, {nullptr, "d"}}), h).is_ok());
  CHECK(h.rows() == std::vector<std::string>{"3 | b | NULL | NULL", "1 | c | 1 | one", "NULL | d | NULL | NULL"});
}

TEST_CASE("a key computed from the stream looks the table up") {
  test::TempDir dir;
  auto config = lookup_config(dir, JoinType::kInner, "mod(sk, 10)");
  LookupJoinOperator op(config);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(op.process(batch_of(config->left_schema, {{11, "a"}, {25, "b"}, {32, "c"}}), h).is_ok());
  CHECK(h.rows() == std::vector<std::string>{"11 | a | 1 | one", "32 | c | 2 | two", "32 | c | 2 | deux"});
}

TEST_CASE("the residual condition filters pairs; a left join pads a row whose pairs all fail") {
  test::TempDir dir;
  auto config = lookup_config(dir, JoinType::kLeft, "", false, "name <> 'two' AND sv <> 'x'");
  LookupJoinOperator op(config);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(op.process(batch_of(config->left_schema, {{2, "a"}, {2, "x"}}), h).is_ok());
  CHECK(h.rows() == std::vector<std::string>{"2 | a | 2 | deux", "2 | x | NULL | NULL"});
}

TEST_CASE("an updating stream stays one: matches carry the row's kind") {
  test::TempDir dir;
  auto config = lookup_config(dir, JoinType::kInner, "", true);
  LookupJoinOperator op(config);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(op.process(batch_of(config->left_schema, {{"+I", 1, "a"}, {"-U", 1, "a"}, {"+U", 1, "b"}}), h).is_ok());
  CHECK(h.rows() == std::vector<std::string>{"+I | 1 | a | 1 | one", "-D | 1 | a | 1 | one", "+I | 1 | b | 1 | one"});
}

TEST_CASE("a table that cannot be read fails open, naming the file") {
  test::TempDir dir;
  auto config = lookup_config(dir, JoinType::kInner);
  config->lookup_table.path = dir.file("missing.csv");
  LookupJoinOperator op(config);
  OperatorHarness h(op);
  const Status st = h.open();
  CHECK_FALSE(st.is_ok());
  CHECK(st.message().find("missing.csv") != std::string::npos);
}

TEST_CASE("a malformed table row fails open, or is skipped and counted under on_error: skip") {
  test::TempDir dir;
  auto config = lookup_config(dir, JoinType::kInner);
  std::ofstream(dir.file("table.csv")) << "1,one\nx,bad\n";
  {
    LookupJoinOperator op(config);
    OperatorHarness h(op);
    CHECK_FALSE(h.open().is_ok());
  }
  config->lookup_table.on_error = OnError::kSkip;
  LookupJoinOperator op(config);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.table_rows() == 1);
  CHECK(op.counters().skipped_records == 1);
}
