// WindowAggregateOperator with emit_every (Oceanus' incremental window): every
// emit_every_ms of processing time, a row with final = false for each open
// window that changed since its last row; the fired window's row has
// final = true and equals the row of the same run without emit_every. The
// harness's fake clock delivers the emission timers.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/key_groups.h"
#include "operator_harness.h"
#include "operators/window_aggregate_operator.h"
#include "operators/window_assigner.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

const SchemaPtr kInput =
    schema_of({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

using Rows = std::vector<std::string>;

/// count(*) and sum(v) per k; `time_column` "" for processing time. With
/// `emit_every` > 0 the output has the final column, as the planner builds it.
WindowAggregateConfig config_for(WindowSpec w, int64_t emit_every, const std::string& time_column = "ts",
                                 int64_t lateness = 0, bool late_output = false) {
  WindowAggregateConfig c = window_config(kInput, {"k"}, time_column, w,
                                          {{"c", F::kCountStar, ""}, {"s", F::kSum, "v"}}, lateness,
                                          late_output);
  c.emit_every_ms = emit_every;
  if (emit_every > 0)
    c.output_schema = window_output_schema(*kInput, c.key_columns, c.aggregates, FinalColumn::kPresent);
  return c;
}

/// The rows of `h` from index `from` on, sorted.
Rows sorted_since(const OperatorHarness& h, size_t from) {
  Rows all = h.rows();
  Rows out(all.begin() + static_cast<std::ptrdiff_t>(std::min(from, all.size())), all.end());
  std::sort(out.begin(), out.end());
  return out;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// The rows ending in " | true", without that suffix, in emit order.
Rows final_rows(const Rows& rows) {
  Rows out;
  for (const auto& r : rows)
    if (ends_with(r, " | true")) out.push_back(r.substr(0, r.size() - 7));
  return out;
}

/// A small deterministic generator (an LCG), so the runs are the same everywhere.
struct Lcg {
  uint64_t x;
  int64_t next(int64_t bound) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((x >> 33) % static_cast<uint64_t>(bound));
  }
};

/// One input record, for the reference computation.
struct Rec {
  std::string k;
  int64_t v;
  int64_t ts;
};

/// Feeds the same pseudo-random event-time input to `op`: batches of records
/// around a moving time, the clock moving 7 ms per batch, a watermark every
/// few batches, then the end of input. `on_tick(fired_through, since, all)`
/// runs after every call that delivered an emission timer, with the rows it
/// emitted; `since` are the records accepted since the previous tick.
template <class OnTick>
Rows run_random(WindowAggregateOperator& op, uint64_t seed, int64_t lateness, const SliceAssigner* slices,
                OnTick on_tick, uint64_t* fired = nullptr) {
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  Lcg rng{seed};
  std::vector<Rec> all, since;
  int64_t watermark = kNoWatermark;
  int64_t base = 0;
  for (int step = 0; step < 300; ++step) {
    base += rng.next(6);
    std::vector<Row> rows;
    const int64_t n = 1 + rng.next(4);
    for (int64_t i = 0; i < n; ++i) {
      Rec r{"k" + std::to_string(rng.next(5)), rng.next(100), base - 25 + rng.next(35)};
      rows.push_back({r.k, r.v, r.ts});
      const bool late = watermark != kNoWatermark && slices != nullptr &&
                        slices->last_window_end(r.ts) <= watermark - lateness;
      if (!late) {
        all.push_back(r);
        since.push_back(r);
      }
    }
    REQUIRE(h.push(batch_of(kInput, rows)).is_ok());
    if (rng.next(4) == 0) {
      watermark = std::max(watermark, base - 10);
      REQUIRE(h.watermark(watermark).is_ok());
    }
    const size_t before_rows = h.rows().size();
    const size_t before_ticks = h.timers.delivered;
    REQUIRE(h.advance_time(h.timers.now + 7).is_ok());
    if (h.timers.delivered != before_ticks) {
      const int64_t fired_through = watermark == kNoWatermark ? INT64_MIN : watermark - lateness;
      on_tick(fired_through, since, all, sorted_since(h, before_rows));
      since.clear();
    }
  }
  REQUIRE(h.end_input().is_ok());
  // The harness owns the keyed state, which counters() reads: take them while it lives.
  if (fired != nullptr) *fired = op.counters().windows_fired;
  return h.rows();
}

/// The rows of the same run without emit_every.
Rows run_without(WindowSpec w, uint64_t seed, int64_t lateness) {
  WindowAggregateOperator op(config_for(w, 0, "ts", lateness));
  return run_random(op, seed, lateness, nullptr, [](auto&&...) {});
}

}  // namespace

TEST_CASE("partial rows come every emit_every for the windows that changed, with final = false") {
  WindowAggregateOperator op(config_for(tumbling(100), 10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(op.output_schema()->to_string() ==
        "k: string, window_start: timestamp, window_end: timestamp, c: int64, s: int64, final: bool");
  h.timers.now = 3;
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 5}, {"b", 2, 7}, {"a", 4, 150}})).is_ok());
  CHECK(h.timers.pending == std::multiset<int64_t>{10});  // epoch-aligned: the next multiple
  REQUIRE(h.advance_time(9).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(h.advance_time(10).is_ok());
  CHECK(h.sorted_rows() == Rows{"a | 0 | 100 | 1 | 1 | false", "a | 100 | 200 | 1 | 4 | false",
                                "b | 0 | 100 | 1 | 2 | false"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"a", 10, 50}})).is_ok());
  REQUIRE(h.advance_time(20).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 100 | 2 | 11 | false"});
  CHECK(op.counters().windows_fired == 0);
}

