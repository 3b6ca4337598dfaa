// Unit tests of the Prometheus text: every line parses back as a comment or
// a sample, names follow Flink's PrometheusReporter, labels are escaped.
#include <doctest/doctest.h>

#include <regex>
#include <set>
#include <sstream>

#include "monitor/prometheus.h"
#include "unit/monitor/monitor_fixture.h"

using namespace eddy;

namespace {

struct Parsed {
  std::set<std::string> names;     // of samples
  std::set<std::string> typed;     // names with a # TYPE gauge line
  std::vector<std::string> lines;  // sample lines
};

/// A strict reading of the text format: "# HELP n ...", "# TYPE n gauge", or
/// name{label="value",...} number. Fails the test on any other line.
Parsed parse(const std::string& text) {
  static const std::regex help(R"(# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) gauge)");
  static const std::regex sample(
      R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf))re");
  Parsed p;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    CAPTURE(line);
    if (std::regex_match(line, help)) continue;
    if (std::regex_match(line, m, type)) {
      p.typed.insert(m[1]);
      continue;
    }
    REQUIRE(std::regex_match(line, m, sample));
    p.names.insert(m[1]);
    p.lines.push_back(line);
  }
  return p;
}

}  // namespace

TEST_CASE("metric names keep [a-zA-Z0-9:_] and turn everything else into _") {
  CHECK(prometheus_name("flink_taskmanager_job_task_buffers.inPoolUsage") ==
        "flink_taskmanager_job_task_buffers_inPoolUsage");
  CHECK(prometheus_name("a-b c:d") == "a_b_c:d");
}

TEST_CASE("samples of one name share one TYPE line and label values are escaped") {
  PrometheusText t("flink");
  t.add("jobmanager_job", "numRestarts", {{"job_id", "1"}, {"job_name", "a \"quoted\"\nname\\"}}, 2);
  t.add("jobmanager_job", "numRestarts", {{"job_id", "2"}, {"job_name", "b"}}, 0.5);
  t.add("jobmanager", "taskSlotsTotal", {}, 4);
  const std::string text = t.render();
  const Parsed p = parse(text);
  CHECK(p.typed == std::set<std::string>{"flink_jobmanager_job_numRestarts", "flink_jobmanager_taskSlotsTotal"});
  CHECK(p.lines.size() == 3);
  CHECK(text.find(R"(job_name="a \"quoted\"\nname\\")") != std::string::npos);
  CHECK(text.find("flink_jobmanager_taskSlotsTotal 4\n") != std::string::npos);
  CHECK(text.find("} 0.5\n") != std::string::npos);
}

TEST_CASE("a job's metrics come out under Flink's reporter names with its scope labels") {
  const JobView v = testing::small_view(true);
  PrometheusText t("flink");
  add_job_metrics(t, v);
  ClusterFigures c;
  c.task_managers = 2;
  c.slots_total = 4;
  add_cluster_metrics(t, c);
  const std::string text = t.render();
  const Parsed p = parse(text);
  CHECK(p.names.count("flink_jobmanager_job_numRestarts") == 1);
  CHECK(p.names.count("flink_jobmanager_numRegisteredTaskManagers") == 1);
  CHECK(p.names.count("flink_taskmanager_job_task_busyTimeMsPerSecond") == 1);
  CHECK(p.names.count("flink_taskmanager_job_task_operator_numRecordsOut") == 1);
  for (const auto& n : p.names) CHECK(p.typed.count(n) == 1);
  CHECK(text.find("task_name=\"gen -> f\"") != std::string::npos);
  CHECK(text.find("operator_name=\"f\"") != std::string::npos);
  CHECK(text.find("tm_id=\"tm-b\"") != std::string::npos);
  CHECK(text.find("subtask_index=\"2\"") != std::string::npos);
}

TEST_CASE("the prefix is configurable") {
  PrometheusText t("eddy");
  add_job_metrics(t, testing::small_view(false));
  const Parsed p = parse(t.render());
  CHECK(p.names.count("eddy_jobmanager_job_uptime") == 1);
}
