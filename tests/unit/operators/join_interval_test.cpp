// Unit tests for IntervalJoinOperator: time bounds, late rows, expiry by the
// other input's watermark, snapshots and rescaling, a randomized comparison
// with a nested-loop model, and the entries a RocksDB probe visits.
#include <doctest/doctest.h>

#include <random>

#include "join_test_support.h"
#include "operators/join_interval_operator.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

std::shared_ptr<JoinConfig> interval(int64_t lower, int64_t upper, const std::string& residual = "") {
  auto c = join_config(JoinKind::kInterval, JoinType::kInner, false, false, residual);
  c->lower_ms = lower;
  c->upper_ms = upper;
  return c;
}

IntervalJoinOperator& interval_op(JoinCluster& c, int i) { return dynamic_cast<IntervalJoinOperator&>(c.op(i)); }

}  // namespace

TEST_CASE("an interval join pairs rows whose times are within the bounds") {
  JoinCluster c(interval(0, 10), 1, BackendKind::kHeap);
  c.push(kLeftInput, {{1, 1, 100}, {1, 2, 200}});
  c.push(kRightInput, {{1, 10, 100}, {1, 11, 110}, {1, 12, 111}, {1, 13, 99}, {2, 14, 105}});
  CHECK(c.row_set() == std::multiset<std::string>{"1 | 1 | 100 | 1 | 10 | 100", "1 | 1 | 100 | 1 | 11 | 110"});
}

TEST_CASE("an interval join drops late rows and forgets rows once the other watermark passes their bound") {
  JoinCluster c(interval(-5, 5), 1, BackendKind::kHeap);
  c.push(kLeftInput, {{1, 1, 100}, {1, 2, 200}});
  c.push(kRightInput, {{1, 3, 300}});
  CHECK(interval_op(c, 0).entries_in_state() == 3);
  c.watermark(kRightInput, 106);  // left row at 100 can only meet right rows <= 105: gone
  CHECK(interval_op(c, 0).entries_in_state() == 2);
  c.watermark(kLeftInput, 150);
  c.push(kLeftInput, {{1, 4, 120}});  // late: below the left watermark
  CHECK(c.counters().late_records == 1);
  c.push(kRightInput, {{1, 5, 204}});
  CHECK(c.row_set() == std::multiset<std::string>{"1 | 2 | 200 | 1 | 5 | 204"});
  c.end_inputs();
  CHECK(interval_op(c, 0).entries_in_state() == 0);
  CHECK(c.counters().keys_in_state == 0);
}

TEST_CASE("an interval join refuses updating inputs") {
  auto updating = join_config(JoinKind::kInterval, JoinType::kInner, true, false);
  auto op = make_join_operator(updating);
  REQUIRE(op.ok());
  KeyedStateBackend backend(16, KeyGroupRange{0, 15});
  OperatorContext ctx;
  ctx.max_parallelism = 16;
  ctx.keyed_state = &backend;
  CHECK_FALSE((*op)->open(ctx).is_ok());
}

TEST_CASE("an outer interval join pads a row without a partner when it leaves state, and holds its watermark back") {
  auto config = interval(0, 10);
  config->type = JoinType::kLeft;
  JoinCluster c(config, 1, BackendKind::kHeap);
  c.push(kLeftInput, {{1, 1, 100}, {1, 2, 200}, {nullptr, 3, 300}});
  CHECK(c.row_set() == std::multiset<std::string>{"NULL | 3 | 300 | NULL | NULL | NULL"});  // a NULL key at once
  c.push(kRightInput, {{1, 10, 105}});
  c.watermark(kRightInput, 150);  // 100 + 10 < 150: the row at 100 leaves, joined; 200 stays
  CHECK(interval_op(c, 0).entries_in_state() == 2);
  c.watermark(kRightInput, 250);
  CHECK(c.row_set() == std::multiset<std::string>{"NULL | 3 | 300 | NULL | NULL | NULL",
                                                  "1 | 1 | 100 | 1 | 10 | 105",
                                                  "1 | 2 | 200 | NULL | NULL | NULL"});
  CHECK(interval_op(c, 0).watermark_delay_ms() == 11);  // the upper bound and a 1 ms expiry slot
  auto right = interval(0, 10);
  right->type = JoinType::kRight;
  JoinCluster r(right, 1, BackendKind::kHeap);
  CHECK(interval_op(r, 0).watermark_delay_ms() == 1);  // a right row leaves as soon as it is older than the left watermark
  auto inner = make_join_operator(interval(0, 10));
  REQUIRE(inner.ok());
  CHECK((*inner)->watermark_delay_ms() == 0);
}

