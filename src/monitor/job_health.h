// JobHealth: what the diagnosis (monitor/diagnosis.h) finds in a job at one
// moment: per vertex its backpressure level, ratios, capacity, skew and
// watermark stall, the job's bottleneck, and a flat list of flags. Served as
// JSON by GET /jobs/{id}/health (monitor/health_json.h), kept by the job master.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace eddy {

/// Flink's levels of the backpressured ratio: ok <= 0.10 < low <= 0.50 < high.
enum class BackpressureLevel { kOk, kLow, kHigh };
const char* backpressure_level_name(BackpressureLevel level);
BackpressureLevel backpressure_level(double ratio);

enum class HealthStatus { kOk, kWarn, kFatal };
const char* health_status_name(HealthStatus status);

/// One subtask gets much more than the others (monitor/skew.h).
struct SkewFinding {
  std::string metric;   // "numRecordsInPerSecond", "busyTimeMsPerSecond" or "stateSizeBytes"
  int32_t subtask = 0;  // the hot subtask
  double ratio = 0;     // its value over the median of the other subtasks'
  double share = 0;     // its value over the sum of all subtasks' values
  double max = 0, median = 0;  // the hot subtask's value, the others' median
  std::vector<int32_t> key_groups;  // the hot subtask's busiest key groups, busiest first
  std::string message;
};

/// A subtask's output watermark stands still while records come in (monitor/watermark_stall.h).
struct WatermarkStall {
  int32_t subtask = 0;
  int32_t input = 0;    // the input and channel holding it back: lowest watermark, not idle
  int32_t channel = 0;
  int64_t watermark = 0;  // that channel's watermark (kWatermarkNone: none yet)
  int64_t since_ms = 0;   // when the output watermark last moved
  std::string message;
};

struct VertexHealth {
  int32_t index = 0;
  std::string id, name;
  BackpressureLevel level = BackpressureLevel::kOk;
  // Maxima over the subtasks (as Flink's graph colours a vertex).
  double busy_ratio = 0, backpressured_ratio = 0, in_pool_usage = 0, out_pool_usage = 0;
  double input_records_per_s = 0;  // sum over the subtasks
  /// The rate the vertex could take at 100 % busy (input rate / busy ratio,
  /// as Flink's autoscaler); nullopt when too idle to tell.
  std::optional<double> capacity_records_per_s;
  std::vector<std::string> flags;  // "bottleneck", "backpressured", "skew", "watermark-stalled"
  std::optional<SkewFinding> skew;
  std::optional<WatermarkStall> watermark_stall;
};

struct Bottleneck {
  int32_t vertex = 0;  // index
  std::string id, name;
  int32_t subtask = 0;  // the hot subtask
  double busy_ratio = 0, in_pool_usage = 0, out_pool_usage = 0;
  std::vector<int32_t> backpressured_upstream;  // vertex indices
  std::string message;
};

struct HealthFlag {
  std::string kind;  // "bottleneck", "backpressured", "skew", "watermark-stalled"
  int32_t vertex = 0;
  std::string vertex_id;
  int32_t subtask = -1;  // -1: the whole vertex
  std::string message;
};

struct JobHealth {
  int64_t timestamp_ms = 0;
  HealthStatus status = HealthStatus::kOk;
  std::optional<Bottleneck> bottleneck;
  std::vector<VertexHealth> vertices;
  std::vector<HealthFlag> flags;
};

using JobHealthPtr = std::shared_ptr<const JobHealth>;

}  // namespace eddy
