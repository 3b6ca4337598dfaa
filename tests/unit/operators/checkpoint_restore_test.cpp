// The keyed operators through the checkpoint hooks, as the host drives them:
// run over the first part of a seeded random input, snapshot every key group
// at a random cut (between batches, after some watermarks), restore into fresh
// subtasks at the same or another parallelism (the harness's keyed state: restore_key_group,
// restore_operator_state, on_state_restored, on_watermark(the watermark at the cut)), feed the
// rest: output before the cut plus output after it must be the undisturbed
// run's output, row for row (in any order).
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/hashing.h"
#include "core/key_groups.h"
#include "operator_harness.h"
#include "operators/keyed_aggregate_operator.h"
#include "operators/top_n_operator.h"
#include "operators/window_aggregate_operator.h"
#include "state/keyed_state_backend.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

using Rows = std::vector<std::string>;
using MakeOperator = std::function<OperatorPtr()>;

/// A small deterministic generator (an LCG), so runs are the same everywhere.
struct Lcg {
  uint64_t x;
  int64_t next(int64_t bound) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((x >> 33) % static_cast<uint64_t>(bound));
  }
};

/// One thing the host hands an operator: a batch, a watermark or the clock moving.
struct Step {
  enum class Kind { kBatch, kWatermark, kTime } kind;
  RecordBatchPtr batch;
  int64_t value = 0;  // the watermark, or the clock's new time
};

/// The subtasks of one keyed operator behind a hash exchange on `keys`:
/// every batch is split by key group among them, watermarks and time go to all.
class Subtasks {
 public:
  Subtasks(const MakeOperator& make, int32_t parallelism, std::vector<int> keys, int64_t now)
      : keys_(std::move(keys)) {
    for (int32_t i = 0; i < parallelism; ++i) {
      ops_.push_back(make());
      OperatorContext ctx;
      ctx.parallelism = parallelism;
      ctx.subtask_index = i;
      harnesses_.push_back(std::make_unique<OperatorHarness>(*ops_.back(), ctx));
      harnesses_.back()->timers.now = now;
      REQUIRE(harnesses_.back()->open().is_ok());
    }
  }

  void apply(const Step& s) {
    for (size_t i = 0; i < ops_.size(); ++i) {
      OperatorHarness& h = *harnesses_[i];
      switch (s.kind) {
        case Step::Kind::kBatch: {
          RecordBatchPtr mine = route(s.batch, i);
          if (mine->num_rows > 0) REQUIRE(h.push(mine).is_ok());
          break;
        }
        case Step::Kind::kWatermark: REQUIRE(h.watermark(s.value).is_ok()); break;
        case Step::Kind::kTime: REQUIRE(h.advance_time(s.value).is_ok()); break;
      }
    }
  }

  void end_input() {
    for (auto& h : harnesses_) REQUIRE(h->end_input().is_ok());
  }

  /// Every key group of every subtask, as snapshot bytes, and each subtask's
  /// operator state, as the host keeps them.
  struct Snapshot {
    std::map<int32_t, std::string> groups;
    std::vector<std::string> op_states;  // by old subtask
  };
  Snapshot snapshot() {
    Snapshot out;
    for (size_t i = 0; i < ops_.size(); ++i) {
      KeyedStateBackend* state = harnesses_[i]->keyed_state();
      REQUIRE(state != nullptr);
      const KeyGroupRange r = state->key_groups();
      for (int32_t kg = r.start; kg <= r.end; ++kg)
        REQUIRE(state->snapshot_key_group(kg, out.groups[kg]).is_ok());
      REQUIRE(ops_[i]->snapshot_operator_state(1, out.op_states.emplace_back()).is_ok());
    }
    return out;
  }

