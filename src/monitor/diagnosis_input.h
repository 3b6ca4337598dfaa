// The plain facts the diagnosis (monitor/diagnosis.h) reads: per vertex, per
// subtask, the latest ratios, queue usage, rates, state and watermarks, plus
// the few series it needs. Built from a MetricHistory by monitor/history_input.h
// in the job master, and written by hand in the unit tests. CAF-free.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace eddy {

/// "No watermark", as Flink's Long.MIN_VALUE (operators/operator.h's kNoWatermark, without its includes).
constexpr int64_t kWatermarkNone = std::numeric_limits<int64_t>::min();

/// One input channel of a subtask at the latest sample.
struct ChannelInput {
  int32_t input = 0;    // which input of a two-input operator
  int32_t channel = 0;  // the gate's channel index
  int64_t watermark = kWatermarkNone;
  bool idle = false;      // the producer declared itself idle
  bool finished = false;  // end of input on this channel
};

/// A point of a series: wall-clock time and value.
struct TimedValue {
  int64_t time_ms = 0;
  double value = 0;
};

struct SubtaskInput {
  int32_t subtask = 0;
  double busy_ratio = 0;           // busyTimeMsPerSecond / 1000
  double backpressured_ratio = 0;  // backPressuredTimeMsPerSecond / 1000
  double idle_ratio = 0;           // idleTimeMsPerSecond / 1000
  double in_pool_usage = 0;        // buffers.inPoolUsage, 0..1
  double out_pool_usage = 0;       // buffers.outPoolUsage, 0..1
  /// numRecordsInPerSecond; for a source, the records it emits (it has no input).
  double records_in_per_s = 0;
  double state_bytes = 0;  // stateSizeBytes
  std::vector<ChannelInput> channels;
  /// currentOutputWatermark over the recent samples, oldest first (the last
  /// point is the latest); kWatermarkNone values when there is none.
  std::vector<TimedValue> output_watermarks;
  /// numRecordsInPerSecond over the same samples (watermark stalls need input flowing).
  std::vector<TimedValue> records_in;
  /// Records per second this subtask sends per key group on its hash outputs
  /// over the last interval, indexed by key group; empty without hash outputs.
  std::vector<double> key_group_rates;
};

struct VertexInput {
  int32_t index = 0;   // position in the job graph
  std::string id;      // 32 hex digits (docs/monitoring.md "Vertex ids")
  std::string name;    // "gen -> euros"
  bool source = false;
  bool sink = false;   // no output edges
  int32_t max_parallelism = 128;  // key groups, for naming hot ones
  std::vector<int32_t> upstream;       // vertex indices feeding this one
  std::vector<int32_t> hash_upstream;  // those of them feeding it by a hash edge
  std::vector<SubtaskInput> subtasks;
};

struct JobInput {
  int64_t now_ms = 0;
  int64_t interval_ms = 1000;  // metrics.interval
  std::vector<VertexInput> vertices;  // by index
};

}  // namespace eddy
