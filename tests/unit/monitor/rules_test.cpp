// Unit tests of the rules (src/monitor/rules.h, metric_rules.h,
// builtin_rules.h, rule_evaluator.h) on synthetic series and diagnoses:
// thresholds per vertex and per subtask, trends against a median, job
// metrics, every built-in rule, and the file's settings over the defaults.
#include <doctest/doctest.h>

#include "monitor/builtin_rules.h"
#include "monitor/metric_rules.h"
#include "monitor/rule_evaluator.h"
#include "unit/monitor/fake_metric_view.h"

using namespace eddy;
using eddy::test::FakeMetricView;

namespace {

FakeMetricView two_vertices() {
  FakeMetricView m;
  m.shapes = {VertexShape{0, "v0", "gen", {"gen"}, true}, VertexShape{1, "v1", "agg -> out", {"agg", "out"}, false}};
  return m;
}

MonitorRuleSpec busy_rule(RuleAggregation agg, const char* condition_op, double threshold) {
  MonitorRuleSpec r;
  r.name = "busy";
  r.metric = "busyTimeMsPerSecond";
  r.aggregation = agg;
  r.condition.op = std::string(condition_op) == ">" ? RuleComparison::kGreater : RuleComparison::kLess;
  r.condition.threshold = threshold;
  return r;
}

Rule builtin_named(const std::string& name) {
  for (auto& r : builtin_rule_defaults())
    if (r.timing.name == name) return r;
  FAIL("no built-in rule " << name);
  return {};
}

VertexHealth vertex_health(int32_t index, const std::string& name) {
  VertexHealth v;
  v.index = index;
  v.id = "v" + std::to_string(index);
  v.name = name;
  return v;
}

}  // namespace

TEST_CASE("a threshold rule folds a vertex's subtasks, or checks each subtask, or one vertex only") {
  FakeMetricView m = two_vertices();
  m.add(1, 0, "busyTimeMsPerSecond", 1000, 950);
  m.add(1, 1, "busyTimeMsPerSecond", 1000, 100);
  m.add(0, 0, "busyTimeMsPerSecond", 1000, 300);
  auto max_hits = metric_rule_hits(busy_rule(RuleAggregation::kMax, ">", 900), 1000, m);
  REQUIRE(max_hits.size() == 1);
  CHECK(max_hits[0].vertex == 1);
  CHECK(max_hits[0].subtask == -1);
  CHECK(max_hits[0].message == "busy: busyTimeMsPerSecond (max over agg -> out) is 950, > 900");
  CHECK(metric_rule_hits(busy_rule(RuleAggregation::kAvg, ">", 900), 1000, m).empty());
  auto each = metric_rule_hits(busy_rule(RuleAggregation::kEach, ">", 200), 1000, m);
  REQUIRE(each.size() == 2);
  CHECK(each[0].vertex == 0);
  CHECK(each[1].vertex == 1);
  CHECK(each[1].subtask == 0);
  auto only_gen = busy_rule(RuleAggregation::kSum, ">", 200);
  only_gen.vertex = "gen";
  auto gen_hits = metric_rule_hits(only_gen, 1000, m);
  REQUIRE(gen_hits.size() == 1);
  CHECK(gen_hits[0].vertex_name == "gen");
}

TEST_CASE("a trend rule compares the value with a share of its median over the window") {
  FakeMetricView m = two_vertices();
  MonitorRuleSpec r;
  r.name = "drop";
  r.metric = "numRecordsOutPerSecond";
  r.condition = RuleCondition{RuleComparison::kLess, 0.5, true, 10000};
  for (int t = 1; t <= 20; ++t) m.add(0, 0, "numRecordsOutPerSecond", t * 1000, t < 20 ? 1000 : 600);
  CHECK(metric_rule_hits(r, 20000, m).empty());  // 600 is not below half of 1000
  m.subtask_series[{0, 0, "numRecordsOutPerSecond"}].push_back({21000, 400});
  auto hits = metric_rule_hits(r, 21000, m);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].message == "drop: numRecordsOutPerSecond (max over gen) is 400, < 0.5 * median(10s) = 500");
}

