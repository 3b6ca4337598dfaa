// A small job for the monitor's unit tests: a planned pipeline (source ->
// filter, then a hash edge to a window... kept simple: gen -> f | key_by ->
// out) and a JobView around it with a metric history of two samples.
#pragma once

#include <memory>
#include <string>

#include "monitor/job_view.h"
#include "plan/job_graph.h"

namespace eddy::testing {

inline JobGraphPtr small_graph() {
  const std::string text =
      "name: t\nsources:\n"
      "  - { name: gen, type: datagen, rows: 100, parallelism: 2, fields: { id: { kind: sequence }, "
      "k: { kind: random, min: 1, max: 5 } } }\n"
      "operators:\n"
      "  - { name: f, input: gen, parallelism: 2, filter: \"id % 3 = 0\" }\n"
      "sinks:\n"
      "  - { name: out, input: f, type: blackhole, parallelism: 3, key_by: [k] }\n";
  auto g = load_pipeline_text("t.yaml", text);
  return g.ok() ? *g : nullptr;
}

/// Subtask `subtask` of `vertex` at `time_ms`, `records` in and out so far.
inline SubtaskSample sample(int32_t vertex, int32_t subtask, int64_t time_ms, uint64_t records,
                            const JobGraph& g) {
  SubtaskSample s;
  s.vertex = vertex;
  s.subtask = subtask;
  s.time_ms = time_ms;
  for (int n : g.vertices[static_cast<size_t>(vertex)].nodes) {
    OperatorMetrics m{g.nodes[static_cast<size_t>(n)].name};
    m.records_in = m.records_out = records;
    m.batches_in = m.batches_out = records / 10;
    s.operators.push_back(m);
  }
  s.busy_ns = static_cast<int64_t>(time_ms) * 100000;          // 100 ms/s busy
  s.backpressured_ns = static_cast<int64_t>(time_ms) * 700000;  // 700 ms/s backpressured
  s.idle_ns = static_cast<int64_t>(time_ms) * 200000;
  s.input_watermarks = {1000 + subtask};
  return s;
}

inline JobView small_view(bool with_history) {
  JobView v;
  v.job_id = 0xabc;
  v.id_text = "0000000000000abc";
  v.name = "t";
  v.state = "RUNNING";
  v.start_ms = 1000;
  v.now_ms = 5000;
  v.graph = small_graph();
  v.slots = {{"tm-a", "'a'", "10.0.0.1"}, {"tm-b", "'b'", "10.0.0.2"}, {"tm-a", "'a'", "10.0.0.1"}};
  for (const auto& jv : v.graph->vertices) v.subtask_states.emplace_back(static_cast<size_t>(jv.parallelism), "RUNNING");
  v.operators.resize(v.graph->nodes.size());
  if (!with_history) return v;
  auto h = std::make_shared<MetricHistory>();
  for (size_t vx = 0; vx < v.graph->vertices.size(); ++vx)
    for (int32_t i = 0; i < v.graph->vertices[vx].parallelism; ++i) {
      h->add(sample(static_cast<int32_t>(vx), i, 1000, 100, *v.graph));
      h->add(sample(static_cast<int32_t>(vx), i, 2000, 100 + 50 * static_cast<uint64_t>(i + 1), *v.graph));
    }
  v.history = h;
  return v;
}

}  // namespace eddy::testing
