// TopNOperator in both modes: windowed (fires by watermark plus lateness, n per
// partition and window, ties independent of arrival and parallelism, end of
// input, restore) and keyed stream (+I/-D changelog checked against a
// brute-force recomputation over seeded random input, ties), plus the order
// comparisons of TopNRanker.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/key_groups.h"
#include "operator_harness.h"
#include "operators/top_n_operator.h"
#include "state/key_encoding.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

using Rows = std::vector<std::string>;

Rows sorted(Rows r) {
  std::sort(r.begin(), r.end());
  return r;
}

// --- windowed mode -------------------------------------------------------------

/// What a window aggregate would emit: a category, its window end, an item and its total.
const SchemaPtr kWindowed = schema_of({{"cat", DataType::kString},
                                       {"window_end", DataType::kTimestamp},
                                       {"item", DataType::kInt64},
                                       {"total", DataType::kFloat64}});

TopNConfig windowed_config(int64_t n, int64_t lateness = 0, bool descending = true) {
  TopNConfig c;
  c.input_schema = kWindowed;
  c.output_schema = top_n_output_schema(kWindowed, 1);
  c.n = n;
  c.order_column = 3;
  c.descending = descending;
  c.partition_columns = {0};
  c.window_end_column = 1;
  c.allowed_lateness_ms = lateness;
  return c;
}

/// Sum of TopNGroup rows held in the operator's state.
size_t rows_in_state(TopNOperator& op) {
  size_t rows = 0;
  op.state_backend()
      ->value_state<TopNGroup>(TopNOperator::kStateName)
      .for_each([&](int32_t, const std::string&, int64_t, TopNGroup& g) { rows += g.rows.size(); });
  return rows;
}

// --- keyed-stream mode ---------------------------------------------------------

/// Bids: auction, a unique id, and the price three ways (int64, string, float64).
const SchemaPtr kBids = schema_of({{"auction", DataType::kInt64},
                                   {"id", DataType::kInt64},
                                   {"price", DataType::kInt64},
                                   {"label", DataType::kString},
                                   {"euro", DataType::kFloat64}});

TopNConfig keyed_config(int64_t n, int order_column = 2, bool descending = true,
                        std::vector<int> partitions = {0}) {
  TopNConfig c;
  c.input_schema = kBids;
  c.output_schema = top_n_output_schema(kBids, -1);
  c.n = n;
  c.order_column = order_column;
  c.descending = descending;
  c.partition_columns = std::move(partitions);
  return c;
}

/// A bid whose three price columns agree in order (NULL: all NULL).
Row bid(int64_t auction, int64_t id, std::optional<int64_t> price) {
  if (!price) return {auction, id, nullptr, nullptr, nullptr};
  return {auction, id, *price, "p" + std::to_string(*price), static_cast<double>(*price) * 0.5};
}

std::string bid_text(int64_t auction, int64_t id, std::optional<int64_t> price, const char* op) {
  auto b = batch_of(kBids, {bid(auction, id, price)});
  std::string s = b->to_debug_string();
  s.pop_back();  // the newline
  return std::string(op) + " | " + s;  // a changelog's op comes first
}

}  // namespace

