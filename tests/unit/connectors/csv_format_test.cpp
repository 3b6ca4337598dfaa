// Unit tests for CSV parsing, writing and record boundaries (src/connectors/csv_format.h).
#include <doctest/doctest.h>

#include <cmath>

#include "connectors/csv_format.h"
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
};

// Parses all of `text` in one final call (no header).
Parsed parse_all(SchemaPtr schema, const std::string& text, OnError on_error = OnError::kFail) {
  CsvParser p(schema, on_error);
  p.set_origin("data/x.csv", 1);
  BatchBuilder b(schema);
  Parsed out;
  auto r = p.parse(text, true, 1u << 30, b);
  if (!r.ok()) out.status = r.status();
  else if (*r != text.size()) out.status = Status::internal("not all consumed");
  out.batch = b.finish();
  out.skipped = p.skipped_records();
  return out;
}

// Parses `text` fed in pieces of `piece` bytes, as the file reader does
// (unconsumed bytes are carried over); max_rows bounds each call.
Parsed parse_in_pieces(SchemaPtr schema, const std::string& text, size_t piece,
                       size_t max_rows = 1u << 30, OnError on_error = OnError::kFail) {
  CsvParser p(schema, on_error);
  p.set_origin("in", 1);
  BatchBuilder b(schema);
  BatchBuilder all(schema);
  std::string buf;
  size_t fed = 0;
  Parsed out;
  for (;;) {
    const bool final = fed == text.size();
    auto r = p.parse(buf, final, max_rows, b);
    if (!r.ok()) {
      out.status = r.status();
      break;
    }
    buf.erase(0, *r);
    if (b.num_rows() >= max_rows) {
      all.append_all(*b.finish());
      continue;
    }
    if (final) break;
    const size_t n = std::min(piece, text.size() - fed);
    buf.append(text, fed, n);
    fed += n;
  }
  all.append_all(*b.finish());
  out.batch = all.finish();
  out.skipped = p.skipped_records();
  return out;
}

std::string write_csv(const RecordBatch& batch) {
  CsvWriter w(batch.schema);
  std::string out;
  w.append_rows(out, batch);
  return out;
}

}  // namespace

TEST_CASE("CSV fields of every type parse into their columns") {
  auto p = parse_all(all_types(),
                     "1,2.5,true,hello,1436918400000\n"
                     "-42,1e3,FALSE,\"quoted, text\",2015-07-15 01:02:03.004\n"
                     "+7, -0.25 , True ,  spaced  ,2015-07-15T00:00:01\n");
  REQUIRE(p.status.is_ok());
  const RecordBatch& b = *p.batch;
  REQUIRE(b.num_rows == 3);
  CHECK(b.column(0).ints == std::vector<int64_t>{1, -42, 7});
  CHECK(b.column(1).doubles == std::vector<double>{2.5, 1000.0, -0.25});
  CHECK(b.column(2).bools == std::vector<uint8_t>{1, 0, 1});
  CHECK(b.column(3).string_at(0) == "hello");
  CHECK(b.column(3).string_at(1) == "quoted, text");
  CHECK(b.column(3).string_at(2) == "  spaced  ");  // strings keep their bytes
  CHECK(b.column(4).ints == std::vector<int64_t>{1436918400000LL, 1436918400000LL + 3723004,
                                                  1436918401000LL});
  CHECK_FALSE(b.column(0).has_nulls());
}

TEST_CASE("an empty CSV field is NULL and a quoted empty string is the empty string") {
  auto p = parse_all(all_types(), ",,,,\n1,,true,\"\",\n,2.0, ,x,  \n");
  REQUIRE(p.status.is_ok());
  const RecordBatch& b = *p.batch;
  REQUIRE(b.num_rows == 3);
  CHECK(b.column(0).is_null(0));
  CHECK(b.column(1).is_null(0));
  CHECK(b.column(2).is_null(0));
  CHECK(b.column(3).is_null(0));
  CHECK(b.column(4).is_null(0));
  CHECK_FALSE(b.column(3).is_null(1));
  CHECK(b.column(3).string_at(1) == "");
  CHECK(b.column(2).is_null(2));  // only blanks: NULL for non-string types
  CHECK(b.column(4).is_null(2));
  CHECK(b.column(1).doubles[2] == 2.0);
}