TEST_CASE("an interval join's output time column carries the larger of the pair's times") {
  auto config = interval(-10, 10);
  config->output_time_column = 2;  // lt
  JoinCluster c(config, 1, BackendKind::kHeap);
  c.push(kLeftInput, {{1, 1, 100}});
  c.push(kRightInput, {{1, 2, 95}, {1, 3, 108}});
  CHECK(c.row_set() == std::multiset<std::string>{"1 | 1 | 100 | 1 | 2 | 95", "1 | 1 | 108 | 1 | 3 | 108"});
}

TEST_CASE("on RocksDB an interval probe visits at most its matching entries plus one") {
  JoinCluster c(interval(-5, 5), 1, BackendKind::kRocksDb);
  std::vector<Row> left;
  for (int t = 0; t < 2000; ++t) left.push_back({1, t, t * 2});  // one row every 2 ms
  c.push(kLeftInput, left);
  std::mt19937 rng(7);
  size_t emitted = 0;
  for (int probe = 0; probe < 50; ++probe) {
    const int t = 10 + static_cast<int>(rng() % 3980);
    const uint64_t before = interval_op(c, 0).entries_visited();
    c.push(kRightInput, {{1, -1, t}});
    const size_t matches = c.rows().size() - emitted;
    emitted += matches;
    CHECK(matches >= 5);
    CHECK(interval_op(c, 0).entries_visited() - before <= matches + 1);
  }
}

namespace {

struct Event {
  int input;
  bool is_watermark;
  int64_t watermark;
  Row row;  // key, value, time
};

std::vector<Event> random_events(std::mt19937& rng, int n) {
  std::vector<Event> events;
  int64_t max_time[2] = {0, 0};
  for (int i = 0; i < n; ++i) {
    const int input = static_cast<int>(rng() % 2);
    if (rng() % 6 == 0) {
      events.push_back({input, true, max_time[input] - static_cast<int64_t>(rng() % 20), {}});
      continue;
    }
    const int64_t t = i * 3 + static_cast<int64_t>(rng() % 40) - 20;
    max_time[input] = std::max(max_time[input], t);
    Cell key = rng() % 12 == 0 ? Cell(nullptr) : Cell(static_cast<int>(rng() % 3));
    events.push_back({input, false, 0, {key, static_cast<int>(rng() % 5), t}});
  }
  return events;
}

std::string text(const Row& r) {
  auto b = batch_of(side_schema("x", false), {r});
  std::string s = b->to_debug_string();
  return s.substr(0, s.size() - 1);
}

std::multiset<std::string> model(const std::vector<Event>& events, int64_t lower, int64_t upper,
                                 bool residual, JoinType type, uint64_t& late) {
  int64_t wm[2] = {kNoWatermark, kNoWatermark};
  std::vector<Row> rows[2];
  late = 0;
  for (const Event& e : events) {
    if (e.is_watermark) {
      wm[e.input] = std::max(wm[e.input], e.watermark);
    } else if (wm[e.input] != kNoWatermark && e.row[2].i < wm[e.input]) {
      ++late;
    } else {
      rows[e.input].push_back(e.row);
    }
  }
  std::multiset<std::string> out;
  std::vector<bool> matched[2] = {std::vector<bool>(rows[0].size()), std::vector<bool>(rows[1].size())};
  for (size_t i = 0; i < rows[0].size(); ++i)
    for (size_t j = 0; j < rows[1].size(); ++j) {
      const Row& l = rows[0][i];
      const Row& r = rows[1][j];
      if (l[0].kind == Cell::Kind::kNull || r[0].kind == Cell::Kind::kNull || l[0].i != r[0].i) continue;
      if (r[2].i < l[2].i + lower || r[2].i > l[2].i + upper) continue;
      if (residual && !(l[1].i <= r[1].i)) continue;
      out.insert(text(l) + " | " + text(r));
      matched[0][i] = matched[1][j] = true;
    }
  const std::string nulls = "NULL | NULL | NULL";
  if (type == JoinType::kLeft || type == JoinType::kFull)
    for (size_t i = 0; i < rows[0].size(); ++i)
      if (!matched[0][i]) out.insert(text(rows[0][i]) + " | " + nulls);
  if (type == JoinType::kRight || type == JoinType::kFull)
    for (size_t j = 0; j < rows[1].size(); ++j)
      if (!matched[1][j]) out.insert(nulls + " | " + text(rows[1][j]));
  return out;
}

void replay(JoinCluster& c, const std::vector<Event>& events, size_t from, size_t to, int64_t (&wm)[2]) {
  for (size_t i = from; i < to; ++i) {
    const Event& e = events[i];
    if (e.is_watermark) {
      wm[e.input] = std::max(wm[e.input], e.watermark);
      c.watermark(e.input, e.watermark);
    } else {
      c.push(e.input, {e.row});
    }
  }
}

}  // namespace

