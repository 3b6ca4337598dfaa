// Unit tests of the job master's monitor (src/monitor/job_monitor.h) over a
// real MetricHistory and a planned pipeline with a `monitor:` section: one
// tick diagnoses, opens events and logs them; the job's end resolves them.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "monitor/job_monitor.h"

using namespace eddy;

namespace {

JobGraphPtr skewed_job() {
  auto graph = load_pipeline_text("m.yaml", R"(name: m
max_parallelism: 8
sources:
  - name: gen
    type: datagen
    rows: 10
    fields: { id: { kind: sequence }, u: { kind: random, min: 1, max: 3 } }
operators:
  - { name: a, input: gen, key_by: [u], parallelism: 2, filter: "id > 0" }
sinks:
  - { name: out, input: a, type: blackhole }
monitor:
  builtin:
    TASK_MANAGER_OPERATOR_DATA_SKEW: { for: 0s, actions: [log] }
)");
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  return *graph;
}

SubtaskSample sample(int32_t vertex, int32_t subtask, int64_t t, uint64_t per_second) {
  SubtaskSample s;
  s.vertex = vertex;
  s.subtask = subtask;
  s.time_ms = t;
  s.operators.resize(1);
  s.operators[0].records_in = s.operators[0].records_out = per_second * static_cast<uint64_t>(t / 1000);
  s.busy_ns = 300 * (t / 1000) * 1000000;
  s.idle_ns = 700 * (t / 1000) * 1000000;
  return s;
}

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  return out;
}

}  // namespace

TEST_CASE("a tick diagnoses skew, opens and logs its event; the job's end resolves it") {
  std::FILE* log = std::tmpfile();
  REQUIRE(log);
  JobMonitor monitor(skewed_job(), {"v0", "v1"}, 1000, log);
  CHECK(monitor.health()->timestamp_ms == 0);  // nothing diagnosed yet
  MetricHistory h;
  for (int64_t t : {1000, 2000}) {
    h.add(sample(0, 0, t, 100));
    h.add(sample(1, 0, t, 5));
    h.add(sample(1, 1, t, 95));
  }
  CHECK(monitor.tick(2000, h, ClusterFacts{}) == 0);  // no savepoint asked for
  auto health = nlohmann::json::parse(monitor.health_json());
  CHECK(health["status"] == "warn");
  CHECK(health["vertices"][1]["id"] == "v1");
  CHECK(health["vertices"][1]["skew"]["subtask"] == 1);
  auto events = nlohmann::json::parse(monitor.events_json())["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0]["rule"] == "TASK_MANAGER_OPERATOR_DATA_SKEW");
  CHECK(events[0]["vertex"] == "v1");
  CHECK(events[0]["state"] == "open");
  monitor.finish(3000, "the job ended finished", 100);
  events = nlohmann::json::parse(monitor.events_json())["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0]["state"] == "resolved");
  const std::string text = read_all(log);
  CHECK(text.find("eddy: job 'm': [WARN] TASK_MANAGER_OPERATOR_DATA_SKEW opened: operator data skew: a subtask 1") !=
        std::string::npos);
  CHECK(text.find("resolved: ") != std::string::npos);
  CHECK(text.find("(the job ended finished)") != std::string::npos);
  std::fclose(log);
}
