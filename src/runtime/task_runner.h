// TaskRunner: everything a subtask does, without actors. It hosts one chain of
// a JobGraph (optionally fed by a SourceReader), accounts input credits, routes
// output through one OutputRouter per output edge and keeps per-operator metrics.
// The subtask actor (actors/subtask.cpp) owns one and turns messages into calls;
// the TaskHost it implements turns the runner's sends back into messages.
#pragma once

#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <memory>
#include <optional>
#include <vector>

#include "checkpoint/checkpoint_metadata.h"
#include "checkpoint/checksum.h"
#include "connectors/source.h"
#include "net/input_credits.h"
#include "net/output_router.h"
#include "net/wire.h"
#include "operators/operator.h"
#include "plan/job_graph.h"
#include "runtime/metrics.h"
#include "runtime/split_watermarks.h"
#include "runtime/state_file_writer.h"
#include "runtime/task_failure.h"
#include "runtime/task_snapshot.h"
#include "runtime/watermark_tracker.h"

namespace eddy {

/// What the runner asks of its host (the subtask actor).
class TaskHost {
 public:
  virtual ~TaskHost() = default;
  /// Send to consumer `channel` of output edge `out_edge` (position in vertex.outputs).
  virtual void send_batch(int out_edge, int channel, const RecordBatchPtr& batch, int32_t backlog) = 0;
  virtual void send_event(int out_edge, int channel, const StreamEvent& event) = 0;
  /// Grant `credits` more batches to the producer behind `input_channel`.
  virtual void send_credit(int input_channel, int32_t credits) = 0;
  /// This subtask's snapshot for barrier `barrier` is written (the barrier
  /// has gone downstream): tell the checkpoint coordinator.
  virtual void ack_checkpoint(int64_t barrier, const SubtaskSnapshot& snapshot) = 0;
  /// The snapshot for `barrier` could not be taken; the checkpoint fails, the job goes on.
  virtual void decline_checkpoint(int64_t barrier, const std::string& reason) = 0;
  /// Called on the state file writer's thread, not the subtask's: the state
  /// file for `barrier` is written (or failed). The host has the subtask's
  /// thread call TaskRunner::finish_snapshot(barrier).
  virtual void snapshot_written(int64_t barrier) = 0;
};

struct TaskOptions {
  int32_t exclusive_credits = 2;   // per input channel
  int32_t floating_credits = 8;    // per input gate, handed where backlog is largest
  std::string checkpoint_root;     // `checkpoints.dir`; empty: the job takes no checkpoints
  std::string local_state_dir;     // where RocksDB backends keep their working files
  int64_t fail_after_records = -1; // fault injection: fail once this many records entered the chain
  std::string output_tag;          // OperatorContext::output_tag
  /// Builds the operators of a vertex's chain; empty: make_chain_operators.
  /// Tests put fault-injecting operators into a chain through it.
  std::function<Result<std::vector<OperatorPtr>>(const JobGraph&, int vertex)> make_operators;
};

/// Barrier values: checkpoint n travels as n, savepoint n as -n.
inline int64_t barrier_id(int64_t barrier) { return barrier < 0 ? -barrier : barrier; }
inline bool barrier_is_savepoint(int64_t barrier) { return barrier < 0; }
/// Where the files of a checkpoint or savepoint go under `root`:
/// <root>/chk-<n>, or <root>/savepoints/savepoint-<n>.
std::string snapshot_dir_for(const std::string& root, int64_t barrier);
/// The RocksDB working folder of one operator subtask under `root`.
std::string local_state_dir_for(const std::string& root, const std::string& node, int32_t subtask);

/// What a source subtask should do next.
enum class SourceStep {
  kProduced,        // a batch went out; step again soon
  kIdle,            // nothing to read yet; step again after idle_us()
  kNeedSplit,       // ask the source coordinator for a split, then call on_split()
  kBackpressured,   // outputs are full; step again when a credit arrives
  kHeldBack,        // ahead of the slowest subtask by the allowed drift (watermark
                    // alignment); step again when the source coordinator raises the limit
  kFinished,        // input exhausted; end of input has been queued downstream
};

class TaskRunner {
 public:
  TaskRunner(JobGraphPtr graph, int vertex, int32_t subtask_index, TaskHost& host,
             TaskOptions options = {});
  ~TaskRunner();

  /// Builds and opens the chain (and reader). Call once before anything else.
  Status open();
  /// At start: initial credits for every input channel, and (not for sources)
  /// an initial idle status on every output channel. A source's first message
  /// is "active" when it gets a split or end of input when it gets none.
  /// Consumers process nothing before every input channel delivered its first
  /// message, so watermarks, and so lateness, depend on the data, not on timing.
  Status start();

  // -- consumers ---------------------------------------------------------------
  Status on_batch(int input_channel, RecordBatchPtr batch, int32_t backlog);
  Status on_event(int input_channel, const StreamEvent& event);

  // -- producers -----------------------------------------------------------------
  Status on_credit(int out_edge, int channel, int32_t credits);
  /// The buffer timeout fired: partial batches go out.
  Status on_flush_timer();
  bool has_partial_output() const;

