// KeyedAggregateOperator as a changelog consumer and producer: updates that
// change nothing are not emitted, an updating input retracts (count, sum and
// avg subtract, min/max fall back, count distinct keeps counts, -D when a
// group's last row goes), FILTER (WHERE ...) per aggregate, and a randomized
// run over a random changelog against a plain model of the live rows.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "expr/expression.h"
#include "operator_harness.h"
#include "operators/keyed_aggregate_operator.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

using Rows = std::vector<std::string>;

/// An updating input: op first, as PIPELINES.md "Changelog streams" says.
const SchemaPtr kChanges = schema_of({{"op", DataType::kString},
                                      {"k", DataType::kString},
                                      {"v", DataType::kInt64},
                                      {"s", DataType::kString},
                                      {"x", DataType::kFloat64}});

struct Agg {
  std::string output;
  AggregateFunction function;
  std::string column;
  std::string filter;  // FILTER (WHERE filter); empty: none
};

KeyedAggregateConfig config_over(const SchemaPtr& input, bool updating, const std::vector<Agg>& aggs) {
  KeyedAggregateConfig c;
  c.input_schema = input;
  c.input_updating = updating;
  c.key_columns = {input->index_of("k")};
  for (const Agg& g : aggs) {
    AggregateSpec a;
    a.output = g.output;
    a.function = g.function;
    if (!g.column.empty()) {
      a.input_column = input->index_of(g.column);
      REQUIRE(a.input_column >= 0);
      a.input_type = input->field(static_cast<size_t>(a.input_column)).type;
    }
    auto type = aggregate_result_type(a.function, a.input_type);
    REQUIRE(type.ok());
    a.output_type = *type;
    if (!g.filter.empty()) {
      auto cond = compile_expression(g.filter, *input);
      REQUIRE(cond.ok());
      a.filter = *cond;
      a.filter_sql = g.filter;
    }
    c.aggregates.push_back(a);
  }
  c.output_schema = keyed_aggregate_output_schema(*input, c.key_columns, c.aggregates);
  return c;
}

}  // namespace

TEST_CASE("a keyed aggregate emits no -U/+U pair when an update leaves its results as they were") {
  KeyedAggregateOperator op(config_over(kChanges, false, {{"top", F::kMax, "v", ""}}));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kChanges, {{"+I", "a", 5, "", 0.0}})).is_ok());
  REQUIRE(h.push(batch_of(kChanges, {{"+I", "a", 3, "", 0.0}})).is_ok());  // max stays 5
  REQUIRE(h.push(batch_of(kChanges, {{"+I", "a", 9, "", 0.0}})).is_ok());
  CHECK(h.rows() == Rows{"+I | a | 5", "-U | a | 5", "+U | a | 9"});
}

TEST_CASE("a keyed aggregate over an updating stream retracts -U and -D rows and deletes an emptied group") {
  KeyedAggregateOperator op(config_over(kChanges, true,
                                        {{"n", F::kCountStar, "", ""},
                                         {"total", F::kSum, "v", ""},
                                         {"lo", F::kMin, "v", ""},
                                         {"hi", F::kMax, "s", ""},
                                         {"d", F::kCountDistinct, "v", ""},
                                         {"mean", F::kAvg, "x", ""}}));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kChanges, {{"+I", "a", 5, "q", 1.0}, {"+I", "a", 3, "z", 2.0},
                                     {"+I", "a", 3, "m", 3.0}}))
              .is_ok());
  CHECK(h.rows() == Rows{"+I | a | 3 | 11 | 3 | z | 2 | 2.000000"});
  h.clear_output();
  SUBCASE("min and max fall back to the values still live; count distinct keeps per-value counts") {
    REQUIRE(h.push(batch_of(kChanges, {{"-U", "a", 3, "z", 2.0}})).is_ok());
    CHECK(h.rows() == Rows{"-U | a | 3 | 11 | 3 | z | 2 | 2.000000", "+U | a | 2 | 8 | 3 | q | 2 | 2.000000"});
    h.clear_output();
    REQUIRE(h.push(batch_of(kChanges, {{"-D", "a", 3, "m", 3.0}})).is_ok());
    CHECK(h.rows() == Rows{"-U | a | 2 | 8 | 3 | q | 2 | 2.000000", "+U | a | 1 | 5 | 5 | q | 1 | 1.000000"});
    h.clear_output();
    REQUIRE(h.push(batch_of(kChanges, {{"-D", "a", 5, "q", 1.0}})).is_ok());
    CHECK(h.rows() == Rows{"-D | a | 1 | 5 | 5 | q | 1 | 1.000000"});
    CHECK(op.counters().keys_in_state == 0);
    h.clear_output();
    // The group starts over with +I.
    REQUIRE(h.push(batch_of(kChanges, {{"+I", "a", 7, "b", 4.0}})).is_ok());
    CHECK(h.rows() == Rows{"+I | a | 1 | 7 | 7 | b | 1 | 4.000000"});
  }
  SUBCASE("an update pair within one batch emits one -U/+U pair") {
    REQUIRE(h.push(batch_of(kChanges, {{"-U", "a", 5, "q", 1.0}, {"+U", "a", 6, "q", 1.0}})).is_ok());
    CHECK(h.rows() == Rows{"-U | a | 3 | 11 | 3 | z | 2 | 2.000000", "+U | a | 3 | 12 | 3 | z | 2 | 2.000000"});
  }
  SUBCASE("retractions of a group never seen are ignored, as Flink does") {
    REQUIRE(h.push(batch_of(kChanges, {{"-D", "b", 1, "q", 1.0}})).is_ok());
    CHECK(h.rows().empty());
    CHECK(op.counters().keys_in_state == 1);
  }
}