TEST_CASE(
    "windowed top-n fires a window once the watermark reaches its end plus the allowed lateness") {
  TopNOperator op(windowed_config(2, 5));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(*op.output_schema() == *kWindowed);
  REQUIRE(h.push(batch_of(kWindowed, {{"a", 10, 1, 5.0},
                                      {"a", 10, 2, 7.0},
                                      {"b", 10, 4, 1.0},
                                      {"a", 20, 5, 9.0},
                                      {"a", 10, 3, 6.0}}))
              .is_ok());
  REQUIRE(h.watermark(14).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(h.watermark(15).is_ok());
  CHECK(h.sorted_rows() ==
        Rows{"a | 10 | 2 | 7.000000", "a | 10 | 3 | 6.000000", "b | 10 | 4 | 1.000000"});
  CHECK(op.counters().windows_fired == 2);
  h.clear_output();

  // A row of the fired window is late: dropped and counted, not a second result.
  REQUIRE(h.push(batch_of(kWindowed, {{"a", 10, 9, 99.0}, {"a", 20, 6, 1.0}})).is_ok());
  CHECK(op.counters().late_records == 1);
  REQUIRE(h.watermark(24).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(h.watermark(25).is_ok());
  CHECK(h.rows() == Rows{"a | 20 | 5 | 9.000000", "a | 20 | 6 | 1.000000"});
  CHECK(op.counters().keys_in_state == 0);
}

TEST_CASE(
    "windowed top-n keeps n rows per partition and window, best first, and only n while "
    "buffering") {
  TopNOperator op(windowed_config(3));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  std::vector<Row> rows;
  for (int i = 0; i < 200; ++i) {
    rows.push_back({"a", 10, i, static_cast<double>((i * 37) % 101)});
    rows.push_back({"b", 10, i, static_cast<double>(i)});
    rows.push_back({"a", 20, i, static_cast<double>(-i)});
  }
  REQUIRE(h.push(batch_of(kWindowed, rows)).is_ok());
  CHECK(rows_in_state(op) == 9);  // bounded memory: 3 per (window, partition)
  REQUIRE(h.watermark(10).is_ok());
  // (i * 37) % 101 is 100 for i = 30 and 131, 99 for i = 60 and 161: ties go by the row.
  CHECK(h.rows() == Rows{"a | 10 | 30 | 100.000000", "a | 10 | 131 | 100.000000",
                         "a | 10 | 60 | 99.000000", "b | 10 | 199 | 199.000000",
                         "b | 10 | 198 | 198.000000", "b | 10 | 197 | 197.000000"});
  h.clear_output();
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() ==
        Rows{"a | 20 | 0 | 0.000000", "a | 20 | 1 | -1.000000", "a | 20 | 2 | -2.000000"});
  CHECK(op.counters().windows_fired == 3);
}

TEST_CASE(
    "windowed top-n breaks ties by the whole row, the same for any arrival order and parallelism") {
  std::mt19937_64 rng(7);
  std::vector<Row> rows;
  for (int i = 0; i < 300; ++i) {
    const char* cat = (i % 3 == 0) ? "a" : (i % 3 == 1) ? "b" : "c";
    rows.push_back({cat, 10 * static_cast<int64_t>(rng() % 3 + 1), static_cast<int64_t>(rng() % 50),
                    static_cast<double>(rng() % 4)});
  }
  // Parallelism 1, rows in order, one batch.
  Rows reference;
  {
    TopNOperator op(windowed_config(4));
    OperatorHarness h(op);
    REQUIRE(h.open().is_ok());
    REQUIRE(h.push(batch_of(kWindowed, rows)).is_ok());
    REQUIRE(h.end_input().is_ok());
    reference = h.sorted_rows();
    CHECK(reference.size() == 3 * 3 * 4);
  }
  for (int round = 0; round < 3; ++round) {
    std::shuffle(rows.begin(), rows.end(), rng);
    const int32_t parallelism = round + 2;
    const int32_t max_par = 16;
    Rows combined;
    for (int32_t sub = 0; sub < parallelism; ++sub) {
      OperatorContext ctx;
      ctx.parallelism = parallelism;
      ctx.subtask_index = sub;
      ctx.max_parallelism = max_par;
      TopNOperator op(windowed_config(4));
      OperatorHarness h(op, ctx);
      REQUIRE(h.open().is_ok());
      // Route as the hash partitioner does, in batches of 7 rows.
      const KeyGroupRange mine = key_group_range_for_subtask(max_par, parallelism, sub);
      std::vector<Row> batch;
      for (const Row& r : rows) {
        auto one = batch_of(kWindowed, {r});
        if (!mine.contains(key_group_of_row(*one, {0}, 0, max_par))) continue;
        batch.push_back(r);
        if (batch.size() == 7) {
          REQUIRE(h.push(batch_of(kWindowed, batch)).is_ok());
          batch.clear();
        }
      }
      REQUIRE(h.push(batch_of(kWindowed, batch)).is_ok());
      REQUIRE(h.end_input().is_ok());
      for (auto& r : h.rows()) combined.push_back(r);
    }
    CHECK(sorted(combined) == reference);
  }
}

TEST_CASE("windowed top-n ranks NULL order values last and skips rows without a window end") {
  TopNOperator op(windowed_config(2, 0, /*descending=*/false));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kWindowed, {{"a", 10, 1, nullptr},
                                      {"a", 10, 2, 3.0},
                                      {"a", nullptr, 3, 1.0},
                                      {"b", 10, 4, nullptr},
                                      {"b", 10, 5, nullptr}}))
              .is_ok());
  CHECK(op.counters().skipped_records == 1);
  REQUIRE(op.finish(h).is_ok());  // finish() alone fires what is buffered too
  CHECK(h.rows() == Rows{"a | 10 | 2 | 3.000000", "a | 10 | 1 | NULL", "b | 10 | 4 | NULL",
                         "b | 10 | 5 | NULL"});
}

