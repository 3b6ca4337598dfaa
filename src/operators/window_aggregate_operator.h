// WindowAggregateOperator: keyed tumbling, sliding, cumulating and session windows with
// incremental aggregates, on event time (watermarks) or processing time
// (timers), exactly as docs/windows.md specifies, optionally with partial
// results of open windows every emit_every_ms of processing time. Built by the
// planner from a WindowAggregateConfig; hosted in a subtask's chain after a
// hash exchange on the key. All window state lives in the subtask's KeyedStateBackend.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "operators/aggregate_accumulators.h"
#include "operators/operator.h"
#include "operators/window_changes.h"
#include "operators/window_config.h"
#include "operators/window_key_grouper.h"
#include "operators/window_output.h"
#include "operators/window_store.h"
#include "operators/window_timers.h"
#include "state/keyed_state_backend.h"

namespace eddy {

/// The output schema of a window aggregate: the key columns of `input` (names
/// and types), window_start and window_end (timestamps), then one column per
/// aggregate named spec.output of type spec.output_type, and with
/// FinalColumn::kPresent (emit_every) a last column `final` (bool); with
/// OpColumn::kPresent (allowed_lateness on event time) a first column `op`
/// (string): the output is then an updating stream. For the planner.
SchemaPtr window_output_schema(const Schema& input, const std::vector<int>& key_columns,
                               const std::vector<AggregateSpec>& aggregates,
                               FinalColumn final_column = FinalColumn::kAbsent,
                               OpColumn op_column = OpColumn::kAbsent);

/// Whether a window of `config` emits an updating stream (`op` first): with
/// allowed_lateness > 0 on event time, as late records update fired windows.
bool window_output_updating(const WindowAggregateConfig& config);

/// The most slices a tumbling, sliding or cumulating window may span (size /
/// gcd(size, slide); size / step). A record lands in up to size / slide windows, each window's result
/// merges its slices, and on processing time every window end is a timer: so
/// this bounds the work per record. 1 day sliding by 1 minute is 1440.
constexpr int64_t kMaxSlicesPerWindow = 10000;
/// The most slices (sessions for session windows) a key may have to keep at
/// once: a slice stays until its last window fired, which is size +
/// allowed_lateness + max_out_of_orderness of event time after it began.
constexpr int64_t kMaxSlicesPerKey = 100000;

/// Refuses a sliding or cumulating window of more than kMaxSlicesPerWindow
/// slices, saying how many it would have (docs/windows.md, "Limits"), and a
/// cumulating window whose size is no multiple of its step.
Status check_window_slices(const WindowSpec& window);
/// Refuses a window whose keys would have to keep more than kMaxSlicesPerKey
/// slices (or sessions) when records may still arrive `horizon_ms` after a
/// window ends (allowed_lateness plus the source's max_out_of_orderness on
/// event time; 0 on processing time). `horizon` names that span in the message.
Status check_window_retention(const WindowSpec& window, int64_t horizon_ms, const std::string& horizon);

class WindowAggregateOperator final : public Operator {
 public:
  explicit WindowAggregateOperator(WindowAggregateConfig config);

  /// OK when `config` is complete and consistent: columns exist with the types
  /// the aggregates need, durations are positive (a slide at most the size)
  /// and within the slice limits above (allowed_lateness counting on event time),
  /// emit_every_ms is 0 or a duration, and output_schema has the types of
  /// window_output_schema, with the final column exactly when emit_every_ms > 0
  /// (names are the planner's). open() checks it too; the planner should call
  /// it to refuse a pipeline early.
  static Status validate(const WindowAggregateConfig& config);

  /// Creates the keyed state backend for this subtask's key groups.
  Status open(const OperatorContext& ctx) override;
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  /// Event time: fires every window with end <= watermark (its first row,
  /// "+I" with allowed_lateness), and drops the state of every window with
  /// end + allowed_lateness <= watermark; records for a fired window kept
  /// until then update its row (-U/+U, docs/windows.md "Allowed lateness").
  /// kEndOfTimeWatermark fires every open window, on processing time too.
  /// Rows of one call come key by key (a key's windows in end order), not
  /// ordered by window end across keys.
  Status on_watermark(int64_t watermark_ms, Collector& out) override;
  /// Processing time: fires every window with end <= now_ms. Then, with
  /// emit_every, when the emission timer is due: a row with final = false for
  /// every open window that changed since its last row (key by key), and the
  /// next emission timer at the next multiple of emit_every_ms, as long as
  /// some window is open. A window's row when it fires has final = true.
  Status on_processing_time(int64_t now_ms, Collector& out) override;
  /// End of input: fires every window still open.
  Status finish(Collector& out) override;
  SchemaPtr output_schema() const override { return config_.output_schema; }
  /// late_records, windows_fired, keys_in_state, and skipped_records: records
  /// without a usable time (NULL, or beyond +-2^61 ms).
  OperatorCounters counters() const override;

