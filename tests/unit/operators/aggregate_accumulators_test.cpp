// The incremental accumulators of src/operators/aggregate_accumulators.h:
// every aggregate of docs/windows.md, NULLs, merging, msgpack round trips.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "operator_harness.h"
#include "operators/aggregate_accumulators.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

const SchemaPtr kInput = schema_of({{"i", DataType::kInt64},
                                    {"f", DataType::kFloat64},
                                    {"s", DataType::kString},
                                    {"t", DataType::kTimestamp},
                                    {"b", DataType::kBool}});

AggregateSpec spec(AggregateFunction f, const std::string& column = "") {
  AggregateSpec a;
  a.output = "out";
  a.function = f;
  if (!column.empty()) {
    a.input_column = kInput->index_of(column);
    a.input_type = kInput->field(static_cast<size_t>(a.input_column)).type;
  }
  a.output_type = *aggregate_result_type(f, a.input_type);
  return a;
}

/// Accumulates every row of `batch` with one AggregateEvaluator, then renders
/// the results as one debug row.
std::string evaluate(const std::vector<AggregateSpec>& specs, const RecordBatchPtr& batch) {
  AggregateEvaluator eval(specs);
  WindowAccumulator acc = eval.make();
  std::vector<uint32_t> rows(batch->num_rows);
  for (uint32_t r = 0; r < rows.size(); ++r) rows[r] = r;
  eval.update(acc, *batch, rows.data(), rows.size());
  std::vector<Field> fields;
  for (const auto& s : specs) fields.push_back({s.output + std::to_string(fields.size()), s.output_type});
  BatchBuilder out(schema_of(fields));
  std::vector<Column*> cols;
  for (size_t c = 0; c < specs.size(); ++c) cols.push_back(&out.column(c));
  eval.append_results(acc, cols);
  out.commit_rows(1);
  auto text = out.finish()->to_debug_string();
  return text.substr(0, text.size() - 1);
}

RecordBatchPtr sample() {
  return batch_of(kInput, {
                              {3, 1.5, "pear", 1000, true},
                              {nullptr, nullptr, nullptr, nullptr, nullptr},
                              {-7, -0.0, "apple", -5, false},
                              {3, 0.0, "pear", 2000, true},
                          });
}

}  // namespace

TEST_CASE("count(*) counts rows and count(col) counts non-NULL values") {
  using F = AggregateFunction;
  CHECK(evaluate({spec(F::kCountStar), spec(F::kCount, "i"), spec(F::kCount, "s")}, sample()) ==
        "4 | 3 | 3");
}

TEST_CASE("count(distinct) counts distinct non-NULL values of every type") {
  using F = AggregateFunction;
  // i: {3, -7}; f: -0.0 and 0.0 are one value, so {1.5, 0}; s: {pear, apple};
  // t: {1000, -5, 2000}; b: {true, false}.
  CHECK(evaluate({spec(F::kCountDistinct, "i"), spec(F::kCountDistinct, "f"),
                  spec(F::kCountDistinct, "s"), spec(F::kCountDistinct, "t"),
                  spec(F::kCountDistinct, "b")},
                 sample()) == "2 | 2 | 2 | 3 | 2");
}

TEST_CASE("count(distinct) of float64 counts every NaN as one value") {
  auto batch = batch_of(kInput, {{1, std::nan(""), "a", 1, true}, {1, -std::nan(""), "a", 1, true}});
  CHECK(evaluate({spec(AggregateFunction::kCountDistinct, "f")}, batch) == "1");
}

TEST_CASE("sum keeps the input type and avg is float64, both over non-NULL values") {
  using F = AggregateFunction;
  CHECK(evaluate({spec(F::kSum, "i"), spec(F::kSum, "f"), spec(F::kAvg, "i"), spec(F::kAvg, "f")},
                 sample()) == "-1 | 1.500000 | -0.333333 | 0.500000");
}

