// The message vocabulary of eddy's actors: atoms, message structs and their
// inspect() overloads (so every message can cross nodes in cluster mode).
// Included by actors/*.cpp and cmd/*.cpp only; engine code never sees CAF.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include "checkpoint/checkpoint_metadata.h"
#include "connectors/source.h"
#include "core/record_batch.h"
#include "net/wire.h"
#include "monitor/job_view.h"
#include "runtime/metric_history.h"
#include "runtime/metrics.h"
#include "runtime/subtask_sample.h"
#include "runtime/task_failure.h"

namespace eddy {

// -- atoms (names avoid CAF's predefined ones such as flush, tick, open) ------------
using submit_atom = caf::atom_constant<caf::atom("submit")>;      // client -> job_manager
using register_atom = caf::atom_constant<caf::atom("register")>;  // task_manager -> job_manager
using deploy_atom = caf::atom_constant<caf::atom("deploy")>;      // job_master -> task_manager
using wire_atom = caf::atom_constant<caf::atom("wire")>;          // job_master -> subtask
using start_atom = caf::atom_constant<caf::atom("start")>;        // job_master -> subtask
using batch_atom = caf::atom_constant<caf::atom("batch")>;        // subtask -> subtask
using event_atom = caf::atom_constant<caf::atom("event")>;        // subtask -> subtask
using credit_atom = caf::atom_constant<caf::atom("credit")>;      // subtask -> subtask
using split_atom = caf::atom_constant<caf::atom("split")>;        // source subtask -> coordinator
using step_atom = caf::atom_constant<caf::atom("step")>;          // source subtask -> itself
using buftimer_atom = caf::atom_constant<caf::atom("buftimer")>;  // subtask -> itself
using ptimer_atom = caf::atom_constant<caf::atom("ptimer")>;      // subtask -> itself (processing time)
using report_atom = caf::atom_constant<caf::atom("report")>;      // subtask -> job_master (SubtaskSample)
// Local only (the REST server and the monitor live in the job master's
// process): (history_atom) -> MetricHistoryPtr, the job's metric history as of
// the last interval; a copy shared read-only, never the job master's own.
using history_atom = caf::atom_constant<caf::atom("history")>;    // REST, monitor -> job master
using finished_atom = caf::atom_constant<caf::atom("finished")>;  // subtask -> job_master
using failed_atom = caf::atom_constant<caf::atom("failed")>;      // subtask -> job_master (TaskFailure, metrics)
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;      // client -> job_manager -> job_master
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;    // client -> job_master
using jobdone_atom = caf::atom_constant<caf::atom("jobdone")>;    // job_master -> client
using slots_count_atom = caf::atom_constant<caf::atom("slotcount")>;  // client -> job_manager
// checkpoints (docs/checkpoints.md)
using trigger_atom = caf::atom_constant<caf::atom("trigger")>;    // checkpointer -> source coordinator -> source subtask
using ack_atom = caf::atom_constant<caf::atom("ack")>;            // subtask -> checkpointer
using decline_atom = caf::atom_constant<caf::atom("decline")>;    // subtask -> checkpointer
using ckdone_atom = caf::atom_constant<caf::atom("ckdone")>;      // checkpointer -> subtask, job master
using ckfailed_atom = caf::atom_constant<caf::atom("ckfailed")>;  // checkpointer -> job master
using written_atom = caf::atom_constant<caf::atom("written")>;  // state file writer thread -> subtask
using cktick_atom = caf::atom_constant<caf::atom("cktick")>;      // checkpointer -> itself
using cktimeout_atom = caf::atom_constant<caf::atom("cktimeout")>;  // checkpointer -> itself
using savepoint_atom = caf::atom_constant<caf::atom("savepoint")>;  // client -> job_manager -> job master -> checkpointer
using final_atom = caf::atom_constant<caf::atom("final")>;        // job master -> checkpointer: a subtask's final state
using sources_atom = caf::atom_constant<caf::atom("sources")>;    // job master -> source coordinator
using discover_atom = caf::atom_constant<caf::atom("discover")>;  // source coordinator -> itself (new partitions)
using align_atom = caf::atom_constant<caf::atom("align")>;        // source subtask <-> source coordinator (watermark alignment)
using restart_atom = caf::atom_constant<caf::atom("restart")>;    // job master -> itself
// cluster (docs/cluster.md)
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;  // task_manager -> job_manager
using hbcheck_atom = caf::atom_constant<caf::atom("hbcheck")>;    // job_manager -> itself
using allocate_atom = caf::atom_constant<caf::atom("allocate")>;  // job master -> job_manager: (owners, their names)
using release_atom = caf::atom_constant<caf::atom("release")>;    // job master -> job_manager
using tmlost_atom = caf::atom_constant<caf::atom("tmlost")>;      // job_manager -> job master (tm, what happened)
using list_atom = caf::atom_constant<caf::atom("list")>;          // REST -> job_manager
using tms_atom = caf::atom_constant<caf::atom("tms")>;            // REST -> job_manager
using jobstate_atom = caf::atom_constant<caf::atom("jobstate")>;  // job master -> job_manager
using retry_atom = caf::atom_constant<caf::atom("retry")>;        // job master -> itself (waiting for slots)
// REST (docs/monitoring.md): a job's JobView (local only), stacks and samples of a vertex's subtasks
using view_atom = caf::atom_constant<caf::atom("view")>;          // REST -> job_manager -> job master
using stacks_atom = caf::atom_constant<caf::atom("stacks")>;      // REST -> job_manager -> job master -> task managers
using sample_atom = caf::atom_constant<caf::atom("sample")>;      // REST -> job_manager -> job master -> task managers
using mtick_atom = caf::atom_constant<caf::atom("mtick")>;        // job master -> itself (job metrics, every metrics.interval)
// Local only, answered by the job master from its monitor (monitor/job_monitor.h):
// (health_atom) -> std::string, GET /jobs/{id}/health's JSON (monitor/health_json.h);
// (events_atom) -> std::string, GET /jobs/{id}/events' JSON (monitor/events.h).
using health_atom = caf::atom_constant<caf::atom("health")>;  // REST -> job master
using events_atom = caf::atom_constant<caf::atom("events")>;  // REST -> job master

/// A batch as it travels between subtasks: in-process the shared pointer moves
/// (no copy); across nodes inspect() writes and reads msgpack (src/net/wire.h).
struct BatchPayload {
  RecordBatchPtr batch;
};

/// Fault injection for tests (`--inject-failure NODE:SUBTASK:RECORDS[:ATTEMPT]`):
/// subtask SUBTASK of the chain holding operator NODE fails once RECORDS
/// records entered it, in attempt ATTEMPT (0: the first run) of the job.
struct InjectedFault {
  std::string node;
  int32_t subtask = 0;
  int64_t records = 0;
  int32_t attempt = 0;
};

/// What a client submits: the pipeline file's name and text, plus overrides.
struct JobSubmission {
  std::string file_name;
  std::string text;
  int32_t parallelism = 0;   // 0: as the file says
  std::string restore_path;  // a checkpoint or savepoint dir to start from; empty: fresh
  /// The run of checkpoints.dir this job writes (CheckpointStorage::start_run):
  /// only checkpoints from this id on are its own to restore, keep and delete.
  int64_t first_checkpoint_id = 0;
  /// The run's tag (CheckpointRun::tag): names what the job writes (a file
  /// sink's part files), the same when a later process resumes the run.
  /// Empty: the job's id stands in (a job without checkpoints.dir).
  std::string run_tag;
  std::vector<InjectedFault> faults;
  /// A relative checkpoints.dir is taken relative to this (the cluster's shared
  /// checkpoint directory); empty: relative to the working directory.
  std::string checkpoint_base;
  /// Cluster mode: with too few free slots the job waits (CREATED, or
  /// RESTARTING after a failure) until task managers register; locally it fails.
  bool wait_for_slots = false;
  /// With wait_for_slots: a wait this long counts as a failure (the job
  /// manager's slot.request_timeout, Flink's slot.request.timeout); 0: no limit.
  int64_t slot_request_timeout_us = 0;
  /// With restore_path: state of operators the pipeline does not have is
  /// skipped, not refused (Flink's --allow-non-restored-state).
  bool allow_non_restored_state = false;
  /// > 0: the key-group count every planner of this job uses instead of the
  /// derived one (the job manager sets it when a restore adopts a snapshot's).
  int32_t max_parallelism = 0;
};

/// The job manager's answer to a submission it accepted: the job's id, and
/// lines the submitter should see (state a restore skipped or could not check).
struct JobAccepted {
  uint64_t id = 0;
  std::vector<std::string> notes;
};

/// What a task manager needs to run one subtask.
struct TaskDeployment {
  uint64_t job_id = 0;
  JobSubmission job;
  int32_t vertex = 0;
  int32_t subtask = 0;
  caf::actor job_master;
  int32_t attempt = 0;            // 0 on the first run, +1 per restart
  std::string restore_path;       // checkpoint or savepoint to restore; empty: none
  int64_t fail_after_records = -1;  // fault injection
};

/// Where one subtask's channels lead, computed by the job master once every
/// subtask of the job has been spawned.
struct SubtaskWiring {
  // outputs[e][c]: consumer of channel c of output edge e, and its input channel id
  std::vector<std::vector<caf::actor>> consumers;
  std::vector<std::vector<int32_t>> consumer_channels;
  // per input channel: the producer, and the (output edge, channel) it knows us by
  std::vector<caf::actor> producers;
  std::vector<int32_t> producer_edges;
  std::vector<int32_t> producer_channels;
  caf::actor coordinator;  // source subtasks: their source_coordinator
  caf::actor checkpointer;  // the job's checkpoint coordinator (none without checkpoints)
};

/// A task manager as the job manager knows it (GET /taskmanagers).
struct TaskManagerInfo {
  std::string id;    // the actor's node and id, unique in the cluster
  std::string name;  // from its config or command line
  std::string host;  // the address it was reached from
  int32_t slots = 0;
  int32_t free_slots = 0;
  int64_t since_heartbeat_ms = 0;
};

/// Reply of the source coordinator to a split request.
struct SplitReply {
  bool has_split = false;
  Split split;
  std::vector<Split> more;  // read at the same time as `split` (restored splits of a rescaled job)
  std::string error;  // the source could not be enumerated (e.g. a missing path)
  // No split now, but the source is unbounded (Kafka): the subtask waits; the
  // coordinator sends splits found later as (split_atom, SplitReply).
  bool wait = false;
};

/// Checkpoint figures of a job, for the summary.
struct CheckpointStats {
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t last_id = 0;
  int64_t total_duration_us = 0;
  int64_t max_duration_us = 0;
  int64_t last_duration_us = 0;
  int64_t last_full_bytes = 0;
  int64_t last_incremental_bytes = 0;
  int64_t max_alignment_us = 0;
  int32_t restarts = 0;
  std::string restored_from;   // the checkpoint or savepoint the job started from
  std::string savepoint_path;  // the savepoint taken when the job was stopped
};

/// Final state of a job as the client sees it.
struct JobResult {
  uint64_t job_id = 0;
  std::string name;      // the pipeline's name
  std::string state;     // CREATED | RUNNING | RESTARTING | FINISHED | FAILED | CANCELED
  std::string message;   // why it failed
  int64_t duration_us = 0;
  std::vector<OperatorMetrics> metrics;
  std::vector<int32_t> parallelism;  // per metrics row
  CheckpointStats checkpoints;
  std::vector<VertexLoad> load;  // per metrics row: its vertex's time split and queues over the run
  std::string health;  // the monitor's last diagnosis in one line (monitor/health_json.h); empty: none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Split& x) {
  return f(caf::meta::type_name("Split"), x.id, x.path, x.begin, x.end, x.first_line, x.index,
           x.count, x.position);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OperatorMetrics& x) {
  return f(caf::meta::type_name("OperatorMetrics"), x.name, x.records_in, x.records_out,
           x.batches_in, x.batches_out, x.busy_ns, x.skipped, x.late, x.windows_fired, x.keys,
           x.watermark, x.lookup_hits, x.lookup_misses, x.lookup_timeouts, x.lookup_null_rows,
           x.state_bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ChannelSample& x) {
  return f(caf::meta::type_name("ChannelSample"), x.input, x.channel, x.watermark, x.idle, x.finished, x.queued);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SubtaskCheckpointSample& x) {
  return f(caf::meta::type_name("SubtaskCheckpointSample"), x.id, x.alignment_us, x.sync_us, x.async_us, x.bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SubtaskSample& x) {
  return f(caf::meta::type_name("SubtaskSample"), x.vertex, x.subtask, x.attempt, x.time_ms, x.operators,
           x.bytes_in, x.bytes_out, x.busy_ns, x.backpressured_ns, x.idle_ns, x.in_pool_usage, x.out_pool_usage,
           x.input_queue, x.output_queue, x.channels, x.input_watermarks, x.output_watermark, x.last_event_time,
           x.state_bytes, x.key_group_records, x.checkpoint, x.activity);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, VertexLoad& x) {
  return f(caf::meta::type_name("VertexLoad"), x.busy, x.backpressured, x.in_pool, x.out_pool);
}

// The kind travels as its number, checked when read.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskFailure& x) {
  auto kind = static_cast<int8_t>(x.kind);
  auto check_kind = [&]() -> caf::error {
    if (kind < static_cast<int8_t>(FailureKind::kRecord) || kind > static_cast<int8_t>(FailureKind::kInternal))
      return caf::make_error(caf::sec::invalid_argument, "unknown failure kind " + std::to_string(kind));
    x.kind = static_cast<FailureKind>(kind);
    return caf::none;
  };
  return f(caf::meta::type_name("TaskFailure"), kind, x.restartable, x.operator_name, x.subtask, x.parallelism,
           x.message, caf::meta::load_callback(check_kind));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, InjectedFault& x) {
  return f(caf::meta::type_name("InjectedFault"), x.node, x.subtask, x.records, x.attempt);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobSubmission& x) {
  return f(caf::meta::type_name("JobSubmission"), x.file_name, x.text, x.parallelism,
           x.restore_path, x.first_checkpoint_id, x.run_tag, x.faults, x.checkpoint_base, x.wait_for_slots,
           x.slot_request_timeout_us, x.allow_non_restored_state, x.max_parallelism);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobAccepted& x) {
  return f(caf::meta::type_name("JobAccepted"), x.id, x.notes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskDeployment& x) {
  return f(caf::meta::type_name("TaskDeployment"), x.job_id, x.job, x.vertex, x.subtask,
           x.job_master, x.attempt, x.restore_path, x.fail_after_records);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StateFileRef& x) {
  return f(caf::meta::type_name("StateFileRef"), x.path, x.crc, x.size);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SubtaskSnapshot& x) {
  return f(caf::meta::type_name("SubtaskSnapshot"), x.vertex, x.nodes, x.subtask, x.parallelism,
           x.state_file, x.private_files, x.shared_files, x.full_bytes, x.incremental_bytes,
           x.sync_duration_us, x.alignment_us);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CheckpointStats& x) {
  return f(caf::meta::type_name("CheckpointStats"), x.completed, x.failed, x.last_id,
           x.total_duration_us, x.max_duration_us, x.last_duration_us, x.last_full_bytes,
           x.last_incremental_bytes, x.max_alignment_us, x.restarts, x.restored_from,
           x.savepoint_path);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SubtaskWiring& x) {
  return f(caf::meta::type_name("SubtaskWiring"), x.consumers, x.consumer_channels, x.producers,
           x.producer_edges, x.producer_channels, x.coordinator, x.checkpointer);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SplitReply& x) {
  return f(caf::meta::type_name("SplitReply"), x.has_split, x.split, x.more, x.error, x.wait);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobResult& x) {
  return f(caf::meta::type_name("JobResult"), x.job_id, x.name, x.state, x.message, x.duration_us,
           x.metrics, x.parallelism, x.checkpoints, x.load, x.health);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TaskManagerInfo& x) {
  return f(caf::meta::type_name("TaskManagerInfo"), x.id, x.name, x.host, x.slots, x.free_slots,
           x.since_heartbeat_ms);
}

// A batch is written as msgpack bytes; reading decodes them. Locally neither runs.
template <class Inspector>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type
inspect(Inspector& f, BatchPayload& x) {
  std::string bytes = x.batch ? encode_batch(*x.batch) : std::string();
  return f(caf::meta::type_name("BatchPayload"), bytes);
}

template <class Inspector>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type
inspect(Inspector& f, BatchPayload& x) {
  std::string bytes;
  auto decode = [&]() -> caf::error {
    auto batch = decode_batch(bytes.data(), bytes.size());
    if (!batch.ok()) return caf::make_error(caf::sec::invalid_argument, batch.status().message());
    x.batch = std::move(batch).value();
    return caf::none;
  };
  return f(caf::meta::type_name("BatchPayload"), bytes, caf::meta::load_callback(decode));
}

/// Errors of eddy's own (category "eddy") that callers tell apart: the REST
/// API answers 404 for an unknown job and 409 for one that has ended.
enum class JobError : uint8_t { kNoSuchJob = 1, kJobEnded = 2 };
caf::error make_job_error(JobError code, std::string text);
/// True when `err` is eddy's error `code`.
bool is_job_error(const caf::error& err, JobError code);

/// The message of an error made with caf::make_error(code, "text") or
/// make_job_error: the text alone, without the system_error(...) wrapping of render().
std::string error_text(caf::actor_system& sys, const caf::error& err);

/// "node <id>", or "an anonymous sender" (a remote node's anonymous message
/// arrives without one): who sent a message, for logs.
std::string describe_sender(const caf::strong_actor_ptr& sender);

/// Why an actor or a link to another node ended, for people:
/// "its connection closed (the process died, or the network failed)" rather
/// than "exit_reason(remote_link_unreachable)".
std::string exit_reason_text(const caf::error& reason);

/// Registers every message type above under a fixed name (same on every node).
void add_message_types(caf::actor_system_config& cfg);

/// Scheduler settings of ARCHITECTURE.md: threads = cores, bounded throughput.
void apply_scheduler_defaults(caf::actor_system_config& cfg);

}  // namespace eddy

// A job's view travels between actors of the job manager's process only (the
// REST server, the job manager, job masters): as a pointer, never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eddy::JobViewPtr)
// The metric history goes to actors of the same process only, as a shared
// pointer (caf-0.17-notes.md, payloads): never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eddy::MetricHistoryPtr)
