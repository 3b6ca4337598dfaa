// Unit tests for the simdjson JSON-lines reader's edges
// (src/connectors/jsonl_reader.cpp): lines at the very end of a buffer (no
// padding after them), records cut by the file reader's 1 MiB reads, records
// longer than a read, and values the decoder must map or refuse.
#include <doctest/doctest.h>

#include <limits>
#include <vector>

#include "connectors/file_source.h"
#include "connectors/jsonl_format.h"
#include "unit/connectors/file_test_util.h"

using namespace eddy;
using eddy::test::drain_all;
using eddy::test::make_schema;
using eddy::test::TempDir;
using eddy::test::write_file;

namespace {

struct Parsed {
  std::shared_ptr<RecordBatch> batch;
  Status status;
  size_t consumed = 0;
};

Parsed parse(SchemaPtr schema, std::string_view text, bool final = true) {
  JsonlParser p(schema, OnError::kFail);
  p.set_origin("x.jsonl", 1);
  BatchBuilder b(schema);
  Parsed out;
  auto r = p.parse(text, final, 1u << 30, b);
  if (!r.ok()) out.status = r.status();
  else out.consumed = *r;
  out.batch = b.finish();
  return out;
}

std::string message(SchemaPtr schema, std::string_view text) {
  return parse(std::move(schema), text).status.message();
}

FileSourceConfig jsonl_config(const std::string& path, SchemaPtr schema) {
  FileSourceConfig c;
  c.path = path;
  c.format = FileFormat::kJsonl;
  c.schema = std::move(schema);
  c.split_size = int64_t{1} << 40;  // one split
  return c;
}

eddy::test::Drained read_all(const FileSourceConfig& config) {
  auto splits = make_file_enumerator(config)->enumerate(1);
  REQUIRE(splits.ok());
  auto reader = make_file_reader(config);
  return drain_all(*reader, *splits, 4096);
}

}  // namespace

TEST_CASE("a line that ends at the last byte of its buffer parses from a padded copy") {
  auto schema = make_schema({{"a", DataType::kInt64}, {"s", DataType::kString}});
  // Each line alone in a heap buffer of exactly its size, so no byte after it is
  // readable (a sanitizer build would catch a read past the end), and lines
  // whose ends lie 0 to 80 bytes before the end of the data.
  for (size_t pad = 0; pad <= 80; ++pad) {
    const std::string line = "{\"s\":\"" + std::string(pad, 'x') + "\",\"a\":" + std::to_string(pad) + "}";
    std::vector<char> exact(line.begin(), line.end());
    auto alone = parse(schema, std::string_view(exact.data(), exact.size()));
    REQUIRE(alone.status.is_ok());
    REQUIRE(alone.batch->num_rows == 1);
    CHECK(alone.batch->column(0).ints[0] == static_cast<int64_t>(pad));
    CHECK(alone.batch->column(1).string_at(0) == std::string(pad, 'x'));
    const std::string two = "{\"a\":-1}\n" + line + "\n" + std::string(pad, ' ');
    auto both = parse(schema, two);
    REQUIRE(both.status.is_ok());
    REQUIRE(both.batch->num_rows == 2);
    CHECK(both.batch->column(0).ints[1] == static_cast<int64_t>(pad));
  }
}

TEST_CASE("a line is parsed from its own bytes, not from those that follow it in the buffer") {
  auto schema = make_schema({{"a", DataType::kInt64}});
  // Not final: the second line may go on; it must neither be parsed nor spoil the first.
  auto p = parse(schema, "{\"a\":1}\n{\"a\":2, \"b\": [1,", false);
  REQUIRE(p.status.is_ok());
  CHECK(p.consumed == 8);
  CHECK(p.batch->column(0).ints == std::vector<int64_t>{1});
  CHECK(message(schema, "{\"a\":1}\n{\"a\":2").find("x.jsonl:2: invalid JSON") == 0);
}

TEST_CASE("JSONL records cut by the reader's 1 MiB reads, and one longer than a read, arrive whole") {
  TempDir dir;
  auto schema = make_schema({{"id", DataType::kInt64}, {"text", DataType::kString}});
  std::string text;
  std::vector<std::string> texts;
  for (int i = 0; text.size() < (3u << 20); ++i) {
    // Lengths vary so that read boundaries fall everywhere in records;
    // record 1000 alone is 2.5 MiB, longer than a whole read.
    std::string t = i == 1000 ? std::string(5u << 19, 'L') : std::string(static_cast<size_t>(i % 97), 'a' + i % 26);
    text += "{\"text\":\"" + t + "\",\"id\":" + std::to_string(i) + "}\n";
    texts.push_back(std::move(t));
  }
  write_file(dir.file("cut.jsonl"), text);
  auto drained = read_all(jsonl_config(dir.file("cut.jsonl"), schema));
  REQUIRE(drained.status.is_ok());
  REQUIRE(drained.rows->num_rows == texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    CHECK(drained.rows->column(0).ints[i] == static_cast<int64_t>(i));
    if (drained.rows->column(1).string_at(i) != texts[i]) FAIL("row " << i << " differs");
  }
}

TEST_CASE("an escaped key names its column and unknown values of any shape are skipped") {
  auto schema = make_schema({{"a", DataType::kInt64}, {"s\"q", DataType::kString}});
  auto p = parse(schema,
                 "{\"\\u0061\":5,\"x\":{\"a\":[\"}\",{\"a\":9}]},\"s\\\"q\":\"\\t\\u00e9\\ud83d\\ude00\"}\n"
                 "{\"a\":6,\"a2\":\"{[\"}\n");
  REQUIRE(p.status.is_ok());
  REQUIRE(p.batch->num_rows == 2);
  CHECK(p.batch->column(0).ints == std::vector<int64_t>{5, 6});
  CHECK(p.batch->column(1).string_at(0) == "\t\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(p.batch->column(1).is_null(1));
}

TEST_CASE("numbers past the range of their column are named in the message") {
  auto schema = make_schema({{"i", DataType::kInt64}, {"f", DataType::kFloat64}});
  CHECK(message(schema, "{\"i\":9223372036854775808}") ==
        "x.jsonl:1: expected int64 for column 'i', got 9223372036854775808 (out of range)");
  CHECK(message(schema, "{\"i\":-9223372036854775809 }") ==
        "x.jsonl:1: expected int64 for column 'i', got -9223372036854775809 (out of range)");
  CHECK(message(schema, "{\"i\":1e19}") == "x.jsonl:1: expected int64 for column 'i', got 1e19");
  auto p = parse(schema, "{\"f\":18446744073709551615,\"i\":9223372036854775807}");
  REQUIRE(p.status.is_ok());
  CHECK(p.batch->column(0).ints[0] == std::numeric_limits<int64_t>::max());
  CHECK(p.batch->column(1).doubles[0] == 18446744073709551615.0);
}

TEST_CASE("misspelt literals and trailing content are invalid JSON") {
  auto schema = make_schema({{"a", DataType::kBool}});
  for (const char* bad : {"{\"a\":nul}", "{\"a\":tru}", "{\"a\":true} x", "{\"a\":true}}", "{\"a\" true}"}) {
    auto p = parse(schema, bad);
    CHECK_MESSAGE(p.status.code() == StatusCode::kParseError, bad);
    CHECK_MESSAGE(p.status.message().find("x.jsonl:1: invalid JSON") == 0, p.status.message());
  }
}
