// Unit tests for WindowJoinOperator: tumbling and sliding windows, outer
// padding per window, late rows, snapshots and rescaling, and a randomized
// comparison with a nested-loop model.
#include <doctest/doctest.h>

#include <random>

#include "join_test_support.h"
#include "operators/join_window_operator.h"
#include "operators/window_assigner.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

std::shared_ptr<JoinConfig> windowed(JoinType type, WindowSpec w, const std::string& residual = "") {
  auto c = join_config(JoinKind::kWindow, type, false, false, residual);
  c->window = w;
  return c;
}

}  // namespace

TEST_CASE("a tumbling window join pairs rows of the same key and window when the watermark passes its end") {
  JoinCluster c(windowed(JoinType::kInner, tumbling(10)), 1, BackendKind::kHeap);
  c.push(kLeftInput, {{1, 1, 3}, {1, 2, 12}});
  c.push(kRightInput, {{1, 10, 7}, {1, 11, 15}, {2, 12, 5}});
  c.watermark(kLeftInput, 10);
  CHECK(c.rows().empty());  // the right input holds the window back
  c.watermark(kRightInput, 10);
  CHECK(c.rows() == std::vector<std::string>{"1 | 1 | 3 | 1 | 10 | 7 | 0 | 10"});
  c.end_inputs();
  CHECK(c.row_set() == std::multiset<std::string>{"1 | 1 | 3 | 1 | 10 | 7 | 0 | 10", "1 | 2 | 12 | 1 | 11 | 15 | 10 | 20"});
  CHECK(c.counters().windows_fired == 3);
  CHECK(c.counters().keys_in_state == 0);
}

TEST_CASE("a full window join pads the rows without a partner in their window") {
  JoinCluster c(windowed(JoinType::kFull, tumbling(10)), 1, BackendKind::kHeap);
  c.push(kLeftInput, {{1, 1, 3}, {nullptr, 2, 4}});
  c.push(kRightInput, {{1, 10, 13}});
  c.end_inputs();
  CHECK(c.row_set() == std::multiset<std::string>{"1 | 1 | 3 | NULL | NULL | NULL | 0 | 10",
                                                  "NULL | 2 | 4 | NULL | NULL | NULL | 0 | 10",
                                                  "NULL | NULL | NULL | 1 | 10 | 13 | 10 | 20"});
}

TEST_CASE("window results, whose event time is 1 ms before their window_end, join in their own window") {
  // As a window aggregate emits them: window_end 10 for [0, 10), before the watermark that fired it.
  auto config = windowed(JoinType::kInner, tumbling(10));
  config->left_time_offset_ms = config->right_time_offset_ms = -1;
  JoinCluster c(config, 1, BackendKind::kHeap);
  c.push(kLeftInput, {{1, 1, 10}});
  c.push(kRightInput, {{1, 10, 10}});
  c.watermark(kLeftInput, 10);
  c.watermark(kRightInput, 10);
  CHECK(c.rows() == std::vector<std::string>{"1 | 1 | 10 | 1 | 10 | 10 | 0 | 10"});
  CHECK(c.counters().late_records == 0);
}

TEST_CASE("a sliding window join joins a pair in every window both rows share, and drops late rows") {
  JoinCluster c(windowed(JoinType::kInner, sliding(10, 5)), 1, BackendKind::kHeap);
  c.push(kLeftInput, {{1, 1, 7}});
  c.push(kRightInput, {{1, 2, 9}});
  c.watermark(kLeftInput, 20);
  c.watermark(kRightInput, 20);
  c.push(kLeftInput, {{1, 3, 12}});  // its windows end at 15 and 20: both fired
  CHECK(c.counters().late_records == 1);
  CHECK(c.row_set() == std::multiset<std::string>{"1 | 1 | 7 | 1 | 2 | 9 | 0 | 10", "1 | 1 | 7 | 1 | 2 | 9 | 5 | 15"});
}

