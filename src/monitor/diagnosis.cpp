// diagnose(): runs each rule over every vertex and gathers the flags.
#include "monitor/diagnosis.h"

#include <algorithm>

#include "monitor/backpressure.h"
#include "monitor/bottleneck.h"
#include "monitor/skew.h"
#include "monitor/watermark_stall.h"

namespace eddy {
namespace {

VertexHealth vertex_health(const JobInput& job, const VertexInput& v, const DiagnosisOptions& options) {
  VertexHealth h;
  h.index = v.index;
  h.id = v.id;
  h.name = v.name;
  for (const auto& s : v.subtasks) {
    h.busy_ratio = std::max(h.busy_ratio, s.busy_ratio);
    h.backpressured_ratio = std::max(h.backpressured_ratio, s.backpressured_ratio);
    h.in_pool_usage = std::max(h.in_pool_usage, s.in_pool_usage);
    h.out_pool_usage = std::max(h.out_pool_usage, s.out_pool_usage);
    h.input_records_per_s += s.records_in_per_s;
  }
  h.level = backpressure_level(h.backpressured_ratio);
  h.capacity_records_per_s = vertex_capacity(v, options);
  h.skew = find_skew(job, v, options);
  h.watermark_stall = find_watermark_stall(v, options);
  return h;
}

void add_flag(JobHealth& health, VertexHealth& v, const char* kind, int32_t subtask, std::string message) {
  v.flags.push_back(kind);
  health.flags.push_back(HealthFlag{kind, v.index, v.id, subtask, std::move(message)});
}

}  // namespace

std::optional<double> vertex_capacity(const VertexInput& v, const DiagnosisOptions& options) {
  double capacity = 0;
  bool known = false;
  for (const auto& s : v.subtasks)
    if (s.busy_ratio >= options.capacity_min_busy && s.records_in_per_s > 0) {
      capacity += s.records_in_per_s / s.busy_ratio;
      known = true;
    }
  if (!known) return std::nullopt;
  return capacity;
}

JobHealth diagnose(const JobInput& job, const DiagnosisOptions& options) {
  JobHealth health;
  health.timestamp_ms = job.now_ms;
  for (const auto& v : job.vertices) health.vertices.push_back(vertex_health(job, v, options));
  health.bottleneck = find_bottleneck(job, options);
  bool warn = false;
  for (auto& v : health.vertices) {
    if (health.bottleneck && health.bottleneck->vertex == v.index) {
      add_flag(health, v, "bottleneck", health.bottleneck->subtask, health.bottleneck->message);
      warn = true;
    }
    if (v.level != BackpressureLevel::kOk) {
      add_flag(health, v, "backpressured", -1,
               v.name + " is backpressured (" + backpressure_level_name(v.level) + ", " +
                   std::to_string(static_cast<int>(v.backpressured_ratio * 100 + 0.5)) + "%)");
      warn = warn || v.level == BackpressureLevel::kHigh;
    }
    if (v.skew) {
      add_flag(health, v, "skew", v.skew->subtask, v.skew->message);
      warn = true;
    }
    if (v.watermark_stall) {
      add_flag(health, v, "watermark-stalled", v.watermark_stall->subtask, v.watermark_stall->message);
      warn = true;
    }
  }
  health.status = warn ? HealthStatus::kWarn : HealthStatus::kOk;
  return health;
}

}  // namespace eddy
