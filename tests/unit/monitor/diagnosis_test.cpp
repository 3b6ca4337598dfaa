// Unit tests of the diagnosis (src/monitor/diagnosis.h and its rules) on
// synthetic jobs: backpressure levels, the bottleneck rule, skew with hot
// key groups, watermark stalls, capacity, the JSON and the summary line.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "monitor/backpressure.h"
#include "monitor/bottleneck.h"
#include "monitor/diagnosis.h"
#include "monitor/health_json.h"
#include "monitor/skew.h"
#include "monitor/watermark_stall.h"
#include "unit/monitor/job_input_builder.h"

using namespace eddy;
using eddy::test::subtask;
using eddy::test::vertex;

namespace {

/// gen -> window -> out, with the window slow: gen backpressured, the
/// window's subtask 1 busy with a full in-queue, the sink idle.
JobInput slow_window_job() {
  JobInput job;
  job.now_ms = 5000;
  job.vertices.push_back(vertex(0, "gen", {subtask(0, 0.2, 0.8, 0, 1.0), subtask(1, 0.2, 0.75, 0, 1.0)}));
  job.vertices.push_back(vertex(1, "window", {subtask(0, 0.6, 0.0, 0.5, 0.1, 400), subtask(1, 0.98, 0.0, 1.0, 0.05, 500)},
                                {0}, true));
  job.vertices.push_back(vertex(2, "out", {subtask(0, 0.05, 0, 0.0, 0, 20)}, {1}));
  job.vertices[2].sink = true;
  return job;
}

SubtaskInput stalled_subtask(int32_t index, int points, bool idle_low_channel) {
  SubtaskInput s = subtask(index, 0.3, 0, 0.2, 0, 100);
  for (int i = 0; i < points; ++i) {
    s.output_watermarks.push_back({1000 * i, i < 3 ? 100.0 * i : 200.0});  // stuck at 200 from t=2000
    s.records_in.push_back({1000 * i, 100});
  }
  s.channels = {ChannelInput{0, 0, 5000, false, false}, ChannelInput{0, 1, 200, idle_low_channel, false}};
  return s;
}

}  // namespace

TEST_CASE("backpressure levels follow Flink's thresholds and a vertex takes its worst subtask's") {
  CHECK(backpressure_level(0.0) == BackpressureLevel::kOk);
  CHECK(backpressure_level(0.10) == BackpressureLevel::kOk);
  CHECK(backpressure_level(0.11) == BackpressureLevel::kLow);
  CHECK(backpressure_level(0.50) == BackpressureLevel::kLow);
  CHECK(backpressure_level(0.51) == BackpressureLevel::kHigh);
  VertexInput v = vertex(0, "v", {subtask(0, 0.5, 0.05), subtask(1, 0.1, 0.3), subtask(2, 0.1, 0.0)});
  CHECK(vertex_backpressured_ratio(v) == doctest::Approx(0.3));
  CHECK(vertex_backpressure_level(v) == BackpressureLevel::kLow);
}

TEST_CASE("the bottleneck is the subtask whose in-queue is full while its out-queue is not") {
  JobInput job = slow_window_job();
  auto b = find_bottleneck(job, {});
  REQUIRE(b);
  CHECK(b->name == "window");
  CHECK(b->subtask == 1);
  CHECK(b->backpressured_upstream == std::vector<int32_t>{0});
  CHECK(b->message == "window is the bottleneck: subtask 1 busy 98%, in-queue 100%, out-queue 5%; "
                      "upstream backpressured: gen (high)");
}

TEST_CASE("a subtask with a full in-queue and a full out-queue is held back, not the bottleneck") {
  JobInput job = slow_window_job();
  job.vertices[1].subtasks[1].out_pool_usage = 0.95;  // the sink below would be the culprit
  job.vertices[1].subtasks[0].in_pool_usage = 0.3;
  job.vertices[2].subtasks[0] = subtask(0, 0.4, 0, 1.0, 0, 100);  // sink: full input, no output queue
  auto b = find_bottleneck(job, {});
  REQUIRE(b);
  CHECK(b->name == "out");
}

