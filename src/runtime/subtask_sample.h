// What one subtask reports every `metrics.interval` (docs/monitoring.md): its
// chained operators' counters and the state of its queues, time and inputs at
// that moment. Counters are cumulative since the subtask started; rates come
// from two samples (runtime/metric_history.h). Plain data, CAF-free: the
// subtask actor sends it to the job master as is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/metrics.h"

namespace eddy {

/// One input channel as the subtask's input gate sees it.
struct ChannelSample {
  int32_t input = 0;        // which input of a two-input operator (0 or 1)
  int32_t channel = 0;      // the gate's channel index (producer subtask order)
  int64_t watermark = INT64_MIN;  // INT64_MIN: none yet
  bool idle = false;        // the producer said it is idle
  bool finished = false;    // end of input on this channel
  int32_t queued = 0;       // batches arrived and not yet processed
};

/// The last checkpoint this subtask took part in.
struct SubtaskCheckpointSample {
  int64_t id = -1;                 // -1: none yet
  int64_t alignment_us = 0;        // first barrier to last barrier
  int64_t sync_us = 0;             // snapshot on the subtask's thread
  int64_t async_us = 0;            // the state file written off it
  int64_t bytes = 0;               // state file size
};

struct SubtaskSample {
  int32_t vertex = 0;
  int32_t subtask = 0;
  int32_t attempt = 0;
  int64_t time_ms = 0;  // wall clock when taken

  std::vector<OperatorMetrics> operators;  // one per chained node, cumulative

  uint64_t bytes_in = 0;   // encoded size of the batches received, cumulative
  uint64_t bytes_out = 0;  // and of those sent

  // Where the subtask's time went, cumulative, as Flink's busyTimeMsPerSecond /
  // backPressuredTimeMsPerSecond / idleTimeMsPerSecond split it: busy running
  // the chain, backpressured with output ready and no credit, idle otherwise.
  int64_t busy_ns = 0;
  int64_t backpressured_ns = 0;
  int64_t idle_ns = 0;

  // Queue usage from the credits (Flink's inPoolUsage / outPoolUsage, 0..1):
  // in: the input gate's buffers in use over all its buffers; out: batches
  // queued for lack of credit over what the consumers could hold.
  double in_pool_usage = 0;
  double out_pool_usage = 0;
  int32_t input_queue = 0;   // batches waiting in the input gate
  int32_t output_queue = 0;  // batches waiting for credit

  std::vector<ChannelSample> channels;  // empty for sources
  std::vector<int64_t> input_watermarks;  // per input (one or two); INT64_MIN: none
  int64_t output_watermark = INT64_MIN;
  int64_t last_event_time = INT64_MIN;  // sources: largest event time emitted (source lag)

  uint64_t state_bytes = 0;  // keyed state held, estimated
  // Records sent per key group on this subtask's hash outputs, cumulative,
  // indexed by key group (max parallelism long); empty without hash outputs.
  std::vector<uint64_t> key_group_records;

  SubtaskCheckpointSample checkpoint;

  /// What the subtask is doing at the moment of the sample: "processing",
  /// "backpressured", "idle", "aligning", "snapshotting", "firing timers".
  std::string activity;
};

}  // namespace eddy
