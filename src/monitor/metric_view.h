// What the rules read of a job's metrics: series by Flink name per subtask
// and for the job. The job master's MetricHistory answers it through
// monitor/history_input.h; unit tests fill a map. CAF-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/diagnosis_input.h"

namespace eddy {

/// A vertex as the rules see it: which operators it chains (rules name one).
struct VertexShape {
  int32_t index = 0;
  std::string id, name;
  std::vector<std::string> operators;
  bool source = false;
};

class MetricView {
 public:
  virtual ~MetricView() = default;
  virtual const std::vector<VertexShape>& vertices() const = 0;
  /// Subtasks of `vertex` that have reported.
  virtual int32_t subtasks(int32_t vertex) const = 0;
  /// Metric `name` of a subtask over the kept history, oldest first (empty: unknown).
  virtual std::vector<TimedValue> series(int32_t vertex, int32_t subtask, std::string_view name) const = 0;
  /// A job metric over the kept history, oldest first.
  virtual std::vector<TimedValue> job_series(std::string_view name) const = 0;
};

/// The points of `s` at or after `from_ms`.
std::vector<TimedValue> since(const std::vector<TimedValue>& s, int64_t from_ms);

/// The series of a vertex folded over its subtasks point by point, the k-th
/// last sample of each subtask with the k-th last of the others (samples come
/// once per interval from every subtask, so these are about the same time):
/// "max", "min", "avg" or "sum".
std::vector<TimedValue> fold_subtasks(const std::vector<std::vector<TimedValue>>& per_subtask, const char* how);

}  // namespace eddy