TEST_CASE("windows that did not change since their last partial row are not emitted again") {
  WindowAggregateOperator op(config_for(tumbling(100), 10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 5}})).is_ok());
  REQUIRE(h.advance_time(10).is_ok());
  CHECK(h.rows().size() == 1);
  h.clear_output();
  for (int64_t t = 20; t <= 50; t += 10) REQUIRE(h.advance_time(t).is_ok());
  CHECK(h.rows().empty());
  // The window is still open, so the emission timer keeps running.
  CHECK(h.timers.pending == std::multiset<int64_t>{60});
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 6}, {"b", 3, 6}})).is_ok());
  REQUIRE(h.advance_time(60).is_ok());
  CHECK(h.sorted_rows() == Rows{"a | 0 | 100 | 2 | 3 | false", "b | 0 | 100 | 1 | 3 | false"});
}

TEST_CASE("a fired window's row has final = true, once, whether or not partial rows came before") {
  WindowAggregateOperator op(config_for(tumbling(100), 10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 5}, {"b", 2, 150}})).is_ok());
  REQUIRE(h.advance_time(10).is_ok());
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"a", 3, 8}, {"c", 5, 20}})).is_ok());
  REQUIRE(h.watermark(100).is_ok());  // a's window had a partial row, c's had none
  CHECK(h.sorted_rows() == Rows{"a | 0 | 100 | 2 | 4 | true", "c | 0 | 100 | 1 | 5 | true"});
  h.clear_output();
  // A window that fired has nothing left to emit; b's window is unchanged.
  REQUIRE(h.advance_time(20).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"b | 100 | 200 | 1 | 2 | true"});
  CHECK(op.counters().windows_fired == 3);  // final rows only
}

TEST_CASE("a sliding window has a partial row when any of its slices changed") {
  // size 20, slide 10: a record at 5 is in [-10, 10) and [0, 20); one at 15 in [0, 20) and [10, 30).
  WindowAggregateOperator op(config_for(sliding(20, 10), 5));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 5}})).is_ok());
  REQUIRE(h.advance_time(5).is_ok());
  CHECK(h.rows() == Rows{"a | -10 | 10 | 1 | 1 | false", "a | 0 | 20 | 1 | 1 | false"});
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 15}})).is_ok());
  REQUIRE(h.advance_time(10).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 20 | 2 | 3 | false", "a | 10 | 30 | 1 | 2 | false"});
  h.clear_output();
  REQUIRE(h.watermark(10).is_ok());
  CHECK(h.rows() == Rows{"a | -10 | 10 | 1 | 1 | true"});
  h.clear_output();
  // A record far ahead: only the windows holding it, none of those in between.
  REQUIRE(h.push(batch_of(kInput, {{"a", 4, 95}})).is_ok());
  REQUIRE(h.advance_time(15).is_ok());
  CHECK(h.rows() == Rows{"a | 80 | 100 | 1 | 4 | false", "a | 90 | 110 | 1 | 4 | false"});
  h.clear_output();
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 20 | 2 | 3 | true", "a | 10 | 30 | 1 | 2 | true",
                         "a | 80 | 100 | 1 | 4 | true", "a | 90 | 110 | 1 | 4 | true"});
}