namespace {

struct Event {
  int input;
  bool is_watermark;
  int64_t watermark;
  Row row;
};

std::vector<Event> random_events(std::mt19937& rng, int n) {
  std::vector<Event> events;
  int64_t max_time[2] = {0, 0};
  for (int i = 0; i < n; ++i) {
    const int input = static_cast<int>(rng() % 2);
    if (rng() % 7 == 0) {
      events.push_back({input, true, max_time[input] - static_cast<int64_t>(rng() % 15), {}});
      continue;
    }
    const int64_t t = i * 2 + static_cast<int64_t>(rng() % 30) - 15;
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

/// Window join of the events as Flink's would be: a row joins each of its
/// windows that had not fired when it came; late when all are due.
std::multiset<std::string> model(const std::vector<Event>& events, JoinType type, WindowSpec w, bool residual,
                                 uint64_t& late) {
  const int64_t slide = w.type == WindowType::kTumbling ? w.size_ms : w.slide_ms;
  SliceAssigner a(w.size_ms, slide);
  int64_t wm[2] = {kNoWatermark, kNoWatermark};
  std::map<std::pair<std::string, int64_t>, std::vector<Row>> windows[2];  // (key text, end) -> rows
  late = 0;
  for (const Event& e : events) {
    const int64_t fired = std::min(wm[0], wm[1]);
    if (e.is_watermark) {
      wm[e.input] = std::max(wm[e.input], e.watermark);
      continue;
    }
    const int64_t t = e.row[2].i;
    const int64_t due = std::max(fired, wm[e.input]);
    if (due != INT64_MIN && a.last_window_end(t) <= due) {
      ++late;
      continue;
    }
    const bool outer = e.input == kLeftInput ? (type == JoinType::kLeft || type == JoinType::kFull)
                                             : (type == JoinType::kRight || type == JoinType::kFull);
    if (e.row[0].kind == Cell::Kind::kNull && !outer) continue;
    const std::string key = e.row[0].kind == Cell::Kind::kNull ? "null" : std::to_string(e.row[0].i);
    for (int64_t end = a.first_window_end_after(t); end <= a.last_window_end(t); end += slide)
      if (end > fired) windows[e.input][{key, end}].push_back(e.row);
  }
  std::multiset<std::string> out;
  const std::string pad = "NULL | NULL | NULL";
  std::set<std::pair<std::string, int64_t>> all;
  for (auto& side : windows)
    for (auto& [k, rows] : side) all.insert(k);
  for (const auto& k : all) {
    const auto& ls = windows[0][k];
    const auto& rs = windows[1][k];
    const std::string bounds = " | " + std::to_string(k.second - w.size_ms) + " | " + std::to_string(k.second);
    std::vector<bool> rmatched(rs.size(), false);
    for (const Row& l : ls) {
      bool matched = false;
      for (size_t j = 0; j < rs.size(); ++j) {
        if (k.first == "null" || (residual && !(l[1].i <= rs[j][1].i))) continue;
        matched = rmatched[j] = true;
        out.insert(text(l) + " | " + text(rs[j]) + bounds);
      }
      if (!matched && (type == JoinType::kLeft || type == JoinType::kFull)) out.insert(text(l) + " | " + pad + bounds);
    }
    for (size_t j = 0; j < rs.size(); ++j)
      if (!rmatched[j] && (type == JoinType::kRight || type == JoinType::kFull))
        out.insert(pad + " | " + text(rs[j]) + bounds);
  }
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

TEST_CASE("random window joins of every type match a nested-loop model, through a rescale") {
  for (BackendKind kind : {BackendKind::kHeap, BackendKind::kRocksDb, BackendKind::kRocksDbTinyCache}) {
    for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFull}) {
      for (int seed = 0; seed < 4; ++seed) {
        // Every seed on the heap; RocksDB runs (slow to open) split the seeds between them.
        if ((kind == BackendKind::kRocksDb && (seed < 1 || seed > 2)) ||
            (kind == BackendKind::kRocksDbTinyCache && seed < 3))
          continue;
        CAPTURE(seed);
        CAPTURE(static_cast<int>(type));
        CAPTURE(static_cast<int>(kind));
        std::mt19937 rng(static_cast<unsigned>(seed * 31 + static_cast<int>(type)));
        const WindowSpec w = seed % 2 == 0 ? tumbling(20) : sliding(20, 5);
        const bool residual = seed >= 2;
        auto config = windowed(type, w, residual ? "lv <= rv" : "");
        auto events = random_events(rng, 160);
        int64_t wm[2] = {kNoWatermark, kNoWatermark};
        std::multiset<std::string> got;
        uint64_t late = 0;
        JoinCluster::Snapshot snap;
        eddy::test::TempDir checkpoints;  // on RocksDB, odd seeds restore incremental checkpoints
        {
          JoinCluster two(config, 2, kind);
          replay(two, events, 0, events.size() / 2, wm);
          got = two.row_set();
          late = two.counters().late_records;
          snap = kind != BackendKind::kHeap && seed % 2 == 1 ? two.checkpoint(1, checkpoints.path()) : two.snapshot();
        }
        JoinCluster three(config, 3, kind, &snap);
        for (int input : {kLeftInput, kRightInput})
          if (wm[input] != kNoWatermark) three.watermark(input, wm[input]);
        replay(three, events, events.size() / 2, events.size(), wm);
        three.end_inputs();
        for (const auto& r : three.rows()) got.insert(r);
        late += three.counters().late_records;
        uint64_t model_late = 0;
        const auto want = model(events, type, w, residual, model_late);
        CHECK_MESSAGE(got == want, multiset_diff(got, want));
        CHECK(late == model_late);
        CHECK(three.counters().keys_in_state == 0);
      }
    }
  }
}
