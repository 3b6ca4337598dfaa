// Unit tests of MetricHistory: values by Flink name, rates from consecutive
// samples, attempts, expiry.
#include <doctest/doctest.h>

#include <algorithm>

#include "runtime/metric_history.h"

using namespace eddy;

namespace {

OperatorMetrics op(const std::string& name, uint64_t in, uint64_t out) {
  OperatorMetrics m;
  m.name = name;
  m.records_in = in;
  m.records_out = out;
  return m;
}

/// Subtask `subtask` of vertex 1 at `time_ms`, with `in` records read by its
/// chain head ("map") and `out` written by its tail ("win").
SubtaskSample sample(int32_t subtask, int64_t time_ms, uint64_t in, uint64_t out, int32_t attempt = 0) {
  SubtaskSample s;
  s.vertex = 1;
  s.subtask = subtask;
  s.attempt = attempt;
  s.time_ms = time_ms;
  s.operators = {op("map", in, in), op("win", in, out)};
  s.operators[1].keys = 10;
  s.bytes_in = in * 8;
  s.busy_ns = static_cast<int64_t>(time_ms) * 250000;           // a quarter of the time
  s.backpressured_ns = static_cast<int64_t>(time_ms) * 500000;  // half
  s.idle_ns = static_cast<int64_t>(time_ms) * 250000;
  s.in_pool_usage = 0.75;
  s.input_watermarks = {5000};
  s.key_group_records = {1, 2, 3};
  s.channels = {ChannelSample{}};
  return s;
}

}  // namespace

TEST_CASE("rates come from the change between a subtask's last two samples") {
  MetricHistory h;
  h.add(sample(0, 1000, 100, 10));
  CHECK(h.value(1, 0, "numRecordsIn") == 100.0);
  CHECK_FALSE(h.value(1, 0, "numRecordsInPerSecond").has_value());  // one sample: no rate yet
  h.add(sample(0, 3000, 700, 50));
  CHECK(h.value(1, 0, "numRecordsIn") == 700.0);
  CHECK(h.value(1, 0, "numRecordsInPerSecond") == 300.0);
  CHECK(h.value(1, 0, "numRecordsOutPerSecond") == 20.0);
  CHECK(h.value(1, 0, "numBytesInPerSecond") == 2400.0);
  CHECK(h.value(1, 0, "busyTimeMsPerSecond") == 250.0);
  CHECK(h.value(1, 0, "backPressuredTimeMsPerSecond") == 500.0);
  CHECK(h.value(1, 0, "idleTimeMsPerSecond") == 250.0);
  CHECK(h.value(1, 0, "accumulatedBackpressuredTime") == 1500.0);
  CHECK(h.value(1, 0, "buffers.inPoolUsage") == 0.75);
  CHECK(h.value(1, 0, "currentInputWatermark") == 5000.0);
  CHECK(h.value(1, 0, "currentInput1Watermark") == 5000.0);
  CHECK_FALSE(h.value(1, 0, "currentInput2Watermark").has_value());
  CHECK(h.value(1, 0, "numKeys") == 10.0);
  auto points = h.series(1, 0, "numRecordsInPerSecond");
  REQUIRE(points.size() == 1);
  CHECK(points[0].time_ms == 3000);
  CHECK(h.series(1, 0, "numRecordsIn").size() == 2);
}

TEST_CASE("operator metrics are named after the operator") {
  MetricHistory h;
  h.add(sample(0, 1000, 100, 10));
  h.add(sample(0, 2000, 300, 40));
  CHECK(h.value(1, 0, "win.numRecordsOut") == 40.0);
  CHECK(h.value(1, 0, "win.numRecordsOutPerSecond") == 30.0);
  CHECK(h.value(1, 0, "map.numRecordsInPerSecond") == 200.0);
  CHECK(h.value(1, 0, "win.numKeys") == 10.0);
  auto names = h.names(1);
  auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  CHECK(has("busyTimeMsPerSecond"));
  CHECK(has("win.numRecordsOut"));
  CHECK(has("map.busyTimeMsPerSecond"));
  CHECK_FALSE(has("currentInput2Watermark"));
  CHECK(is_subtask_metric("backPressuredTimeMsPerSecond"));
  CHECK(is_operator_metric("numWindowsFired"));
  CHECK(is_job_metric("numRestarts"));
}