  /// What the host does on restore: each subtask takes the key groups it owns,
  /// rebuilds what derives from them, then learns the watermark of the cut.
  void restore(const Snapshot& snap, int64_t watermark) {
    for (size_t i = 0; i < ops_.size(); ++i) {
      KeyedStateBackend* state = harnesses_[i]->keyed_state();
      REQUIRE(state != nullptr);
      const KeyGroupRange r = state->key_groups();
      for (int32_t kg = r.start; kg <= r.end; ++kg) {
        auto it = snap.groups.find(kg);
        REQUIRE(it != snap.groups.end());
        REQUIRE(state->restore_key_group(kg, it->second).is_ok());
      }
      // Operator state as the operator asks for it: every old subtask's, or old k's where k % p == i.
      std::vector<std::string> states;
      const bool all = ops_[i]->operator_state_distribution() == OperatorStateDistribution::kUnion;
      for (size_t k = 0; k < snap.op_states.size(); ++k)
        if (!snap.op_states[k].empty() && (all || k % ops_.size() == i)) states.push_back(snap.op_states[k]);
      REQUIRE(ops_[i]->restore_operator_state(states).is_ok());
      REQUIRE(ops_[i]->on_state_restored().is_ok());
      if (watermark != kNoWatermark) REQUIRE(harnesses_[i]->watermark(watermark).is_ok());
    }
  }

  /// Main output rows, and side output 0 (late records) prefixed "late: ", over all subtasks.
  Rows rows() const {
    Rows out;
    for (const auto& h : harnesses_) {
      for (auto& r : h->rows()) out.push_back(r);
      for (auto& r : h->side_rows(0)) out.push_back("late: " + r);
    }
    return out;
  }

 private:
  RecordBatchPtr route(const RecordBatchPtr& batch, size_t subtask) {
    const int32_t p = static_cast<int32_t>(ops_.size());
    if (p == 1) return batch;
    REQUIRE(!keys_.empty());
    hash_rows(*batch, keys_, hashes_);
    std::vector<uint32_t> mine;
    for (uint32_t r = 0; r < batch->num_rows; ++r) {
      const int32_t kg = key_group_for_hash(hashes_[r], 128);
      if (subtask_for_key_group(128, p, kg) == static_cast<int32_t>(subtask)) mine.push_back(r);
    }
    return batch->take(mine.data(), mine.size());
  }

  std::vector<int> keys_;
  std::vector<OperatorPtr> ops_;
  std::vector<std::unique_ptr<OperatorHarness>> harnesses_;
  std::vector<uint64_t> hashes_;
};

Rows sorted(Rows r) {
  std::sort(r.begin(), r.end());
  return r;
}

/// All steps, through one subtask, then the end of input.
Rows run_straight(const MakeOperator& make, const std::vector<int>& keys, const std::vector<Step>& steps) {
  Subtasks s(make, 1, keys, 0);
  for (const Step& step : steps) s.apply(step);
  s.end_input();
  return sorted(s.rows());
}

/// Steps [0, cut) through `before` subtasks, a snapshot, steps [cut, end)
/// through `after` restored subtasks: the rows of both parts.
Rows run_cut(const MakeOperator& make, const std::vector<int>& keys, const std::vector<Step>& steps,
             size_t cut, int32_t before, int32_t after) {
  Subtasks first(make, before, keys, 0);
  int64_t watermark = kNoWatermark;
  int64_t now = 0;
  for (size_t i = 0; i < cut; ++i) {
    first.apply(steps[i]);
    if (steps[i].kind == Step::Kind::kWatermark) watermark = std::max(watermark, steps[i].value);
    if (steps[i].kind == Step::Kind::kTime) now = steps[i].value;
  }
  const auto groups = first.snapshot();
  Rows rows = first.rows();

  Subtasks second(make, after, keys, now);
  second.restore(groups, watermark);
  // Restoring the state and the watermark emits nothing: what was due had fired before the cut.
  CHECK(second.rows().empty());
  for (size_t i = cut; i < steps.size(); ++i) second.apply(steps[i]);
  second.end_input();
  for (auto& r : second.rows()) rows.push_back(r);
  return sorted(rows);
}