TEST_CASE("windowed top-n restored from a snapshot fires the restored windows") {
  TopNOperator first(windowed_config(1));
  OperatorHarness h1(first);
  REQUIRE(h1.open().is_ok());
  REQUIRE(h1.push(batch_of(kWindowed, {{"a", 10, 1, 1.0}, {"a", 10, 2, 2.0}, {"b", 20, 3, 3.0}}))
              .is_ok());

  TopNOperator second(windowed_config(1));
  OperatorHarness h2(second);
  REQUIRE(h2.open().is_ok());
  const KeyGroupRange range = first.state_backend()->key_groups();
  for (int32_t kg = range.start; kg <= range.end; ++kg) {
    std::string bytes;
    REQUIRE(first.state_backend()->snapshot_key_group(kg, bytes).is_ok());
    REQUIRE(second.state_backend()->restore_key_group(kg, bytes).is_ok());
  }
  SUBCASE("after an explicit index rebuild") { second.rebuild_window_index(); }
  SUBCASE("rebuilding the index by itself") {}
  REQUIRE(h2.push(batch_of(kWindowed, {{"a", 10, 4, 1.5}})).is_ok());
  REQUIRE(h2.watermark(10).is_ok());
  CHECK(h2.rows() == Rows{"a | 10 | 2 | 2.000000"});
  h2.clear_output();
  REQUIRE(h2.end_input().is_ok());
  CHECK(h2.rows() == Rows{"b | 20 | 3 | 3.000000"});
}

TEST_CASE("top-n configs are validated against their input") {
  CHECK(TopNOperator::validate(windowed_config(3)).is_ok());
  CHECK(TopNOperator::validate(keyed_config(3)).is_ok());
  TopNConfig zero = keyed_config(0);
  CHECK_FALSE(TopNOperator::validate(zero).is_ok());
  TopNConfig bad_order = keyed_config(3, 9);
  CHECK_FALSE(TopNOperator::validate(bad_order).is_ok());
  TopNConfig bad_end = windowed_config(3);
  bad_end.window_end_column = 3;  // a float64
  CHECK(TopNOperator::validate(bad_end).code() == StatusCode::kTypeError);
  TopNConfig windowed_with_op = windowed_config(3);
  windowed_with_op.output_schema = top_n_output_schema(kWindowed, -1);
  CHECK_FALSE(TopNOperator::validate(windowed_with_op).is_ok());
  TopNConfig negative = windowed_config(3, -1);
  CHECK_FALSE(TopNOperator::validate(negative).is_ok());
  TopNOperator op(zero);
  OperatorHarness h(op);
  CHECK_FALSE(h.open().is_ok());
}

// --- keyed-stream mode ---------------------------------------------------------

TEST_CASE("keyed top-n emits +I for rows entering the top n and -D for rows pushed out") {
  TopNOperator op(keyed_config(2));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.output_schema()->to_string() ==
        "op: string, auction: int64, id: int64, price: int64, label: string, euro: float64");
  REQUIRE(h.push(batch_of(kBids, {bid(1, 1, 10), bid(1, 2, 20), bid(2, 3, 5)})).is_ok());
  CHECK(h.rows() ==
        Rows{bid_text(1, 2, 20, "+I"), bid_text(1, 1, 10, "+I"), bid_text(2, 3, 5, "+I")});
  h.clear_output();
  REQUIRE(h.push(batch_of(kBids, {bid(1, 4, 15)})).is_ok());
  CHECK(h.rows() == Rows{bid_text(1, 1, 10, "-D"), bid_text(1, 4, 15, "+I")});
  h.clear_output();
  REQUIRE(h.push(batch_of(kBids, {bid(1, 5, 3)})).is_ok());
  CHECK(h.rows().empty());
  // Watermarks and the end of input change nothing.
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows().empty());
  CHECK(op.counters().keys_in_state == 2);
}

