// TaskRunner: everything a subtask does, without actors. It runs one chain of
// a JobGraph, routes output through one OutputRouter per output edge and keeps
// per-operator metrics, and coordinates the parts that do the rest: an
// InputGate (input channels of one or two inputs, credits, watermarks), a
// BarrierAligner, a SourceDriver (sources) and a Snapshotter (state).
// The subtask actor (actors/subtask.cpp) owns one and turns messages into calls;
// the TaskHost it implements turns the runner's sends back into messages.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_metadata.h"
#include "connectors/source.h"
#include "net/output_router.h"
#include "net/wire.h"
#include "operators/operator.h"
#include "plan/job_graph.h"
#include "runtime/barrier_aligner.h"
#include "runtime/input_gate.h"
#include "runtime/metrics.h"
#include "runtime/sample_tap.h"
#include "runtime/snapshotter.h"
#include "runtime/source_driver.h"
#include "runtime/subtask_activity.h"
#include "runtime/subtask_sample.h"
#include "runtime/task_failure.h"
#include "runtime/task_snapshot.h"

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
  int32_t floating_credits = 8;    // per input (a join has two), handed where backlog is largest
  std::string checkpoint_root;     // `checkpoints.dir`; empty: the job takes no checkpoints
  std::string local_state_dir;     // where RocksDB backends keep their working files
  int64_t fail_after_records = -1; // fault injection: fail once this many records entered the chain
  std::string output_tag;          // OperatorContext::output_tag
  /// Builds the operators of a vertex's chain; empty: make_chain_operators.
  /// Tests put fault-injecting operators into a chain through it.
  std::function<Result<std::vector<OperatorPtr>>(const JobGraph&, int vertex)> make_operators;
};

class TaskRunner {
 public:
  TaskRunner(JobGraphPtr graph, int vertex, int32_t subtask_index, TaskHost& host,
             TaskOptions options = {});
  ~TaskRunner();

  /// Builds and opens the chain (and reader), handing each keyed operator the
  /// state backend the runner creates for it. Call once before anything else.
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
  bool is_source() const { return source_ != nullptr; }
  /// Reads one batch if outputs have room and alignment allows.
  Result<SourceStep> source_step();
  /// Watermark alignment: the watermark this source may not read past
  /// (INT64_MAX: none), as the source coordinator last announced it.
  void set_alignment_limit(int64_t limit) {
    if (source_) source_->set_alignment_limit(limit);
  }
  /// The source's watermark (kNoWatermark before the first).
  int64_t source_watermark() const { return output_watermark_; }
  /// True while the source reads: it has a split, is not idle and not done.
  bool source_active() const { return source_ && !input_done_ && source_->active(); }
  /// The coordinator's answer to a split request; nullopt: no more splits.
  /// `more`: further splits to read at the same time (after a rescaling
  /// restore), each with its own watermark, the subtask's being their minimum.
  Status on_split(const std::optional<Split>& split, const std::vector<Split>& more = {});
  /// No split now for an unbounded source; splits found later come through on_split().
  void wait_for_splits() {
    if (source_) source_->wait_for_splits();
  }
  int64_t idle_us() const { return source_ ? source_->idle_us() : 0; }

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
  /// this subtask ended (a state file's bytes). Waits for, and acks, a
  /// snapshot still being written (see snapshot_writing()).
  Result<std::string> final_snapshot();
  /// True while a snapshot's state file is being written: a host that does
  /// not want to block in final_snapshot() waits for TaskHost::snapshot_written.
  bool snapshot_writing() const { return snapshotter_ && snapshotter_->writing(); }
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
  /// The input gate (null for sources): its channels, inputs and credits.
  const InputGate* input_gate() const { return gate_.get(); }
  /// Offers the rows the chain emits (for a sink vertex, the rows its sink
  /// receives) to `tap` (null: none); the subtask actor owns it.
  void set_sample_tap(SampleTap* tap) {
    tap_ = tap;
    tap_sink_ = graph_->nodes[static_cast<size_t>(vertex().nodes.back())].kind == NodeKind::kSink;
  }

  // -- metrics (task_runner_sample.cpp, docs/monitoring.md) -----------------------------
  /// What this subtask reports every metrics.interval, taken at wall-clock
  /// `now_ms`. The host fills in `attempt`. `mailbox`: messages waiting for
  /// the host (the subtask actor's mailbox); batches there were sent against
  /// credit the gate counts as outstanding, and fill the input as much as
  /// those that reached it.
  SubtaskSample sample(int64_t now_ms, int32_t mailbox = 0) const;
  /// What the subtask is doing now; any thread may read it.
  const SubtaskActivity& activity() const { return activity_; }

 private:
  class ChainCollector;
  class OperatorTimers;
  class SourceAdapter;

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
  Status open_operators();
  void open_outputs();
  /// The input gate and aligner; the chain's first operator must read as many
  /// inputs as the graph gives it.
  Status open_inputs();