TEST_CASE("sum, avg, min and max are NULL when every value is NULL, counts are 0") {
  using F = AggregateFunction;
  auto nulls = batch_of(kInput, {{nullptr, nullptr, nullptr, nullptr, nullptr}});
  CHECK(evaluate({spec(F::kSum, "i"), spec(F::kAvg, "f"), spec(F::kMin, "s"), spec(F::kMax, "t"),
                  spec(F::kCount, "i"), spec(F::kCountDistinct, "s")},
                 nulls) == "NULL | NULL | NULL | NULL | 0 | 0");
}

TEST_CASE("int64 sums stay exact beyond 2^53") {
  auto batch = batch_of(kInput, {{int64_t{1} << 60, 0.0, "", 0, true}, {1, 0.0, "", 0, true}});
  CHECK(evaluate({spec(AggregateFunction::kSum, "i")}, batch) ==
        std::to_string((int64_t{1} << 60) + 1));
}

TEST_CASE("min and max order strings, timestamps, float64, int64 and bools") {
  using F = AggregateFunction;
  CHECK(evaluate({spec(F::kMin, "s"), spec(F::kMax, "s"), spec(F::kMin, "t"), spec(F::kMax, "t"),
                  spec(F::kMin, "f"), spec(F::kMax, "f"), spec(F::kMin, "i"), spec(F::kMax, "i"),
                  spec(F::kMin, "b"), spec(F::kMax, "b")},
                 sample()) ==
        "apple | pear | -5 | 2000 | -0.000000 | 1.500000 | -7 | 3 | false | true");
}

TEST_CASE("max of float64 ranks NaN above every number, as PostgreSQL does") {
  using F = AggregateFunction;
  auto batch = batch_of(kInput, {{1, 2.0, "a", 1, true}, {1, std::nan(""), "a", 1, true}, {1, 1.0, "a", 1, true}});
  CHECK(evaluate({spec(F::kMax, "f"), spec(F::kMin, "f")}, batch) == "nan | 1.000000");
}

TEST_CASE("merging accumulators of parts equals accumulating all rows") {
  using F = AggregateFunction;
  const std::vector<AggregateSpec> specs = {
      spec(F::kCountStar),      spec(F::kCount, "i"), spec(F::kCountDistinct, "s"),
      spec(F::kSum, "i"),       spec(F::kSum, "f"),   spec(F::kAvg, "i"),
      spec(F::kMin, "s"),       spec(F::kMax, "t"),   spec(F::kMin, "f")};
  AggregateEvaluator eval(specs);
  auto batch = sample();
  const uint32_t first[] = {0, 1}, second[] = {2, 3}, all[] = {0, 1, 2, 3};
  WindowAccumulator a = eval.make(), b = eval.make(), whole = eval.make(), empty = eval.make();
  eval.update(a, *batch, first, 2);
  eval.update(b, *batch, second, 2);
  eval.update(whole, *batch, all, 4);
  eval.merge(a, b);
  eval.merge(a, empty);  // an empty part changes nothing
  auto render = [&](const WindowAccumulator& acc) {
    std::vector<Field> fields;
    for (const auto& s : specs) fields.push_back({"c" + std::to_string(fields.size()), s.output_type});
    BatchBuilder out(schema_of(fields));
    std::vector<Column*> cols;
    for (size_t c = 0; c < specs.size(); ++c) cols.push_back(&out.column(c));
    eval.append_results(acc, cols);
    out.commit_rows(1);
    return out.finish()->to_debug_string();
  };
  CHECK(render(a) == render(whole));
  WindowAccumulator c = eval.make();
  eval.merge(c, whole);  // into an empty accumulator: copies
  CHECK(render(c) == render(whole));
}

