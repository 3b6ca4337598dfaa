// IntervalJoinOperator: an event-time interval join (PIPELINES.md "Joins"): a
// pair matches when left.time + lower <= right.time <= left.time + upper, the
// join keys are equal and the residual holds. Each input's rows are kept per
// join key in a SortedState by event time, so a probe reads exactly the other
// input's rows in its time range (on RocksDB one bounded iterator, never the
// key's whole prefix), and a row is dropped once the other input's watermark
// says no partner can come. Append-only inputs; inner, left, right and full
// joins (as Flink's interval joins: a row of an outer side that never found a
// partner is emitted NULL-padded when it leaves state, so the output stays
// append-only); output event time is the larger of the pair's (a padded row's
// own). Built by make_join_operator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "operators/join_expiry_index.h"
#include "operators/join_output.h"
#include "operators/join_rows.h"
#include "operators/operator.h"
#include "state/keyed_state_backend.h"

namespace eddy {

class IntervalJoinOperator final : public Operator {
 public:
  explicit IntervalJoinOperator(std::shared_ptr<const JoinConfig> config);

  /// Refuses updating inputs.
  Status open(const OperatorContext& ctx) override;
  int input_count() const override { return 2; }
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  /// Drops late rows (time below their input's watermark), probes the other
  /// input's rows in range, keeps the row while a partner may still come.
  Status process_input(int input, const RecordBatchPtr& batch, Collector& out) override;
  /// Drops the other input's rows that no later row of `input` can match.
  Status on_input_watermark(int input, int64_t watermark_ms, Collector& out) override;
  /// The least of both watermarks: each input is at least that far (a host
  /// that only reports it, e.g. at the end of input, still gets cleanup).
  Status on_watermark(int64_t watermark_ms, Collector& out) override;
  bool uses_keyed_state() const override { return true; }
  /// Outer joins: a padded row comes out when its row expires, up to its
  /// bound (upper for left rows, -lower for right rows) and one expiry slot
  /// behind the watermark.
  int64_t watermark_delay_ms() const override;
  /// Rebuilds the expiry queues from the rows in state.
  Status on_state_restored() override;
  SchemaPtr output_schema() const override { return config_->output_schema; }
  OperatorCounters counters() const override;

  /// Entries of both inputs' states that range reads stepped on (tests).
  uint64_t entries_visited() const;
  /// Rows' times held in state over all keys (tests).
  size_t entries_in_state() const;

  /// SortedState<row bytes> names: join key -> event time -> rows. A row of an
  /// outer side starts with one byte: 1 once it has joined a partner.
  static constexpr const char* kLeftState = "interval_left_rows";
  static constexpr const char* kRightState = "interval_right_rows";

 private:
  /// A row of input s at time t joins the other input's times in [t + lo, t + hi].
  int64_t probe_lo(int s, int64_t t) const;
  int64_t probe_hi(int s, int64_t t) const;
  /// A row of input s at time t is useless once the other input's watermark
  /// passes t + expiry_offset(s).
  int64_t expiry_offset(int s) const { return s == kLeftInput ? config_->upper_ms : -config_->lower_ms; }
  /// One row of the batch being processed, probed and waiting to be settled.
  struct Probe {
    uint32_t row = 0;          // RowArena id of its stored columns
    int64_t time = 0;
    int32_t key_group = -1;    // -1: a NULL key, which matches nothing
    bool store = false;        // a partner may still come: keep it
    uint32_t first = 0, end = 0;  // its candidates
  };
  /// Where a candidate's partner lies in the other input's state.
  struct Partner {
    int64_t time = 0;
    uint32_t index = 0;        // in the values at that time
    bool matched = false;      // its flag (outer sides), as read
  };
  Status probe_row(int s, const RecordBatch& batch, size_t r);
  /// After the residual: emits the passing pairs, flags outer partners as
  /// matched, stores the rows a partner may still come for, pads the others.
  Status settle(int s);
  Status cleanup(int s, int64_t other_watermark, Collector& out);
  /// A pair of a row of input s (`id`) with nothing.
  JoinPair padded(int s, uint32_t id, int64_t time) const;

  std::shared_ptr<const JoinConfig> config_;
  JoinSide sides_[2];
  std::unique_ptr<JoinOutput> output_;
  std::unique_ptr<KeyedStateBackend> owned_backend_;
  KeyedStateBackend* backend_ = nullptr;
  SortedState<std::string>* rows_[2] = {nullptr, nullptr};
  JoinExpiryIndex expiry_[2];
  int64_t watermark_[2] = {kNoWatermark, kNoWatermark};
  uint64_t late_records_ = 0;
  uint64_t skipped_records_ = 0;
  // Reused per batch.
  RowArena arena_;
  std::vector<JoinPair> candidates_, out_;
  std::vector<Partner> partners_;  // beside candidates_
  std::vector<Probe> probes_;
  std::vector<std::string> keys_;  // beside probes_
  std::vector<uint8_t> pass_;
  std::string bytes_;
  std::vector<JoinExpiryIndex::KeyRef> due_;
};

}  // namespace eddy
