// SampleTap: the last rows a vertex's subtask emitted (for a sink vertex, the
// rows its sink received), for GET .../vertices/{vid}/sample and `eddy sample`.
// The task runner offers every batch it emits; the tap costs one atomic load
// per batch while nobody reads it, because only a read arms it (for
// kArmedMs). Rows are rendered to JSON text when tapped, so a read never
// touches the subtask's batches. Offered on the subtask's thread, read by the
// task manager's (subtask_registry.h): a mutex guards the ring.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "core/record_batch.h"

namespace eddy {

/// Wall-clock milliseconds from a coarse clock (a few ms of resolution is plenty here).
int64_t coarse_now_ms();

/// One tapped row: its changelog kind, where and when it was emitted, and
/// its values as a JSON array text ("[1,\"a\",null]").
struct SampleRow {
  std::string op;  // "+I", "-U", "+U" or "-D"
  int32_t subtask = 0;
  int64_t time_ms = 0;  // wall clock when emitted
  std::string values_json;
};

/// What a read returns: the column names (without "op") and the rows held, oldest first.
struct SampleRead {
  std::vector<std::string> columns;
  std::vector<SampleRow> rows;
};

class SampleTap {
 public:
  static constexpr int64_t kArmedMs = 10000;  // a read keeps the tap armed this long
  static constexpr size_t kDefaultCapacity = 100;

  /// `changelog`: the stream is updating, its first column "op" holds each
  /// row's kind. `schema` (may be null): the rows' columns, known before any row.
  SampleTap(int32_t subtask, bool changelog, const SchemaPtr& schema = nullptr,
            size_t capacity = kDefaultCapacity);

  /// Subtask thread, per emitted batch: one relaxed load while nobody reads.
  void maybe_offer(const RecordBatch& batch) {
    if (armed_until_.load(std::memory_order_relaxed) != 0) offer(batch, coarse_now_ms());
  }
  /// True while a reader is interested.
  bool armed(int64_t now_ms) const { return armed_until_.load(std::memory_order_relaxed) > now_ms; }
  /// Keeps the last rows of `batch` when armed; disarms (back to the one
  /// load of maybe_offer) once the time a read bought has passed.
  void offer(const RecordBatch& batch, int64_t now_ms);
  /// Any thread: arms the tap until now + kArmedMs and returns the last `rows` rows held.
  SampleRead read(int64_t now_ms, size_t rows);

  size_t capacity() const { return capacity_; }

 private:
  void set_columns(const Schema& schema);

  const int32_t subtask_;
  const bool changelog_;
  const size_t capacity_;
  std::atomic<int64_t> armed_until_{0};  // 0: unarmed
  mutable std::mutex mu_;
  std::vector<std::string> columns_;  // guarded by mu_
  std::deque<SampleRow> ring_;        // guarded by mu_; at most capacity_ rows
};

}  // namespace eddy