  // -- the chain (task_runner.cpp) ---------------------------------------------------
  bool backpressured() const;
  /// Runs operator `op`'s hook `call` (into its collector), timing it.
  Status run_hook(size_t op, const std::function<Status(Operator&, Collector&)>& call);
  Status run_operator(size_t op, const RecordBatchPtr& batch);
  Status emit_from_chain(const RecordBatchPtr& batch);
  Status emit_to_routers(int node, int output, const RecordBatchPtr& batch);
  Status advance_watermark(int64_t watermark);
  /// Before barrier `barrier` is snapshotted: each operator, in chain order,
  /// emits what must precede it (Operator::prepare_snapshot_pre_barrier).
  Status prepare_barrier(int64_t barrier);
  Status restore_watermark(int64_t watermark);
  void broadcast(const StreamEvent& event);
  void update_counters();
  Status run_timers(int64_t now_ms);
  Status finish_chain();
  void drain_outputs();
  Status count_records(size_t rows);
  Status emit_read(RecordBatchPtr batch, int64_t t0_ns);

  // -- input (task_runner_input.cpp) -------------------------------------------------
  Status process_input(int channel, const RecordBatchPtr& batch);
  Status handle_event(int channel, const StreamEvent& event);
  /// A watermark, status or end of a channel changed what the gate says.
  Status on_input_change(const InputChange& change);
  /// Input `input`'s watermark advanced (two-input operators hear of it).
  Status input_watermark(int input, int64_t watermark);
  /// A non-source: sends "idle" when every open input is idle, else "active",
  /// when that differs from what it said last (or it said nothing yet).
  void announce_input_status();
  Status drain_pending();
  Status on_barrier(int channel, int64_t barrier);
  /// The barrier being aligned arrived on (or ended) every channel.
  Status aligned(int64_t barrier);
  ChainPosition position() const;

  // -- activity (task_runner_sample.cpp) -------------------------------------------
  /// A call from the host starts: the subtask does `a` until settle().
  void begin(Activity a, int64_t aux = 0);
  /// The call ends: the subtask waits, backpressured (naming the output edge
  /// and channel), aligning (naming the barrier) or idle.
  void settle();
  /// Runs the host's call `body` as activity `a`, then settles.
  template <typename Body>
  auto as(Activity a, Body&& body, int64_t aux = 0) {
    begin(a, aux);
    auto result = body();
    settle();
    return result;
  }
  /// Keyed state held, estimated from the last checkpoint's size per key.
  uint64_t estimated_state_bytes(uint64_t keys) const;

  JobGraphPtr graph_;
  int vertex_;
  int32_t subtask_index_;
  TaskHost& host_;
  TaskOptions options_;

  std::vector<OperatorPtr> ops_;
  std::vector<std::unique_ptr<ChainCollector>> collectors_;  // collectors_[i] receives ops_[i]'s output
  std::vector<OperatorMetrics> metrics_;  // one per node of the chain (source included)
  size_t first_op_metric_ = 0;            // metrics_ index of ops_[0]
  std::vector<std::unique_ptr<OutputRouter>> routers_;  // one per output edge
  std::vector<std::pair<int, int>> router_sources_;      // per router: (node, output) it carries
  std::vector<std::unique_ptr<OperatorTimers>> timers_;  // one per operator
  std::unique_ptr<Snapshotter> snapshotter_;

  std::unique_ptr<SourceAdapter> source_chain_;  // sources: what the driver feeds
  std::unique_ptr<SourceDriver> source_;         // null unless the chain starts with a source
  std::unique_ptr<InputGate> gate_;              // null for sources
  std::unique_ptr<BarrierAligner> aligner_;      // null for sources
  int64_t align_start_ns_ = 0;
  int64_t output_watermark_ = kNoWatermark;
  /// The last watermark sent downstream: output_watermark_ less what the
  /// chain holds back (Operator::watermark_delay_ms).
  int64_t sent_watermark_ = kNoWatermark;
  /// The watermark of the input the batch being processed came from
  /// (OperatorContext::input_watermark points here).
  int64_t input_watermark_ = kNoWatermark;
  bool forwarded_idle_ = false;
  bool status_announced_ = false;  // the first idle status has gone downstream
  bool input_done_ = false;
  bool closed_ = false;
  uint64_t records_seen_ = 0;        // for fault injection
  std::optional<size_t> failed_member_;  // the chain member (metrics_ index) whose call failed first
  SampleTap* tap_ = nullptr;  // GET .../sample (set_sample_tap)
  bool tap_sink_ = false;     // the chain ends in a sink: tap what it receives
  SubtaskActivity activity_;
  uint64_t bytes_in_ = 0;  // batch_bytes of every batch received
};

}  // namespace eddy
