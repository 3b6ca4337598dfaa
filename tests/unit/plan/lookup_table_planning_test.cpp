// Lookup joins against jdbc and redis tables as pipeline files and SQL
// scripts declare them: the table becomes the join's lookup service (not a
// stream), its options are read, and misuse is refused with a location.
#include <doctest/doctest.h>

#include <string>

#include "plan/job_graph.h"
#include "sql/sql_planner.h"

using namespace eddy;

namespace {

std::string pipeline(const std::string& table, const std::string& on = "S.k = D.id") {
  return R"Y(name: l
sources:
  - name: s
    type: datagen
    rows: 10
    fields:
      k: { kind: sequence }
  - name: dim
)Y" + table + R"Y(operators:
  - name: joined
    lookup:
      input: { input: s, as: S }
      table: { input: dim, as: D }
      type: left
      on: ")Y" + on + R"Y("
sinks:
  - { name: out, input: joined, type: blackhole }
)Y";
}

const char* kJdbc = R"Y(    type: jdbc
    url: jdbc:postgresql://db:6000/shop
    table-name: customers
    password: ${env:PGPASSWORD}
    schema: { id: int64, name: string }
    lookup.cache: PARTIAL
    lookup.partial-cache.max-rows: 77
    lookup.async: "true"
    lookup.timeout-policy: null
)Y";

const LogicalNode* node(const JobGraph& g, const std::string& name) {
  for (const auto& n : g.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

}  // namespace

TEST_CASE("a YAML jdbc source named as a lookup table becomes the join's lookup service, not a stream") {
  auto g = load_pipeline_text("p.yaml", pipeline(kJdbc));
  INFO((g.ok() ? std::string() : g.status().message()));
  REQUIRE(g.ok());
  CHECK(node(**g, "dim") == nullptr);
  const LogicalNode* j = node(**g, "joined");
  REQUIRE(j);
  REQUIRE(j->join.get() != nullptr);
  REQUIRE(j->join->lookup_service.get() != nullptr);
  const LookupTableConfig& t = *j->join->lookup_service;
  CHECK(t.connector == LookupConnector::kJdbc);
  CHECK(t.table_name == "customers");
  CHECK(t.cache.mode == LookupCacheMode::kPartial);
  CHECK(t.cache.max_rows == 77);
  CHECK(t.async);
  CHECK(t.timeout_policy == LookupTimeoutPolicy::kNull);  // an unquoted YAML null means the word
  CHECK(j->join_text.find("db:6000") != std::string::npos);
  CHECK(j->join_text.find("${env:PGPASSWORD}") == std::string::npos);
}

TEST_CASE("a redis source that no lookup join names, a bad option and a string redis table of 3 columns are refused") {
  // (A jdbc source no lookup join names is a scan, read as a stream: jdbc_scan.h.)
  std::string unused = pipeline("    type: redis\n    schema: { id: int64, name: string }\n");
  unused.replace(unused.find("table: { input: dim, as: D }"), 28, "table: { input: dim2, as: D }");
  CHECK_FALSE(load_pipeline_text("p.yaml", unused).ok());
  std::string bad = pipeline(std::string(kJdbc) + "    lookup.max-retries: lots\n");
  auto r = load_pipeline_text("p.yaml", bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("lookup.max-retries") != std::string::npos);
  const std::string redis = "    type: redis\n    port: 7000\n    schema: { id: int64, k2: int64, name: string }\n";
  CHECK(load_pipeline_text("p.yaml", pipeline(redis, "S.k = D.id AND S.k = D.k2")).ok());
  CHECK(load_pipeline_text("p.yaml", pipeline(redis)).ok());
  auto string = load_pipeline_text("p.yaml", pipeline(redis + "    data-type: string\n"));
  REQUIRE_FALSE(string.ok());
  CHECK(string.status().message().find("one column besides the key") != std::string::npos);
}

TEST_CASE("SQL: a temporal join against a redis table plans a lookup join with its options") {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = sql::plan_sql_script("j.sql", R"S(
CREATE TABLE s (k BIGINT, p AS PROCTIME()) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
CREATE TABLE dim (id BIGINT, name STRING) WITH ('connector' = 'redis', 'url' = 'redis://cache:6380/3',
  'data-type' = 'string', 'key-prefix' = 'n:', 'table.exec.async-lookup.output-mode' = 'ALLOW_UNORDERED');
CREATE TABLE out (k BIGINT, name STRING) WITH ('connector' = 'blackhole');
INSERT INTO out SELECT s.k, d.name FROM s JOIN dim FOR SYSTEM_TIME AS OF s.p AS d ON s.k = d.id;
)S", diags);
  INFO((diags.empty() ? std::string() : diags[0].message));
  REQUIRE(diags.empty());
  const SourceSpec* dim = nullptr;
  for (const auto& s : spec.sources)
    if (s.type == SourceType::kRedis) dim = &s;
  REQUIRE(dim);
  CHECK(dim->lookup.host == "cache");
  CHECK(dim->lookup.port == 6380);
  CHECK(dim->lookup.database == 3);
  CHECK(dim->lookup.data_type == RedisDataType::kString);
  CHECK(dim->lookup.output_mode == LookupOutputMode::kUnordered);
  diags.clear();
  sql::plan_sql_script("j.sql", R"S(
CREATE TABLE s (k BIGINT, p AS PROCTIME()) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
CREATE TABLE dim (id BIGINT, name STRING) WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://h/d',
  'table-name' = 't', 'lookup.cache' = 'FULL');
CREATE TABLE out (k BIGINT, name STRING) WITH ('connector' = 'blackhole');
INSERT INTO out SELECT s.k, d.name FROM s JOIN dim FOR SYSTEM_TIME AS OF s.p AS d ON s.k = d.id;
)S", diags);
  REQUIRE_FALSE(diags.empty());
  CHECK(diags[0].message.find("'FULL' is not supported") != std::string::npos);
}