TEST_CASE("a record some of whose sliding windows fired changes only the open ones") {
  WindowAggregateOperator op(config_for(sliding(10, 5), 5, "ts"));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 12}})).is_ok());
  REQUIRE(h.watermark(12).is_ok());  // fires through 12: [0, 10) would have fired
  REQUIRE(h.advance_time(5).is_ok());
  h.clear_output();
  // 7 is in [0, 10) (fired) and [5, 15) (open).
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 7}})).is_ok());
  REQUIRE(h.advance_time(10).is_ok());
  CHECK(h.rows() == Rows{"a | 5 | 15 | 2 | 3 | false"});
}

TEST_CASE("open sessions emit partial rows when they change, and a merge counts as a change") {
  WindowAggregateOperator op(config_for(session(10), 5));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}, {"a", 2, 15}, {"a", 4, 100}})).is_ok());
  REQUIRE(h.advance_time(5).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 10 | 1 | 1 | false", "a | 15 | 25 | 1 | 2 | false",
                         "a | 100 | 110 | 1 | 4 | false"});
  h.clear_output();
  // [7, 17) bridges [0, 10) and [15, 25): one session [0, 25); [15, 25) is gone
  // and [100, 110) did not change.
  REQUIRE(h.push(batch_of(kInput, {{"a", 8, 7}})).is_ok());
  REQUIRE(h.advance_time(10).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 25 | 3 | 11 | false"});
  h.clear_output();
  REQUIRE(h.watermark(25).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 25 | 3 | 11 | true"});
  h.clear_output();
  REQUIRE(h.advance_time(15).is_ok());
  CHECK(h.rows().empty());
  // A session that grows is a change; its partial row has its new end.
  REQUIRE(h.push(batch_of(kInput, {{"a", 16, 105}})).is_ok());
  REQUIRE(h.advance_time(20).is_ok());
  CHECK(h.rows() == Rows{"a | 100 | 115 | 2 | 20 | false"});
  h.clear_output();
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 100 | 115 | 2 | 20 | true"});
}

TEST_CASE("no emission timer runs while no window is open") {
  WindowAggregateOperator op(config_for(tumbling(100), 10));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  CHECK(h.timers.registered_total() == 0);  // nothing at open: nothing is open yet
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 5}})).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 6}})).is_ok());
  CHECK(h.timers.pending == std::multiset<int64_t>{10});  // one timer, not one per batch
  REQUIRE(h.watermark(100).is_ok());  // the only window fires before the timer comes
  REQUIRE(h.advance_time(10).is_ok());  // the timer already registered still comes, once
  CHECK(h.rows() == Rows{"a | 0 | 100 | 2 | 3 | true"});
  CHECK(h.timers.pending.empty());
  REQUIRE(h.advance_time(1000).is_ok());
  CHECK(h.timers.registered_total() == 1);
  // The next record starts it again, from the clock's time.
  REQUIRE(h.push(batch_of(kInput, {{"a", 3, 150}})).is_ok());
  CHECK(h.timers.pending == std::multiset<int64_t>{1010});
  // A late record opens nothing and schedules nothing.
  WindowAggregateOperator op2(config_for(tumbling(100), 10));
  OperatorHarness h2(op2);
  REQUIRE(h2.open().is_ok());
  REQUIRE(h2.watermark(500).is_ok());
  REQUIRE(h2.push(batch_of(kInput, {{"a", 1, 5}})).is_ok());
  CHECK(op2.counters().late_records == 1);
  CHECK(h2.timers.registered_total() == 0);
}