TEST_CASE("a rule over a job metric reads the job's series") {
  FakeMetricView m = two_vertices();
  m.job["lastCheckpointDuration"] = {{1000, 200}, {2000, 9000}};
  MonitorRuleSpec r;
  r.name = "slow_checkpoints";
  r.metric = "lastCheckpointDuration";
  r.job_metric = true;
  r.condition.threshold = 5000;
  auto hits = metric_rule_hits(r, 2000, m);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].vertex == -1);
}

TEST_CASE("built-in rules over the diagnosis: skew, high backpressure and watermark stalls") {
  FakeMetricView m = two_vertices();
  JobHealth h;
  h.vertices = {vertex_health(0, "gen"), vertex_health(1, "agg")};
  h.vertices[0].backpressured_ratio = 0.8;
  h.vertices[1].skew = SkewFinding{"numRecordsInPerSecond", 2, 5.0, 0.7, 700, 140, {17}, "agg subtask 2 gets 70%"};
  h.vertices[1].watermark_stall = WatermarkStall{3, 0, 1, 100, 5000, "stalled"};
  auto skew = builtin_rule_hits(builtin_named("TASK_MANAGER_OPERATOR_DATA_SKEW"), 1000, m, h, {});
  REQUIRE(skew.size() == 1);
  CHECK(skew[0].vertex == 1);
  CHECK(skew[0].subtask == 2);
  CHECK(skew[0].message == "operator data skew: agg subtask 2 gets 70%");
  Rule strict = builtin_named("TASK_MANAGER_OPERATOR_DATA_SKEW");
  strict.threshold = 6;  // tuned: a ratio of 5 is not enough
  CHECK(builtin_rule_hits(strict, 1000, m, h, {}).empty());
  auto bp = builtin_rule_hits(builtin_named("BACKPRESSURE_HIGH"), 1000, m, h, {});
  REQUIRE(bp.size() == 1);
  CHECK(bp[0].vertex_name == "gen");
  CHECK(bp[0].message == "gen is backpressured 80% of the time");
  auto stall = builtin_rule_hits(builtin_named("WATERMARK_STALLED"), 1000, m, h, {});
  REQUIRE(stall.size() == 1);
  CHECK(stall[0].subtask == 3);
}

TEST_CASE("built-in job rules: failed checkpoints, restarts and fewer task managers") {
  FakeMetricView m = two_vertices();
  JobHealth h;
  m.job["numberOfFailedCheckpoints"] = {{0, 2}, {100000, 2}, {400000, 3}};
  auto failed = builtin_rule_hits(builtin_named("JOB_MANAGER_FAILED_CHECKPOINT_INCREASE"), 400000, m, h, {});
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].message == "1 checkpoints failed in the last five minutes");
  m.job["numberOfFailedCheckpoints"] = {{0, 2}, {100000, 2}, {400000, 2}};
  CHECK(builtin_rule_hits(builtin_named("JOB_MANAGER_FAILED_CHECKPOINT_INCREASE"), 400000, m, h, {}).empty());
  m.job["numRestarts"] = {{0, 0}, {50000, 0}, {60000, 1}};
  CHECK(builtin_rule_hits(builtin_named("JOB_RESTARTED"), 60000, m, h, {}).size() == 1);
  CHECK(builtin_rule_hits(builtin_named("JOB_RESTARTED"), 200000, m, h, {}).empty());  // a minute later
  const Rule tms = builtin_named("JOB_MANAGER_NUM_TASK_MANAGERS_DECREASE");
  CHECK(tms.timing.level == MonitorLevel::kFatal);
  CHECK(builtin_rule_hits(tms, 3000, m, h, {{1000, 3}, {2000, 3}}).empty());
  auto down = builtin_rule_hits(tms, 3000, m, h, {{1000, 3}, {2000, 3}, {3000, 2}});
  REQUIRE(down.size() == 1);
  CHECK(down[0].message == "task managers went down from 3 to 2 in the last five minutes");
}

