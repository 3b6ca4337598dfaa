// Unit tests for the flat-object fast path of the JSON Lines reader
// (src/connectors/jsonl_flat.h): what it takes decodes exactly as simdjson
// decodes it, and what it does not take is left, untouched, to simdjson.
// simdjson's answer for a line comes from the same line with a nested value
// added under an unknown key, which the fast path never takes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "connectors/jsonl_flat.h"
#include "connectors/jsonl_format.h"
#include "unit/connectors/file_test_util.h"

using namespace eddy;
using eddy::test::make_schema;

namespace {

SchemaPtr all_types() {
  return make_schema({{"i", DataType::kInt64},
                      {"f", DataType::kFloat64},
                      {"b", DataType::kBool},
                      {"s", DataType::kString},
                      {"t", DataType::kTimestamp}});
}

/// A cell as text that tells every value apart (doubles by their bits, so -0.0 is not 0.0).
std::string cell(const RecordBatch& batch, size_t c, size_t row) {
  const Column& col = batch.columns[c];
  if (col.is_null(row)) return "NULL";
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp: return std::to_string(col.ints[row]);
    case DataType::kFloat64: {
      uint64_t bits;
      std::memcpy(&bits, &col.doubles[row], sizeof bits);
      return std::to_string(bits);
    }
    case DataType::kBool: return col.bools[row] ? "true" : "false";
    case DataType::kString: return "'" + std::string(col.string_at(row)) + "'";
  }
  return "?";
}

std::vector<std::string> rows_of(const RecordBatch& batch) {
  std::vector<std::string> rows;
  for (size_t r = 0; r < batch.num_rows; ++r) {
    std::string row;
    for (size_t c = 0; c < batch.columns.size(); ++c) row += cell(batch, c, r) + "|";
    rows.push_back(row);
  }
  return rows;
}

/// The fast path alone on `line` (with its '\n'): the row, or nothing when it leaves the line.
std::optional<std::string> flat_row(SchemaPtr schema, const std::string& line) {
  JsonFlatDecoder flat(*schema);
  BatchBuilder b(schema);
  int64_t lines = 0;
  const char* end = flat.decode_lines(line.data(), line.data() + line.size(), 10, b, lines);
  auto batch = b.finish();
  if (end != line.data() + line.size()) {
    CHECK(batch->num_rows == 0);  // a line it leaves leaves nothing behind
    return std::nullopt;
  }
  REQUIRE(batch->num_rows == 1);
  return rows_of(*batch)[0];
}

/// simdjson's row for `line`: the same object with a nested value added, so
/// the fast path passes it on.
std::string general_row(SchemaPtr schema, const std::string& line) {
  const size_t close = line.rfind('}');
  REQUIRE(close != std::string::npos);
  std::string nested = line.substr(0, close);
  const bool empty = nested.find_last_not_of(" \t") == nested.find('{');
  nested += std::string(empty ? "" : ",") + "\"zz_nested\":[1,{\"a\":2}]" + line.substr(close);
  JsonlParser p(schema, OnError::kFail);
  p.set_origin("x.jsonl", 1);
  BatchBuilder b(schema);
  auto r = p.parse(nested, true, 10, b);
  REQUIRE_MESSAGE(r.ok(), nested);
  auto batch = b.finish();
  REQUIRE(batch->num_rows == 1);
  return rows_of(*batch)[0];
}

void same_as_simdjson(const std::string& line) {
  auto schema = all_types();
  auto flat = flat_row(schema, line);
  REQUIRE_MESSAGE(flat.has_value(), line);
  CHECK_MESSAGE(*flat == general_row(schema, line), line);
}

void left_to_simdjson(const std::string& line) {
  CHECK_MESSAGE(!flat_row(all_types(), line).has_value(), line);
}

}  // namespace

TEST_CASE("flat objects decode as simdjson decodes them") {
  same_as_simdjson("{\"i\":1,\"f\":2.5,\"b\":true,\"s\":\"x\",\"t\":\"2024-01-01 00:00:00.007\"}\n");
  same_as_simdjson("{}\n");
  same_as_simdjson("  { \"t\" : 1700000000000 , \"s\":\"\", \"b\":false }  \r\n");
  same_as_simdjson("{\"i\":-0,\"f\":-0.0}\n");
  same_as_simdjson("{\"i\":null,\"f\":null,\"b\":null,\"s\":null,\"t\":null}\n");
  same_as_simdjson("{\"i\":999999999999999999,\"f\":-999999999999999999}\n");
  same_as_simdjson("{\"f\":1e3}\n");
  same_as_simdjson("{\"f\":1.7976931348623157e308}\n");
  same_as_simdjson("{\"f\":5e-324}\n");
  same_as_simdjson("{\"f\":0.1}\n");
  same_as_simdjson("{\"f\":123456789.123456789123}\n");  // more digits than a double holds
  same_as_simdjson("{\"f\":9007199254740993}\n");        // past 2^53: rounded as simdjson rounds
  same_as_simdjson("{\"f\":0.30000000000000004441}\n");  // simdjson 3.0 alone reads 0.1155...
  same_as_simdjson("{\"s\":\"h\xc3\xa9llo \xe2\x82\xac\"}\n");  // UTF-8
  same_as_simdjson("{\"other\":\"skip\",\"x\":1.5e9,\"y\":true,\"z\":null,\"i\":7}\n");  // unknown keys
  same_as_simdjson("{\"t\":\"2024-02-29T12:00:00Z\"}\n");
}

