// WindowJoinOperator: a window join (PIPELINES.md "Joins"): both inputs are
// assigned to tumbling or sliding event-time windows, rows are buffered per
// (join key, window), and when the watermark (the least of both inputs') passes
// a window's end its pairs are emitted -- inner, or with NULL-padded rows that
// found no partner in the window for outer joins, as Flink's window join --
// and the window's rows are dropped. Append-only inputs and output; the output
// ends with window_start and window_end. Built by make_join_operator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "operators/join_cleanup_queue.h"
#include "operators/join_output.h"
#include "operators/join_rows.h"
#include "operators/operator.h"
#include "operators/window_assigner.h"
#include "operators/fired_through_state.h"
#include "state/keyed_state_backend.h"

namespace eddy {

class WindowJoinOperator final : public Operator {
 public:
  explicit WindowJoinOperator(std::shared_ptr<const JoinConfig> config);

  /// Refuses updating inputs and windows other than tumbling and sliding.
  Status open(const OperatorContext& ctx) override;
  int input_count() const override { return 2; }
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  /// Buffers each row in every window of it that has not fired; a row whose
  /// windows all fired (or are due by its own input's watermark) is late.
  Status process_input(int input, const RecordBatchPtr& batch, Collector& out) override;
  Status on_input_watermark(int input, int64_t watermark_ms, Collector& out) override;
  /// Fires every window that ends at or before the watermark.
  Status on_watermark(int64_t watermark_ms, Collector& out) override;
  bool uses_keyed_state() const override { return true; }
  /// pack_fired_through(key groups, fired through): windows ending at or
  /// before it have fired and left state.
  Status snapshot_operator_state(int64_t checkpoint_id, std::string& out) override;
  /// Keeps each old subtask's key groups and fired-through time for on_state_restored().
  Status restore_operator_state(const std::vector<std::string>& states) override;
  OperatorStateDistribution operator_state_distribution() const override {
    return OperatorStateDistribution::kUnion;
  }
  /// Rebuilds the firing queue from the windows in state.
  Status on_state_restored() override;
  SchemaPtr output_schema() const override { return config_->output_schema; }
  OperatorCounters counters() const override;

  /// ListState<row bytes> names: join key -> window end -> rows.
  static constexpr const char* kLeftState = "window_join_left_rows";
  static constexpr const char* kRightState = "window_join_right_rows";

 private:
  /// One window being fired: its rows (indexes into fired_rows_) and candidate pairs.
  struct Fired {
    int64_t end = 0;
    uint32_t left_first = 0, left_end = 0, right_first = 0, right_end = 0;
    uint32_t pairs_first = 0, pairs_end = 0;
  };
  Status buffer_row(int s, const RecordBatch& batch, size_t r);
  void take_window(int64_t end);
  Status emit_fired(Collector& out);

  std::shared_ptr<const JoinConfig> config_;
  JoinSide sides_[2];
  std::unique_ptr<JoinOutput> output_;
  std::unique_ptr<SliceAssigner> windows_;
  std::unique_ptr<KeyedStateBackend> owned_backend_;
  KeyedStateBackend* backend_ = nullptr;
  ListState<std::string>* rows_[2] = {nullptr, nullptr};
  JoinCleanupQueue due_;
  int64_t watermark_[2] = {kNoWatermark, kNoWatermark};
  int64_t fired_through_ = INT64_MIN;
  std::vector<RestoredKeyGroups> restored_;  // restore_operator_state, for on_state_restored
  uint64_t late_records_ = 0, skipped_records_ = 0, windows_fired_ = 0;
  // Reused per batch and firing.
  RowArena arena_;
  std::vector<Fired> fired_;
  std::vector<uint32_t> fired_rows_;
  std::vector<JoinPair> candidates_, out_;
  std::vector<uint8_t> pass_, matched_;
  std::string key_, bytes_;
};

}  // namespace eddy
