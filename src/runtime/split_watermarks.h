// SplitWatermarks: a source subtask's watermark from the splits it reads, as
// FLIP-27 sources have it in Flink. Each split being read has its own watermark
// (its max event time - max_out_of_orderness) and its own idleness; the
// subtask's watermark is the least over the splits that are neither finished
// nor idle, and never goes back. A TaskRunner hosting a source owns one, in
// step with its open readers (docs/windows.md, "Watermarks"). CAF-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/column.h"

namespace eddy {

/// The largest non-NULL value among the first `rows` of an event-time column
/// (INT64_MIN when there is none).
int64_t max_event_time(const Column& times, size_t rows);

class SplitWatermarks {
 public:
  /// `idle_timeout_ns` <= 0: splits never turn idle.
  SplitWatermarks(int64_t out_of_orderness_ms, int64_t idle_timeout_ns);

  /// A split starts being read at `now_ns`, at index count() - 1 after the
  /// call. Until its first records it holds the watermark back (it has none),
  /// unless it turns idle first.
  void add(int64_t now_ns);
  /// Split `i` finished: it no longer holds the watermark back; later splits
  /// move down one index.
  void remove(size_t i);
  /// Split `i` read records at `now_ns`, the largest event time among them
  /// `max_ts` (INT64_MIN when all were NULL). An idle split is active again.
  void on_records(size_t i, int64_t max_ts, int64_t now_ns);
  /// Split `i` had nothing to read at `now_ns`: it turns idle once it has read
  /// nothing for idle_timeout. True when it turned idle now.
  bool on_nothing_read(size_t i, int64_t now_ns);

  /// The subtask's watermark when it advanced since the last call, else
  /// nullopt. Splits without records yet hold it back.
  std::optional<int64_t> advance();
  /// Every split being read is idle (false without splits).
  bool all_idle() const;
  /// When the next split that is not idle turns idle (INT64_MAX: never).
  int64_t next_idle_ns() const;
  size_t count() const { return splits_.size(); }

 private:
  struct SplitState {
    int64_t max_ts;        // INT64_MIN: no event time yet
    int64_t last_records_ns;
    bool idle = false;
  };
  int64_t out_of_orderness_ms_;
  int64_t idle_timeout_ns_;
  std::vector<SplitState> splits_;
  int64_t current_;
};

}  // namespace eddy
