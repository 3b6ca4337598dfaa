// The Operator interface: what every operator and sink implements. Operators
// see batches and a Collector, never actors, threads or sockets; the subtask
// actor (actors/subtask.cpp) hosts a chain of them through runtime/task_runner.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/key_groups.h"
#include "core/record_batch.h"
#include "core/status.h"
#include "state/state_backend_options.h"

namespace eddy {

class KeyedStateBackend;

/// Where an operator puts its output. Emitting an empty batch is allowed and ignored.
class Collector {
 public:
  virtual ~Collector() = default;
  virtual Status emit(RecordBatchPtr batch) = 0;
  /// A side output, e.g. the late records of a window (`late_output`): output
  /// `index` of the operator's side outputs, in the order the planner lists them.
  virtual Status emit_side(int index, RecordBatchPtr batch) {
    return Status::internal("this operator has no side output " + std::to_string(index));
  }
};

/// Processing time and processing-time timers, provided by the host. A timer
/// registered for `at_ms` makes the host call Operator::on_processing_time at
/// or after that time (wall clock, epoch milliseconds). Timers are not persisted.
class TimerService {
 public:
  virtual ~TimerService() = default;
  virtual int64_t now_ms() const = 0;
  virtual void register_processing_timer(int64_t at_ms) = 0;
};

/// Counters an operator reports beyond records in/out (which the host counts).
struct OperatorCounters {
  uint64_t skipped_records = 0;  // malformed input dropped under on_error: skip
  uint64_t late_records = 0;     // records whose every window had fired already
  uint64_t windows_fired = 0;    // window results emitted as final
  uint64_t keys_in_state = 0;    // distinct keys currently held in keyed state
  // Lookup joins against a server (docs/joins.md "Lookup joins").
  uint64_t lookup_cache_hits = 0;    // keys found in the lookup cache
  uint64_t lookup_cache_misses = 0;  // keys looked up on the server
  uint64_t lookup_timeouts = 0;      // lookups (round trips) that ran out of lookup.timeout
  uint64_t lookup_null_rows = 0;     // rows emitted with NULLs after a timeout (policy null)
};

/// Where this operator instance runs: used for part file names and logs, and
/// for the key groups a keyed operator owns.
struct OperatorContext {
  std::string job_name;
  /// Names what the job writes, such as a file sink's part files: 16 hex
  /// digits, the same for every attempt of a job and for a later process
  /// that resumes it (JobSubmission::run_tag). Empty in tests: untagged names.
  std::string output_tag;
  std::string operator_name;
  int32_t subtask_index = 0;
  int32_t parallelism = 1;
  int32_t max_parallelism = 128;
  /// The job takes checkpoints: a transactional sink then commits only when
  /// one completes; without them it commits as it writes.
  bool checkpoints = false;
  TimerService* timers = nullptr;  // never null for operators hosted by a TaskRunner
  /// While process() runs: the watermark of the input channel the batch came
  /// from, as it stood before the batch (in a source's chain, the source's own
  /// watermark before the batch); kNoWatermark when that input has none. A
  /// window judges lateness by it too, so which records are late does not
  /// depend on how far the other inputs are (docs/windows.md). Null when the
  /// host does not say (tests): the operator's own watermark alone counts.
  const int64_t* input_watermark = nullptr;
  /// The keyed-state backend keyed operators build (`state.backend`).
  StateBackendOptions state;
  /// The keyed state of an operator whose uses_keyed_state() is true: created,
  /// restored and snapshotted by the host, which owns it (Flink's and Arroyo's
  /// shape). Set before open(); null for other operators.
  KeyedStateBackend* keyed_state = nullptr;
};

/// The inputs of a two-input operator (a join's `left` and `right`).
constexpr int kLeftInput = 0;
constexpr int kRightInput = 1;

/// No watermark seen yet (and the watermark of an input with no event time).
constexpr int64_t kNoWatermark = INT64_MIN;
/// The watermark after the end of a bounded input: every event-time window fires.
constexpr int64_t kEndOfTimeWatermark = INT64_MAX;

/// How a restore hands out operator state (Operator::snapshot_operator_state).
enum class OperatorStateDistribution {
  /// Old subtask k's state to new subtask k % parallelism (its own without rescaling).
  kRoundRobin,
  /// Every new subtask gets every old subtask's state (Flink's union list
  /// state): for state about key groups, which rescaling moves between subtasks.
  kUnion,
};

/// A config-built operator. Hooks return Status; none may throw.
class Operator {
 public:
  virtual ~Operator() = default;
  /// Called once before the first batch.
  virtual Status open(const OperatorContext& ctx) { return Status::ok(); }
  /// Processes one input batch, emitting zero or more batches to `out`.
  virtual Status process(const RecordBatchPtr& batch, Collector& out) = 0;
  /// How many inputs the operator reads: 1, or 2 for a join (kLeftInput,
  /// kRightInput), each with its own channels, watermark and end of input.
  virtual int input_count() const { return 1; }
  /// Processes a batch of input `input` (< input_count()). One-input operators
  /// need not override it: it calls process().
  virtual Status process_input(int input, const RecordBatchPtr& batch, Collector& out) {
    return process(batch, out);
  }
  /// Input `input`'s watermark (the least over its channels) advanced. Called
  /// for two-input operators only, before on_watermark() with the least of
  /// both inputs' watermarks when that advanced.
  virtual Status on_input_watermark(int input, int64_t watermark_ms, Collector& out) {
    return Status::ok();
  }
  /// True when the operator keeps keyed state: the host then hands it a
  /// backend in OperatorContext::keyed_state.
  virtual bool uses_keyed_state() const { return false; }
  /// The event-time watermark of the input advanced to `watermark_ms`: every
  /// record with a smaller timestamp has arrived (late ones aside). The host
  /// forwards the watermark downstream after this returns. kEndOfTimeWatermark
  /// arrives before finish() when the input ends.
  virtual Status on_watermark(int64_t watermark_ms, Collector& out) { return Status::ok(); }
  /// How far the watermark this operator passes on lags the one it gets: what
  /// it emits may be that much older than its input's watermark (an outer
  /// interval join pads a row only when the row leaves state). The planner
  /// ends a chain after an operator that holds its watermark back.
  virtual int64_t watermark_delay_ms() const { return 0; }
  /// A processing-time timer registered through ctx.timers is due.
  virtual Status on_processing_time(int64_t now_ms, Collector& out) { return Status::ok(); }
  /// End of input: flush whatever is buffered (sinks close their files here).
  virtual Status finish(Collector& out) { return Status::ok(); }
  /// Releases resources; called after finish() or on cancellation/failure.
  virtual Status close() { return Status::ok(); }
  /// Schema of the batches this operator emits (sinks: their input schema).
  virtual SchemaPtr output_schema() const = 0;
  virtual OperatorCounters counters() const { return {}; }
  /// True when the operator does blocking I/O (files, stdout), so the actor
  /// hosting it must run on its own thread.
  virtual bool blocking_io() const { return false; }