TEST_CASE("a busy subtask with a backpressured upstream is a bottleneck even when its in-queue has room") {
  JobInput job = slow_window_job();
  for (auto& s : job.vertices[1].subtasks) s.in_pool_usage = 0.4;
  auto b = find_bottleneck(job, {});
  REQUIRE(b);
  CHECK(b->name == "window");
  CHECK(b->subtask == 1);
  // Without the backpressured upstream, busy alone is just a job running at full speed.
  for (auto& s : job.vertices[0].subtasks) s.backpressured_ratio = 0;
  CHECK_FALSE(find_bottleneck(job, {}));
}

TEST_CASE("a busy source is never the bottleneck") {
  JobInput job;
  job.vertices.push_back(vertex(0, "gen", {subtask(0, 1.0, 0, 0, 0.1)}));
  job.vertices.push_back(vertex(1, "out", {subtask(0, 0.1, 0, 0.1, 0, 100)}, {0}));
  CHECK_FALSE(find_bottleneck(job, {}));
}

TEST_CASE("skew on input rate names the hot subtask and its hot key groups from the hash edge") {
  JobInput job;
  VertexInput gen = vertex(0, "gen", {subtask(0, 0.3, 0), subtask(1, 0.3, 0)});
  for (auto& s : gen.subtasks) {
    s.key_group_rates.assign(8, 1.0);
    s.key_group_rates[5] = 300;  // key group 5 belongs to subtask 2 of 4 at max parallelism 8
    s.key_group_rates[4] = 40;
  }
  job.vertices.push_back(gen);
  VertexInput counts = vertex(1, "counts", {subtask(0, 0.1, 0, 0, 0, 2), subtask(1, 0.1, 0, 0, 0, 2),
                                            subtask(2, 0.9, 0, 0, 0, 682), subtask(3, 0.1, 0, 0, 0, 2)},
                              {0}, true);
  counts.max_parallelism = 8;
  job.vertices.push_back(counts);
  auto skew = find_skew(job, job.vertices[1], {});
  REQUIRE(skew);
  CHECK(skew->metric == "numRecordsInPerSecond");
  CHECK(skew->subtask == 2);
  CHECK(skew->ratio == doctest::Approx(341));
  CHECK(skew->share == doctest::Approx(682.0 / 688));
  CHECK(skew->key_groups == std::vector<int32_t>{5, 4});
  CHECK(skew->message == "counts subtask 2 gets 99% of records (key groups 5, 4)");
}

TEST_CASE("an idle or even job shows no skew, and a vertex of one subtask cannot be skewed") {
  JobInput job;
  job.vertices.push_back(vertex(0, "a", {subtask(0, 0.01, 0, 0, 0, 3), subtask(1, 0.01, 0, 0, 0, 0.1)}, {9}));
  CHECK_FALSE(find_skew(job, job.vertices[0], {}));  // 3 records/s in all: too little to tell
  job.vertices[0] = vertex(0, "a", {subtask(0, 0.5, 0, 0, 0, 500), subtask(1, 0.5, 0, 0, 0, 450)}, {9});
  CHECK_FALSE(find_skew(job, job.vertices[0], {}));
  job.vertices[0] = vertex(0, "a", {subtask(0, 0.9, 0, 0, 0, 5000)}, {9});
  CHECK_FALSE(find_skew(job, job.vertices[0], {}));
}

TEST_CASE("skew falls back to busy time, then to state size") {
  JobInput job;
  job.vertices.push_back(vertex(0, "a", {subtask(0, 0.9, 0, 0, 0, 100), subtask(1, 0.2, 0, 0, 0, 100),
                                         subtask(2, 0.3, 0, 0, 0, 100)}, {9}));
  auto busy = find_skew(job, job.vertices[0], {});
  REQUIRE(busy);
  CHECK(busy->metric == "busyTimeMsPerSecond");
  CHECK(busy->subtask == 0);
  CHECK(busy->message == "a subtask 0 busy 90%, the others' median 25%");
  for (auto& s : job.vertices[0].subtasks) s.busy_ratio = 0.3;
  job.vertices[0].subtasks[1].state_bytes = 50e6;
  job.vertices[0].subtasks[0].state_bytes = 2e6;
  job.vertices[0].subtasks[2].state_bytes = 3e6;
  auto state = find_skew(job, job.vertices[0], {});
  REQUIRE(state);
  CHECK(state->metric == "stateSizeBytes");
  CHECK(state->subtask == 1);
  CHECK(state->message == "a subtask 1 holds 50.0 MB of state, the others' median 2.5 MB");
}