TEST_CASE("random flat records decode as simdjson decodes them") {
  std::mt19937_64 rng(42);
  const std::vector<std::string> strings = {"", "web", "a b", "\xc3\xa9t\xc3\xa9", "0123456789abcdef0123"};
  for (int n = 0; n < 2000; ++n) {
    std::vector<std::string> fields;
    const int64_t i = static_cast<int64_t>(rng() % 1000000000000000000ULL) >> (rng() % 60);  // at most 18 digits
    fields.push_back("\"i\":" + std::to_string(rng() % 2 ? i : -i));
    const double f = std::ldexp(static_cast<double>(static_cast<int64_t>(rng()) >> 11), static_cast<int>(rng() % 80) - 60);
    char fbuf[64];
    std::snprintf(fbuf, sizeof fbuf, rng() % 2 ? "%.17g" : "%.3f", f);
    fields.push_back(std::string("\"f\":") + fbuf);
    fields.push_back(std::string("\"b\":") + (rng() % 2 ? "true" : "false"));
    fields.push_back("\"s\":\"" + strings[rng() % strings.size()] + "\"");
    fields.push_back("\"t\":" + std::to_string(static_cast<int64_t>(rng() % 4000000000000ULL)));
    std::shuffle(fields.begin(), fields.end(), rng);
    fields.resize(rng() % (fields.size() + 1));  // some keys missing
    std::string line = "{";
    for (size_t k = 0; k < fields.size(); ++k) line += (k ? (rng() % 4 ? "," : " , ") : "") + fields[k];
    line += "}\n";
    same_as_simdjson(line);
  }
}

TEST_CASE("the fast path leaves to simdjson what it does not read itself") {
  left_to_simdjson("{\"s\":\"a\\\"b\"}\n");       // an escape in a value
  left_to_simdjson("{\"\\u0069\":1}\n");          // an escape in a key
  left_to_simdjson("{\"i\":[1]}\n");              // nested values
  left_to_simdjson("{\"x\":{\"a\":1},\"i\":1}\n");
  left_to_simdjson("{\"i\":1.5}\n");              // a fraction for an integer column
  left_to_simdjson("{\"i\":1e3}\n");
  left_to_simdjson("{\"i\":1234567890123456789}\n");  // 19 digits
  left_to_simdjson("{\"i\":\"1\"}\n");            // another type than the column's
  left_to_simdjson("{\"b\":1}\n");
  left_to_simdjson("{\"t\":\"soon\"}\n");
  left_to_simdjson("{\"i\":1,\"i\":2}\n");        // a key twice
  // Malformed: simdjson names what is wrong and where.
  for (const char* bad : {"{\"i\":01}\n", "{\"i\":1,}\n", "{\"i\":1}x\n", "{\"i\":1} {\"i\":2}\n", "{\"i\":-}\n",
                          "{\"i\":1.}\n", "{\"f\":1e}\n", "{\"b\":tru}\n", "{\"s\":\"\x01\"}\n", "{\"s\":\"\xff\"}\n",
                          "[1]\n", "{\"i\" 1}\n", "{\"i\":1\n", "{i:1}\n"})
    left_to_simdjson(bad);
}

TEST_CASE("blank lines pass, and the fast path stops at the line it leaves") {
  auto schema = all_types();
  JsonFlatDecoder flat(*schema);
  BatchBuilder b(schema);
  const std::string text = "{\"i\":1}\n\n  \n{\"i\":2}\n{\"i\":[3]}\n{\"i\":4}\n";
  int64_t lines = 0;
  const char* stop = flat.decode_lines(text.data(), text.data() + text.size(), 10, b, lines);
  CHECK(std::string(stop) == "{\"i\":[3]}\n{\"i\":4}\n");
  CHECK(lines == 4);
  CHECK(b.finish()->num_rows == 2);
}

TEST_CASE("the JSON Lines parser takes mixed lines in order, flat or not") {
  auto schema = all_types();
  JsonlParser p(schema, OnError::kFail);
  p.set_origin("x.jsonl", 1);
  BatchBuilder b(schema);
  const std::string text = "{\"i\":1}\n{\"i\":2,\"n\":[0]}\n{\"i\":3}\n{\"s\":\"\\n\"}\n{\"i\":5}\n";
  auto r = p.parse(text, true, 100, b);
  REQUIRE(r.ok());
  auto rows = rows_of(*b.finish());
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].rfind("1|", 0) == 0);
  CHECK(rows[1].rfind("2|", 0) == 0);
  CHECK(rows[2].rfind("3|", 0) == 0);
  CHECK(rows[3] == "NULL|NULL|NULL|'\n'|NULL|");
  CHECK(rows[4].rfind("5|", 0) == 0);
}

TEST_CASE("a schema name the fast path cannot compare in place turns it off") {
  CHECK(JsonFlatDecoder(*make_schema({{"a\"b", DataType::kInt64}})).usable() == false);
  CHECK(JsonFlatDecoder(*make_schema({{"ok", DataType::kInt64}})).usable() == true);
}
