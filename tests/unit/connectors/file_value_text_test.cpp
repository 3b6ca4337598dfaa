// Unit tests for the output text of values (src/connectors/value_text.h).
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "connectors/value_text.h"
#include "core/time_util.h"

using namespace eddy;

namespace {
std::string float_text(double v) {
  std::string s;
  append_float64_text(s, v);
  return s;
}
std::string json_text(std::string_view v) {
  std::string s;
  append_json_string(s, v);
  return s;
}
std::string csv_text(std::string_view v) {
  std::string s;
  append_csv_string(s, v);
  return s;
}
double read_back(const std::string& s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}
}  // namespace

TEST_CASE("floats are written as the shortest text that reads back to the same double") {
  CHECK(float_text(0.1) == "0.1");
  CHECK(float_text(1e300) == "1e+300");
  CHECK(float_text(123.0) == "123.0");
  CHECK(float_text(3.0) == "3.0");
  CHECK(float_text(-2.5) == "-2.5");
  CHECK(float_text(0.0) == "0.0");
  CHECK(float_text(-0.0) == "-0.0");
  CHECK(float_text(1.0 / 3) == "0.3333333333333333");
  for (double v : {0.1, 1e300, 123.0, 1.0 / 3, 5e-324, 1.7976931348623157e308, -1e-7, 2.5e15,
                   123456789012345680000.0}) {
    const std::string s = float_text(v);
    CHECK_MESSAGE(read_back(s) == v, s);
  }
}

TEST_CASE("non-finite floats are NaN and Infinity in CSV and null in JSON") {
  CHECK(float_text(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(float_text(std::numeric_limits<double>::infinity()) == "Infinity");
  CHECK(float_text(-std::numeric_limits<double>::infinity()) == "-Infinity");
  Column col(DataType::kFloat64);
  col.append_double(std::numeric_limits<double>::quiet_NaN());
  col.append_double(1.5);
  ValueFormatter fmt;
  std::string json, csv;
  fmt.append_json_value(json, col, 0);
  fmt.append_json_value(json, col, 1);
  fmt.append_csv_value(csv, col, 0);
  CHECK(json == "null1.5");
  CHECK(csv == "NaN");
}

TEST_CASE("integers are plain decimal text across the whole range") {
  std::string s;
  append_int64_text(s, std::numeric_limits<int64_t>::min());
  s += ' ';
  append_int64_text(s, 0);
  s += ' ';
  append_int64_text(s, std::numeric_limits<int64_t>::max());
  CHECK(s == "-9223372036854775808 0 9223372036854775807");
}

TEST_CASE("JSON strings escape quotes, backslashes and control characters") {
  CHECK(json_text("plain") == "\"plain\"");
  CHECK(json_text("") == "\"\"");
  CHECK(json_text("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_text("l1\nl2\r\t") == "\"l1\\nl2\\r\\t\"");
  CHECK(json_text(std::string("\x01\x1f\b\f", 4)) == "\"\\u0001\\u001f\\b\\f\"");
  CHECK(json_text("caf\xc3\xa9 /") == "\"caf\xc3\xa9 /\"");
}

TEST_CASE("CSV strings are quoted only when they must be") {
  CHECK(csv_text("plain text") == "plain text");
  CHECK(csv_text("a,b") == "\"a,b\"");
  CHECK(csv_text("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_text("two\nlines") == "\"two\nlines\"");
  CHECK(csv_text("cr\r") == "\"cr\r\"");
  CHECK(csv_text(" lead") == "\" lead\"");
  CHECK(csv_text("trail ") == "\"trail \"");
  CHECK(csv_text("") == "\"\"");  // an unquoted empty field would read back as NULL
  CHECK(csv_text("in\"side") == "\"in\"\"side\"");
}

TEST_CASE("timestamps are written as UTC text with milliseconds, before and after 1970") {
  ValueFormatter fmt;
  std::string s;
  fmt.append_timestamp(s, 0);
  CHECK(s == "1970-01-01 00:00:00.000");
  s.clear();
  fmt.append_timestamp(s, 1436918400000LL + 3723004);
  CHECK(s == "2015-07-15 01:02:03.004");
  s.clear();
  fmt.append_timestamp(s, 1436918400000LL + 86399999);  // same day from the cache
  CHECK(s == "2015-07-15 23:59:59.999");
  s.clear();
  fmt.append_timestamp(s, -1);
  CHECK(s == "1969-12-31 23:59:59.999");
  // Agrees with core's formatting over a spread of values (cache hits and misses).
  for (int64_t ms = -400LL * 86400000; ms < 400LL * 86400000; ms += 86400000LL / 7 + 12345) {
    s.clear();
    fmt.append_timestamp(s, ms);
    CHECK(s == format_timestamp_ms(ms));
  }
}

TEST_CASE("column values format as JSON and CSV, NULL as null and as the empty field") {
  Column ts(DataType::kTimestamp), str(DataType::kString), b(DataType::kBool), i(DataType::kInt64);
  ts.append_int(1000);
  ts.append_null();
  str.append_string("x,y");
  str.append_null();
  b.append_bool(true);
  b.append_null();
  i.append_int(-7);
  i.append_null();
  ValueFormatter fmt;
  std::string json, csv;
  for (const Column* c : {&ts, &str, &b, &i}) {
    fmt.append_json_value(json, *c, 0);
    json += ' ';
    fmt.append_csv_value(csv, *c, 0);
    csv += ' ';
  }
  CHECK(json == "\"1970-01-01 00:00:01.000\" \"x,y\" true -7 ");
  CHECK(csv == "1970-01-01 00:00:01.000 \"x,y\" true -7 ");
  json.clear();
  csv.clear();
  for (const Column* c : {&ts, &str, &b, &i}) {
    fmt.append_json_value(json, *c, 1);
    fmt.append_csv_value(csv, *c, 1);
  }
  CHECK(json == "nullnullnullnull");
  CHECK(csv.empty());
}