/// Runs `make` straight and cut at random points over every (before, after)
/// parallelism pair, for several seeds of `generate`.
void check_cuts(const MakeOperator& make, const std::vector<int>& keys,
                const std::function<std::vector<Step>(uint64_t)>& generate, bool keyed = true) {
  const std::vector<std::pair<int32_t, int32_t>> scales =
      keyed ? std::vector<std::pair<int32_t, int32_t>>{{1, 1}, {2, 2}, {1, 2}, {2, 1}, {2, 3}}
            : std::vector<std::pair<int32_t, int32_t>>{{1, 1}};
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    const std::vector<Step> steps = generate(seed);
    const Rows expected = run_straight(make, keys, steps);
    REQUIRE(!expected.empty());
    Lcg rng{seed * 977};
    for (const auto& [before, after] : scales) {
      const size_t cut = static_cast<size_t>(rng.next(static_cast<int64_t>(steps.size()) + 1));
      CAPTURE(seed);
      CAPTURE(cut);
      CAPTURE(before);
      CAPTURE(after);
      CHECK(run_cut(make, keys, steps, cut, before, after) == expected);
    }
  }
}

// --- windows -------------------------------------------------------------------

const SchemaPtr kEvents =
    schema_of({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

/// Batches of 1..6 records over 8 keys around a moving time, with records up to
/// 30 ms behind it (so some come late), a watermark 8 ms behind every few
/// batches, and the clock moving 7 ms per batch. NULL values now and then.
std::vector<Step> event_steps(uint64_t seed) {
  Lcg rng{seed};
  std::vector<Step> steps;
  int64_t base = 100, watermark = kNoWatermark, now = 0;
  for (int i = 0; i < 70; ++i) {
    base += rng.next(6);
    std::vector<Row> rows;
    const int64_t n = 1 + rng.next(6);
    for (int64_t r = 0; r < n; ++r) {
      Cell v = rng.next(10) == 0 ? Cell(nullptr) : Cell(rng.next(20));
      rows.push_back({"k" + std::to_string(rng.next(8)), v, base - rng.next(31)});
    }
    steps.push_back({Step::Kind::kBatch, batch_of(kEvents, rows), 0});
    if (rng.next(3) == 0 && base - 8 > watermark) {
      watermark = base - 8;
      steps.push_back({Step::Kind::kWatermark, nullptr, watermark});
    }
    now += 7;
    steps.push_back({Step::Kind::kTime, nullptr, now});
  }
  return steps;
}

WindowAggregateConfig events_window(WindowSpec w, int64_t lateness, int64_t emit_every,
                                    const std::string& time_column, const std::vector<std::string>& keys) {
  WindowAggregateConfig c = window_config(
      kEvents, keys, time_column, w,
      {{"c", F::kCountStar, ""}, {"s", F::kSum, "v"}, {"d", F::kCountDistinct, "v"}, {"lo", F::kMin, "v"},
       {"mean", F::kAvg, "v"}},
      lateness, /*late_output=*/true);
  c.emit_every_ms = emit_every;
  if (emit_every > 0)
    c.output_schema = window_output_schema(*kEvents, c.key_columns, c.aggregates, FinalColumn::kPresent);
  return c;
}

MakeOperator window_maker(WindowSpec w, int64_t lateness, int64_t emit_every = 0,
                          const std::string& time_column = "ts", std::vector<std::string> keys = {"k"}) {
  const WindowAggregateConfig c = events_window(w, lateness, emit_every, time_column, keys);
  return [c] { return std::make_unique<WindowAggregateOperator>(c); };
}

const std::vector<int> kByK = {0};

}  // namespace

TEST_CASE("tumbling windows restored at any cut and parallelism give the undisturbed output") {
  check_cuts(window_maker(tumbling(10), 0), kByK, event_steps);
}

TEST_CASE("tumbling windows with allowed lateness restored at any cut fire no window twice") {
  check_cuts(window_maker(tumbling(10), 12), kByK, event_steps);
}

TEST_CASE("sliding windows restored at any cut and parallelism give the undisturbed output") {
  check_cuts(window_maker(sliding(20, 5), 0), kByK, event_steps);
  check_cuts(window_maker(sliding(30, 10), 7), kByK, event_steps);
}

TEST_CASE("cumulating windows restored at any cut and parallelism give the undisturbed output") {
  check_cuts(window_maker(cumulate(30, 10), 0), kByK, event_steps);
  check_cuts(window_maker(cumulate(40, 5), 9), kByK, event_steps);
  check_cuts(window_maker(cumulate(20, 5), 0, 10), kByK, event_steps);
  check_cuts(window_maker(cumulate(40, 20), 0, 0, ""), kByK, event_steps);
}

TEST_CASE("session windows restored at any cut and parallelism give the undisturbed output") {
  check_cuts(window_maker(session(6), 0), kByK, event_steps);
  check_cuts(window_maker(session(9), 10), kByK, event_steps);
}

TEST_CASE("windows without key_by restored at any cut give the undisturbed output") {
  check_cuts(window_maker(sliding(20, 10), 3, 0, "ts", {}), {}, event_steps, /*keyed=*/false);
}

TEST_CASE("emit_every windows restored at any cut give the same partial and final rows") {
  check_cuts(window_maker(tumbling(20), 0, 10), kByK, event_steps);
  check_cuts(window_maker(sliding(20, 10), 0, 10), kByK, event_steps);
  check_cuts(window_maker(session(7), 0, 15), kByK, event_steps);
}

TEST_CASE("processing-time windows restored at any cut give the undisturbed output") {
  check_cuts(window_maker(tumbling(30), 0, 0, ""), kByK, event_steps);
  check_cuts(window_maker(sliding(40, 20), 0, 10, ""), kByK, event_steps);
}

TEST_CASE("the restored watermark fires nothing and makes the same records late") {
  const MakeOperator make = window_maker(tumbling(10), 0);
  Subtasks first(make, 1, kByK, 0);
  first.apply({Step::Kind::kBatch, batch_of(kEvents, {{"a", 1, 5}, {"a", 2, 15}}), 0});
  first.apply({Step::Kind::kWatermark, nullptr, 12});  // fires [0, 10)
  const auto groups = first.snapshot();
  CHECK(first.rows() == Rows{"a | 0 | 10 | 1 | 1 | 1 | 1 | 1.000000"});

  Subtasks second(make, 2, kByK, 0);
  second.restore(groups, 12);
  CHECK(second.rows().empty());
  second.apply({Step::Kind::kBatch, batch_of(kEvents, {{"a", 3, 8}, {"a", 4, 19}}), 0});
  second.end_input();
  CHECK(sorted(second.rows()) == Rows{"a | 10 | 20 | 2 | 6 | 2 | 2 | 3.000000", "late: a | 3 | 8"});
}

// --- keyed aggregate -----------------------------------------------------------

namespace {

/// Batches only: a keyed aggregate ignores watermarks and time.
std::vector<Step> batch_steps(uint64_t seed) {
  std::vector<Step> steps;
  for (const Step& s : event_steps(seed))
    if (s.kind == Step::Kind::kBatch) steps.push_back(s);
  return steps;
}

KeyedAggregateConfig keyed_aggregate_config(std::vector<int> keys) {
  KeyedAggregateConfig c;
  c.input_schema = kEvents;
  c.key_columns = std::move(keys);
  const std::vector<Call> calls = {
      {"c", F::kCountStar, ""}, {"s", F::kSum, "v"}, {"d", F::kCountDistinct, "v"}, {"hi", F::kMax, "v"}};
  for (const Call& call : calls) {
    AggregateSpec a;
    a.output = call.output;
    a.function = call.function;
    if (!call.column.empty()) {
      a.input_column = kEvents->index_of(call.column);
      a.input_type = kEvents->field(static_cast<size_t>(a.input_column)).type;
    }
    a.output_type = *aggregate_result_type(a.function, a.input_type);
    c.aggregates.push_back(a);
  }
  c.output_schema = keyed_aggregate_output_schema(*kEvents, c.key_columns, c.aggregates);
  return c;
}

MakeOperator keyed_aggregate_maker(std::vector<int> keys) {
  const KeyedAggregateConfig c = keyed_aggregate_config(std::move(keys));
  return [c] { return std::make_unique<KeyedAggregateOperator>(c); };
}

}  // namespace

TEST_CASE("a keyed aggregate restored at any cut and parallelism continues its changelog") {
  check_cuts(keyed_aggregate_maker({0}), kByK, batch_steps);
  check_cuts(keyed_aggregate_maker({}), {}, batch_steps, /*keyed=*/false);
}

// --- top-n ---------------------------------------------------------------------

namespace {

/// Window results: a category, a window end, an item and its total.
const SchemaPtr kResults = schema_of({{"cat", DataType::kString},
                                      {"window_end", DataType::kTimestamp},
                                      {"item", DataType::kInt64},
                                      {"total", DataType::kFloat64}});

/// Rows for windows ending at multiples of 10 around a moving time (some behind
/// the watermark: late), ties in total, watermarks every few batches.
std::vector<Step> result_steps(uint64_t seed) {
  Lcg rng{seed};
  std::vector<Step> steps;
  int64_t base = 100, watermark = kNoWatermark;
  for (int i = 0; i < 60; ++i) {
    base += rng.next(5);
    std::vector<Row> rows;
    const int64_t n = 1 + rng.next(6);
    for (int64_t r = 0; r < n; ++r) {
      const int64_t end = (base - rng.next(25)) / 10 * 10 + 10;
      rows.push_back({"c" + std::to_string(rng.next(5)), end, rng.next(50),
                      static_cast<double>(rng.next(12)) / 2});
    }
    steps.push_back({Step::Kind::kBatch, batch_of(kResults, rows), 0});
    if (rng.next(3) == 0 && base - 5 > watermark) {
      watermark = base - 5;
      steps.push_back({Step::Kind::kWatermark, nullptr, watermark});
    }
  }
  return steps;
}

MakeOperator windowed_top_n_maker(int64_t n, int64_t lateness) {
  TopNConfig c;
  c.input_schema = kResults;
  c.output_schema = top_n_output_schema(kResults, 1);
  c.n = n;
  c.order_column = 3;
  c.descending = true;
  c.partition_columns = {0};
  c.window_end_column = 1;
  c.allowed_lateness_ms = lateness;
  return [c] { return std::make_unique<TopNOperator>(c); };
}

/// Bids: auction, id, price (NULL now and then).
const SchemaPtr kBids =
    schema_of({{"auction", DataType::kInt64}, {"id", DataType::kInt64}, {"price", DataType::kInt64}});

std::vector<Step> bid_steps(uint64_t seed) {
  Lcg rng{seed};
  std::vector<Step> steps;
  int64_t id = 0;
  for (int i = 0; i < 60; ++i) {
    std::vector<Row> rows;
    const int64_t n = 1 + rng.next(6);
    for (int64_t r = 0; r < n; ++r) {
      Cell price = rng.next(12) == 0 ? Cell(nullptr) : Cell(rng.next(30));
      rows.push_back({rng.next(6), id++, price});
    }
    steps.push_back({Step::Kind::kBatch, batch_of(kBids, rows), 0});
  }
  return steps;
}

MakeOperator keyed_top_n_maker(int64_t n) {
  TopNConfig c;
  c.input_schema = kBids;
  c.output_schema = top_n_output_schema(kBids, -1);
  c.n = n;
  c.order_column = 2;
  c.descending = true;
  c.partition_columns = {0};
  return [c] { return std::make_unique<TopNOperator>(c); };
}

}  // namespace

TEST_CASE("a windowed top-n restored at any cut and parallelism fires each window once") {
  check_cuts(windowed_top_n_maker(2, 0), kByK, result_steps);
  check_cuts(windowed_top_n_maker(3, 8), kByK, result_steps);
}

TEST_CASE("a keyed-stream top-n restored at any cut and parallelism continues its changelog") {
  check_cuts(keyed_top_n_maker(3), kByK, bid_steps);
  check_cuts(keyed_top_n_maker(1), kByK, bid_steps);
}

TEST_CASE("restore hooks before open are errors, not crashes") {
  WindowAggregateOperator w(events_window(tumbling(10), 0, 0, "ts", {"k"}));
  CHECK(w.uses_keyed_state());
  CHECK(w.on_state_restored().code() == StatusCode::kInternal);
  KeyedAggregateOperator a(keyed_aggregate_config({0}));
  CHECK(a.uses_keyed_state());
  CHECK(a.on_state_restored().code() == StatusCode::kInternal);
  OperatorPtr t = keyed_top_n_maker(2)();
  CHECK(t->uses_keyed_state());
  CHECK(t->on_state_restored().code() == StatusCode::kInternal);
}
