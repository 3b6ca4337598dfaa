// UnionOperator: the rows of both inputs pass on, in arrival order, under the
// output schema; empty batches are dropped.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "operator_harness.h"
#include "operators/union_operator.h"

using namespace eddy;
using namespace eddy::testing;

TEST_CASE("a union passes on the batches of both inputs") {
  const SchemaPtr left = schema_of({{"k", DataType::kInt64}, {"v", DataType::kString}});
  const SchemaPtr right = schema_of({{"k", DataType::kInt64}, {"v", DataType::kString}});
  UnionOperator op(left);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.input_count() == 2);
  REQUIRE(op.process_input(0, batch_of(left, {{1, "a"}, {2, "b"}}), h).is_ok());
  REQUIRE(op.process_input(1, batch_of(right, {{10, "x"}}), h).is_ok());
  REQUIRE(op.process_input(1, batch_of(right, {}), h).is_ok());
  REQUIRE(op.process_input(0, batch_of(left, {{3, "c"}}), h).is_ok());
  CHECK(h.rows() == std::vector<std::string>{"1 | a", "2 | b", "10 | x", "3 | c"});
  CHECK(op.output_schema()->to_string() == "k: int64, v: string");
}

TEST_CASE("an append-only input of an updating union has its rows passed on as inserts") {
  const SchemaPtr updating = schema_of({{"op", DataType::kString}, {"k", DataType::kInt64}});
  const SchemaPtr append = schema_of({{"k", DataType::kInt64}});
  UnionOperator op(updating, {false, true});
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(op.process_input(0, batch_of(updating, {{"+I", 1}, {"-D", 1}}), h).is_ok());
  REQUIRE(op.process_input(1, batch_of(append, {{7}, {8}}), h).is_ok());
  CHECK(h.rows() == std::vector<std::string>{"+I | 1", "-D | 1", "+I | 7", "+I | 8"});
}