  // -- sources -----------------------------------------------------------------------
  bool is_source() const { return is_source_; }
  /// Reads one batch if outputs have room and alignment allows.
  Result<SourceStep> source_step();
  /// Watermark alignment: the watermark this source may not read past
  /// (INT64_MAX: none), as the source coordinator last announced it.
  void set_alignment_limit(int64_t limit) { alignment_limit_ = limit; }
  /// The source's watermark (kNoWatermark before the first).
  int64_t source_watermark() const { return output_watermark_; }
  /// True while the source reads: it has a split, is not idle and not done.
  bool source_active() const { return !input_done_ && !source_idle_ && !open_splits_.empty(); }
  /// The coordinator's answer to a split request; nullopt: no more splits.
  /// `more`: further splits to read at the same time (after a rescaling
  /// restore), each with its own watermark, the subtask's being their minimum.
  Status on_split(const std::optional<Split>& split, const std::vector<Split>& more = {});
  int64_t idle_us() const { return idle_us_; }

  /// The earliest processing-time timer an operator of the chain registered.
  std::optional<int64_t> next_timer_ms() const;
  /// Runs the processing-time timers due at `now_ms`.
  Status fire_timers(int64_t now_ms);

  // -- checkpoints (docs/checkpoints.md) ------------------------------------------------
  /// Before start(): restores the chain from the checkpoint or savepoint in
  /// `dir` (metadata `meta`): keyed state of the key groups this subtask owns,
  /// operator state of the subtasks it takes over, and the watermark.
  Status restore(const std::string& dir, const CheckpointMetadata& meta);
  /// Sources: inject `barrier` now (after every record read so far).
  Status trigger_checkpoint(int64_t barrier);
  /// Checkpoint `id` completed: operators commit (sinks) and RocksDB may reuse its files.
  Status notify_checkpoint_complete(int64_t id);
  /// After finished(): the final state, canonical, for checkpoints taken after
  /// this subtask ended (a state file's bytes).
  Result<std::string> final_snapshot();
  /// The state file of the snapshot for `barrier` is written (TaskHost::
  /// snapshot_written): acks the checkpoint, or declines it if the write
  /// failed. A no-op when that snapshot was finished already.
  Status finish_snapshot(int64_t barrier);

  /// End of input reached, chain finished and every output sent.
  bool finished() const;
  /// Closes operators; safe to call more than once, also after a failure.
  void close();

  /// What a Status a call above returned stands for: the member of the chain
  /// that raised it (the source or an operator; none for the subtask's own
  /// errors), its kind and whether a restart can cure it; for an expression
  /// error on records this subtask read itself, where they came from.
  TaskFailure failure(const Status& status) const;

  const std::vector<OperatorMetrics>& metrics() const { return metrics_; }
  const JobVertex& vertex() const { return graph_->vertices[static_cast<size_t>(vertex_)]; }
  int32_t subtask_index() const { return subtask_index_; }

 private:
  class ChainCollector;
  class OperatorTimers;
  struct PendingInput {
    int channel;
    RecordBatchPtr batch;
    std::optional<StreamEvent> event;
  };

  /// Runs `hook`, a call into chain member `metric` (an operator, or at 0 a
  /// source's reader), and turns an exception it lets out into a Status that
  /// names the member. Operators do not throw, but allocation can:
  /// std::bad_alloc becomes a message with the keys the operator held and
  /// what to do about it.
  /// The first member whose call failed is kept for failure().
  template <typename Hook>
  Status guarded(size_t metric, Hook&& hook) {
    Status st;
    try {
      st = hook();
    } catch (...) {
      st = exception_status(metric, std::current_exception());
    }
    if (!st.is_ok() && !failed_member_) failed_member_ = metric;
    return st;
  }
  Status exception_status(size_t metric, std::exception_ptr error) const;
  /// True when chain member `metric` evaluates SQL expressions (a filter or a select).
  bool evaluates_expressions(size_t metric) const;
  /// "input.csv, lines 2-1025" or "share 1 of 2 of 'gen', rows 0-1023": where
  /// the batch read between `before` and `after` (SourceReader::resume_split) came from.
  std::string batch_origin(const Split& before, const Split& after) const;