  // -- checkpoints (docs/checkpoints.md) -------------------------------------------
  // The host calls these between batches, never during one. A checkpoint's
  // barrier reaches an operator after every record before it, so the state seen
  // here is exactly "all input before barrier n".

  /// After a restore, before any input: the keyed state (OperatorContext::
  /// keyed_state) holds the restored key groups and restore_operator_state()
  /// has run. Rebuild what derives from them (e.g. a timer index), and refuse
  /// state this operator cannot use. Called only when the job restores.
  virtual Status on_state_restored() { return Status::ok(); }
  /// Barrier `checkpoint_id` is about to be snapshotted and passed on (Flink's
  /// prepareSnapshotPreBarrier): emit what must precede it, such as the rows
  /// of lookups still in flight. Called before snapshot_operator_state().
  virtual Status prepare_snapshot_pre_barrier(int64_t checkpoint_id, Collector& out) { return Status::ok(); }
  /// State that is not keyed, as bytes, at barrier `checkpoint_id`: a sink
  /// pre-commits its transaction here (closes the file holding the rows before
  /// the barrier). Empty `out`: nothing to keep.
  virtual Status snapshot_operator_state(int64_t checkpoint_id, std::string& out) {
    out.clear();
    return Status::ok();
  }
  /// Before any input, after open(): the operator states (from
  /// snapshot_operator_state) of the previous run's subtasks that this subtask
  /// takes over, as operator_state_distribution() says, in old subtask order.
  /// Called only when the job restores a checkpoint or savepoint; `states`
  /// may then be empty.
  virtual Status restore_operator_state(const std::vector<std::string>& states) {
    return Status::ok();
  }
  /// Which old subtasks' states restore_operator_state() gets (default: round robin).
  virtual OperatorStateDistribution operator_state_distribution() const {
    return OperatorStateDistribution::kRoundRobin;
  }
  /// Checkpoint `checkpoint_id` is complete (its metadata is durable): commit
  /// what was pre-committed for it and for every earlier checkpoint.
  virtual Status notify_checkpoint_complete(int64_t checkpoint_id) { return Status::ok(); }
};

using OperatorPtr = std::unique_ptr<Operator>;

}  // namespace eddy