TEST_CASE("CSV quoting round-trips commas, quotes, newlines and spaces in strings") {
  auto schema = make_schema({{"id", DataType::kInt64}, {"s", DataType::kString},
                             {"f", DataType::kFloat64}});
  const std::vector<std::string> strings = {
      "plain", "a,b", "say \"hi\"", "two\nlines", "crlf\r\ninside", " lead", "trail ",
      "", "\"", ",", "\"\"\"", "tab\there", "unicode caf\xc3\xa9"};
  BatchBuilder b(schema);
  for (size_t i = 0; i < strings.size(); ++i) {
    b.column(0).append_int(static_cast<int64_t>(i));
    b.column(1).append_string(strings[i]);
    b.column(2).append_double(0.1 * static_cast<double>(i) + 1e-300);
    b.commit_rows(1);
  }
  b.column(0).append_int(99);
  b.column(1).append_null();
  b.column(2).append_double(NAN);
  b.commit_rows(1);
  auto original = b.finish();
  const std::string text = write_csv(*original);
  auto p = parse_all(schema, text);
  REQUIRE(p.status.is_ok());
  REQUIRE(p.batch->num_rows == original->num_rows);
  for (size_t i = 0; i < strings.size(); ++i) {
    CHECK(p.batch->column(1).string_at(i) == strings[i]);
    CHECK(p.batch->column(2).doubles[i] == original->column(2).doubles[i]);
    CHECK_FALSE(p.batch->column(1).is_null(i));
  }
  CHECK(p.batch->column(1).is_null(strings.size()));
  CHECK(std::isnan(p.batch->column(2).doubles[strings.size()]));
  // Also when the text arrives a few bytes at a time.
  for (size_t piece : {1, 2, 3, 7, 64}) {
    auto q = parse_in_pieces(schema, text, piece);
    REQUIRE(q.status.is_ok());
    CHECK(q.batch->to_debug_string() == p.batch->to_debug_string());
  }
}

TEST_CASE("CSV records end at LF or CRLF, and blank lines are ignored") {
  auto schema = make_schema({{"a", DataType::kString}, {"b", DataType::kInt64}});
  auto p = parse_all(schema, "x,1\r\n\r\n\"y\",2\r\n\nz,3");
  REQUIRE(p.status.is_ok());
  REQUIRE(p.batch->num_rows == 3);
  CHECK(p.batch->column(0).string_at(0) == "x");
  CHECK(p.batch->column(0).string_at(1) == "y");
  CHECK(p.batch->column(0).string_at(2) == "z");
  CHECK(p.batch->column(1).ints == std::vector<int64_t>{1, 2, 3});
}

TEST_CASE("a quote inside an unquoted CSV field is an ordinary character") {
  auto schema = make_schema({{"a", DataType::kString}, {"b", DataType::kString}});
  auto p = parse_all(schema, "he said \"hi\",x\n");
  REQUIRE(p.status.is_ok());
  CHECK(p.batch->column(0).string_at(0) == "he said \"hi\"");
}

TEST_CASE("a CSV header maps names to schema columns in any order, ignoring extras") {
  auto schema = make_schema({{"price", DataType::kFloat64}, {"auction", DataType::kInt64}});
  CsvParser p(schema, OnError::kFail);
  p.set_origin("bids.csv", 1);
  const std::string text = "\n auction ,extra,price\n5,zzz,1.5\n6,,2.5\n";
  size_t used = 0;
  auto found = p.read_header(text, true, used);
  REQUIRE(found.ok());
  REQUIRE(*found);
  CHECK(p.line() == 3);
  BatchBuilder b(schema);
  auto r = p.parse(std::string_view(text).substr(used), true, 100, b);
  REQUIRE(r.ok());
  auto batch = b.finish();
  REQUIRE(batch->num_rows == 2);
  CHECK(batch->column(0).doubles == std::vector<double>{1.5, 2.5});
  CHECK(batch->column(1).ints == std::vector<int64_t>{5, 6});
}

TEST_CASE("a CSV header without a schema column is an error naming the column") {
  auto schema = make_schema({{"price", DataType::kFloat64}, {"auction", DataType::kInt64}});
  CsvParser p(schema, OnError::kSkip);
  p.set_origin("bids.csv", 1);
  size_t used = 0;
  auto found = p.read_header("auction,bidder\n1,2\n", true, used);
  REQUIRE_FALSE(found.ok());
  CHECK(found.status().message().find("bids.csv:1:") == 0);
  CHECK(found.status().message().find("'price'") != std::string::npos);
}

TEST_CASE("an incomplete CSV header asks for more data") {
  auto schema = make_schema({{"a", DataType::kInt64}});
  CsvParser p(schema, OnError::kFail);
  size_t used = 99;
  auto found = p.read_header("\"a", false, used);
  REQUIRE(found.ok());
  CHECK_FALSE(*found);
  auto none = p.read_header("", true, used);  // an empty file has no header and no rows
  REQUIRE(none.ok());
  CHECK_FALSE(*none);
}

