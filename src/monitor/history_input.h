// The one adapter between the job master's MetricHistory and the monitor:
// the diagnosis' inputs (monitor/diagnosis_input.h) and the rules' view
// (monitor/metric_view.h) built from the history and the job graph. Called
// by the job master once per metrics interval.
#pragma once

#include <string>
#include <vector>

#include "monitor/diagnosis_input.h"
#include "monitor/metric_view.h"
#include "plan/job_graph.h"
#include "runtime/metric_history.h"

namespace eddy {

/// The vertices as the rules see them. `ids`: the vertices' REST ids by
/// index (empty: the index as text).
std::vector<VertexShape> vertex_shapes(const JobGraph& graph, const std::vector<std::string>& ids);

/// The diagnosis' inputs at `now_ms`: the latest values of every subtask that
/// reported, the last `series_points` watermarks and input rates, and the
/// key group rates between the last two samples. A source's input rate is the
/// rate it emits (it has no input).
JobInput job_input_from_history(const MetricHistory& history, const JobGraph& graph,
                                const std::vector<VertexShape>& shapes, int64_t now_ms, int64_t interval_ms,
                                size_t series_points);

/// MetricView over a MetricHistory (which must outlive it).
class HistoryMetricView : public MetricView {
 public:
  HistoryMetricView(const MetricHistory& history, std::vector<VertexShape> shapes)
      : history_(history), shapes_(std::move(shapes)) {}
  const std::vector<VertexShape>& vertices() const override { return shapes_; }
  int32_t subtasks(int32_t vertex) const override { return history_.subtasks(vertex); }
  std::vector<TimedValue> series(int32_t vertex, int32_t subtask, std::string_view name) const override;
  std::vector<TimedValue> job_series(std::string_view name) const override;

 private:
  const MetricHistory& history_;
  std::vector<VertexShape> shapes_;
};

}  // namespace eddy
