// The jdbc sink as pipeline files and SQL scripts declare it: Flink's JDBC
// option names read into JdbcSinkConfig (defaults, durations, the key), a
// bad URL refused at its value, and an updating stream into a sink without a
// primary key refused at file:line:column.
#include <doctest/doctest.h>

#include <string>

#include "plan/job_graph.h"
#include "plan/pipeline_parser.h"
#include "sql/sql_planner.h"

using namespace eddy;

namespace {

const char* kSource = R"Y(name: j
sources:
  - name: gen
    type: datagen
    rows: 10
    fields:
      id: { kind: sequence }
)Y";

std::string first_error(const Result<JobGraphPtr>& r) { return r.ok() ? std::string() : r.status().message(); }

}  // namespace

TEST_CASE("a YAML jdbc sink takes Flink's option names as keys") {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse_pipeline("p.yaml", std::string(kSource) + R"Y(sinks:
  - name: pg
    input: gen
    type: jdbc
    url: jdbc:postgresql://db:6000/shop
    table-name: public.t
    username: ${env:PGUSER}
    password: ${env:PGPASSWORD}
    sink.buffer-flush.max-rows: 500
    sink.buffer-flush.interval: 250ms
    sink.max-retries: 0
    primary_key: [id]
)Y", diags);
  REQUIRE(diags.empty());
  REQUIRE(spec.sinks.size() == 1);
  const SinkSpec& s = spec.sinks[0];
  CHECK(s.type == SinkType::kJdbc);
  CHECK(s.jdbc.url == "jdbc:postgresql://db:6000/shop");
  CHECK(s.jdbc.table == "public.t");
  CHECK(s.jdbc.username == "${env:PGUSER}");
  CHECK(s.jdbc.password == "${env:PGPASSWORD}");
  CHECK(s.jdbc.flush_max_rows == 500);
  CHECK(s.jdbc.flush_interval_ms == 250);
  CHECK(s.jdbc.max_retries == 0);
  CHECK(s.jdbc.primary_key == std::vector<std::string>{"id"});
}

TEST_CASE("YAML jdbc defaults are Flink's; url and table-name are required") {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse_pipeline("p.yaml", std::string(kSource) + R"Y(sinks:
  - { name: pg, input: gen, type: jdbc, url: "jdbc:postgresql://h/d", table-name: t }
)Y", diags);
  REQUIRE(diags.empty());
  CHECK(spec.sinks[0].jdbc.flush_max_rows == 100);
  CHECK(spec.sinks[0].jdbc.flush_interval_ms == 1000);
  CHECK(spec.sinks[0].jdbc.max_retries == 3);
  diags.clear();
  parse_pipeline("p.yaml", std::string(kSource) + "sinks:\n  - { name: pg, input: gen, type: jdbc }\n", diags);
  REQUIRE(diags.size() >= 2);
}

TEST_CASE("an updating stream into a jdbc sink needs a primary key, refused at the sink") {
  const std::string ops = R"Y(operators:
  - { name: totals, input: gen, key_by: [id], aggregate: { n: "count(*)" } }
sinks:
  - name: pg
    input: totals
    type: jdbc
    url: jdbc:postgresql://h:1/d
    table-name: t
)Y";
  auto refused = load_pipeline_text("p.yaml", std::string(kSource) + ops);
  REQUIRE(!refused.ok());
  CHECK(first_error(refused).find("p.yaml:11:5") != std::string::npos);
  CHECK(first_error(refused).find("declares no primary key") != std::string::npos);
  auto keyed = load_pipeline_text("p.yaml", std::string(kSource) + ops + "    primary_key: [id]\n");
  REQUIRE(keyed.ok());
  bool updating_sink = false;
  for (const auto& n : (*keyed)->nodes)
    if (n.name == "pg") updating_sink = n.output_updating;
  CHECK(updating_sink);
}

TEST_CASE("a SQL jdbc table: options, PRIMARY KEY ... NOT ENFORCED, and a bad URL at its value") {
  const std::string ddl =
      "CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');\n"
      "CREATE TABLE t (id BIGINT, n BIGINT, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'jdbc',\n"
      "  'url' = 'jdbc:postgresql://h:5/d', 'table-name' = 'tt', 'password' = 'pw',\n"
      "  'sink.buffer-flush.interval' = '2s', 'sink.buffer-flush.max-rows' = '9');\n";
  std::vector<Diagnostic> diags;
  PipelineSpec spec = sql::plan_sql_script("j.sql", ddl + "INSERT INTO t SELECT id, COUNT(*) FROM g GROUP BY id;",
                                           diags);
  INFO((diags.empty() ? std::string() : diags[0].message));
  REQUIRE(diags.empty());
  REQUIRE(spec.sinks.size() == 1);
  const JdbcSinkConfig& j = spec.sinks[0].jdbc;
  CHECK(spec.sinks[0].type == SinkType::kJdbc);
  CHECK(j.table == "tt");
  CHECK(j.password == "pw");
  CHECK(j.flush_interval_ms == 2000);
  CHECK(j.flush_max_rows == 9);
  CHECK(j.primary_key == std::vector<std::string>{"id"});
  diags.clear();
  sql::plan_sql_script("j.sql",
                       "CREATE TABLE t (id BIGINT) WITH ('connector' = 'jdbc', 'url' = 'mysql://x',\n"
                       "  'table-name' = 't', 'sink.max-retries' = 'x');\n"
                       "CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');\n"
                       "INSERT INTO t SELECT id FROM g;\n",
                       diags);
  REQUIRE(diags.size() == 2);
  CHECK(diags[0].loc.line == 1);
  CHECK(diags[0].message.find("not a PostgreSQL JDBC URL") != std::string::npos);
  CHECK(diags[1].message.find("'sink.max-retries' must be an integer") != std::string::npos);
}
