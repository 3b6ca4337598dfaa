// Unit tests of the `monitor:` section (src/plan/monitor_spec.h): rules with
// every key, built-in rule settings, and each refused value at its line and column.
#include <doctest/doctest.h>

#include "plan/monitor_spec.h"
#include "plan/pipeline_parser.h"

using namespace eddy;

namespace {

const char* kPipeline = R"(name: m
sources:
  - name: gen
    type: datagen
    rows: 10
    fields: { id: { kind: sequence } }
sinks:
  - { name: out, input: gen, type: blackhole }
)";

/// The pipeline with `monitor` (YAML from column 1) after it; its first line is line 9.
PipelineSpec parse(const std::string& monitor, std::vector<Diagnostic>& diags) {
  return parse_pipeline("p.yaml", std::string(kPipeline) + monitor, diags);
}

std::string dump(const std::vector<Diagnostic>& diags) { return render_diagnostics("p.yaml", diags); }

void check_error(const std::string& monitor, int line, int column, const std::string& text) {
  std::vector<Diagnostic> diags;
  parse(monitor, diags);
  bool found = false;
  for (const auto& d : diags)
    found = found || (d.loc.line == line && d.loc.column == column && d.message.find(text) != std::string::npos);
  CHECK_MESSAGE(found, "expected at " << line << ":" << column << " '" << text << "', got:\n" << dump(diags));
}

}  // namespace

TEST_CASE("a monitor section with rules and built-in settings is read whole") {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse(R"y(monitor:
  webhook: http://127.0.0.1:9000/hook
  keep_resolved: 50
  rules:
    - name: busy_sink
      metric: busyTimeMsPerSecond
      vertex: out
      aggregate: each
      condition: "> 900"
      for: 30s
      clear: 5s
      level: FATAL
      actions: [log, webhook, savepoint, {webhook: "http://127.0.0.1:9001/x"}]
    - name: fewer
      metric: numRecordsOutPerSecond
      condition: "< 0.5 * median(5m)"
    - name: failing
      metric: numberOfFailedCheckpoints
      condition: ">= 3"
  builtin:
    BACKPRESSURE_HIGH: false
    TASK_MANAGER_OPERATOR_DATA_SKEW: { for: 2s, threshold: 3, level: INFO, actions: [webhook] }
)y", diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  REQUIRE(static_cast<bool>(spec.monitor));
  const MonitorSpec& m = *spec.monitor;
  CHECK(m.webhook == "http://127.0.0.1:9000/hook");
  CHECK(m.keep_resolved == 50);
  REQUIRE(m.rules.size() == 3);
  const MonitorRuleSpec& r = m.rules[0];
  CHECK(r.name == "busy_sink");
  CHECK(r.vertex == "out");
  CHECK(r.aggregation == RuleAggregation::kEach);
  CHECK(r.condition.op == RuleComparison::kGreater);
  CHECK(r.condition.threshold == 900);
  CHECK_FALSE(r.condition.against_median);
  CHECK(r.for_ms == 30000);
  CHECK(r.clear_ms == 5000);
  CHECK(r.level == MonitorLevel::kFatal);
  REQUIRE(r.actions.size() == 4);
  CHECK(r.actions[1].url == "http://127.0.0.1:9000/hook");
  CHECK(r.actions[2].kind == RuleActionKind::kSavepoint);
  CHECK(r.actions[3].url == "http://127.0.0.1:9001/x");
  CHECK(m.rules[1].condition.against_median);
  CHECK(m.rules[1].condition.median_window_ms == 300000);
  CHECK(m.rules[1].condition.text() == "< 0.5 * median(5m)");
  CHECK(m.rules[1].aggregation == RuleAggregation::kMax);
  CHECK(m.rules[1].actions.size() == 1);  // log by default
  CHECK(m.rules[2].job_metric);
  CHECK(m.rules[2].condition.op == RuleComparison::kGreaterEqual);
  REQUIRE(m.builtins.size() == 2);
  CHECK_FALSE(m.builtins[0].enabled);
  CHECK(*m.builtins[1].for_ms == 2000);
  CHECK(*m.builtins[1].threshold == 3);
  CHECK(*m.builtins[1].level == MonitorLevel::kInfo);
}

TEST_CASE("a pipeline without a monitor section has none (the built-in rules run with defaults)") {
  std::vector<Diagnostic> diags;
  const bool none = parse("", diags).monitor == nullptr;
  CHECK(none);
}

TEST_CASE("an unknown metric is refused at its position, naming the nearest metric") {
  check_error("monitor:\n  rules:\n    - { name: a, metric: busyTimeMsPerSec, condition: \"> 1\" }\n", 11, 26,
              "unknown metric 'busyTimeMsPerSec' in rule 'a'; did you mean 'busyTimeMsPerSecond'?");
}

TEST_CASE("bad conditions are refused at the column of what is wrong") {
  check_error("monitor:\n  rules:\n    - name: a\n      metric: numKeys\n      condition: \"= 5\"\n", 13, 19,
              "expected a comparison");
  check_error("monitor:\n  rules:\n    - name: a\n      metric: numKeys\n      condition: \"> lots\"\n", 13, 21,
              "expected a number after >");
  check_error("monitor:\n  rules:\n    - name: a\n      metric: numKeys\n      condition: \"< 0.5 * mean(5m)\"\n", 13,
              27, "expected '* median(5m)'");
  check_error("monitor:\n  rules:\n    - name: a\n      metric: numKeys\n      condition: \"< 0.5 * median(soon)\"\n",
              13, 34, "the median's window must be a duration");
  check_error("monitor:\n  rules:\n    - name: a\n      metric: numKeys\n", 11, 7, "needs 'condition'");
}

TEST_CASE("levels, aggregations, actions, vertices and built-in names are checked") {
  const std::string head = "monitor:\n  rules:\n    - name: a\n      metric: numKeys\n      condition: \"> 1\"\n";
  check_error(head + "      level: PANIC\n", 14, 14, "one of INFO | WARN | FATAL");
  check_error(head + "      aggregate: median\n", 14, 18, "one of max | min | avg | sum | each");
  check_error(head + "      actions: [page]\n", 14, 17, "unknown action");
  check_error(head + "      actions: [webhook]\n", 14, 17, "needs a URL");
  check_error(head + "      vertex: ot\n", 14, 15, "no operator 'ot'; did you mean 'out'?");
  check_error(head + "      for: soon\n", 14, 12, "'for' of rule 'a'");
  check_error(head + "      colour: red\n", 14, 7, "colour");
  check_error("monitor:\n  builtin:\n    BACKPRESURE_HIGH: false\n", 11, 5,
              "unknown built-in rule 'BACKPRESURE_HIGH'; did you mean 'BACKPRESSURE_HIGH'?");
  check_error("monitor:\n  rules:\n    - { name: JOB_RESTARTED, metric: numKeys, condition: \"> 1\" }\n", 11, 15,
              "is built in");
  check_error("monitor:\n  webhook: ftp://x\n", 10, 12, "must be an http:// URL");
  check_error("monitor:\n  rules:\n    - { name: a, metric: uptime, aggregate: max, condition: \"> 1\" }\n", 11, 45,
              "is one value for the job");
}
