// Unit tests of the REST JSON builders: Flink's field names, vertex ids and
// lookups, metric ids and aggregates, 404s that name what exists, and the
// merging of task managers' stacks and samples.
#include <doctest/doctest.h>

#include "monitor/job_health.h"
#include "monitor/rest_json.h"
#include "monitor/vertex_id.h"
#include "unit/monitor/monitor_fixture.h"

using namespace eddy;

TEST_CASE("vertex ids are 32 hex digits, stable, and a vertex is found by id, index or operator") {
  const JobGraphPtr g = testing::small_graph();
  REQUIRE(g);
  REQUIRE(g->vertices.size() == 2);
  const std::string id = vertex_id(*g, 0);
  CHECK(id.size() == 32);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(id == vertex_id(*testing::small_graph(), 0));
  CHECK(id != vertex_id(*g, 1));
  CHECK(find_vertex(*g, id) == 0);
  CHECK(find_vertex(*g, "1") == 1);
  CHECK(find_vertex(*g, "f") == 0);
  CHECK(find_vertex(*g, "out") == 1);
  CHECK_FALSE(find_vertex(*g, "nope"));
  CHECK(list_vertices(*g).find("gen -> f (id " + id + ")") != std::string::npos);
}

TEST_CASE("the plan links inputs to vertex ids with Flink's ship strategies") {
  const JobView v = testing::small_view(false);
  const Json p = plan_json(v)["plan"];
  CHECK(p["jid"] == "0000000000000abc");
  CHECK(p["type"] == "STREAMING");
  REQUIRE(p["nodes"].size() == 2);
  CHECK(p["nodes"][0]["inputs"].empty());
  CHECK(p["nodes"][1]["parallelism"] == 3);
  CHECK(p["nodes"][1]["inputs"][0]["id"] == p["nodes"][0]["id"]);
  CHECK(p["nodes"][1]["inputs"][0]["ship_strategy"] == "HASH");
}

TEST_CASE("job details and the overview carry Flink's fields and task counts") {
  const JobView v = testing::small_view(true);
  const Json j = job_details_json(v);
  CHECK(j["jid"] == "0000000000000abc");
  CHECK(j["state"] == "RUNNING");
  CHECK(j["duration"] == 4000);
  CHECK(j["status-counts"]["RUNNING"] == 5);
  REQUIRE(j["vertices"].size() == 2);
  CHECK(j["vertices"][1]["tasks"]["RUNNING"] == 3);
  CHECK(j["vertices"][0]["metrics"].contains("accumulated-busy-time"));
  CHECK(job_overview_json(v)["tasks"]["RUNNING"] == 5);
  ClusterFigures c;
  c.task_managers = 2;
  CHECK(overview_json(c)["taskmanagers"] == 2);
  CHECK(config_json(3000)["refresh-interval"] == 3000);
}

TEST_CASE("a vertex lists its subtasks with their task manager and metrics") {
  const JobView v = testing::small_view(true);
  const Json j = vertex_json(v, 1);
  REQUIRE(j["subtasks"].size() == 3);
  CHECK(j["subtasks"][1]["taskmanager-id"] == "tm-b");
  CHECK(j["subtasks"][1]["endpoint"] == "10.0.0.2");
  CHECK(j["subtasks"][0]["metrics"].contains("busyTimeMsPerSecond"));
}

TEST_CASE("metric ids are <subtask>.<name>, values strings, unknown ones a 404 naming what exists") {
  const JobView v = testing::small_view(true);
  auto all = vertex_metrics_json(v, 0, "");
  REQUIRE(all.ok());
  CHECK(all->size() > 4);
  CHECK((*all)[0]["id"].get<std::string>().rfind("0.", 0) == 0);
  auto some = vertex_metrics_json(v, 0, "1.numRecordsOut,0.f.numRecordsOut");
  REQUIRE(some.ok());
  REQUIRE(some->size() == 2);
  CHECK((*some)[0]["value"].is_string());
  auto bad = vertex_metrics_json(v, 0, "0.noSuchMetric");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kNotFound);
  CHECK(bad.status().message().find("busyTimeMsPerSecond") != std::string::npos);
  CHECK_FALSE(vertex_metrics_json(v, 0, "7.busyTimeMsPerSecond").ok());  // no subtask 7
}

