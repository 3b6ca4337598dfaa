// The statement parser: each statement kind, relations (joins, subqueries,
// window TVFs), where expressions end, and syntax errors with what was found
// and what was expected.
#include <doctest/doctest.h>

#include "sql/sql_parser.h"
#include "sql/sql_scope.h"

using namespace eddy;
using namespace eddy::sql;

namespace {

Script parse_ok(const std::string& text) {
  Script s;
  std::vector<Diagnostic> diags;
  const bool ok = parse_script(text, s, diags);
  INFO(text);
  INFO((diags.empty() ? std::string() : diags[0].message));
  REQUIRE(ok);
  return s;
}

Diagnostic parse_error(const std::string& text) {
  Script s;
  std::vector<Diagnostic> diags;
  INFO(text);
  REQUIRE_FALSE(parse_script(text, s, diags));
  REQUIRE(diags.size() == 1);
  return diags[0];
}

}  // namespace

TEST_CASE("CREATE TABLE keeps columns, ROW fields, computed columns, the watermark, the key and options") {
  Script s = parse_ok(
      "CREATE TEMPORARY TABLE t (\n"
      "  id BIGINT NOT NULL,\n"
      "  r ROW<a INT, `b` VARCHAR(10)>,\n"
      "  ts TIMESTAMP(3),\n"
      "  t2 AS ts,\n"
      "  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,\n"
      "  PRIMARY KEY (id) NOT ENFORCED\n"
      ") WITH ('connector' = 'datagen', 'rows-per-second' = '5');");
  REQUIRE(s.statements.size() == 1);
  const CreateTable& t = s.statements[0].table;
  CHECK(t.name.name == "t");
  REQUIRE(t.columns.size() == 4);
  CHECK(t.columns[1].type.name == "ROW");
  REQUIRE(t.columns[1].type.fields.size() == 2);
  CHECK(t.columns[1].type.fields[1].name.name == "b");
  CHECK(t.columns[1].type.fields[1].type.params == std::vector<int64_t>{10});
  CHECK(t.columns[2].type.params == std::vector<int64_t>{3});
  CHECK_FALSE(t.columns[3].computed.empty());
  CHECK(t.watermark_column.name == "ts");
  CHECK(span_text(s, t.watermark) == "ts - INTERVAL '5' SECOND");
  REQUIRE(t.primary_key.size() == 1);
  REQUIRE(t.options.size() == 2);
  CHECK(t.options[1].key == "rows-per-second");
  CHECK(t.options[1].value == "5");
}

TEST_CASE("SET, views, INSERT, statement sets and EXPLAIN") {
  Script s = parse_ok(
      "SET 'parallelism.default' = '2';\n"
      "SET pipeline.name = job;\n"
      "CREATE VIEW v AS SELECT a FROM t;\n"
      "EXECUTE STATEMENT SET BEGIN INSERT INTO o SELECT * FROM v; INSERT INTO p SELECT a FROM v; END;\n"
      "EXPLAIN SELECT a FROM v;");
  REQUIRE(s.statements.size() == 5);
  CHECK(s.statements[0].set.key == "parallelism.default");
  CHECK(s.statements[1].set.key == "pipeline.name");
  CHECK(s.statements[1].set.value == "job");
  CHECK(s.statements[2].kind == Statement::Kind::kCreateView);
  CHECK(s.statements[3].inserts.size() == 2);
  REQUIRE(s.statements[4].kind == Statement::Kind::kExplain);
  CHECK(s.statements[4].explained->kind == Statement::Kind::kSelect);
}

TEST_CASE("expressions end at clause words, commas and aliases; CASE and BETWEEN stay whole") {
  Script s = parse_ok(
      "SELECT a + 1 b, CASE WHEN x THEN 1 ELSE 2 END AS c, `v` FROM t "
      "WHERE x BETWEEN 1 AND 2 AND y = 'a' GROUP BY a, b HAVING COUNT(*) > 1");
  const SelectBlock& b = s.statements[0].query->blocks[0];
  REQUIRE(b.items.size() == 3);
  CHECK(span_text(s, b.items[0].expr) == "a + 1");
  CHECK(b.items[0].alias.name == "b");
  CHECK(span_text(s, b.items[1].expr) == "CASE WHEN x THEN 1 ELSE 2 END");
  CHECK(b.items[1].alias.name == "c");
  CHECK(b.items[2].alias.empty());
  std::vector<ExprSpan> parts = conjuncts(s, b.where);
  REQUIRE(parts.size() == 2);
  CHECK(span_text(s, parts[0]) == "x BETWEEN 1 AND 2");
  CHECK(b.group_by.size() == 2);
  CHECK(span_text(s, b.having) == "COUNT(*) > 1");
}

TEST_CASE("joins, subqueries without an alias and window TVFs") {
  Script s = parse_ok(
      "SELECT * FROM a AS x LEFT OUTER JOIN (SELECT * FROM b) y ON x.k = y.k, "
      "TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)) w, (SELECT 1 FROM c)");
  const RelationPtr& from = s.statements[0].query->blocks[0].from;
  REQUIRE(from->kind == RelationKind::kJoin);
  CHECK(from->join_type == "cross");
  REQUIRE(from->left->kind == RelationKind::kJoin);
  const Relation& hop = *from->left->right;
  CHECK(hop.kind == RelationKind::kWindowTvf);
  CHECK(hop.function.name == "HOP");
  CHECK(hop.descriptor.name == "ts");
  CHECK(hop.arguments.size() == 2);
  CHECK(hop.alias.name == "w");
  const Relation& left_join = *from->left->left;
  CHECK(left_join.join_type == "left");
  CHECK(left_join.right->kind == RelationKind::kSubquery);
  CHECK(left_join.right->alias.name == "y");
  CHECK(from->right->kind == RelationKind::kSubquery);
  CHECK(from->right->alias.empty());
}

TEST_CASE("syntax errors name the token found and what was expected, at its position") {
  Diagnostic d = parse_error("CREATE TABLE t (a BIGINT,\n  b) WITH ()");
  CHECK(d.loc.line == 2);
  CHECK(d.loc.column == 4);
  CHECK(d.message.find("found ')', expected a type") == 0);
  d = parse_error("SELECT a FROM t UNION SELECT b FROM u");
  CHECK(d.message.find("expected ALL after UNION") != std::string::npos);
  d = parse_error("SELECT a FROM t ORDER BY a");
  CHECK(d.message.find("ROW_NUMBER()") != std::string::npos);
  d = parse_error("INSERT INTO o SELECT a FROM t LATERAL");
  CHECK(d.message == "LATERAL is not supported by eddy");
  d = parse_error("CREATE TABLE t (a INT) PARTITIONED BY (a)");
  CHECK(d.message == "PARTITIONED BY is not supported by eddy");
}