TEST_CASE("accumulators survive a msgpack round trip") {
  using F = AggregateFunction;
  AggregateEvaluator eval({spec(F::kCountDistinct, "s"), spec(F::kMax, "s"), spec(F::kAvg, "f")});
  WindowAccumulator acc = eval.make();
  const uint32_t rows[] = {0, 1, 2, 3};
  eval.update(acc, *sample(), rows, 4);
  msgpack::sbuffer buf;
  msgpack::pack(buf, acc);
  WindowAccumulator back;
  msgpack::unpack(buf.data(), buf.size()).get().convert(back);
  REQUIRE(back.aggregates.size() == 3);
  CHECK(back.aggregates[0].distinct() == acc.aggregates[0].distinct());
  CHECK(back.aggregates[1].s() == "pear");
  CHECK(back.aggregates[2].count == 3);
  CHECK(back.aggregates[2].d == doctest::Approx(1.5));
}

TEST_CASE("aggregate result types follow docs/windows.md") {
  using F = AggregateFunction;
  CHECK(*aggregate_result_type(F::kCountStar, DataType::kString) == DataType::kInt64);
  CHECK(*aggregate_result_type(F::kCountDistinct, DataType::kFloat64) == DataType::kInt64);
  CHECK(*aggregate_result_type(F::kSum, DataType::kInt64) == DataType::kInt64);
  CHECK(*aggregate_result_type(F::kSum, DataType::kFloat64) == DataType::kFloat64);
  CHECK(*aggregate_result_type(F::kAvg, DataType::kInt64) == DataType::kFloat64);
  CHECK(*aggregate_result_type(F::kMin, DataType::kTimestamp) == DataType::kTimestamp);
  CHECK(*aggregate_result_type(F::kMax, DataType::kString) == DataType::kString);
  CHECK_FALSE(aggregate_result_type(F::kSum, DataType::kString).ok());
  CHECK_FALSE(aggregate_result_type(F::kAvg, DataType::kTimestamp).ok());
}

TEST_CASE("validation refuses a wrong column, input type or output type") {
  using F = AggregateFunction;
  CHECK(AggregateEvaluator::validate({spec(F::kSum, "i")}, *kInput).is_ok());
  AggregateSpec bad_column = spec(F::kSum, "i");
  bad_column.input_column = 17;
  CHECK_FALSE(AggregateEvaluator::validate({bad_column}, *kInput).is_ok());
  AggregateSpec bad_input = spec(F::kSum, "i");
  bad_input.input_type = DataType::kFloat64;
  CHECK_FALSE(AggregateEvaluator::validate({bad_input}, *kInput).is_ok());
  AggregateSpec bad_output = spec(F::kAvg, "i");
  bad_output.output_type = DataType::kInt64;
  CHECK_FALSE(AggregateEvaluator::validate({bad_output}, *kInput).is_ok());
  AggregateSpec string_sum = spec(F::kCount, "s");
  string_sum.function = F::kSum;
  CHECK(AggregateEvaluator::validate({string_sum}, *kInput).code() == StatusCode::kTypeError);
}

TEST_CASE("accumulators pack as [[[count, i, d, s, distinct], ...]], the format snapshots hold") {
  using F = AggregateFunction;
  AggregateEvaluator eval({spec(F::kMax, "s"), spec(F::kCountStar), spec(F::kSum, "f")});
  WindowAccumulator acc = eval.make();
  const uint32_t rows[] = {0, 1, 2, 3};
  eval.update(acc, *sample(), rows, 4);
  msgpack::sbuffer buf;
  msgpack::pack(buf, acc);
  msgpack::object_handle h = msgpack::unpack(buf.data(), buf.size());
  const msgpack::object& o = h.get();
  REQUIRE(o.type == msgpack::type::ARRAY);
  REQUIRE(o.via.array.size == 1);
  const msgpack::object& list = o.via.array.ptr[0];
  REQUIRE(list.via.array.size == 3);  // three aggregates: the third past the two held inline
  for (uint32_t k = 0; k < 3; ++k) CHECK(list.via.array.ptr[k].via.array.size == 5);
  CHECK(list.via.array.ptr[0].via.array.ptr[3].as<std::string>() == "pear");
  CHECK(list.via.array.ptr[1].via.array.ptr[0].as<int64_t>() == 4);
}