TEST_CASE("a source's throughput gradually decreasing: the last minute below half its five-minute median") {
  FakeMetricView m = two_vertices();
  JobHealth h;
  const Rule r = builtin_named("TASK_MANAGER_SOURCE_THROUGHPUT_GRADUALLY_DECREASE");
  for (int t = 1; t <= 240; ++t)  // two subtasks at 500/s each for 3 minutes, then 100/s
    for (int s = 0; s < 2; ++s) m.add(0, s, "numRecordsOutPerSecond", t * 1000, t < 180 ? 500 : 100);
  auto hits = builtin_rule_hits(r, 240000, m, h, {});
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].message == "source gen emits 200 records/s over the last minute, median 1000 over five minutes");
  // Only a minute of history: nothing older to compare with.
  FakeMetricView young = two_vertices();
  for (int t = 1; t <= 60; ++t) young.add(0, 0, "numRecordsOutPerSecond", t * 1000, t < 30 ? 500 : 1);
  CHECK(builtin_rule_hits(r, 60000, young, h, {}).empty());
}

TEST_CASE("the monitor section disables, tunes and adds rules; a job-wide webhook reaches built-in ones") {
  MonitorSpec spec;
  spec.webhook = "http://127.0.0.1:1/hook";
  BuiltinRuleSetting off;
  off.name = "BACKPRESSURE_HIGH";
  off.enabled = false;
  BuiltinRuleSetting tuned;
  tuned.name = "TASK_MANAGER_OPERATOR_DATA_SKEW";
  tuned.for_ms = 2000;
  tuned.level = MonitorLevel::kFatal;
  spec.builtins = {off, tuned};
  spec.rules.push_back(busy_rule(RuleAggregation::kMax, ">", 900));
  auto rules = effective_rules(&spec);
  CHECK(rules.size() == builtin_rule_defaults().size());  // one off, one added
  for (const auto& r : rules) CHECK(r.timing.name != "BACKPRESSURE_HIGH");
  CHECK(rules[0].timing.name == "TASK_MANAGER_OPERATOR_DATA_SKEW");
  CHECK(rules[0].timing.for_ms == 2000);
  CHECK(rules[0].timing.level == MonitorLevel::kFatal);
  REQUIRE(rules[0].timing.actions.size() == 2);
  CHECK(rules[0].timing.actions[1].url == "http://127.0.0.1:1/hook");
  CHECK(rules.back().timing.name == "busy");
  spec.enabled = false;
  CHECK(effective_rules(&spec).empty());
  CHECK(effective_rules(nullptr).size() == builtin_rule_defaults().size());
}

TEST_CASE("the evaluator opens an event for a skew that lasts, resolves it at job end, and raises the status") {
  MonitorSpec spec;
  BuiltinRuleSetting quick;
  quick.name = "TASK_MANAGER_OPERATOR_DATA_SKEW";
  quick.for_ms = 2000;
  spec.builtins = {quick};
  RuleEvaluator ev(effective_rules(&spec));
  FakeMetricView m = two_vertices();
  JobHealth h;
  h.status = HealthStatus::kWarn;
  h.vertices = {vertex_health(0, "gen"), vertex_health(1, "agg")};
  h.vertices[1].skew = SkewFinding{"numRecordsInPerSecond", 2, 5.0, 0.7, 700, 140, {17}, "agg subtask 2 gets 70%"};
  CHECK(ev.evaluate(1000, m, h, {}).empty());
  CHECK(ev.evaluate(2000, m, h, {}).empty());
  auto opened = ev.evaluate(3000, m, h, {});
  REQUIRE(opened.size() == 1);
  CHECK(opened[0].event.rule == "TASK_MANAGER_OPERATOR_DATA_SKEW");
  CHECK(status_with_events(HealthStatus::kOk, ev.events()) == HealthStatus::kWarn);
  auto ended = ev.finish(4000, "job finished");
  REQUIRE(ended.size() == 1);
  CHECK_FALSE(ended[0].opened);
  CHECK(status_with_events(HealthStatus::kOk, ev.events()) == HealthStatus::kOk);
}

TEST_CASE("a FATAL event makes the job's health fatal") {
  RuleEvaluator ev(effective_rules(nullptr));
  FakeMetricView m = two_vertices();
  JobHealth h;
  ev.evaluate(1000, m, h, ClusterFacts{3});
  auto changes = ev.evaluate(2000, m, h, ClusterFacts{2});
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].event.level == MonitorLevel::kFatal);
  CHECK(status_with_events(HealthStatus::kWarn, ev.events()) == HealthStatus::kFatal);
}
