// MetricHistory + JobGraph -> the monitor's inputs (monitor/history_input.h).
#include "monitor/history_input.h"

#include <algorithm>

namespace eddy {
namespace {

std::vector<TimedValue> timed(const std::vector<MetricPoint>& points) {
  std::vector<TimedValue> out;
  out.reserve(points.size());
  for (const auto& p : points) out.push_back(TimedValue{p.time_ms, p.value});
  return out;
}

/// Records per second per key group between the two latest samples.
std::vector<double> key_group_rates(const SubtaskSample* cur, const SubtaskSample* prev) {
  if (!cur || !prev || prev->attempt != cur->attempt || cur->time_ms <= prev->time_ms ||
      prev->key_group_records.size() != cur->key_group_records.size())
    return {};
  const double dt = static_cast<double>(cur->time_ms - prev->time_ms) / 1000.0;
  std::vector<double> rates(cur->key_group_records.size());
  for (size_t kg = 0; kg < rates.size(); ++kg)
    rates[kg] = static_cast<double>(cur->key_group_records[kg] - prev->key_group_records[kg]) / dt;
  return rates;
}

/// The last `points` output watermarks and input rates, from the samples
/// themselves: MetricHistory::series would compute all five minutes of them.
void recent_series(const MetricHistory& h, int32_t v, int32_t s, bool source, size_t points, SubtaskInput& in) {
  const auto samples = h.samples(v, s);
  const size_t from = samples.size() > points + 1 ? samples.size() - points - 1 : 0;
  auto records = [source](const SubtaskSample& x) -> double {
    if (x.operators.empty()) return 0;
    return static_cast<double>(source ? x.operators.back().records_out : x.operators.front().records_in);
  };
  for (size_t i = from + 1; i < samples.size(); ++i) {
    const SubtaskSample& cur = *samples[i];
    const SubtaskSample& prev = *samples[i - 1];
    in.output_watermarks.push_back(TimedValue{cur.time_ms, static_cast<double>(cur.output_watermark)});
    if (cur.attempt != prev.attempt || cur.time_ms <= prev.time_ms) continue;  // a new attempt starts its counters
    const double dt = static_cast<double>(cur.time_ms - prev.time_ms) / 1000.0;
    in.records_in.push_back(TimedValue{cur.time_ms, (records(cur) - records(prev)) / dt});
  }
}

SubtaskInput subtask_input(const MetricHistory& h, int32_t v, int32_t s, bool source, size_t points) {
  auto get = [&](std::string_view name) { return h.value(v, s, name).value_or(0.0); };
  SubtaskInput in;
  in.subtask = s;
  in.busy_ratio = get("busyTimeMsPerSecond") / 1000;
  in.backpressured_ratio = get("backPressuredTimeMsPerSecond") / 1000;
  in.idle_ratio = get("idleTimeMsPerSecond") / 1000;
  in.in_pool_usage = get("buffers.inPoolUsage");
  in.out_pool_usage = get("buffers.outPoolUsage");
  const char* rate = source ? "numRecordsOutPerSecond" : "numRecordsInPerSecond";
  in.records_in_per_s = get(rate);
  in.state_bytes = get("stateSizeBytes");
  const SubtaskSample* latest = h.latest(v, s);
  if (latest)
    for (const auto& c : latest->channels)
      in.channels.push_back(ChannelInput{c.input, c.channel, c.watermark, c.idle, c.finished});
  recent_series(h, v, s, source, points, in);
  in.key_group_rates = key_group_rates(latest, h.previous(v, s));
  return in;
}

}  // namespace

std::vector<VertexShape> vertex_shapes(const JobGraph& graph, const std::vector<std::string>& ids) {
  std::vector<VertexShape> shapes;
  for (const auto& v : graph.vertices) {
    VertexShape shape;
    shape.index = v.id;
    shape.id = v.id < static_cast<int>(ids.size()) ? ids[v.id] : std::to_string(v.id);
    shape.name = v.name;
    for (int n : v.nodes) shape.operators.push_back(graph.nodes[n].name);
    shape.source = v.is_source();
    shapes.push_back(std::move(shape));
  }
  return shapes;
}

JobInput job_input_from_history(const MetricHistory& history, const JobGraph& graph,
                                const std::vector<VertexShape>& shapes, int64_t now_ms, int64_t interval_ms,
                                size_t series_points) {
  JobInput job;
  job.now_ms = now_ms;
  job.interval_ms = interval_ms;
  for (const auto& v : graph.vertices) {
    VertexInput in;
    in.index = v.id;
    in.id = shapes[v.id].id;
    in.name = v.name;
    in.source = v.is_source();
    in.sink = v.outputs.empty();
    in.max_parallelism = graph.spec.max_parallelism;
    for (int e : v.inputs) {
      const JobEdge& edge = graph.edges[e];
      if (std::find(in.upstream.begin(), in.upstream.end(), edge.from_vertex) == in.upstream.end())
        in.upstream.push_back(edge.from_vertex);
      if (edge.partitioning == EdgePartitioning::kHash &&
          std::find(in.hash_upstream.begin(), in.hash_upstream.end(), edge.from_vertex) == in.hash_upstream.end())
        in.hash_upstream.push_back(edge.from_vertex);
    }
    for (int32_t s = 0; s < history.subtasks(v.id); ++s)
      in.subtasks.push_back(subtask_input(history, v.id, s, in.source, series_points));
    job.vertices.push_back(std::move(in));
  }
  return job;
}

std::vector<TimedValue> HistoryMetricView::series(int32_t vertex, int32_t subtask, std::string_view name) const {
  return timed(history_.series(vertex, subtask, name));
}

std::vector<TimedValue> HistoryMetricView::job_series(std::string_view name) const {
  return timed(history_.job_series(name));
}

}  // namespace eddy