TEST_CASE("a watermark that stands still while records flow is a stall naming the lowest live channel") {
  DiagnosisOptions options;
  options.stall_intervals = 5;
  VertexInput v = vertex(1, "window", {stalled_subtask(0, 10, false)}, {0});
  auto st = find_watermark_stall(v, options);
  REQUIRE(st);
  CHECK(st->subtask == 0);
  CHECK(st->channel == 1);
  CHECK(st->watermark == 200);
  CHECK(st->since_ms == 2000);
}

TEST_CASE("no stall: too short, an idle lagging channel, no input, or no event time at all") {
  DiagnosisOptions options;
  options.stall_intervals = 5;
  CHECK_FALSE(find_watermark_stall(vertex(1, "w", {stalled_subtask(0, 7, false)}, {0}), options));
  // The low channel idle: the other one (5000) is the lowest live one and names it.
  auto st = find_watermark_stall(vertex(1, "w", {stalled_subtask(0, 10, true)}, {0}), options);
  REQUIRE(st);
  CHECK(st->channel == 0);
  SubtaskInput all_idle = stalled_subtask(0, 10, true);
  all_idle.channels[0].idle = true;
  CHECK_FALSE(find_watermark_stall(vertex(1, "w", {all_idle}, {0}), options));
  SubtaskInput quiet = stalled_subtask(0, 10, false);
  for (auto& p : quiet.records_in) p.value = 0;
  CHECK_FALSE(find_watermark_stall(vertex(1, "w", {quiet}, {0}), options));
  SubtaskInput no_time = stalled_subtask(0, 10, false);
  for (auto& p : no_time.output_watermarks) p.value = static_cast<double>(kWatermarkNone);
  for (auto& c : no_time.channels) c.watermark = kWatermarkNone;
  CHECK_FALSE(find_watermark_stall(vertex(1, "w", {no_time}, {0}), options));
}

TEST_CASE("capacity is the input rate over the busy ratio, unknown when too idle") {
  VertexInput v = vertex(1, "w", {subtask(0, 0.5, 0, 0, 0, 100), subtask(1, 0.25, 0, 0, 0, 100)}, {0});
  CHECK(*vertex_capacity(v, {}) == doctest::Approx(600));
  VertexInput idle = vertex(1, "w", {subtask(0, 0.01, 0, 0, 0, 100)}, {0});
  CHECK_FALSE(vertex_capacity(idle, {}));
}

TEST_CASE("diagnose flags the bottleneck and its backpressured upstream, as JSON and as one line") {
  JobHealth h = diagnose(slow_window_job());
  CHECK(h.status == HealthStatus::kWarn);
  REQUIRE(h.vertices.size() == 3);
  CHECK(h.vertices[0].flags == std::vector<std::string>{"backpressured"});
  CHECK(h.vertices[1].flags == std::vector<std::string>{"bottleneck"});
  CHECK(h.vertices[2].flags.empty());
  auto j = nlohmann::json::parse(health_json(h));
  CHECK(j["status"] == "warn");
  CHECK(j["timestamp"] == 5000);
  CHECK(j["bottleneck"]["name"] == "window");
  CHECK(j["bottleneck"]["subtask"] == 1);
  CHECK(j["vertices"][0]["backpressure-level"] == "high");
  CHECK(j["vertices"][1]["busy-ratio"] == doctest::Approx(0.98));
  CHECK(j["vertices"][1]["input-records-per-second"] == doctest::Approx(900));
  CHECK(j["vertices"][1]["skew"].is_null());
  CHECK(j["vertices"][2]["capacity-records-per-second"] == doctest::Approx(400));
  CHECK(j["flags"].size() == 2);
  CHECK(health_summary_line(h) == "bottleneck: window (subtask 1, busy 98%, in-queue 100%)");
}

TEST_CASE("a job with nothing wrong is ok") {
  JobInput job;
  job.vertices.push_back(vertex(0, "gen", {subtask(0, 0.3, 0, 0, 0.1)}));
  job.vertices.push_back(vertex(1, "out", {subtask(0, 0.2, 0, 0.1, 0, 100)}, {0}));
  JobHealth h = diagnose(job);
  CHECK(h.status == HealthStatus::kOk);
  CHECK(h.flags.empty());
  CHECK(health_summary_line(h) == "health: ok");
  CHECK(nlohmann::json::parse(health_json(h))["bottleneck"].is_null());
}
