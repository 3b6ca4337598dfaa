// Flink's backpressure levels (FLINK-20852: from backPressuredTimeMsPerSecond).
#include "monitor/backpressure.h"

#include <algorithm>

namespace eddy {

const char* backpressure_level_name(BackpressureLevel level) {
  switch (level) {
    case BackpressureLevel::kOk: return "ok";
    case BackpressureLevel::kLow: return "low";
    case BackpressureLevel::kHigh: return "high";
  }
  return "ok";
}

BackpressureLevel backpressure_level(double ratio) {
  if (ratio <= 0.10) return BackpressureLevel::kOk;
  if (ratio <= 0.50) return BackpressureLevel::kLow;
  return BackpressureLevel::kHigh;
}

const char* health_status_name(HealthStatus status) {
  switch (status) {
    case HealthStatus::kOk: return "ok";
    case HealthStatus::kWarn: return "warn";
    case HealthStatus::kFatal: return "fatal";
  }
  return "ok";
}

double vertex_backpressured_ratio(const VertexInput& v) {
  double worst = 0;
  for (const auto& s : v.subtasks) worst = std::max(worst, s.backpressured_ratio);
  return worst;
}

BackpressureLevel vertex_backpressure_level(const VertexInput& v) {
  return backpressure_level(vertex_backpressured_ratio(v));
}

}  // namespace eddy
