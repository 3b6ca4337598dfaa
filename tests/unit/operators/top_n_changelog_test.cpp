// TopNOperator on keyed streams as a changelog producer and consumer: dedup
// (n = 1) replaces its row with a -U/+U pair, keeping the first or the last
// row; over an updating input a retracted row leaves the top n and the next
// live row takes its place; a randomized run against a brute-force top n.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "operator_harness.h"
#include "operators/top_n_operator.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

using Rows = std::vector<std::string>;

const SchemaPtr kEvents =
    schema_of({{"user", DataType::kInt64}, {"page", DataType::kString}, {"ts", DataType::kTimestamp}});
const SchemaPtr kChanges = schema_of({{"op", DataType::kString},
                                      {"auction", DataType::kInt64},
                                      {"id", DataType::kInt64},
                                      {"price", DataType::kInt64}});

TopNConfig dedup_config(bool keep_last) {
  TopNConfig c;
  c.input_schema = kEvents;
  c.output_schema = top_n_output_schema(kEvents, -1);
  c.n = 1;
  c.order_column = 2;
  c.descending = keep_last;
  c.partition_columns = {0};
  return c;
}

TopNConfig retracting_config(int64_t n) {
  TopNConfig c;
  c.input_schema = kChanges;
  c.input_updating = true;
  c.output_schema = top_n_output_schema(kChanges, -1, true);
  c.n = n;
  c.order_column = 3;
  c.descending = true;
  c.partition_columns = {1};
  return c;
}

}  // namespace

TEST_CASE("dedup keeping the last row replaces it with -U/+U, a later row of equal time included") {
  TopNOperator op(dedup_config(/*keep_last=*/true));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.output_schema()->to_string() == "op: string, user: int64, page: string, ts: timestamp");
  REQUIRE(h.push(batch_of(kEvents, {{1, "a", 10}, {2, "b", 10}})).is_ok());
  CHECK(h.rows() == Rows{"+I | 1 | a | 10", "+I | 2 | b | 10"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kEvents, {{1, "c", 20}, {2, "d", 5}, {2, "e", 10}})).is_ok());
  // user 2: "d" is older than the kept row; "e" ties with it and, arriving later, replaces it.
  CHECK(h.rows() == Rows{"-U | 1 | a | 10", "+U | 1 | c | 20", "-U | 2 | b | 10", "+U | 2 | e | 10"});
}

TEST_CASE("dedup keeping the first row emits each key's first row once and nothing after") {
  TopNOperator op(dedup_config(/*keep_last=*/false));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kEvents, {{1, "a", 10}, {1, "b", 10}})).is_ok());
  REQUIRE(h.push(batch_of(kEvents, {{1, "c", 30}, {1, "d", 10}})).is_ok());
  CHECK(h.rows() == Rows{"+I | 1 | a | 10"});
}

TEST_CASE("top-n over an updating stream promotes the next live row when a top row is retracted") {
  TopNOperator op(retracting_config(2));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(*op.output_schema() == *kChanges);  // op stays first
  REQUIRE(h.push(batch_of(kChanges, {{"+I", 1, 1, 30}, {"+I", 1, 2, 20}, {"+I", 1, 3, 10}})).is_ok());
  CHECK(h.rows() == Rows{"+I | 1 | 1 | 30", "+I | 1 | 2 | 20"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kChanges, {{"-D", 1, 1, 30}})).is_ok());
  CHECK(h.rows() == Rows{"-D | 1 | 1 | 30", "+I | 1 | 3 | 10"});
  h.clear_output();
  // An update of a row outside the top n changes nothing visible... until it ranks.
  REQUIRE(h.push(batch_of(kChanges, {{"-U", 1, 3, 10}, {"+U", 1, 3, 25}})).is_ok());
  CHECK(h.rows() == Rows{"-D | 1 | 3 | 10", "+I | 1 | 3 | 25"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kChanges, {{"-D", 1, 3, 25}, {"-D", 1, 2, 20}})).is_ok());
  CHECK(h.sorted_rows() == Rows{"-D | 1 | 2 | 20", "-D | 1 | 3 | 25"});
  CHECK(op.counters().keys_in_state == 0);  // an empty partition keeps no state
  h.clear_output();
  REQUIRE(h.push(batch_of(kChanges, {{"-D", 7, 1, 5}})).is_ok());  // never seen: ignored
  CHECK(h.rows().empty());
}