TEST_CASE("a malformed CSV record fails with its file and line") {
  auto schema = make_schema({{"auction", DataType::kInt64}, {"s", DataType::kString}});
  auto bad_value = parse_all(schema, "1,a\n2,\"multi\nline\"\nabc,x\n");
  REQUIRE_FALSE(bad_value.status.is_ok());
  CHECK(bad_value.status.code() == StatusCode::kParseError);
  CHECK(bad_value.status.message() ==
        "data/x.csv:4: expected int64 for column 'auction', got 'abc'");

  auto wrong_count = parse_all(schema, "1,a\n2,b,c\n");
  CHECK(wrong_count.status.message() == "data/x.csv:2: expected 2 fields, got 3");

  auto unterminated = parse_all(schema, "1,a\n2,\"open\n3,c\n");
  CHECK(unterminated.status.message() == "data/x.csv:2: unterminated quoted field");

  auto junk = parse_all(schema, "1,\"a\"b\n");
  CHECK(junk.status.message() == "data/x.csv:1: unexpected character after a closing quote");

  auto bad_ts = parse_all(make_schema({{"t", DataType::kTimestamp}}), "2015-13-01 00:00:00\n");
  CHECK(bad_ts.status.message() ==
        "data/x.csv:1: expected timestamp for column 't', got '2015-13-01 00:00:00'");
  auto bad_bool = parse_all(make_schema({{"b", DataType::kBool}}), "yes\n");
  CHECK(bad_bool.status.message() == "data/x.csv:1: expected bool for column 'b', got 'yes'");
  auto overflow = parse_all(make_schema({{"i", DataType::kInt64}}), "99999999999999999999\n");
  CHECK_FALSE(overflow.status.is_ok());
}

TEST_CASE("under on_error skip malformed CSV records are dropped and counted") {
  auto schema = make_schema({{"a", DataType::kInt64}, {"b", DataType::kString},
                             {"c", DataType::kFloat64}});
  auto p = parse_all(schema,
                     "1,one,1.0\n"
                     "2,two,notanumber\n"  // b already appended when c fails: undone
                     "3,three\n"
                     "4,\"four\"x,4.0\n"
                     "5,five,5.0\n"
                     "6,\"unterminated,6.0\n7,seven,7.0\n",
                     OnError::kSkip);
  REQUIRE(p.status.is_ok());
  CHECK(p.skipped == 4);
  REQUIRE(p.batch->num_rows == 3);
  CHECK(p.batch->column(0).ints == std::vector<int64_t>{1, 5, 7});
  CHECK(p.batch->column(1).string_at(0) == "one");
  CHECK(p.batch->column(1).string_at(1) == "five");
  CHECK(p.batch->column(2).doubles == std::vector<double>{1.0, 5.0, 7.0});
}

TEST_CASE("a quote that never closes spoils only its own line under on_error skip") {
  auto schema = make_schema({{"a", DataType::kInt64}, {"b", DataType::kString},
                             {"c", DataType::kFloat64}});
  // No lone '"' follows the one on line 4, so it never closes: its record ends
  // with line 4 and reading goes on with line 5 ("" stays an escaped quote).
  const std::string text =
      "1,\"multi\nline\",1.0\n"  // a quoted newline that does close is data
      "2,two,2.0\n"
      "3,\"open,3.0\n"
      "4,fo\"\"ur,4.0\n"
      "5,five,5.0";           // no line end at the end of the file
  for (size_t piece : {size_t{1}, size_t{3}, size_t{16}, text.size()}) {
    CAPTURE(piece);
    auto p = parse_in_pieces(schema, text, piece, 1u << 30, OnError::kSkip);
    REQUIRE(p.status.is_ok());
    CHECK(p.skipped == 1);
    REQUIRE(p.batch->num_rows == 4);
    CHECK(p.batch->column(0).ints == std::vector<int64_t>{1, 2, 4, 5});
    CHECK(p.batch->column(1).string_at(0) == "multi\nline");
    CHECK(p.batch->column(1).string_at(2) == "fo\"\"ur");
  }
  // Under fail it stops the job, naming the line its record starts on.
  auto failed = parse_all(schema, text);
  CHECK(failed.status.message() == "data/x.csv:4: unterminated quoted field");
  // Once skipped, line numbers go on from the line after it.
  CsvParser p(schema, OnError::kSkip);
  p.set_origin("data/x.csv", 1);
  BatchBuilder b(schema);
  auto used = p.parse("1,\"open\n2,x,2.0\n3,y,3.0\n", true, 1000, b);
  REQUIRE(used.ok());
  CHECK(*used == 24);
  CHECK(p.line() == 4);
  CHECK(b.num_rows() == 2);
  CHECK(p.skipped_records() == 1);
}

