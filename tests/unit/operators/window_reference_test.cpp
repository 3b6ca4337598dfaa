// WindowAggregateOperator against a brute-force reading of docs/windows.md on
// random streams: out-of-order records, random batches and watermarks,
// allowed lateness, all three window types. The reference keeps every window
// of every key explicitly and needs no slices, timers or state backend.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

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

/// docs/windows.md, taken literally.
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
    const int64_t size = w_.size_ms, slide = w_.type == WindowType::kSliding ? w_.slide_ms : size;
    for (int64_t start = floor_to(e.ts, slide); start > e.ts - size; start -= slide) {
      if (start + size + lateness_ <= watermark_) continue;  // that window fired already
      Sums& s = windows_[{e.key, start}].second;
      windows_[{e.key, start}].first = start + size;
      ++s.count;
      s.sum += e.v;
    }
  }

  void advance(int64_t w) {
    watermark_ = std::max(watermark_, w);
    for (auto it = windows_.begin(); it != windows_.end();) {
      if (it->second.first + lateness_ <= watermark_ || w == kEndOfTimeWatermark) {
        rows.push_back(row(it->first.first, it->first.second, it->second.first, it->second.second));
        it = windows_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::vector<std::string> rows;
  uint64_t late = 0;

 private:
  int64_t last_end(int64_t ts) const {
    switch (w_.type) {
      case WindowType::kTumbling: return floor_to(ts, w_.size_ms) + w_.size_ms;
      case WindowType::kSliding: return floor_to(ts, w_.slide_ms) + w_.size_ms;
      case WindowType::kSession: return ts + w_.gap_ms;
    }
    return 0;
  }

  /// Merges [ts, ts + gap) with every open session of the key that it overlaps
  /// or touches (Flink's TimeWindow.intersects: start <= other end, end >= other start).
  void add_to_session(const Event& e) {
    int64_t start = e.ts, end = e.ts + w_.gap_ms;
    Sums s{1, e.v};
    for (bool merged = true; merged;) {
      merged = false;
      for (auto it = windows_.begin(); it != windows_.end(); ++it) {
        if (it->first.first != e.key || !(it->first.second <= end && start <= it->second.first)) continue;
        start = std::min(start, it->first.second);
        end = std::max(end, it->second.first);
        s.count += it->second.second.count;
        s.sum += it->second.second.sum;
        windows_.erase(it);
        merged = true;
        break;
      }
    }
    windows_[{e.key, start}] = {end, s};
  }

  WindowSpec w_;
  int64_t lateness_;
  int64_t watermark_ = kNoWatermark;
  std::map<std::pair<std::string, int64_t>, std::pair<int64_t, Sums>> windows_;  // (key, start) -> (end, sums)
};

WindowSpec random_window(std::mt19937& rng) {
  switch (rng() % 3) {
    case 0: return tumbling(1 + static_cast<int64_t>(rng() % 20));
    case 1: {
      const int64_t slide = 1 + static_cast<int64_t>(rng() % 8);
      return sliding(slide * (1 + static_cast<int64_t>(rng() % 4)) + static_cast<int64_t>(rng() % 3), slide);
    }
    default: return session(1 + static_cast<int64_t>(rng() % 15));
  }
}

}  // namespace

TEST_CASE("the operator matches a brute-force reading of docs/windows.md on random streams") {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 300; ++round) {
    const WindowSpec w = random_window(rng);
    const int64_t lateness = std::vector<int64_t>{0, 0, 3, 10}[rng() % 4];
    CAPTURE(round);
    CAPTURE(static_cast<int>(w.type));
    CAPTURE(w.size_ms);
    CAPTURE(w.slide_ms);
    CAPTURE(w.gap_ms);
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
    std::sort(ref.rows.begin(), ref.rows.end());
    CHECK(h.sorted_rows() == ref.rows);
    CHECK(op.counters().late_records == ref.late);
    CHECK(op.counters().windows_fired == ref.rows.size());
    CHECK(op.counters().keys_in_state == 0);
  }
}
