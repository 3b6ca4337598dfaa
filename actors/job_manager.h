// The job_manager actor: one per cluster. Keeps the registry of task managers
// and their slots (registration, heartbeats), hands
// out slots to jobs, accepts jobs, spawns a job_master per job, and keeps the
// results of ended jobs for the REST API.
#pragma once

#include <cstdint>
#include <string>

#include "actors/messages.h"

namespace eddy {

struct JobManagerOptions {
  /// Cluster mode: membership changes and ignored messages are logged. (Task
  /// managers prove the cluster secret before they reach this actor: see
  /// actors/rpc_gate.h.)
  bool cluster_mode = false;
  /// A task manager silent this long is dropped; 0: never (eddy local).
  int64_t heartbeat_timeout_us = 0;
  /// Relative checkpoints.dir of submitted jobs are resolved against this.
  std::string checkpoint_base;
  /// Cluster mode: every submitted job starts a new run in its checkpoints.dir
  /// (CheckpointStorage::start_run; earlier runs' checkpoints stay), and two
  /// running jobs may not share a checkpoints.dir. eddy local starts the run
  /// itself (it may resume the last one instead).
  bool start_checkpoint_runs = false;
  /// A job waiting for slots this long counts it as a failure (cluster mode;
  /// slot.request_timeout of the cluster config, Flink's slot.request.timeout: 5 min).
  int64_t slot_request_timeout_us = 300000000;
  /// The cluster config's `monitor:` section, for jobs without one of their own.
  std::shared_ptr<const MonitorSpec> monitor;
};

caf::actor spawn_job_manager(caf::actor_system& sys, JobManagerOptions options = {});

/// Job ids as users see them: 16 hex digits.
std::string format_job_id(uint64_t id);
/// The id back from its text; 0 when `text` is not one.
uint64_t parse_job_id(const std::string& text);

}  // namespace eddy
