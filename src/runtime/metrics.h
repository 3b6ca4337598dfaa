// Per-operator counters of one subtask, summed per operator for the job
// summary and the progress line. Plain data: sent to the job master as is.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace eddy {

struct OperatorMetrics {
  std::string name;           // the logical operator (source, operator or sink) name
  uint64_t records_in = 0;
  uint64_t records_out = 0;
  uint64_t batches_in = 0;
  uint64_t batches_out = 0;
  int64_t busy_ns = 0;        // time inside this operator, excluding downstream operators
  uint64_t skipped = 0;       // malformed records dropped (on_error: skip)
  uint64_t late = 0;          // late records (windows)
  uint64_t windows_fired = 0;
  uint64_t keys = 0;          // keys in state
  uint64_t state_bytes = 0;   // keyed state held, estimated by the backend
  int64_t watermark = INT64_MIN;  // last watermark this operator saw; INT64_MIN: none
  // Lookup joins against a server (OperatorCounters' lookup_* counters).
  uint64_t lookup_hits = 0, lookup_misses = 0, lookup_timeouts = 0, lookup_null_rows = 0;

  void add(const OperatorMetrics& o) {
    late += o.late;
    windows_fired += o.windows_fired;
    keys += o.keys;
    state_bytes += o.state_bytes;
    // An operator's watermark is the least of its subtasks'.
    watermark = std::min(watermark == INT64_MIN ? o.watermark : watermark,
                         o.watermark == INT64_MIN ? watermark : o.watermark);
    records_in += o.records_in;
    records_out += o.records_out;
    batches_in += o.batches_in;
    batches_out += o.batches_out;
    busy_ns += o.busy_ns;
    skipped += o.skipped;
    lookup_hits += o.lookup_hits;
    lookup_misses += o.lookup_misses;
    lookup_timeouts += o.lookup_timeouts;
    lookup_null_rows += o.lookup_null_rows;
  }
};

/// A vertex's load over a run, for the end-of-job summary: ratios 0..1 of
/// its subtasks' time (summed over them) busy and backpressured, and its
/// input and output pool usage averaged over every sample. Negative: not
/// measured (no sample came).
struct VertexLoad {
  double busy = -1, backpressured = -1, in_pool = -1, out_pool = -1;
};

/// Sums metrics of the same name, keeping first-seen order.
std::vector<OperatorMetrics> merge_metrics(const std::vector<std::vector<OperatorMetrics>>& parts);

/// The end-of-job table: one row per operator.
/// With `load` (one per row, may be empty), four columns more: busy %,
/// backpressured %, in-queue and out-queue usage %.
std::string render_metrics_table(const std::vector<OperatorMetrics>& rows,
                                 const std::vector<int32_t>& parallelism,
                                 const std::vector<VertexLoad>& load = {});

}  // namespace eddy