  /// The subtask's window state (for snapshots and tests); null before open().
  KeyedStateBackend* state_backend() { return backend_; }
  /// After key groups were restored into state_backend() from `restored`:
  /// rebuilds the timer index from state, re-registering processing timers
  /// (and with emit_every the emission timer, and the index of keys whose
  /// windows changed since their last partial rows). Replaces what the
  /// indexes held, so calling it twice does no harm. Windows then fire by the
  /// watermarks (or the clock) that follow, except those that had fired in
  /// the run the state came from; records are late only relative to those.
  /// State this operator cannot use (accumulators of other aggregates,
  /// slices of another window length) is an error naming the operator.
  Status add_timers_from_state(const std::vector<RestoredKeyGroups>& restored = {});

  // -- checkpoints --------------------------------------------------------------
  // Everything that decides output is keyed state (each key's windows and
  // their changes) except two times: how far windows had fired, which the
  // operator keeps in its operator state with the key groups it owned (union
  // distribution: after rescaling each subtask learns it for the key groups
  // it takes over), and the watermark, which the host restores by calling
  // on_watermark(the watermark at the barrier) after on_state_restored(). A
  // sliding window's slice stays in state until its last window fired, so the
  // first tells which of its windows fired already; nothing fires twice, and
  // the on_watermark call fires nothing. It sets which records are late.
  // Counters (late, skipped, fired) start again from 0.

  bool uses_keyed_state() const override { return true; }
  /// [version, first key group, last key group, fired through]: every window
  /// ending at or before that time has fired.
  Status snapshot_operator_state(int64_t checkpoint_id, std::string& out) override;
  /// Keeps each old subtask's key groups and fired-through time for on_state_restored().
  Status restore_operator_state(const std::vector<std::string>& states) override;
  OperatorStateDistribution operator_state_distribution() const override {
    return OperatorStateDistribution::kUnion;
  }
  /// add_timers_from_state(what restore_operator_state kept); an error before open().
  Status on_state_restored() override;

 private:
  bool event_time() const { return config_.time_column >= 0; }
  /// How long a fired window stays for late records: allowed_lateness on event time, else 0.
  int64_t lateness() const { return event_time() ? config_.allowed_lateness_ms : 0; }
  /// Sorts the rows of `batch` into skipped, late and accepted; returns the
  /// time of each row, indexed by row.
  const int64_t* classify_rows(const RecordBatch& batch);
  /// Fires every window with end <= `through` (window ends, not fire times).
  Status fire_through(int64_t through, Collector& out);
  bool emits_partials() const { return config_.emit_every_ms > 0; }
  /// Registers the emission timer at the first multiple of emit_every_ms after `now_ms`.
  void schedule_emission(int64_t now_ms);
  /// Emits the partial rows of every changed open window.
  Status emit_partials(Collector& out);

  WindowAggregateConfig config_;
  AggregateEvaluator aggregates_;
  OperatorContext ctx_;
  KeyedStateBackend* backend_ = nullptr;  // ctx.keyed_state, owned by the host
  std::unique_ptr<WindowTimers> timers_;  // session windows only (slices index their own)
  std::unique_ptr<WindowChanges> changes_;  // with emit_every only: registers its state
  std::unique_ptr<WindowStore> store_;
  std::unique_ptr<WindowOutput> output_;
  KeyGrouper grouper_;
  /// Every window ending at or before this has fired: the watermark on event
  /// time (those ending after it minus allowed_lateness are kept for late
  /// records), the latest timer's time on processing time.
  /// Kept in operator state for what it says about restored slices; on
  /// restore the host's on_watermark sets it again (event time); on
  /// processing time records take the clock's time, which is past it anyway.
  int64_t fired_through_ = INT64_MIN;
  /// From restore_operator_state: how far each old subtask had fired.
  std::vector<RestoredKeyGroups> restored_;
  int64_t watermark_ = kNoWatermark;
  int32_t global_key_group_ = 0;  // the key group of the one key without key_by
  /// emit_every: the time of the pending emission timer, or kNoEmission.
  static constexpr int64_t kNoEmission = INT64_MIN;
  int64_t next_emission_ms_ = kNoEmission;

  // Per batch, reused.
  std::vector<int64_t> times_;
  std::vector<uint32_t> accepted_;
  std::vector<uint32_t> late_;
  std::vector<TimerKey> changed_;  // per emission, reused

  uint64_t late_records_ = 0;
  uint64_t skipped_records_ = 0;
};

}  // namespace eddy
