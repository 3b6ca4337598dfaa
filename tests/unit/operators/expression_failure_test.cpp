// Unit tests of the filter and select operators' run-time errors
// (src/operators/expression_failure.h): an expression that fails on a record
// names itself, its SQL and the first record it fails on.
#include <doctest/doctest.h>

#include "expr/expression.h"
#include "operators/expression_failure.h"
#include "operators/filter_operator.h"
#include "unit/operators/operator_harness.h"
#include "operators/select_operator.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

const SchemaPtr kInput = schema_of({{"id", DataType::kInt64}, {"qty", DataType::kInt64}, {"note", DataType::kString}});

std::shared_ptr<const CompiledExpr> compiled(const std::string& sql) {
  auto e = compile_expression(sql, *kInput);
  REQUIRE_MESSAGE(e.ok(), e.status().message());
  return *e;
}

/// 1000 rows id = 0..999 whose qty is 0 at `zeros` (else 1).
RecordBatchPtr rows_with_zeros(const std::set<int>& zeros) {
  std::vector<Row> rows;
  for (int i = 0; i < 1000; ++i) rows.push_back({i, zeros.count(i) ? 0 : 1, "row " + std::to_string(i)});
  return batch_of(kInput, rows);
}

class NullCollector final : public Collector {
 public:
  Status emit(RecordBatchPtr) override { return Status::ok(); }
};

}  // namespace

TEST_CASE("a select that fails names the column, its SQL and the first record it fails on") {
  auto out_schema = schema_of({{"id", DataType::kInt64}, {"per", DataType::kInt64}});
  SelectOperator select({compiled("id"), compiled("100 / qty")}, out_schema, {"id", "100 / qty"});
  NullCollector out;
  Status st = select.process(rows_with_zeros({537, 800}), out);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message() == "column 'per' (100 / qty): division by zero, on the record id=537, qty=0, note='row 537'");
  CHECK(select.process(rows_with_zeros({}), out).is_ok());
}

TEST_CASE("a filter that fails names the predicate and the record, with the error of that record") {
  // The division runs over the whole batch before the cast: the batch fails on
  // record 3's zero, but record 2's text is the first record that fails.
  const std::string sql = "10 / qty + CAST(note AS bigint) > 0";
  FilterOperator filter(compiled(sql), kInput, sql);
  NullCollector out;
  Status st = filter.process(batch_of(kInput, {{1, 1, "7"}, {2, 1, "x"}, {3, 0, "8"}}), out);
  REQUIRE_FALSE(st.is_ok());
  CHECK_MESSAGE(st.message().find("the filter (" + sql + "): cannot cast") == 0, st.message());
  CHECK_MESSAGE(st.message().find("on the record id=2, qty=1, note='x'") != std::string::npos, st.message());
}

TEST_CASE("a record is shown with every type, NULLs and long strings cut") {
  auto schema = schema_of({{"i", DataType::kInt64}, {"f", DataType::kFloat64}, {"b", DataType::kBool},
                           {"t", DataType::kTimestamp}, {"s", DataType::kString}});
  auto batch = batch_of(schema, {{-3, 0.1, true, 1704067200000LL, std::string(80, 'a')}, {nullptr, nullptr, nullptr,
                                                                                         nullptr, nullptr}});
  CHECK(describe_row(*batch, 0) ==
        "i=-3, f=0.1, b=true, t='2024-01-01 00:00:00.000', s='" + std::string(60, 'a') + "...'");
  CHECK(describe_row(*batch, 1) == "i=NULL, f=NULL, b=NULL, t=NULL, s=NULL");
}
