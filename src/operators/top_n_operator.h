// TopNOperator: the best n rows per partition by one order column, in two
// modes. Windowed (after a window aggregate): rows are buffered per window and
// partition, at most n each, and a window's top n goes out once its results
// are complete. Keyed stream (Nexmark q19): each partition's current top n
// lives in keyed state and every batch emits the changes as +I/-D rows (-U/+U
// when n = 1 and the one row is replaced: dedup). Over an updating input a
// partition keeps all its live rows, so a retraction can promote the next.
// Built by the planner from a TopNConfig; hosted after a hash exchange on the
// partition columns. All state lives in the subtask's KeyedStateBackend.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operators/operator.h"
#include "operators/top_n_config.h"
#include "operators/top_n_rows.h"
#include "operators/window_key_grouper.h"
#include "state/keyed_state_backend.h"

namespace eddy {

class TopNOperator final : public Operator {
 public:
  explicit TopNOperator(TopNConfig config);

  /// OK when `config` is complete and consistent: n >= 1, the columns exist,
  /// the order column is int64, float64, timestamp or string, the window end
  /// column (windowed mode) int64 or timestamp, the lateness not negative, and
  /// output_schema has the types of top_n_output_schema. open() checks it too.
  static Status validate(const TopNConfig& config);

  /// Creates the keyed state backend for this subtask's key groups.
  Status open(const OperatorContext& ctx) override;
  /// Windowed: buffers the rows (dropping those ranking below a full group,
  /// and counting as late those whose window already fired). Keyed stream:
  /// updates the touched partitions and emits their changes in one batch.
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  /// Windowed: emits and drops every window with end + allowed lateness <=
  /// watermark (every window at kEndOfTimeWatermark). Keyed stream: nothing.
  Status on_watermark(int64_t watermark_ms, Collector& out) override;
  /// Windowed: emits every window still buffered.
  Status finish(Collector& out) override;
  SchemaPtr output_schema() const override { return config_.output_schema; }
  /// keys_in_state (partitions holding state), and in windowed mode
  /// windows_fired ((window, partition) groups emitted), late_records and
  /// skipped_records (rows without a window end).
  OperatorCounters counters() const override;

  /// The subtask's state (for snapshots and tests); null before open().
  KeyedStateBackend* state_backend() { return backend_; }
  /// Windowed mode: rebuilds the in-memory index of buffered windows from the
  /// state backend, as needed after key groups were restored into
  /// state_backend(). Firing calls it by itself when the index and the state
  /// disagree on how many windows are buffered, so calling it is optional.
  void rebuild_window_index();

  // -- checkpoints --------------------------------------------------------------
  // Keyed state holds every group (per partition, and window end in windowed
  // mode), with keyed-stream mode's arrival numbers. Windowed mode also depends
  // on the watermark, which the host restores by calling on_watermark(the
  // watermark at the barrier) after on_state_restored(): state holds only
  // windows that had not fired then, so that call emits nothing and only sets
  // which rows are late. Counters start again from 0.

  bool uses_keyed_state() const override { return true; }
  /// Windowed mode: rebuild_window_index(). On the heap, refuses groups this
  /// operator cannot use (more than n rows, order values of another type).
  /// An error before open().
  Status on_state_restored() override;

  /// Name of the ValueState<TopNGroup>: namespace = window end (windowed) or 0.
  static constexpr const char* kStateName = "top_n";

 private:
  /// Reads row `row`'s order value(s) into `e` (one column, or a composite key).
  void read_order(const RecordBatch& batch, size_t row, TopNEntry& e) const;
  bool windowed() const { return config_.window_end_column >= 0; }
  /// A restored group this operator can use (see on_state_restored).
  Status check_restored(const TopNGroup& g) const;
  /// Checks that key group `kg` is this subtask's.
  Status check_key_group(int32_t kg) const;
  Status process_windowed(const RecordBatch& batch);
  Status process_keyed(const RecordBatch& batch, Collector& out);
  /// Offers the rows of grouper_ group `g` to the current key's partition and
  /// appends the resulting changes to builder_.
  Status update_partition(const RecordBatch& batch, size_t g);
  /// Over an updating input: adds or removes the rows of grouper_ group `g`
  /// in the current key's partition (all its live rows) and appends the
  /// changes of its top n to builder_.
  Status retract_partition(const RecordBatch& batch, size_t g);
  /// Appends the changes from `gone` (rows that left the top n, reported
  /// before) and `came` (rows that entered it) to builder_: -D then +I, or
  /// -U/+U when n = 1 and one row replaced another.
  Status append_changes(const std::vector<const TopNEntry*>& gone, const std::vector<const TopNEntry*>& came);
  /// Emits every buffered window ending at or before `through`.
  Status fire_through(int64_t through, Collector& out);
  /// Appends the row bytes `row` to builder_, plus `op` when not null.
  Status append_row(const std::string& row, const char* op, int64_t rank = 0);
  /// With a rank column: the changes from `before` (the top rows before a
  /// batch) to the first `after_count` rows of `after`, each with its rank.
  Status append_ranked_changes(const std::vector<TopNEntry>& before, const std::vector<TopNEntry>& after,
                               size_t after_count);

  /// A partition with a buffered window: what set_current_key takes.
  struct PartitionKey {
    int32_t key_group = 0;
    std::string key;
  };

  TopNConfig config_;
  TopNRanker ranker_;
  TopNRanker all_ranker_;  // input_updating: ranks every live row of a partition
  OperatorContext ctx_;
  KeyedStateBackend* backend_ = nullptr;  // ctx.keyed_state, owned by the host
  ValueState<TopNGroup>* groups_ = nullptr;  // in backend_
  int32_t global_key_group_ = 0;  // the key group of the one partition without partition columns
  /// Windowed mode: window end -> the partitions holding rows of that window,
  /// so a watermark fires what is due without scanning state. Derived from
  /// state (rebuild_window_index); each (end, partition) appears once.
  std::map<int64_t, std::vector<PartitionKey>> pending_;
  size_t indexed_groups_ = 0;  // entries of pending_, to compare with the state's entries
  /// Windowed mode: once a watermark arrived, every window ending at or
  /// before this has fired (or will never get rows: they would be late).
  /// Not state: the host's on_watermark after a restore sets both again.
  int64_t fired_through_ = INT64_MIN;
  int64_t watermark_ = kNoWatermark;

  // Reused across batches.
  std::vector<int> all_columns_;  // the input columns a kept row encodes (all but an input's op)
  KeyGrouper grouper_;
  std::optional<BatchBuilder> builder_;  // made in open(), once the config is known good
  std::vector<Column*> out_columns_;     // builder_'s input-schema columns, rebound after finish()
  std::vector<uint32_t> accepted_;
  TopNEntry candidate_;
  /// With then_columns: every order column and its direction, for composite keys.
  std::vector<int> order_columns_;
  std::vector<bool> order_descending_;
  std::vector<TopNEntry> pushed_out_;
  std::vector<TopNEntry> top_before_;  // input_updating: a partition's top n before the batch
  std::vector<const TopNEntry*> gone_, came_;

  uint64_t windows_fired_ = 0;
  uint64_t late_records_ = 0;
  uint64_t skipped_records_ = 0;
};

}  // namespace eddy
