// Unit tests for JSON Lines parsing and writing (src/connectors/jsonl_format.h).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

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

struct Parsed {
  std::shared_ptr<RecordBatch> batch;
  Status status;
  uint64_t skipped = 0;
  size_t consumed = 0;
};

Parsed parse(SchemaPtr schema, const std::string& text, OnError on_error = OnError::kFail,
             bool final = true) {
  JsonlParser p(schema, on_error);
  p.set_origin("data/x.jsonl", 1);
  BatchBuilder b(schema);
  Parsed out;
  auto r = p.parse(text, final, 1u << 30, b);
  if (!r.ok()) out.status = r.status();
  else out.consumed = *r;
  out.batch = b.finish();
  out.skipped = p.skipped_records();
  return out;
}

std::string write_jsonl(const RecordBatch& batch) {
  JsonlWriter w(batch.schema);
  std::string out;
  w.append_rows(out, batch);
  return out;
}

}  // namespace

TEST_CASE("JSONL values of every type parse into their columns") {
  auto p = parse(all_types(),
                 "{\"i\":1,\"f\":2.5,\"b\":true,\"s\":\"hi\",\"t\":1436918400000}\n"
                 "{\"t\":\"2015-07-15 01:02:03.004\",\"s\":\"a\\\"b\\n\\u00e9\",\"b\":false,"
                 "\"f\":3,\"i\":-9223372036854775808}\n"
                 "  {\"i\":3.0,\"f\":-1e-3,\"b\":null,\"s\":\"\",\"t\":1e3}  \r\n");
  REQUIRE(p.status.is_ok());
  const RecordBatch& b = *p.batch;
  REQUIRE(b.num_rows == 3);
  CHECK(b.column(0).ints ==
        std::vector<int64_t>{1, std::numeric_limits<int64_t>::min(), 3});
  CHECK(b.column(1).doubles == std::vector<double>{2.5, 3.0, -1e-3});
  CHECK(b.column(2).bools[0] == 1);
  CHECK(b.column(2).bools[1] == 0);
  CHECK(b.column(2).is_null(2));
  CHECK(b.column(3).string_at(0) == "hi");
  CHECK(b.column(3).string_at(1) == "a\"b\n\xc3\xa9");
  CHECK(b.column(3).string_at(2) == "");
  CHECK_FALSE(b.column(3).is_null(2));
  CHECK(b.column(4).ints == std::vector<int64_t>{1436918400000LL, 1436918400000LL + 3723004, 1000});
}

TEST_CASE("a missing JSONL key is NULL and unknown keys are ignored, nested or not") {
  auto p = parse(all_types(),
                 "{\"s\":\"only\",\"extra\":{\"i\":[1,{\"b\":2}],\"x\":null},\"more\":[[]]}\n"
                 "{}\n");
  REQUIRE(p.status.is_ok());
  const RecordBatch& b = *p.batch;
  REQUIRE(b.num_rows == 2);
  CHECK(b.column(3).string_at(0) == "only");
  for (size_t c : {0, 1, 2, 4}) CHECK(b.column(c).is_null(0));
  for (size_t c = 0; c < 5; ++c) CHECK(b.column(c).is_null(1));
}