TEST_CASE("a copied accumulator owns its own string and distinct values") {
  AggregateState a;
  a.s() = "apple";
  a.distinct().insert("x");
  AggregateState b = a;
  b.s() = "pear";
  b.distinct().insert("y");
  CHECK(a.s() == "apple");
  CHECK(a.distinct().size() == 1);
  AggregateState numeric;  // no string or set: reads see empty ones
  CHECK(numeric.s().empty());
  CHECK(numeric.distinct().empty());
  a = numeric;
  CHECK(static_cast<const AggregateState&>(a).s().empty());
}

TEST_CASE("ordered value bytes sort as the values do: negative numbers, -0.0, infinities and NaN") {
  Column ints(DataType::kInt64);
  for (int64_t v : {INT64_MIN, int64_t{-5}, int64_t{-1}, int64_t{0}, int64_t{3}, INT64_MAX}) ints.append_int(v);
  for (size_t r = 1; r < ints.size(); ++r) CHECK(encode_ordered_value(ints, r - 1) < encode_ordered_value(ints, r));
  Column doubles(DataType::kFloat64);
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {-inf, -2.5, -0.0, 1e-300, 7.0, inf, std::nan("")}) doubles.append_double(v);
  for (size_t r = 1; r < doubles.size(); ++r)
    CHECK(encode_ordered_value(doubles, r - 1) < encode_ordered_value(doubles, r));
  Column zero(DataType::kFloat64);
  zero.append_double(0.0);
  CHECK(encode_ordered_value(doubles, 2) == encode_ordered_value(zero, 0));  // -0.0 is 0.0
}

TEST_CASE("retractable accumulators take rows back: min and max fall back, counts and sums subtract") {
  AggregateEvaluator eval({spec(AggregateFunction::kMin, "f"), spec(AggregateFunction::kMax, "i"),
                           spec(AggregateFunction::kCountDistinct, "s"), spec(AggregateFunction::kSum, "i"),
                           spec(AggregateFunction::kAvg, "f")},
                          Retraction::kSupported);
  auto batch = batch_of(kInput, {{4, -1.5, "x", 0, true}, {9, 2.0, "y", 0, true}, {-3, -7.0, "x", 0, true}});
  WindowAccumulator acc = eval.make();
  CHECK(acc.aggregates.size() == 6);  // the aggregates and the live row count
  const uint32_t all[] = {0, 1, 2};
  eval.update(acc, *batch, all, 3);
  const uint32_t first_and_last[] = {0, 2};
  eval.update(acc, *batch, first_and_last, 2, RowSign::kRetract);
  CHECK(eval.row_count(acc) == 1);
  BatchBuilder out(schema_of({{"lo", DataType::kFloat64}, {"hi", DataType::kInt64}, {"d", DataType::kInt64},
                              {"sum", DataType::kInt64}, {"avg", DataType::kFloat64}}));
  std::vector<Column*> cols;
  for (size_t c = 0; c < 5; ++c) cols.push_back(&out.column(c));
  eval.append_results(acc, cols);
  out.commit_rows(1);
  CHECK(out.finish()->to_debug_string() == "2.000000 | 9 | 1 | 9 | 2.000000\n");
  // The state packs and unpacks with its value counts.
  msgpack::sbuffer buf;
  msgpack::pack(buf, acc);
  WindowAccumulator back;
  msgpack::unpack(buf.data(), buf.size()).get().convert(back);
  CHECK(eval.check_restored(back).is_ok());
  CHECK(back.aggregates[0].counts() == acc.aggregates[0].counts());
  // State of an append-only aggregate list is refused by a retractable one.
  AggregateEvaluator plain({spec(AggregateFunction::kMin, "f")});
  CHECK_FALSE(AggregateEvaluator({spec(AggregateFunction::kMin, "f")}, Retraction::kSupported)
                  .check_restored(plain.make())
                  .is_ok());
}