TEST_CASE("random interval joins of every type match a nested-loop model, through a rescale") {
  // On RocksDB, odd seeds restore from incremental checkpoints instead of key-group snapshots.
  for (BackendKind kind : {BackendKind::kHeap, BackendKind::kRocksDb}) {
    for (int seed = 0; seed < 16; ++seed) {
      CAPTURE(seed);
      CAPTURE(static_cast<int>(kind));
      std::mt19937 rng(static_cast<unsigned>(seed));
      const int64_t lower = static_cast<int64_t>(rng() % 30) - 20, upper = lower + static_cast<int64_t>(rng() % 30);
      const bool residual = seed % 2 == 1;
      const JoinType type = std::vector<JoinType>{JoinType::kInner, JoinType::kLeft, JoinType::kRight,
                                                  JoinType::kFull}[static_cast<size_t>(seed / 2 % 4)];
      CAPTURE(join_type_name(type));
      auto config = interval(lower, upper, residual ? "lv <= rv" : "");
      config->type = type;
      auto events = random_events(rng, 200);
      int64_t wm[2] = {kNoWatermark, kNoWatermark};
      std::multiset<std::string> got;
      uint64_t late = 0;
      JoinCluster::Snapshot snap;
      eddy::test::TempDir checkpoints;
      {
        JoinCluster two(config, 2, kind);
        replay(two, events, 0, events.size() / 2, wm);
        got = two.row_set();
        late = two.counters().late_records;
        snap = kind == BackendKind::kRocksDb && seed % 2 == 1 ? two.checkpoint(1, checkpoints.path()) : two.snapshot();
      }
      JoinCluster three(config, 3, kind, &snap);
      for (int input : {kLeftInput, kRightInput})  // sources resend their watermarks after a restore
        if (wm[input] != kNoWatermark) three.watermark(input, wm[input]);
      replay(three, events, events.size() / 2, events.size(), wm);
      three.end_inputs();
      for (const auto& r : three.rows()) got.insert(r);
      late += three.counters().late_records;
      uint64_t model_late = 0;
      const auto want = model(events, lower, upper, residual, type, model_late);
      CHECK_MESSAGE(got == want, multiset_diff(got, want));
      CHECK(late == model_late);
      CHECK(three.counters().keys_in_state == 0);
    }
  }
}