TEST_CASE("an impossible date in a CSV record is malformed like any bad value") {
  auto schema = make_schema({{"a", DataType::kInt64}, {"t", DataType::kTimestamp}});
  const std::string text =
      "1,2024-02-29 10:00:00\n"
      "2,2024-02-30 10:00:00\n"
      "3,2023-02-29\n"
      "4,2024-03-01 25:00:00\n"
      "5,2024-03-01 10:61:00\n"
      "6,2024-03-01 10:00:00\n";
  auto skipped = parse_all(schema, text, OnError::kSkip);
  REQUIRE(skipped.status.is_ok());
  CHECK(skipped.skipped == 4);
  CHECK(skipped.batch->column(0).ints == std::vector<int64_t>{1, 6});
  auto failed = parse_all(schema, text);
  CHECK(failed.status.message() ==
        "data/x.csv:2: expected timestamp for column 't', got '2024-02-30 10:00:00'");
}

TEST_CASE("CSV parsing stops at max_rows and resumes where it stopped") {
  auto schema = make_schema({{"a", DataType::kInt64}});
  std::string text;
  for (int i = 0; i < 100; ++i) text += std::to_string(i) + "\n";
  auto p = parse_in_pieces(schema, text, 13, 7);
  REQUIRE(p.status.is_ok());
  REQUIRE(p.batch->num_rows == 100);
  for (int i = 0; i < 100; ++i) CHECK(p.batch->column(0).ints[static_cast<size_t>(i)] == i);
}

TEST_CASE("line numbers count newlines inside quoted fields") {
  auto schema = make_schema({{"a", DataType::kString}, {"b", DataType::kInt64}});
  auto p = parse_all(schema, "\"x\ny\nz\",1\n\nw,oops\n");
  CHECK(p.status.message() == "data/x.csv:5: expected int64 for column 'b', got 'oops'");
}

TEST_CASE("the boundary scanner finds the same record ends as the parser") {
  const std::string text =
      "a,\"b\nc\",d\n"          // quoted newline
      "\"x\"\"y\",z\r\n"        // escaped quote, CRLF
      "p\"q,\"r\n\"\n"          // quote inside an unquoted field, then a quoted newline
      "\"bad\"junk,\"s\nt\"\n"  // junk after a closing quote, then a quoted newline
      "\n"
      "last";
  const std::vector<size_t> ends = {10, 20, 29, 45, 46};
  for (size_t piece : {1, 2, 5, 100}) {  // the scanner, fed in pieces
    CsvBoundaryScanner scanner;
    std::vector<size_t> found;
    int64_t newlines = 0;
    for (size_t base = 0; base < text.size(); base += piece) {
      const size_t n = std::min(piece, text.size() - base);
      size_t i = 0;
      while (i < n) {
        const size_t end = scanner.next_record_end(text.data() + base, n, i, newlines);
        if (end == CsvBoundaryScanner::kNone) break;
        found.push_back(base + end);
        i = end;
      }
    }
    CHECK(found == ends);
    CHECK(newlines == 8);
  }
  // The parser, given any prefix that may continue, consumes exactly the
  // records the scanner says have ended.
  auto schema = make_schema({{"a", DataType::kString}, {"b", DataType::kString}});
  for (size_t len = 0; len <= text.size(); ++len) {
    CsvParser parser(schema, OnError::kSkip);
    BatchBuilder b(schema);
    auto r = parser.parse(std::string_view(text).substr(0, len), false, 1000, b);
    REQUIRE(r.ok());
    size_t expected = 0;
    for (size_t e : ends)
      if (e <= len) expected = e;
    CHECK_MESSAGE(*r == expected, "prefix length " << len);
  }
}

TEST_CASE("the CSV writer writes a header and one line per row") {
  auto schema = make_schema({{"id", DataType::kInt64}, {"my name", DataType::kString},
                             {"a,b", DataType::kBool}, {"t", DataType::kTimestamp},
                             {"f", DataType::kFloat64}});
  BatchBuilder b(schema);
  b.column(0).append_int(1);
  b.column(1).append_string("x");
  b.column(2).append_bool(false);
  b.column(3).append_int(0);
  b.column(4).append_double(2);
  b.commit_rows(1);
  b.column(0).append_null();
  b.column(1).append_null();
  b.column(2).append_null();
  b.column(3).append_null();
  b.column(4).append_null();
  b.commit_rows(1);
  auto batch = b.finish();
  CsvWriter w(schema);
  std::string out;
  w.append_header(out);
  w.append_rows(out, *batch);
  CHECK(out == "id,my name,\"a,b\",t,f\n1,x,false,1970-01-01 00:00:00.000,2.0\n,,,,\n");
}