TEST_CASE("subtask aggregates give min, max, avg, sum and Flink's skew") {
  const JobView v = testing::small_view(true);
  auto j = subtask_metrics_json(v, 1, "numRecordsIn", "min,max,sum,skew", "");
  REQUIRE(j.ok());
  REQUIRE(j->size() == 1);
  const Json row = (*j)[0];
  CHECK(row["id"] == "numRecordsIn");
  CHECK(row["min"] == 150.0);
  CHECK(row["max"] == 250.0);
  CHECK(row["sum"] == 600.0);
  CHECK_FALSE(row.contains("avg"));
  // mean 200, mean absolute deviation 100/3: skew 16.7 %
  CHECK(row["skew"].get<double>() == doctest::Approx(100.0 / 3 / 200 * 100));
  auto only = subtask_metrics_json(v, 1, "numRecordsIn", "sum", "0,2");
  REQUIRE(only.ok());
  CHECK((*only)[0]["sum"] == 400.0);
  CHECK(subtask_metrics_json(v, 1, "numRecordsIn", "median", "").status().code() == StatusCode::kInvalidArgument);
  CHECK(subtask_metrics_json(v, 1, "numRecordsIn", "", "9").status().code() == StatusCode::kNotFound);
}

TEST_CASE("backpressure levels follow Flink's thresholds") {
  CHECK(std::string(backpressure_level_name(backpressure_level(0.1))) == "ok");
  CHECK(std::string(backpressure_level_name(backpressure_level(0.3))) == "low");
  CHECK(std::string(backpressure_level_name(backpressure_level(0.51))) == "high");
  const Json j = backpressure_json(testing::small_view(true), 0);
  CHECK(j["backpressure-level"] == "high");  // 700 ms/s
  CHECK(j["subtasks"][0]["ratio"].get<double>() == doctest::Approx(0.7));
}

TEST_CASE("watermarks are strings per subtask, Long.MIN_VALUE when there is none") {
  const Json w = watermarks_json(testing::small_view(true), 1);
  REQUIRE(w.size() == 3);
  CHECK(w[2]["id"] == "2.currentInputWatermark");
  CHECK(w[2]["value"] == "1002");
  CHECK(watermarks_json(testing::small_view(false), 1)[0]["value"] == "-9223372036854775808");
}

TEST_CASE("history gives each subtask's points of each metric asked for") {
  auto h = history_json(testing::small_view(true), 0, "numRecordsOut");
  REQUIRE(h.ok());
  const Json s = (*h)["metrics"][0]["subtasks"];
  REQUIRE(s.size() == 2);
  CHECK(s[1]["points"].back()[1] == 200.0);
  CHECK(history_json(testing::small_view(true), 0, "").status().code() == StatusCode::kInvalidArgument);
  CHECK(history_json(testing::small_view(true), 0, "x").status().code() == StatusCode::kNotFound);
}

TEST_CASE("checkpoints and exceptions: counts, latest, newest first") {
  JobView v = testing::small_view(false);
  v.counts.completed = 2;
  v.counts.failed = 1;
  v.checkpoints = {{1, false, true, 100, 150, 10, 5, 0, "/c/1", ""},
                   {2, false, false, 200, 260, 0, 0, 0, "", "timeout"},
                   {3, false, true, 300, 330, 20, 7, 0, "/c/3", ""}};
  const Json c = checkpoints_json(v);
  CHECK(c["counts"]["total"] == 3);
  CHECK(c["history"][0]["id"] == 3);
  CHECK(c["latest"]["completed"]["id"] == 3);
  CHECK(c["latest"]["failed"]["failure_message"] == "timeout");
  CHECK(c["summary"]["end_to_end_duration"]["max"] == 50);
  v.failures = {{10, "record", "bad row", "f", "10.0.0.1"}, {20, "lost", "tm lost", "", ""}};
  const Json e = exceptions_json(v, 1)["exceptionHistory"];
  REQUIRE(e["entries"].size() == 1);
  CHECK(e["entries"][0]["timestamp"] == 20);
  CHECK(e["truncated"] == true);
}

TEST_CASE("task managers' stack and sample parts merge in subtask and time order") {
  SubtaskStack a;
  a.activity.subtask = 1;
  a.activity.activity = "processing";
  a.frames = {"f1", "f2"};
  SubtaskStack b;
  b.activity.subtask = 0;
  b.activity.activity = "idle";
  const Json stacks = merge_stacks({stacks_part({a}), stacks_part({b})});
  REQUIRE(stacks["subtasks"].size() == 2);
  CHECK(stacks["subtasks"][0]["activity"] == "idle");
  CHECK(stacks["subtasks"][1]["stack"][1] == "f2");
  SampleRead r1{{"id"}, {{"+I", 0, 10, "[1]"}, {"+I", 0, 30, "[3]"}}};
  SampleRead r2{{"id"}, {{"-D", 1, 20, "[2]"}}};
  const Json sample = merge_samples({sample_part({r1}), sample_part({r2})}, 2);
  CHECK(sample["columns"][0] == "id");
  REQUIRE(sample["rows"].size() == 2);
  CHECK(sample["rows"][0]["op"] == "-D");
  CHECK(sample["rows"][1]["values"][0] == 3);
}