TEST_CASE("a JSONL value of the wrong type is a malformed record with file and line") {
  auto schema = make_schema({{"auction", DataType::kInt64}, {"ok", DataType::kBool},
                             {"t", DataType::kTimestamp}, {"s", DataType::kString}});
  CHECK(parse(schema, "{\"auction\":1}\n\n{\"auction\":\"abc\"}\n").status.message() ==
        "data/x.jsonl:3: expected int64 for column 'auction', got \"abc\"");
  CHECK(parse(schema, "{\"auction\":1.5}").status.message() ==
        "data/x.jsonl:1: expected int64 for column 'auction', got 1.5");
  CHECK(parse(schema, "{\"ok\":1}").status.message() ==
        "data/x.jsonl:1: expected bool for column 'ok', got 1");
  CHECK(parse(schema, "{\"s\":2}").status.message() ==
        "data/x.jsonl:1: expected string for column 's', got 2");
  CHECK(parse(schema, "{\"t\":\"yesterday\"}").status.message() ==
        "data/x.jsonl:1: expected timestamp for column 't', got \"yesterday\"");
  CHECK(parse(schema, "{\"s\":{\"a\":1}}").status.message() ==
        "data/x.jsonl:1: expected string for column 's', got an object");
  CHECK(parse(schema, "{\"s\":[1]}").status.message() ==
        "data/x.jsonl:1: expected string for column 's', got an array");
  CHECK(parse(schema, "{\"auction\":18446744073709551615}").status.message() ==
        "data/x.jsonl:1: expected int64 for column 'auction', got 18446744073709551615 (out of "
        "range)");
  CHECK(parse(schema, "{\"auction\":1,\"auction\":2}").status.message() ==
        "data/x.jsonl:1: key 'auction' appears twice");
  CHECK(parse(schema, "[1,2]").status.message() ==
        "data/x.jsonl:1: expected a JSON object, got an array");
  CHECK(parse(schema, "42").status.message() == "data/x.jsonl:1: expected a JSON object");
}

TEST_CASE("invalid JSON is a malformed record, never an exception") {
  auto schema = make_schema({{"a", DataType::kInt64}});
  for (const char* bad : {"{\"a\":x}", "{\"a\":1", "{\"a\":1}}", "{'a':1}", "{\"a\":1} {}",
                          "\xff\xfe", "{\"a\":\"\xc3\"}"}) {
    auto p = parse(make_schema({{"a", DataType::kString}}), bad);
    CHECK_MESSAGE(p.status.code() == StatusCode::kParseError, bad);
    CHECK(p.status.message().find("data/x.jsonl:1: ") == 0);
  }
  auto p = parse(schema, "{\"a\":x}");
  CHECK(p.status.message().find("data/x.jsonl:1: invalid JSON at column") == 0);
}

TEST_CASE("under on_error skip malformed JSONL lines are dropped and counted") {
  auto schema = make_schema({{"a", DataType::kInt64}, {"s", DataType::kString}});
  auto p = parse(schema,
                 "{\"s\":\"one\",\"a\":1}\n"
                 "{\"s\":\"two\",\"a\":\"bad\"}\n"  // s appended before a fails: undone
                 "not json\n"
                 "{\"a\":3,\"s\":\"three\"}\n"
                 "{\"a\":4,\"s\":\"four\"",
                 OnError::kSkip);
  REQUIRE(p.status.is_ok());
  CHECK(p.skipped == 3);
  REQUIRE(p.batch->num_rows == 2);
  CHECK(p.batch->column(0).ints == std::vector<int64_t>{1, 3});
  CHECK(p.batch->column(1).string_at(0) == "one");
  CHECK(p.batch->column(1).string_at(1) == "three");
}

TEST_CASE("a JSONL line without its newline waits for more data unless the input ends") {
  auto schema = make_schema({{"a", DataType::kInt64}});
  const std::string text = "{\"a\":1}\n{\"a\":2}";
  auto partial = parse(schema, text, OnError::kFail, false);
  REQUIRE(partial.status.is_ok());
  CHECK(partial.consumed == 8);
  CHECK(partial.batch->num_rows == 1);
  auto whole = parse(schema, text, OnError::kFail, true);
  CHECK(whole.consumed == text.size());
  CHECK(whole.batch->num_rows == 2);
}