TEST_CASE("keyed top-n emits nothing for a row that enters and leaves within one batch") {
  TopNOperator op(keyed_config(2));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kBids, {bid(1, 1, 20), bid(1, 2, 15)})).is_ok());
  h.clear_output();
  REQUIRE(h.push(batch_of(kBids, {bid(1, 3, 17), bid(1, 4, 30), bid(1, 5, 40)})).is_ok());
  CHECK(h.main.size() == 1);
  CHECK(h.rows() == Rows{bid_text(1, 2, 15, "-D"), bid_text(1, 1, 20, "-D"),
                         bid_text(1, 5, 40, "+I"), bid_text(1, 4, 30, "+I")});
}

TEST_CASE("keyed top-n keeps the earlier of equal rows: a tie with the n-th does not displace it") {
  TopNOperator op(keyed_config(2));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kBids, {bid(1, 1, 20), bid(1, 2, 10)})).is_ok());
  h.clear_output();
  REQUIRE(h.push(batch_of(kBids, {bid(1, 3, 10)})).is_ok());
  CHECK(h.rows().empty());
  // Equal to the first: ranks after it, and pushes out the 10.
  REQUIRE(h.push(batch_of(kBids, {bid(1, 4, 20)})).is_ok());
  CHECK(h.rows() == Rows{bid_text(1, 2, 10, "-D"), bid_text(1, 4, 20, "+I")});
  h.clear_output();
  REQUIRE(h.push(batch_of(kBids, {bid(1, 5, 20), bid(1, 6, 21)})).is_ok());
  CHECK(h.rows() == Rows{bid_text(1, 4, 20, "-D"), bid_text(1, 6, 21, "+I")});
}

TEST_CASE("keyed top-n ranks NULL order values last in ascending order too") {
  TopNOperator op(keyed_config(2, 2, /*descending=*/false));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kBids, {bid(1, 1, std::nullopt), bid(1, 2, 5)})).is_ok());
  CHECK(h.rows() == Rows{bid_text(1, 2, 5, "+I"), bid_text(1, 1, std::nullopt, "+I")});
  h.clear_output();
  REQUIRE(h.push(batch_of(kBids, {bid(1, 3, 7), bid(1, 4, std::nullopt)})).is_ok());
  CHECK(h.rows() == Rows{bid_text(1, 1, std::nullopt, "-D"), bid_text(1, 3, 7, "+I")});
}

TEST_CASE("keyed top-n changelogs match a brute-force recomputation over random input") {
  struct Bid {
    int64_t auction;
    int64_t id;
    std::optional<int64_t> price;
  };
  for (int variant = 0; variant < 8; ++variant) {
    const int order_column = 2 + variant % 3;  // price, label, euro: the same order
    const bool descending = variant % 2 == 0;
    const bool global = variant == 7;
    const int64_t n = 1 + variant % 4;
    CAPTURE(variant);
    TopNOperator op(keyed_config(n, order_column, descending,
                                 global ? std::vector<int>{} : std::vector<int>{0}));
    OperatorHarness h(op);
    REQUIRE(h.open().is_ok());

    std::mt19937_64 rng(1000 + static_cast<uint64_t>(variant));
    std::map<int64_t, std::vector<Bid>> seen;  // partition -> bids in arrival order
    // The brute-force top n of a partition: every bid so far, stably sorted.
    auto top = [&](int64_t partition) {
      std::vector<Bid> all = seen[partition];
      std::stable_sort(all.begin(), all.end(), [&](const Bid& a, const Bid& b) {
        if (!a.price || !b.price) return a.price.has_value() && !b.price.has_value();
        return descending ? *a.price > *b.price : *a.price < *b.price;
      });
      std::map<int64_t, Bid> ids;
      for (size_t i = 0; i < all.size() && static_cast<int64_t>(i) < n; ++i)
        ids.emplace(all[i].id, all[i]);
      return ids;
    };
    int64_t next_id = 0;
    for (int round = 0; round < 150; ++round) {
      std::vector<Row> rows;
      std::vector<Bid> bids;
      const size_t size = 1 + rng() % 12;
      for (size_t i = 0; i < size; ++i) {
        Bid b{static_cast<int64_t>(rng() % 4), next_id++, std::nullopt};
        if (rng() % 8 != 0) b.price = static_cast<int64_t>(rng() % 7);
        bids.push_back(b);
        rows.push_back(bid(b.auction, b.id, b.price));
      }
      std::set<int64_t> touched;
      for (const Bid& b : bids) touched.insert(global ? 0 : b.auction);
      std::map<int64_t, std::map<int64_t, Bid>> before;
      for (int64_t p : touched) before[p] = top(p);
      for (const Bid& b : bids) seen[global ? 0 : b.auction].push_back(b);
      Rows expected;
      for (int64_t p : touched) {
        const auto after = top(p);
        std::vector<Bid> gone, came;
        for (const auto& [id, b] : before[p])
          if (!after.count(id)) gone.push_back(b);
        for (const auto& [id, b] : after)
          if (!before[p].count(id)) came.push_back(b);
        // With n = 1 a replaced row is an update: -U (old) then +U (new).
        const bool update = n == 1 && gone.size() == 1 && came.size() == 1;
        for (const Bid& b : gone) expected.push_back(bid_text(b.auction, b.id, b.price, update ? "-U" : "-D"));
        for (const Bid& b : came) expected.push_back(bid_text(b.auction, b.id, b.price, update ? "+U" : "+I"));
      }
      h.clear_output();
      REQUIRE(h.push(batch_of(kBids, rows)).is_ok());
      CHECK(h.main.size() <= 1);
      REQUIRE(h.sorted_rows() == sorted(expected));
    }
    CHECK(op.counters().keys_in_state == (global ? 1u : seen.size()));
  }
}

