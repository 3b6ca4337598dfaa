// A MetricView over series a test writes (monitor/metric_view.h).
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "monitor/metric_view.h"

namespace eddy::test {

class FakeMetricView : public MetricView {
 public:
  std::vector<VertexShape> shapes;
  std::map<std::tuple<int32_t, int32_t, std::string>, std::vector<TimedValue>> subtask_series;
  std::map<std::string, std::vector<TimedValue>> job;

  const std::vector<VertexShape>& vertices() const override { return shapes; }
  int32_t subtasks(int32_t vertex) const override {
    int32_t n = 0;
    for (const auto& [key, s] : subtask_series)
      if (std::get<0>(key) == vertex) n = std::max(n, std::get<1>(key) + 1);
    return n;
  }
  std::vector<TimedValue> series(int32_t vertex, int32_t subtask, std::string_view name) const override {
    auto it = subtask_series.find({vertex, subtask, std::string(name)});
    return it == subtask_series.end() ? std::vector<TimedValue>{} : it->second;
  }
  std::vector<TimedValue> job_series(std::string_view name) const override {
    auto it = job.find(std::string(name));
    return it == job.end() ? std::vector<TimedValue>{} : it->second;
  }
  /// Appends a point to a subtask's series.
  void add(int32_t vertex, int32_t subtask, const std::string& name, int64_t t, double v) {
    subtask_series[{vertex, subtask, name}].push_back({t, v});
  }
};

}  // namespace eddy::test