TEST_CASE("the JSONL writer writes one object per row with keys in column order") {
  auto schema = make_schema({{"id", DataType::kInt64},   {"name", DataType::kString},
                             {"ok", DataType::kBool},    {"at", DataType::kTimestamp},
                             {"x\"y", DataType::kFloat64}});
  BatchBuilder b(schema);
  b.column(0).append_int(7);
  b.column(1).append_string("tab\there \"q\"");
  b.column(2).append_bool(true);
  b.column(3).append_int(1436918400123LL);
  b.column(4).append_double(0.1);
  b.commit_rows(1);
  b.column(0).append_null();
  b.column(1).append_null();
  b.column(2).append_null();
  b.column(3).append_null();
  b.column(4).append_double(std::numeric_limits<double>::infinity());
  b.commit_rows(1);
  const std::string out = write_jsonl(*b.finish());
  CHECK(out ==
        "{\"id\":7,\"name\":\"tab\\there \\\"q\\\"\",\"ok\":true,"
        "\"at\":\"2015-07-15 00:00:00.123\",\"x\\\"y\":0.1}\n"
        "{\"id\":null,\"name\":null,\"ok\":null,\"at\":null,\"x\\\"y\":null}\n");
}

TEST_CASE("JSONL written by the writer parses back to the same values") {
  auto schema = all_types();
  BatchBuilder b(schema);
  for (int i = 0; i < 200; ++i) {
    if (i % 7 == 0) b.column(0).append_null(); else b.column(0).append_int(i * 1000003LL - 5);
    b.column(1).append_double(i / 3.0 + 1e-12 * i);
    b.column(2).append_bool(i % 2 == 0);
    b.column(3).append_string(std::string(static_cast<size_t>(i % 5), static_cast<char>(1 + i % 40)));
    b.column(4).append_int(1436918400000LL + i * 86399999LL);
    b.commit_rows(1);
  }
  auto original = b.finish();
  auto p = parse(schema, write_jsonl(*original));
  REQUIRE(p.status.is_ok());
  CHECK(p.batch->to_debug_string() == original->to_debug_string());
  CHECK(p.batch->column(1).doubles == original->column(1).doubles);
}

// Whole lines go through one simdjson document stream; a line that is not one
// document of its own must still be judged alone, at its own line number.
TEST_CASE("lines that are not one document each are judged alone among good ones") {
  auto schema = make_schema({{"a", DataType::kInt64}});
  const std::string good = "{\"a\":1}\n{\"a\":2}\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"a\":3}{\"a\":4}\n", "data/x.jsonl:4: invalid JSON at column 8"},  // two on a line
      {"{\"a\":\n5}\n", "data/x.jsonl:4: invalid JSON"},                       // one over two lines
      {"{\"a\":6} x\n", "data/x.jsonl:4: invalid JSON"},                    // trailing content
      {"{\"a\":7\n", "data/x.jsonl:4: invalid JSON"},                          // cut short
      {"{\"a\":\"x\"}\n", "data/x.jsonl:4: expected int64 for column 'a'"},   // a bad value
  };
  for (const auto& [bad, message] : cases) {
    const std::string text = good + "\n" + bad + "{\"a\":8}\n  \n{\"a\":9}";
    auto failed = parse(schema, text);
    CHECK_MESSAGE(failed.status.message().find(message) == 0, bad, " -> ", failed.status.message());
    auto p = parse(schema, text, OnError::kSkip);
    REQUIRE(p.status.is_ok());
    CHECK_MESSAGE(p.skipped == static_cast<uint64_t>(bad.find("\n5") != std::string::npos ? 2 : 1), bad);
    CHECK_MESSAGE((p.batch->column(0).ints == std::vector<int64_t>{1, 2, 8, 9}), bad);
  }
  // Many good lines with one bad one deep inside: rows on both sides kept, in order.
  std::string many;
  for (int i = 0; i < 3000; ++i) many += i == 1700 ? "{\"a\":}\n" : "{\"a\":" + std::to_string(i) + "}\n";
  auto p = parse(schema, many, OnError::kSkip);
  REQUIRE(p.status.is_ok());
  CHECK(p.skipped == 1);
  REQUIRE(p.batch->num_rows == 2999);
  CHECK(p.batch->column(0).ints[1699] == 1699);
  CHECK(p.batch->column(0).ints[1700] == 1701);
  CHECK(parse(schema, many).status.message().find("data/x.jsonl:1701: invalid JSON") == 0);
}