TEST_CASE("top-n over a random changelog matches a brute-force top n of the live rows") {
  for (int64_t n = 1; n <= 3; ++n) {
    CAPTURE(n);
    TopNOperator op(retracting_config(n));
    OperatorHarness h(op);
    REQUIRE(h.open().is_ok());
    std::mt19937_64 rng(static_cast<uint64_t>(n) * 31);
    struct Bid {
      int64_t auction, id, price;
    };
    std::vector<Bid> live;
    std::map<int64_t, std::vector<std::string>> folded;  // auction -> its reported rows
    int64_t next_id = 0;
    for (int round = 0; round < 200; ++round) {
      std::vector<Row> rows;
      for (size_t i = 0, size = 1 + rng() % 6; i < size; ++i) {
        if (!live.empty() && rng() % 3 == 0) {
          const size_t at = rng() % live.size();
          const Bid b = live[at];
          live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
          rows.push_back({"-D", b.auction, b.id, b.price});
        } else {
          const Bid b{static_cast<int64_t>(rng() % 3), next_id++, static_cast<int64_t>(rng() % 20)};
          live.push_back(b);
          rows.push_back({"+I", b.auction, b.id, b.price});
        }
      }
      h.clear_output();
      REQUIRE(h.push(batch_of(kChanges, rows)).is_ok());
      for (const std::string& line : h.rows()) {
        const std::string rest = line.substr(5);
        const int64_t auction = std::stoll(rest.substr(0, rest.find(" | ")));
        std::vector<std::string>& reported = folded[auction];
        if (line[0] == '-') {
          auto it = std::find(reported.begin(), reported.end(), rest);
          REQUIRE(it != reported.end());
          reported.erase(it);
        } else {
          reported.push_back(rest);
        }
      }
      // Every partition shows exactly as many rows as the top n holds, and
      // their prices are the n highest live ones.
      for (int64_t a = 0; a < 3; ++a) {
        std::vector<int64_t> prices;
        for (const Bid& b : live)
          if (b.auction == a) prices.push_back(b.price);
        std::sort(prices.rbegin(), prices.rend());
        prices.resize(std::min(prices.size(), static_cast<size_t>(n)));
        std::vector<int64_t> shown;
        for (const std::string& r : folded[a]) shown.push_back(std::stoll(r.substr(r.rfind(" | ") + 3)));
        std::sort(shown.rbegin(), shown.rend());
        CHECK(shown == prices);
      }
    }
  }
}

TEST_CASE("with a rank column each row carries its rank, and a row whose rank changes is updated") {
  const SchemaPtr bids = schema_of({{"auction", DataType::kInt64}, {"price", DataType::kInt64}});
  TopNConfig c;
  c.input_schema = bids;
  c.rank_column = "rn";
  c.output_schema = top_n_output_schema(bids, -1, false, "rn");
  c.n = 2;
  c.order_column = 1;
  c.descending = true;
  c.partition_columns = {0};
  TopNOperator op(c);
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.output_schema()->to_string() == "op: string, auction: int64, price: int64, rn: int64");
  REQUIRE(h.push(batch_of(bids, {{1, 10}, {1, 30}})).is_ok());
  CHECK(h.rows() == Rows{"+I | 1 | 30 | 1", "+I | 1 | 10 | 2"});
  h.clear_output();
  // 20 enters second: 10 leaves (rank 2); 30 keeps rank 1 and is not repeated.
  REQUIRE(h.push(batch_of(bids, {{1, 20}})).is_ok());
  CHECK(h.rows() == Rows{"-D | 1 | 10 | 2", "+I | 1 | 20 | 2"});
  h.clear_output();
  // 40 enters first: 30 moves to rank 2, 20 leaves.
  REQUIRE(h.push(batch_of(bids, {{1, 40}})).is_ok());
  CHECK(h.rows() == Rows{"-U | 1 | 30 | 1", "-D | 1 | 20 | 2", "+I | 1 | 40 | 1", "+U | 1 | 30 | 2"});
}
