// Unit tests of the adapter from a MetricHistory and a JobGraph to the
// monitor's inputs (src/monitor/history_input.h), and of the metric names
// rules may name against the history's own (runtime/metric_history.h).
#include <doctest/doctest.h>

#include "monitor/diagnosis.h"
#include "monitor/history_input.h"
#include "plan/monitor_spec.h"

using namespace eddy;

namespace {

JobGraphPtr keyed_job() {
  auto graph = load_pipeline_text("k.yaml", R"(name: k
max_parallelism: 8
sources:
  - name: gen
    type: datagen
    rows: 10
    fields: { id: { kind: sequence }, u: { kind: random, min: 1, max: 3 } }
operators:
  - { name: a, input: gen, key_by: [u], parallelism: 2, filter: "id > 0" }
sinks:
  - { name: out, input: a, type: blackhole, parallelism: 2 }
)");
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  return *graph;
}

/// A sample of `vertex`/`subtask` at `t` ms, `busy_ms` of each second busy.
SubtaskSample sample(int32_t vertex, int32_t subtask, int64_t t, uint64_t records, int64_t busy_ms) {
  SubtaskSample s;
  s.vertex = vertex;
  s.subtask = subtask;
  s.time_ms = t;
  s.operators.resize(1);
  s.operators[0].records_in = records;
  s.operators[0].records_out = records;
  s.busy_ns = busy_ms * (t / 1000) * 1000000;
  s.idle_ns = (1000 - busy_ms) * (t / 1000) * 1000000;
  s.in_pool_usage = 0.5;
  return s;
}

}  // namespace

TEST_CASE("every metric name a rule may name is one the metric history answers") {
  for (const auto& n : monitor_subtask_metric_names()) CHECK_MESSAGE(is_subtask_metric(n), n);
  for (const auto& n : monitor_job_metric_names()) CHECK_MESSAGE(is_job_metric(n), n);
}

TEST_CASE("the diagnosis' inputs come from the history: ratios, rates, edges and key group rates") {
  JobGraphPtr g = keyed_job();
  REQUIRE(g->vertices.size() == 2);  // gen | a -> out
  MetricHistory h;
  for (int64_t t : {1000, 2000}) {
    SubtaskSample src = sample(0, 0, t, 100 * (t / 1000), 300);
    src.key_group_records.assign(8, 0);
    src.key_group_records[6] = 90 * (t / 1000);  // key group 6: subtask 1 of 2 at max parallelism 8
    src.key_group_records[1] = 10 * (t / 1000);
    h.add(src);
    h.add(sample(1, 0, t, 10 * (t / 1000), 100));
    SubtaskSample hot = sample(1, 1, t, 90 * (t / 1000), 900);
    hot.channels = {ChannelSample{0, 0, 5000, false, false, 0}};
    h.add(hot);
  }
  const auto shapes = vertex_shapes(*g, {"id0", "id1"});
  REQUIRE(shapes.size() == 2);
  CHECK(shapes[1].operators == std::vector<std::string>{"a", "out"});
  CHECK(shapes[0].source);
  JobInput job = job_input_from_history(h, *g, shapes, 2000, 1000, 10);
  REQUIRE(job.vertices.size() == 2);
  const VertexInput& a = job.vertices[1];
  CHECK(a.id == "id1");
  CHECK(a.upstream == std::vector<int32_t>{0});
  CHECK(a.hash_upstream == std::vector<int32_t>{0});
  CHECK(a.sink);
  CHECK(a.max_parallelism == 8);
  REQUIRE(a.subtasks.size() == 2);
  CHECK(a.subtasks[1].busy_ratio == doctest::Approx(0.9));
  CHECK(a.subtasks[1].records_in_per_s == doctest::Approx(90));
  CHECK(a.subtasks[1].in_pool_usage == doctest::Approx(0.5));
  REQUIRE(a.subtasks[1].records_in.size() == 1);  // one rate from two samples
  CHECK(a.subtasks[1].records_in[0].value == doctest::Approx(90));
  CHECK(a.subtasks[1].output_watermarks.size() == 1);
  REQUIRE(a.subtasks[1].channels.size() == 1);
  CHECK(a.subtasks[1].channels[0].watermark == 5000);
  CHECK(job.vertices[0].subtasks[0].records_in_per_s == doctest::Approx(100));  // a source: what it emits
  REQUIRE(job.vertices[0].subtasks[0].key_group_rates.size() == 8);
  CHECK(job.vertices[0].subtasks[0].key_group_rates[6] == doctest::Approx(90));
  JobHealth health = diagnose(job);
  REQUIRE(health.vertices[1].skew);
  CHECK(health.vertices[1].skew->subtask == 1);
  CHECK(health.vertices[1].skew->key_groups == std::vector<int32_t>{6});
  HistoryMetricView view(h, shapes);
  CHECK(view.subtasks(1) == 2);
  CHECK(view.series(1, 1, "numRecordsInPerSecond").back().value == doctest::Approx(90));
}
