// Unit tests for when and how far watermark alignment lets source subtasks
// drift apart (src/plan/source_alignment.h).
#include <doctest/doctest.h>

#include "plan/job_graph.h"
#include "plan/source_alignment.h"

using namespace eddy;

namespace {

JobGraphPtr plan(const std::string& event_time, const std::string& window, int parallelism = 2) {
  const std::string text =
      "name: a\nparallelism: " + std::to_string(parallelism) +
      "\nsources:\n  - name: gen\n    type: datagen\n    rows: 10\n"
      "    fields: { k: { kind: sequence }, ts: { kind: timestamp, start: \"2024-01-01 00:00:00\", step: 1s } }\n" +
      (event_time.empty() ? "" : "    event_time: " + event_time + "\n") +
      "operators:\n  - name: w\n    input: gen\n    key_by: [k]\n    window: " + window +
      "\n    aggregate: { n: count(*) }\nsinks:\n  - { name: out, input: w, type: blackhole }\n";
  auto graph = load_pipeline_text("a.yaml", text, PlanOptions{});
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  return *graph;
}

}  // namespace

TEST_CASE("sources align by default with the largest event-time window downstream as the drift") {
  CHECK(source_alignment_drift_ms(*plan("{ column: ts }", "{ type: sliding, size: 10s, slide: 2s }"), 0) == 10000);
  CHECK(source_alignment_drift_ms(*plan("{ column: ts }", "{ type: session, gap: 30s }"), 0) == 30000);
  CHECK(source_alignment_drift_ms(*plan("{ column: ts, alignment_max_drift: 1500ms }", "{ type: tumbling, size: 1h }"), 0) ==
        1500);
}

TEST_CASE("no alignment with one subtask, without event time, or when turned off") {
  CHECK(source_alignment_drift_ms(*plan("{ column: ts }", "{ type: tumbling, size: 10s }", 1), 0) == 0);
  CHECK(source_alignment_drift_ms(*plan("", "{ type: tumbling, size: 10s }"), 0) == 0);
  CHECK(source_alignment_drift_ms(*plan("{ column: ts, alignment_max_drift: off }", "{ type: tumbling, size: 10s }"), 0) ==
        0);
  CHECK(source_alignment_drift_ms(*plan("{ column: ts }", "{ type: tumbling, size: 10s }"), 2) == 0);  // not a source
}

TEST_CASE("a drift that is neither positive nor off is refused where it stands") {
  const std::string text =
      "name: a\nsources:\n  - name: gen\n    type: datagen\n    fields: { ts: { kind: timestamp } }\n"
      "    event_time: { column: ts, alignment_max_drift: 0s }\nsinks:\n  - { name: out, input: gen, type: blackhole }\n";
  auto graph = load_pipeline_text("a.yaml", text, PlanOptions{});
  REQUIRE_FALSE(graph.ok());
  CHECK(graph.status().message().find("a.yaml:6:") != std::string::npos);
  CHECK(graph.status().message().find("'alignment_max_drift'") != std::string::npos);
}
