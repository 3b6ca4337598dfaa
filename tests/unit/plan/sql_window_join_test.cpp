// SQL window joins planned into job graphs (src/sql/sql_window_join.cpp, then
// plan/join_planner.cpp): what EXPLAIN and `eddy validate` say of them, and
// the event time their inputs are assigned to windows by.
#include <doctest/doctest.h>

#include <string>

#include "operators/join_config.h"
#include "plan/job_graph.h"

using namespace eddy;

namespace {

const char* kTables =
    "CREATE TABLE d (did BIGINT, ad BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)\n"
    "WITH ('connector' = 'filesystem', 'path' = 'd.csv', 'format' = 'csv');\n"
    "CREATE TABLE c (cid BIGINT, ad BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)\n"
    "WITH ('connector' = 'filesystem', 'path' = 'c.csv', 'format' = 'csv');\n";

JobGraphPtr planned(const std::string& script) {
  auto graph = load_pipeline_text("q.sql", std::string(kTables) + script);
  INFO((graph.ok() ? std::string() : graph.status().message()));
  REQUIRE(graph.ok());
  return *graph;
}

const LogicalNode* join_node(const JobGraph& g) {
  for (const auto& n : g.nodes)
    if (n.join) return &n;
  return nullptr;
}

}  // namespace

TEST_CASE("EXPLAIN of a join of two window TVFs says window join, its type and window") {
  JobGraphPtr g = planned(
      "EXPLAIN SELECT D.did, C.cid, C.window_end\n"
      "FROM (SELECT * FROM TABLE(TUMBLE(TABLE d, DESCRIPTOR(ts), INTERVAL '10' SECOND))) D\n"
      "LEFT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE c, DESCRIPTOR(ts), INTERVAL '10' SECOND))) C\n"
      "ON D.ad = C.ad AND D.window_start = C.window_start AND D.window_end = C.window_end;");
  REQUIRE(g->explained.size() == 1);
  const std::string& text = g->explained[0];
  CHECK(text.find("join: window, left (D = left, C = right)") != std::string::npos);
  CHECK(text.find("window: tumbling 10s on event time") != std::string::npos);
  CHECK(text.find("stream: append-only") != std::string::npos);
}

TEST_CASE("window aggregates joined on their windows: a window join that assigns results by window_end - 1 ms") {
  JobGraphPtr g = planned(
      "CREATE TABLE o (ad BIGINT, s TIMESTAMP(3), n BIGINT, m BIGINT) WITH ('connector' = 'blackhole');\n"
      "INSERT INTO o SELECT D.ad, D.window_start, D.n, C.m FROM\n"
      "(SELECT ad, window_start, window_end, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE d, DESCRIPTOR(ts), "
      "INTERVAL '10' SECOND)) GROUP BY ad, window_start, window_end) D JOIN\n"
      "(SELECT ad, window_start, window_end, COUNT(*) AS m FROM TABLE(TUMBLE(TABLE c, DESCRIPTOR(ts), "
      "INTERVAL '10' SECOND)) GROUP BY ad, window_start, window_end) C\n"
      "ON D.ad = C.ad AND D.window_start = C.window_start AND D.window_end = C.window_end;");
  const LogicalNode* join = join_node(*g);
  REQUIRE(join);
  CHECK(join->join->kind == JoinKind::kWindow);
  CHECK(join->join->left_time_offset_ms == -1);
  CHECK(join->join->right_time_offset_ms == -1);
  CHECK(join->join_text.find("key: D.ad = C.ad") != std::string::npos);
  CHECK(join->join_text.find("condition: none") != std::string::npos);
}