  bool backpressured() const;
  Status process_input(int channel, const RecordBatchPtr& batch);
  Status handle_event(int channel, const StreamEvent& event);
  Status run_operator(size_t op, const RecordBatchPtr& batch);
  Status emit_from_chain(const RecordBatchPtr& batch);
  Status emit_to_routers(int node, int output, const RecordBatchPtr& batch);
  Status advance_watermark(int64_t watermark);
  Status restore_watermark(int64_t watermark);
  void broadcast(const StreamEvent& event);
  void update_counters();
  /// Source steps: a batch of split `k` goes out (then the watermark it moved),
  /// split `k` had nothing to read, split `k` ended.
  Result<SourceStep> source_emit(size_t k, RecordBatchPtr batch, int64_t t0, const Split& before);
  Result<SourceStep> source_nothing_read(size_t k, int64_t retry_after_us);
  Result<SourceStep> source_split_ended(size_t k);
  /// The splits' watermark, sent when it advanced; "idle" once every split is idle.
  Status source_event_time();
  /// A non-source: sends "idle" when every open input is idle, else "active",
  /// when that differs from what it said last (or it said nothing yet).
  void announce_input_status();
  Status finish_chain();
  Status drain_pending();
  void drain_outputs();
  void release(int channel);
  void heard_from(int channel);
  void send_grants();
  bool hold_if_blocked(int channel, PendingInput& in);
  Status on_barrier(int channel, int64_t barrier);
  Status check_aligned();
  void end_alignment();
  Status count_records(size_t rows);
  /// Writes this subtask's state for `barrier` and acks it (or declines).
  Status snapshot_and_ack(int64_t barrier, int64_t alignment_ns);
  /// All of the chain's state but its heap key groups, which pack_heap_state adds.
  Result<TaskSnapshot> snapshot_state(int64_t barrier, bool canonical, const std::string& dir,
                                      SubtaskSnapshot& meta);
  Status pack_heap_state(TaskSnapshot& t);
  /// By operator of the chain: its keyed state backend if that keeps state on
  /// the heap, else null.
  std::vector<KeyedStateBackend*> heap_state_backends();
  /// Waits for the snapshot whose state file is being written, if any, and finishes it.
  Status finish_pending_snapshot();

  JobGraphPtr graph_;
  int vertex_;
  int32_t subtask_index_;
  TaskHost& host_;
  TaskOptions options_;

  /// Splits being read, round-robin one batch each; split_watermarks_ keeps
  /// each one's watermark and idleness at the same index.
  struct OpenSplit {
    std::unique_ptr<SourceReader> reader;
  };
  Status open_source_split(const Split& split);
  bool is_source_ = false;
  int source_node_ = -1;
  std::vector<OpenSplit> open_splits_;
  std::unique_ptr<SplitWatermarks> split_watermarks_;
  size_t next_split_ = 0;
  uint64_t skipped_closed_ = 0;  // skipped records of readers already closed
  bool input_done_ = false;
  int64_t idle_us_ = 0;

  std::vector<OperatorPtr> ops_;
  std::vector<std::unique_ptr<ChainCollector>> collectors_;  // collectors_[i] receives ops_[i]'s output
  std::vector<OperatorMetrics> metrics_;  // one per node of the chain (source included)
  size_t first_op_metric_ = 0;            // metrics_ index of ops_[0]

  std::vector<std::unique_ptr<OutputRouter>> routers_;  // one per output edge
  std::vector<std::pair<int, int>> router_sources_;      // per router: (node, output) it carries
  std::vector<std::unique_ptr<OperatorTimers>> timers_;  // one per operator
  std::unique_ptr<WatermarkTracker> watermarks_;
  bool forwarded_idle_ = false;
  bool status_announced_ = false;  // the first idle status has gone downstream
  // Sources with event time (docs/windows.md): per split, W = max event time -
  // out-of-orderness; the subtask's is the least over its live splits.
  int source_time_column_ = -1;
  int64_t output_watermark_ = kNoWatermark;
  int64_t alignment_limit_ = INT64_MAX;  // set_alignment_limit
  bool source_idle_ = false;  // said "idle" downstream: every split being read is idle
  /// The watermark of the input the batch being processed came from
  /// (OperatorContext::input_watermark points here).
  int64_t input_watermark_ = kNoWatermark;
  std::unique_ptr<InputCredits> credits_;
  int input_channels_ = 0;
  int finished_channels_ = 0;
  std::vector<bool> channel_finished_;
  std::vector<bool> channel_heard_;  // delivered at least one message
  int unheard_channels_ = 0;
  std::deque<PendingInput> pending_;
  std::vector<std::pair<int, int32_t>> grants_;  // scratch
  bool closed_ = false;
  // Barrier alignment: channels that delivered the barrier are blocked (no
  // credit) and what they send meanwhile waits in held_ until every input
  // delivered it.
  int64_t aligning_ = 0;             // barrier being aligned; 0: none
  int64_t last_barrier_id_ = 0;      // highest barrier id seen
  int aligned_channels_ = 0;
  int64_t align_start_ns_ = 0;
  std::vector<bool> channel_blocked_;
  std::vector<std::deque<PendingInput>> held_;
  uint64_t records_seen_ = 0;        // for fault injection
  std::optional<size_t> failed_member_;  // the chain member (metrics_ index) whose call failed first
  std::string failed_origin_;            // where the records came from when the chain failed on a read batch
  std::map<std::string, FileChecksum> stored_files_;  // shared RocksDB files already checksummed
  /// The snapshot whose state file is being written; at most one at a time.
  struct PendingSnapshot {
    int64_t barrier = 0;
    SubtaskSnapshot meta;  // all but the state file
    std::unique_ptr<PendingStateFile> writer;
  };
  bool warned_fork_failed_ = false;
  std::optional<PendingSnapshot> pending_snapshot_;
};

}  // namespace eddy