TEST_CASE("an aggregate with FILTER (WHERE ...) counts only the rows where the condition is true") {
  const SchemaPtr bids = schema_of({{"k", DataType::kString}, {"price", DataType::kInt64}, {"bidder", DataType::kString}});
  KeyedAggregateOperator op(config_over(bids, false,
                                        {{"all", F::kCountStar, "", ""},
                                         {"cheap", F::kCountStar, "", "price < 10"},
                                         {"rich", F::kCountDistinct, "bidder", "price >= 100"},
                                         {"top_cheap", F::kMax, "price", "price < 10"}}));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(bids, {{"a", 5, "x"}, {"a", 150, "y"}, {"a", 200, "y"}, {"a", nullptr, "z"},
                                 {"b", 500, "x"}}))
              .is_ok());
  // NULL < 10 is NULL: the row does not count, as in SQL.
  CHECK(h.rows() == Rows{"+I | a | 4 | 1 | 1 | 5", "+I | b | 1 | 0 | 1 | NULL"});
}

TEST_CASE("a keyed aggregate over a random changelog ends in the results of its live rows") {
  // Random inserts and retractions of rows inserted before; the output,
  // folded as a changelog, must equal a plain recomputation over the live rows.
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    KeyedAggregateOperator op(config_over(kChanges, true,
                                          {{"n", F::kCountStar, "", ""},
                                           {"total", F::kSum, "v", ""},
                                           {"lo", F::kMin, "v", ""},
                                           {"hi", F::kMax, "s", ""},
                                           {"d", F::kCountDistinct, "v", ""},
                                           {"big", F::kCount, "v", "v > 4"}}));
    OperatorHarness h(op);
    REQUIRE(h.open().is_ok());
    std::mt19937_64 rng(seed);
    struct Live {
      std::string k;
      std::optional<int64_t> v;
      std::string s;
    };
    std::vector<Live> live;
    std::map<std::string, std::string> folded;  // key -> its current output row (without op)
    for (int round = 0; round < 200; ++round) {
      std::vector<Row> rows;
      const size_t size = 1 + rng() % 8;
      for (size_t i = 0; i < size; ++i) {
        if (!live.empty() && rng() % 3 == 0) {
          const size_t at = rng() % live.size();
          const Live gone = live[at];
          live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
          rows.push_back({rng() % 2 ? "-U" : "-D", gone.k, gone.v ? Cell(*gone.v) : Cell(nullptr), gone.s, 0.0});
          continue;
        }
        Live row{"k" + std::to_string(rng() % 4), std::nullopt, std::string(1, static_cast<char>('a' + rng() % 5))};
        if (rng() % 6 != 0) row.v = static_cast<int64_t>(rng() % 9) - 2;
        live.push_back(row);
        rows.push_back({rng() % 2 ? "+I" : "+U", row.k, row.v ? Cell(*row.v) : Cell(nullptr), row.s, 0.0});
      }
      h.clear_output();
      REQUIRE(h.push(batch_of(kChanges, rows)).is_ok());
      // Fold: +I only for an absent key, -U/-D only with the row last emitted.
      std::string pending_update;
      for (const std::string& line : h.rows()) {
        const std::string op_text = line.substr(0, 2);
        const std::string rest = line.substr(5);
        const std::string key = rest.substr(0, rest.find(" | "));
        if (op_text == "+I") {
          CHECK(folded.count(key) == 0);
          folded[key] = rest;
        } else if (op_text == "-U" || op_text == "-D") {
          REQUIRE(folded.count(key) == 1);
          CHECK(folded[key] == rest);
          folded.erase(key);
          if (op_text == "-U") pending_update = key;
        } else {
          CHECK(op_text == "+U");
          CHECK(pending_update == key);
          pending_update.clear();
          folded[key] = rest;
        }
      }
      CHECK(pending_update.empty());
    }
    // The model: each key's results over its live rows.
    std::map<std::string, std::vector<Live>> by_key;
    for (const Live& l : live) by_key[l.k].push_back(l);
    std::map<std::string, std::string> want;
    for (const auto& [k, rows] : by_key) {
      int64_t total = 0, big = 0;
      std::optional<int64_t> lo;
      std::string hi;
      std::set<int64_t> distinct;
      bool any_value = false;
      for (const Live& l : rows) {
        hi = std::max(hi, l.s);
        if (!l.v) continue;
        any_value = true;
        total += *l.v;
        lo = lo ? std::min(*lo, *l.v) : *l.v;
        distinct.insert(*l.v);
        big += *l.v > 4 ? 1 : 0;
      }
      want[k] = k + " | " + std::to_string(rows.size()) + " | " + (any_value ? std::to_string(total) : "NULL") +
                " | " + (lo ? std::to_string(*lo) : "NULL") + " | " + hi + " | " +
                std::to_string(distinct.size()) + " | " + std::to_string(big);
    }
    CHECK(folded == want);
  }
}

TEST_CASE("a keyed aggregate over an updating stream refuses an input whose first column is not a string op") {
  const SchemaPtr plain = schema_of({{"k", DataType::kString}, {"v", DataType::kInt64}});
  KeyedAggregateConfig c = config_over(plain, true, {{"n", F::kCountStar, "", ""}});
  CHECK_FALSE(KeyedAggregateOperator::validate(c).is_ok());
  c.input_updating = false;
  CHECK(KeyedAggregateOperator::validate(c).is_ok());
}