TEST_CASE("late records change no window, and go to late_output as before") {
  WindowAggregateOperator op(config_for(tumbling(10), 5, "ts", 0, /*late_output=*/true));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 5}, {"a", 2, 25}})).is_ok());
  REQUIRE(h.watermark(10).is_ok());
  REQUIRE(h.advance_time(5).is_ok());
  h.clear_output();
  REQUIRE(h.push(batch_of(kInput, {{"a", 3, 4}})).is_ok());
  CHECK(h.side_rows(0) == Rows{"a | 3 | 4"});
  REQUIRE(h.advance_time(10).is_ok());
  CHECK(h.rows().empty());
  CHECK(op.counters().late_records == 1);
}

TEST_CASE("processing-time windows fire final rows by timer, partial rows between") {
  WindowAggregateOperator op(config_for(tumbling(100), 50, ""));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  h.timers.now = 10;
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}})).is_ok());
  CHECK(h.timers.pending == std::multiset<int64_t>{50, 100});  // emission, window end
  REQUIRE(h.advance_time(50).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 100 | 1 | 1 | false"});
  h.clear_output();
  h.timers.now = 60;
  REQUIRE(h.push(batch_of(kInput, {{"a", 2, 0}})).is_ok());
  // At 100 the window fires and the emission is due: the final row only.
  REQUIRE(h.advance_time(100).is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 100 | 2 | 3 | true"});
  CHECK(h.timers.pending.empty());
}

TEST_CASE("the end of input fires every open window with final = true after its partial rows") {
  WindowAggregateOperator op(config_for(tumbling(1000), 10, ""));
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  h.timers.now = 5;
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 0}, {"b", 2, 0}})).is_ok());
  REQUIRE(h.advance_time(10).is_ok());
  h.timers.now = 15;
  REQUIRE(h.push(batch_of(kInput, {{"a", 3, 0}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == Rows{"a | 0 | 1000 | 1 | 1 | false", "b | 0 | 1000 | 1 | 2 | false",
                         "a | 0 | 1000 | 2 | 4 | true", "b | 0 | 1000 | 1 | 2 | true"});
  h.clear_output();
  REQUIRE(h.advance_time(20).is_ok());  // the pending emission finds nothing open
  CHECK(h.rows().empty());
  CHECK(h.timers.pending == std::multiset<int64_t>{1000});  // the window's; no next emission
}

TEST_CASE("partial rows of sliding windows hold every record so far of each changed open window") {
  const int64_t lateness = 0;  // emit_every refuses allowed_lateness
  const SliceAssigner slices(30, 10);
  for (uint64_t seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    WindowAggregateOperator op(config_for(sliding(30, 10), 20, "ts", lateness));
    size_t ticks_with_rows = 0;
    auto check_tick = [&](int64_t fired_through, const std::vector<Rec>& since,
                          const std::vector<Rec>& all, const Rows& got) {
      // The reference: every window holding a record that arrived since the
      // last tick and not fired, with the count and sum of all its records.
      std::set<std::pair<std::string, int64_t>> windows;  // key, start
      for (const Rec& r : since)
        for (int64_t end = slices.last_window_end(r.ts); end > r.ts; end -= slices.slide())
          if (end > fired_through) windows.insert({r.k, end - slices.size()});
      Rows expected;
      for (const auto& [k, start] : windows) {
        int64_t count = 0, sum = 0;
        for (const Rec& r : all)
          if (r.k == k && r.ts >= start && r.ts < start + slices.size()) {
            ++count;
            sum += r.v;
          }
        expected.push_back(k + " | " + std::to_string(start) + " | " +
                           std::to_string(start + slices.size()) + " | " + std::to_string(count) +
                           " | " + std::to_string(sum) + " | false");
      }
      std::sort(expected.begin(), expected.end());
      CHECK(got == expected);
      ticks_with_rows += got.empty() ? 0 : 1;
    };
    const Rows rows = run_random(op, seed, lateness, &slices, check_tick);
    CHECK(ticks_with_rows > 50);
    CHECK(final_rows(rows) == run_without(sliding(30, 10), seed, lateness));
  }
}

TEST_CASE("the final rows equal the rows of the same run without emit_every") {
  for (WindowSpec w : {tumbling(20), sliding(30, 10), sliding(25, 10), session(8)}) {
    CAPTURE(static_cast<int>(w.type));
    WindowAggregateOperator op(config_for(w, 15, "ts"));
    size_t partial = 0;
    uint64_t fired = 0;
    const Rows rows = run_random(
        op, 7, 0, nullptr,
        [&](int64_t, auto&, auto&, const Rows& got) {
          for (const auto& r : got) partial += ends_with(r, " | false") ? 1 : 0;
        },
        &fired);
    const Rows finals = final_rows(rows);
    CHECK(partial > 0);
    CHECK(finals.size() + partial == rows.size());
    CHECK(finals == run_without(w, 7, 0));
    CHECK(fired == finals.size());
  }
}

TEST_CASE("what changed since the last partial rows survives a snapshot and restore") {
  auto make = [] { return config_for(sliding(20, 10), 10); };
  WindowAggregateOperator before(make());
  OperatorHarness h(before);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 1, 5}, {"b", 2, 7}})).is_ok());
  REQUIRE(h.advance_time(10).is_ok());
  REQUIRE(h.push(batch_of(kInput, {{"a", 3, 15}})).is_ok());  // changed, not yet emitted
  std::map<int32_t, std::string> groups;
  const KeyGroupRange r = before.state_backend()->key_groups();
  for (int32_t kg = r.start; kg <= r.end; ++kg)
    REQUIRE(before.state_backend()->snapshot_key_group(kg, groups[kg]).is_ok());
  REQUIRE(h.advance_time(20).is_ok());
  h.clear_output();
  REQUIRE(h.end_input().is_ok());
  const Rows straight_final = h.sorted_rows();

  WindowAggregateOperator after(make());
  OperatorHarness h2(after);
  h2.timers.now = 12;
  REQUIRE(h2.open().is_ok());
  for (int32_t kg = r.start; kg <= r.end; ++kg)
    REQUIRE(after.state_backend()->restore_key_group(kg, groups.at(kg)).is_ok());
  REQUIRE(after.add_timers_from_state().is_ok());
  CHECK(h2.timers.pending == std::multiset<int64_t>{20});
  REQUIRE(h2.advance_time(20).is_ok());
  // a's changed windows, not b's unchanged one.
  CHECK(h2.rows() == Rows{"a | 0 | 20 | 2 | 4 | false", "a | 10 | 30 | 1 | 3 | false"});
  h2.clear_output();
  REQUIRE(h2.end_input().is_ok());
  CHECK(h2.sorted_rows() == straight_final);
}

TEST_CASE("emit_every needs the final column in the output schema, and no final column without it") {
  WindowAggregateConfig c = config_for(tumbling(10), 10);
  CHECK(WindowAggregateOperator::validate(c).is_ok());
  c.output_schema = window_output_schema(*kInput, c.key_columns, c.aggregates);
  CHECK(WindowAggregateOperator::validate(c).code() == StatusCode::kInvalidArgument);
  WindowAggregateConfig off = config_for(tumbling(10), 0);
  CHECK(off.output_schema->size() == 5);
  off.output_schema = window_output_schema(*kInput, off.key_columns, off.aggregates, FinalColumn::kPresent);
  CHECK(WindowAggregateOperator::validate(off).code() == StatusCode::kInvalidArgument);
  WindowAggregateConfig negative = config_for(tumbling(10), 0);
  negative.emit_every_ms = -1;
  CHECK(WindowAggregateOperator::validate(negative).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("emit_every on event time needs the host's timer service") {
  WindowAggregateOperator op(config_for(tumbling(10), 10));
  CHECK(op.open(OperatorContext{}).code() == StatusCode::kInvalidArgument);
}