TEST_CASE("top-n order comparisons handle int64, float64 with NaN, timestamps and strings") {
  auto entry_of = [](Column col) {
    std::vector<TopNEntry> out(col.size());
    for (size_t r = 0; r < col.size(); ++r) TopNRanker::read_order(col, r, out[r]);
    return out;
  };
  const TopNRanker asc(3, /*descending=*/false, TopNTies::kByArrival);
  const TopNRanker desc(3, /*descending=*/true, TopNTies::kByArrival);

  Column d(DataType::kFloat64);
  d.append_double(std::nan(""));
  d.append_double(-0.0);
  d.append_double(0.0);
  d.append_double(-std::numeric_limits<double>::infinity());
  d.append_null();
  auto e = entry_of(d);
  CHECK(asc.compare_order(e[1], e[2]) == 0);  // -0.0 == 0.0
  CHECK(asc.compare_order(e[3], e[1]) < 0);
  CHECK(asc.compare_order(e[1], e[0]) < 0);  // NaN above every number
  CHECK(desc.compare_order(e[0], e[1]) < 0);
  CHECK(asc.compare_order(e[0], e[0]) == 0);
  CHECK(asc.compare_order(e[0], e[4]) < 0);  // NULL last in both directions
  CHECK(desc.compare_order(e[3], e[4]) < 0);
  CHECK(desc.compare_order(e[4], e[4]) == 0);

  Column s(DataType::kString);
  s.append_string("b");
  s.append_string("ab");
  s.append_string("");
  e = entry_of(s);
  CHECK(asc.compare_order(e[1], e[0]) < 0);  // lexicographic, not by length
  CHECK(asc.compare_order(e[2], e[1]) < 0);
  CHECK(desc.compare_order(e[0], e[1]) < 0);

  Column t(DataType::kTimestamp);
  t.append_int(-5);
  t.append_int(1700000000000);
  e = entry_of(t);
  CHECK(asc.compare_order(e[0], e[1]) < 0);
  CHECK(desc.compare_order(e[1], e[0]) < 0);

  Column i(DataType::kInt64);
  i.append_int(INT64_MIN);
  i.append_int(INT64_MAX);
  e = entry_of(i);
  CHECK(asc.compare_order(e[0], e[1]) < 0);
  // A full group refuses a row ranking after its last (or tying with it: arrival
  // decides) without the caller encoding the row, and a better one pushes the last out.
  TopNGroup g;
  TopNEntry pushed;
  for (uint64_t seq = 0; seq < 3; ++seq) {
    TopNEntry big = e[1];
    big.seq = seq;
    CHECK(asc.offer(g, std::move(big), &pushed) == TopNRanker::Offer::kEntered);
  }
  CHECK_FALSE(asc.may_enter(g, e[1]));
  CHECK(asc.may_enter(g, e[0]));
  TopNEntry small = e[0];
  small.seq = 3;
  CHECK(asc.offer(g, std::move(small), &pushed) == TopNRanker::Offer::kEnteredPushingOut);
  CHECK(pushed.seq == 2);
  CHECK(g.rows.front().seq == 3);
}
