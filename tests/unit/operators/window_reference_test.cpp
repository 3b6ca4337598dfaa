// WindowAggregateOperator against a brute-force reading of docs/windows.md on
// random streams: out-of-order records, random batches and watermarks,
// allowed lateness (fired windows updated by -U/+U), all four window types.
// The reference keeps every window of every key explicitly and needs no
// slices, timers or state backend.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "operator_harness.h"
#include "operators/window_aggregate_operator.h"
#include "operators/window_assigner.h"

using namespace eddy;
using namespace eddy::testing;
using F = AggregateFunction;

namespace {

const SchemaPtr kInput =
    schema_of({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

struct Event {
  std::string key;
  int64_t v;
  int64_t ts;
};

/// count(*) and sum(v) of a window.
struct Sums {
  int64_t count = 0;
  int64_t sum = 0;
};

std::string row(const std::string& key, int64_t start, int64_t end, const Sums& s) {
  return key + " | " + std::to_string(start) + " | " + std::to_string(end) + " | " +
         std::to_string(s.count) + " | " + std::to_string(s.sum);
}

/// docs/windows.md, taken literally: a window fires (+I) when the watermark
/// reaches its end; with allowed lateness it stays until end + lateness, and
/// each record for it meanwhile emits -U (its row before) and +U (after).
/// Rows start with their op exactly when the lateness is positive.
class Reference {
 public:
  Reference(WindowSpec w, int64_t lateness) : w_(w), lateness_(lateness) {}

  void add(const Event& e) {
    if (last_end(e.ts) + lateness_ <= watermark_) {
      ++late;
      return;
    }
    if (w_.type == WindowType::kSession) {
      add_to_session(e);
      return;
    }
    for (const auto& [start, end] : windows_of(e.ts)) {
      if (end + lateness_ <= watermark_) continue;  // past its lateness
      auto [it, fresh] = windows_.try_emplace({e.key, start, end}, Window{end, {}, false});
      Window& win = it->second;
      const Sums before = win.sums;
      ++win.sums.count;
      win.sums.sum += e.v;
      if (win.fired) {
        emit("-U", e.key, start, win.end, before);
        emit("+U", e.key, start, win.end, win.sums);
      } else if (win.end <= watermark_) {  // a window due already gets its first row now
        emit("+I", e.key, start, win.end, win.sums);
        win.fired = true;
      }
    }
  }

  void advance(int64_t w) {
    watermark_ = std::max(watermark_, w);
    const bool end = w == kEndOfTimeWatermark;
    for (auto it = windows_.begin(); it != windows_.end();) {
      Window& win = it->second;
      if (!win.fired && (win.end <= watermark_ || end)) {
        emit("+I", std::get<0>(it->first), std::get<1>(it->first), win.end, win.sums);
        win.fired = true;
      }
      if (win.fired && (win.end + lateness_ <= watermark_ || end)) {
        it = windows_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::vector<std::string> rows;
  uint64_t late = 0;
  uint64_t fired = 0;

 private:
  struct Window {
    int64_t end;
    Sums sums;
    bool fired;
  };

  void emit(const char* op, const std::string& key, int64_t start, int64_t end, const Sums& s) {
    rows.push_back(lateness_ > 0 ? std::string(op) + " | " + row(key, start, end, s) : row(key, start, end, s));
    if (std::string(op) == "+I") ++fired;
  }

  int64_t last_end(int64_t ts) const {
    switch (w_.type) {
      case WindowType::kTumbling: return floor_to(ts, w_.size_ms) + w_.size_ms;
      case WindowType::kSliding: return floor_to(ts, w_.slide_ms) + w_.size_ms;
      case WindowType::kSession: return ts + w_.gap_ms;
      case WindowType::kCumulate: return floor_to(ts, w_.size_ms) + w_.size_ms;
    }
    return 0;
  }

  /// [start, end) of every fixed window holding `ts`, from the table of docs/windows.md.
  std::vector<std::pair<int64_t, int64_t>> windows_of(int64_t ts) const {
    std::vector<std::pair<int64_t, int64_t>> out;
    if (w_.type == WindowType::kCumulate) {
      const int64_t start = floor_to(ts, w_.size_ms);
      for (int64_t end = start + w_.step_ms; end <= start + w_.size_ms; end += w_.step_ms)
        if (ts < end) out.emplace_back(start, end);
      return out;
    }
    const int64_t size = w_.size_ms, slide = w_.type == WindowType::kSliding ? w_.slide_ms : size;
    for (int64_t start = floor_to(ts, slide); start > ts - size; start -= slide) out.emplace_back(start, start + size);
    return out;
  }

  /// Merges [ts, ts + gap) with every session of the key that it overlaps or
  /// touches (Flink's TimeWindow.intersects: start <= other end, end >= other
  /// start). A fired session that only takes the record is updated (-U/+U);
  /// fired sessions that merge or grow are retracted (-D), and the merged one
  /// fires (+I) once its end has passed.
  void add_to_session(const Event& e) {
    int64_t start = e.ts, end = e.ts + w_.gap_ms;
    std::vector<std::pair<int64_t, Window>> met;
    for (auto it = windows_.begin(); it != windows_.end();) {
      if (std::get<0>(it->first) == e.key && std::get<1>(it->first) <= end && start <= it->second.end) {
        met.emplace_back(std::get<1>(it->first), it->second);
        it = windows_.erase(it);
      } else {
        ++it;
      }
    }
    if (met.size() == 1 && met[0].second.fired && met[0].first <= start && end <= met[0].second.end) {
      Window win = met[0].second;
      const Sums before = win.sums;
      ++win.sums.count;
      win.sums.sum += e.v;
      emit("-U", e.key, met[0].first, win.end, before);
      emit("+U", e.key, met[0].first, win.end, win.sums);
      windows_[{e.key, met[0].first, 0}] = win;
      return;
    }
    Sums s{1, e.v};
    for (const auto& [first, win] : met) {
      if (win.fired) emit("-D", e.key, first, win.end, win.sums);
      start = std::min(start, first);
      end = std::max(end, win.end);
      s.count += win.sums.count;
      s.sum += win.sums.sum;
    }
    const bool due = end <= watermark_;
    if (due) emit("+I", e.key, start, end, s);
    windows_[{e.key, start, 0}] = Window{end, s, due};
  }

  WindowSpec w_;
  int64_t lateness_;
  int64_t watermark_ = kNoWatermark;
  /// (key, start, end) -> window; a session's end changes as it grows, so 0 there.
  std::map<std::tuple<std::string, int64_t, int64_t>, Window> windows_;
};

/// Folds rows in emit order into the rows they leave: a row with op "-U" or
/// "-D" must take back one emitted before; rows without an op only add.
std::vector<std::string> fold_in_order(const std::vector<std::string>& rows) {
  std::multiset<std::string> live;
  for (const std::string& r : rows) {
    const bool has_op = r.size() > 3 && (r[0] == '+' || r[0] == '-') && r[2] == ' ';
    const std::string rest = has_op ? r.substr(5) : r;
    if (has_op && r[0] == '-') {
      auto it = live.find(rest);
      CHECK_MESSAGE(it != live.end(), "retracts a row not emitted before: " << r);
      if (it != live.end()) live.erase(it);
    } else {
      live.insert(rest);
    }
  }
  return {live.begin(), live.end()};
}

WindowSpec random_window(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0: return tumbling(1 + static_cast<int64_t>(rng() % 20));
    case 1: {
      const int64_t slide = 1 + static_cast<int64_t>(rng() % 8);
      return sliding(slide * (1 + static_cast<int64_t>(rng() % 4)) + static_cast<int64_t>(rng() % 3), slide);
    }
    case 2: {
      const int64_t step = 1 + static_cast<int64_t>(rng() % 8);
      return cumulate(step * (1 + static_cast<int64_t>(rng() % 5)), step);
    }
    default: return session(1 + static_cast<int64_t>(rng() % 15));
  }
}

}  // namespace

TEST_CASE("the operator matches a brute-force reading of docs/windows.md on random streams") {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 400; ++round) {
    const WindowSpec w = random_window(rng);
    const int64_t lateness = std::vector<int64_t>{0, 0, 3, 10}[rng() % 4];
    CAPTURE(round);
    CAPTURE(static_cast<int>(w.type));
    CAPTURE(w.size_ms);
    CAPTURE(w.slide_ms);
    CAPTURE(w.gap_ms);
    CAPTURE(w.step_ms);
    CAPTURE(lateness);
    WindowAggregateOperator op(window_config(kInput, {"k"}, "ts", w,
                                             {{"c", F::kCountStar, ""}, {"s", F::kSum, "v"}}, lateness));
    OperatorHarness h(op);
    REQUIRE(h.open().is_ok());
    Reference ref(w, lateness);
    int64_t clock = -50 + static_cast<int64_t>(rng() % 100);
    int64_t watermark = kNoWatermark;
    for (int step = 0; step < 40; ++step) {
      std::vector<Row> rows;
      const int n = static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) {
        clock += static_cast<int64_t>(rng() % 4);
        const Event e{std::string(1, static_cast<char>('a' + rng() % 4)), static_cast<int64_t>(rng() % 100),
                      clock - static_cast<int64_t>(rng() % 15)};
        rows.push_back({e.key, e.v, e.ts});
        ref.add(e);
      }
      REQUIRE(h.push(batch_of(kInput, rows)).is_ok());
      if (rng() % 3 == 0) {
        watermark = std::max(watermark, clock - static_cast<int64_t>(rng() % 12));
        REQUIRE(h.watermark(watermark).is_ok());
        ref.advance(watermark);
      }
    }
    REQUIRE(h.end_input().is_ok());
    ref.advance(kEndOfTimeWatermark);
    CHECK(fold_in_order(h.rows()) == fold_in_order(ref.rows));
    if (lateness == 0) {  // append-only: row for row
      std::sort(ref.rows.begin(), ref.rows.end());
      CHECK(h.sorted_rows() == ref.rows);
    }
    CHECK(op.counters().late_records == ref.late);
    CHECK(op.counters().windows_fired == ref.fired);
    CHECK(op.counters().keys_in_state == 0);
  }
}
