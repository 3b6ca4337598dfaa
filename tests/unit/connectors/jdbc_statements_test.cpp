// Unit tests for the jdbc sink's SQL text (src/connectors/jdbc_statements.h)
// and its buffer of changes (jdbc_buffer.h): literals, INSERT, upsert, DELETE,
// and the last change of a key winning within a flush.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "connectors/jdbc_buffer.h"
#include "connectors/jdbc_statements.h"
#include "core/record_batch.h"

using namespace eddy;

namespace {

std::string literal(const Column& c, size_t row) {
  ValueFormatter f;
  std::string out;
  append_sql_literal(out, f, c, row);
  return out;
}

/// op, k, v rows of an updating stream.
RecordBatchPtr changes(const std::vector<std::tuple<std::string, int64_t, std::string>>& rows) {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{{"op", DataType::kString}, {"k", DataType::kInt64}, {"v", DataType::kString}});
  BatchBuilder b(schema);
  for (const auto& [op, k, v] : rows) {
    b.column(0).append_string(op);
    b.column(1).append_int(k);
    b.column(2).append_string(v);
    b.commit_rows(1);
  }
  return b.finish();
}

}  // namespace

TEST_CASE("identifiers are quoted, schema and table apart") {
  CHECK(quote_identifier("a\"b") == "\"a\"\"b\"");
  CHECK(quote_table_name("public.kv") == "\"public\".\"kv\"");
  CHECK(quote_table_name("kv") == "\"kv\"");
}

TEST_CASE("values become PostgreSQL literals") {
  Column i(DataType::kInt64), d(DataType::kFloat64), b(DataType::kBool), s(DataType::kString),
      t(DataType::kTimestamp);
  i.append_int(-7);
  i.append_null();
  d.append_double(0.5);
  d.append_double(std::numeric_limits<double>::quiet_NaN());
  d.append_double(-std::numeric_limits<double>::infinity());
  b.append_bool(true);
  s.append_string("it's");
  t.append_int(1000);
  CHECK(literal(i, 0) == "-7");
  CHECK(literal(i, 1) == "NULL");
  CHECK(literal(d, 0) == "0.5");
  CHECK(literal(d, 1) == "'NaN'::float8");
  CHECK(literal(d, 2) == "'-Infinity'::float8");
  CHECK(literal(b, 0) == "TRUE");
  CHECK(literal(s, 0) == "'it''s'");
  CHECK(literal(t, 0) == "'1970-01-01 00:00:01.000'::timestamp");
}

TEST_CASE("INSERT, upsert and DELETE text") {
  JdbcStatements plain("t", {"a", "b"}, {});
  CHECK(plain.insert({"(1,2)", "(3,4)"}) == "INSERT INTO \"t\" (\"a\", \"b\") VALUES (1,2), (3,4)");
  JdbcStatements keyed("s.t", {"k", "v", "w"}, {0});
  CHECK(keyed.insert({"(1,2,3)"}) ==
        "INSERT INTO \"s\".\"t\" (\"k\", \"v\", \"w\") VALUES (1,2,3) ON CONFLICT (\"k\") DO UPDATE SET "
        "\"v\" = EXCLUDED.\"v\", \"w\" = EXCLUDED.\"w\"");
  CHECK(keyed.remove({"(1)", "(2)"}) == "DELETE FROM \"s\".\"t\" WHERE (\"k\") IN ((1), (2))");
  JdbcStatements all_key("t", {"a", "b"}, {1, 0});
  CHECK(all_key.insert({"(1,2)"}) ==
        "INSERT INTO \"t\" (\"a\", \"b\") VALUES (1,2) ON CONFLICT (\"b\", \"a\") DO NOTHING");
  CHECK(plain.probe() == "SELECT \"a\", \"b\" FROM \"t\" WHERE FALSE");
}

TEST_CASE("an append-only buffer keeps every row in order") {
  JdbcStatements st("t", {"op", "k", "v"}, {});
  JdbcBuffer buf(st, false);
  REQUIRE(buf.add(*changes({{"x", 1, "a"}, {"y", 1, "a"}})).is_ok());
  CHECK(buf.size() == 2);
  auto sql = buf.take();
  REQUIRE(sql.size() == 1);
  CHECK(sql[0] == "INSERT INTO \"t\" (\"op\", \"k\", \"v\") VALUES ('x',1,'a'), ('y',1,'a')");
  CHECK(buf.empty());
  CHECK(buf.take().empty());
}

TEST_CASE("an updating buffer keeps the last change of each key; -U is dropped") {
  JdbcStatements st("t", {"k", "v"}, {0});
  JdbcBuffer buf(st, true);
  REQUIRE(buf.add(*changes({{"+I", 1, "a"}, {"-U", 1, "a"}, {"+U", 1, "b"}, {"+I", 2, "x"}, {"-D", 2, "x"},
                            {"-D", 3, "q"}, {"+I", 3, "r"}}))
              .is_ok());
  CHECK(buf.size() == 6);
  auto sql = buf.take();
  REQUIRE(sql.size() == 2);
  CHECK(sql[0] == "DELETE FROM \"t\" WHERE (\"k\") IN ((2))");
  const bool one_then_three = sql[1].find("(1,'b'), (3,'r')") != std::string::npos;
  const bool three_then_one = sql[1].find("(3,'r'), (1,'b')") != std::string::npos;
  CHECK((one_then_three || three_then_one));
  CHECK(sql[1].find("ON CONFLICT (\"k\") DO UPDATE SET \"v\" = EXCLUDED.\"v\"") != std::string::npos);
  CHECK(!buf.add(*changes({{"?", 1, "a"}})).is_ok());
}

TEST_CASE("keyed changes carried in a checkpoint load back into an empty buffer") {
  JdbcStatements st("t", {"k", "v"}, {0});
  JdbcBuffer buf(st, true);
  REQUIRE(buf.add(*changes({{"+I", 1, "line\nbreak"}, {"-D", 2, "x"}})).is_ok());
  JdbcBuffer restored(st, true);
  REQUIRE(restored.load(buf.save()).is_ok());
  CHECK(restored.size() == 2);
  CHECK(restored.take() == buf.take());
  CHECK(!restored.load("3:(1)1:X1:y").is_ok());
  CHECK(!restored.load("9:(1)").is_ok());
}