TEST_CASE("unknown metrics, operators and subtasks have no value") {
  MetricHistory h;
  h.add(sample(0, 1000, 100, 10));
  CHECK_FALSE(h.value(1, 0, "noSuchMetric").has_value());
  CHECK_FALSE(h.value(1, 0, "nope.numRecordsIn").has_value());
  CHECK_FALSE(h.value(1, 0, "win.noSuchMetric").has_value());
  CHECK_FALSE(h.value(1, 5, "numRecordsIn").has_value());
  CHECK_FALSE(h.value(7, 0, "numRecordsIn").has_value());
  CHECK(h.series(1, 0, "noSuchMetric").empty());
  CHECK(h.names(7).empty());
  CHECK_FALSE(is_subtask_metric("numRecordsInPerMinute"));
  CHECK_FALSE(is_job_metric("busyTimeMsPerSecond"));
  CHECK_FALSE(h.job_value("uptime").has_value());
}

TEST_CASE("a new attempt starts the vertex's series again and late samples of the old one are dropped") {
  MetricHistory h;
  h.add(sample(0, 1000, 100, 10));
  h.add(sample(1, 1000, 100, 10));
  h.add(sample(0, 2000, 500, 10));
  CHECK(h.subtasks(1) == 2);
  h.add(sample(0, 3000, 20, 0, 1));  // restarted: counters start over
  CHECK(h.subtasks(1) == 1);         // subtask 1 has not reported in attempt 1 yet
  CHECK(h.value(1, 0, "numRecordsIn") == 20.0);
  CHECK_FALSE(h.value(1, 0, "numRecordsInPerSecond").has_value());  // no negative rate across attempts
  h.add(sample(1, 3100, 900, 10, 0));  // a late sample of attempt 0
  CHECK(h.subtasks(1) == 1);
  CHECK(h.latest(1, 0)->attempt == 1);
}

TEST_CASE("samples older than keep_ms before the newest are dropped, the last one of each subtask stays") {
  MetricHistory h(10000);
  for (int64_t t = 0; t <= 20000; t += 1000) h.add(sample(0, t, static_cast<uint64_t>(t), 0));
  h.add(sample(1, 0, 5, 0));  // a subtask that reported once, long ago (it finished)
  auto kept = h.samples(1, 0);
  REQUIRE(kept.size() == 11);
  CHECK(kept.front()->time_ms == 10000);
  REQUIRE(h.latest(1, 1) != nullptr);
  CHECK(h.value(1, 1, "numRecordsIn") == 5.0);
  CHECK(h.newest_ms() == 20000);
}

TEST_CASE("old samples lose channels and key group counts, recent ones keep them") {
  MetricHistory h;
  for (int64_t t = 0; t <= 100000; t += 1000) h.add(sample(0, t, 0, 0));
  auto kept = h.samples(1, 0);
  REQUIRE(kept.size() == 101);
  CHECK(kept.front()->key_group_records.empty());
  CHECK(kept.front()->channels.empty());
  CHECK(kept.front()->operators.size() == 2);  // counters stay
  CHECK(kept.back()->key_group_records.size() == 3);
  CHECK(h.previous(1, 0)->key_group_records.size() == 3);
}

TEST_CASE("job values are kept as series and expire too") {
  MetricHistory h(5000);
  h.add_job(1000, {{"numRestarts", 0}, {"uptime", 1000}});
  h.add_job(2000, {{"numRestarts", 1}, {"uptime", 2000}});
  CHECK(h.job_value("numRestarts") == 1.0);
  CHECK(h.job_series("uptime").size() == 2);
  h.add_job(9000, {{"uptime", 9000}});
  CHECK(h.job_series("uptime").size() == 1);
  CHECK(h.job_names() == std::vector<std::string>{"numRestarts", "uptime"});
}

TEST_CASE("a copy of the history does not change when the original gets samples") {
  MetricHistory h;
  h.add(sample(0, 1000, 100, 10));
  MetricHistoryPtr copy = std::make_shared<const MetricHistory>(h);
  h.add(sample(0, 2000, 300, 10));
  CHECK(copy->value(1, 0, "numRecordsIn") == 100.0);
  CHECK(h.value(1, 0, "numRecordsIn") == 300.0);
}
