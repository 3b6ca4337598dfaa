// Unit tests for the file source: enumeration, byte-range splits and the split
// reader (src/connectors/file_source.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "connectors/file_source.h"
#include "unit/connectors/file_test_util.h"

using namespace eddy;
using eddy::test::drain_all;
using eddy::test::make_schema;
using eddy::test::TempDir;
using eddy::test::write_file;

namespace {

SchemaPtr id_value_text() {
  return make_schema({{"id", DataType::kInt64}, {"value", DataType::kFloat64},
                      {"text", DataType::kString}});
}

FileSourceConfig csv_config(const std::string& path, bool header = true) {
  FileSourceConfig c;
  c.path = path;
  c.format = FileFormat::kCsv;
  c.header = header;
  c.schema = id_value_text();
  return c;
}

// A text value that needs CSV quoting now and then, newlines included.
std::string text_for(int i) {
  switch (i % 10) {
    case 3: return "line one\nline two";
    case 5: return "comma, \"quote\"";
    case 7: return "";
    default: return "row" + std::to_string(i);
  }
}

// `rows` CSV records with a header whose column order differs from the schema.
std::string make_csv(int rows) {
  std::string out = "text,extra,id,value\n";
  for (int i = 0; i < rows; ++i) {
    std::string t = text_for(i);
    if (t.find_first_of(",\"\n") != std::string::npos || t.empty()) {
      std::string q = "\"";
      for (char c : t) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      t = q + "\"";
    }
    out += t + ",x," + std::to_string(i) + "," + std::to_string(i) + ".5\n";
  }
  return out;
}

std::string make_jsonl(int rows) {
  std::string out;
  for (int i = 0; i < rows; ++i)
    out += "{\"id\":" + std::to_string(i) + ",\"value\":" + std::to_string(i) +
           ".5,\"text\":\"row" + std::to_string(i) + "\"}\n";
  return out;
}

int64_t lines_before(const std::string& text, int64_t offset) {
  return std::count(text.begin(), text.begin() + offset, '\n');
}

// Every split starts on a record start and knows its line; reading all of them
// yields rows 0..rows-1 exactly once, in order.
void check_splits_cover_file(const FileSourceConfig& config, const std::string& text, int rows,
                             size_t min_splits) {
  auto splits = make_file_enumerator(config)->enumerate(4);
  REQUIRE(splits.ok());
  CHECK(splits->size() >= min_splits);
  int64_t expected_begin = 0;
  for (const Split& s : *splits) {
    CHECK(s.begin == expected_begin);
    CHECK(s.end > s.begin);
    CHECK(s.first_line == 1 + lines_before(text, s.begin));
    expected_begin = s.end;
  }
  CHECK(expected_begin == static_cast<int64_t>(text.size()));
  auto reader = make_file_reader(config);
  CHECK(reader->blocking_io());
  auto drained = drain_all(*reader, *splits, 100);
  REQUIRE(drained.status.is_ok());
  REQUIRE(drained.rows->num_rows == static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    const auto r = static_cast<size_t>(i);
    CHECK(drained.rows->column(0).ints[r] == i);
    if (config.schema->size() > 2 && config.format == FileFormat::kCsv) {
      CHECK(drained.rows->column(2).string_at(r) == text_for(i));
      CHECK(drained.rows->column(1).doubles[r] == i + 0.5);
    }
  }
}

}  // namespace

TEST_CASE("a missing path is an error and an empty directory an empty source") {
  TempDir dir;
  auto missing = make_file_enumerator(csv_config(dir.file("nope.csv")))->enumerate(1);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "file source '" + dir.file("nope.csv") + "' does not exist");
  auto empty = make_file_enumerator(csv_config(dir.path()))->enumerate(1);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("a directory's files are splits in name order, hidden and empty files ignored") {
  TempDir dir;
  write_file(dir.file("b.csv"), "text,id,value\nb1,3,3.5\nb2,4,4.5");  // no final newline
  write_file(dir.file("a.csv"), "id,value,text\n1,1.5,a1\n2,2.5,a2\n");
  write_file(dir.file(".hidden.csv"), "garbage\n");
  write_file(dir.file("c.csv"), "");
  std::filesystem::create_directory(dir.file("sub"));
  write_file(dir.file("sub/d.csv"), "garbage\n");
  auto config = csv_config(dir.path());
  auto splits = make_file_enumerator(config)->enumerate(2);
  REQUIRE(splits.ok());
  REQUIRE(splits->size() == 2);
  CHECK((*splits)[0].path == dir.file("a.csv"));
  CHECK((*splits)[1].path == dir.file("b.csv"));
  CHECK((*splits)[0].id != (*splits)[1].id);
  auto reader = make_file_reader(config);
  auto drained = drain_all(*reader, *splits);
  REQUIRE(drained.status.is_ok());
  REQUIRE(drained.rows->num_rows == 4);
  CHECK(drained.rows->column(0).ints == std::vector<int64_t>{1, 2, 3, 4});
  CHECK(drained.rows->column(2).string_at(3) == "b2");
}

TEST_CASE("a reader returns batches of at most max_rows and then the end of the split") {
  TempDir dir;
  const std::string text = make_csv(250);
  write_file(dir.file("f.csv"), text);
  auto config = csv_config(dir.file("f.csv"));
  auto splits = make_file_enumerator(config)->enumerate(1);
  REQUIRE(splits.ok());
  REQUIRE(splits->size() == 1);
  auto reader = make_file_reader(config);
  REQUIRE(reader->open_split((*splits)[0]).is_ok());
  std::vector<size_t> sizes;
  for (;;) {
    auto p = reader->poll(64);
    REQUIRE(p.ok());
    if (p->kind == SourcePoll::Kind::kEndOfSplit) break;
    REQUIRE(p->kind == SourcePoll::Kind::kBatch);
    sizes.push_back(p->batch->num_rows);
  }
  CHECK(sizes == std::vector<size_t>{64, 64, 64, 58});
  auto again = reader->poll(64);
  REQUIRE(again.ok());
  CHECK(again->kind == SourcePoll::Kind::kEndOfSplit);
}

TEST_CASE("a CSV file larger than split_size is cut at record starts and read exactly once") {
  TempDir dir;
  const int rows = 500;
  const std::string text = make_csv(rows);
  write_file(dir.file("big.csv"), text);
  auto config = csv_config(dir.file("big.csv"));
  config.split_size = 1000;
  check_splits_cover_file(config, text, rows, text.size() / 1000 - 1);
  config.split_size = 1;  // a split per record, the header alone in the first
  check_splits_cover_file(config, text, rows, rows);
}

TEST_CASE("splits of a file of several megabytes line up across read chunks") {
  TempDir dir;
  const int rows = 120000;  // about 3 MB: the 1 MiB reads split records too
  const std::string text = make_csv(rows);
  REQUIRE(text.size() > (3u << 20) - (1u << 18));
  write_file(dir.file("big.csv"), text);
  auto config = csv_config(dir.file("big.csv"));
  config.split_size = 300000;
  check_splits_cover_file(config, text, rows, 8);
  config.split_size = 64LL << 20;  // one split, read in several chunks
  check_splits_cover_file(config, text, rows, 1);
}

TEST_CASE("a JSONL file larger than split_size is cut at line starts and read exactly once") {
  TempDir dir;
  const int rows = 700;
  const std::string text = make_jsonl(rows);
  write_file(dir.file("big.jsonl"), text);
  FileSourceConfig config;
  config.path = dir.file("big.jsonl");
  config.format = FileFormat::kJsonl;
  config.schema = id_value_text();
  config.split_size = 1000;
  check_splits_cover_file(config, text, rows, text.size() / 1000 - 1);
}

TEST_CASE("errors in a later split name the line in the whole file") {
  TempDir dir;
  std::string text = make_csv(400);
  const std::string bad = "oops,x,not-a-number,1.5\n";
  const size_t at = text.find("row300,");
  REQUIRE(at != std::string::npos);
  text.insert(at, bad);
  const int64_t bad_line = 1 + lines_before(text, static_cast<int64_t>(at));
  write_file(dir.file("bad.csv"), text);
  auto config = csv_config(dir.file("bad.csv"));
  config.split_size = 700;
  auto splits = make_file_enumerator(config)->enumerate(1);
  REQUIRE(splits.ok());
  REQUIRE(splits->size() > 5);
  auto failing = make_file_reader(config);
  auto drained = drain_all(*failing, *splits);
  REQUIRE_FALSE(drained.status.is_ok());
  CHECK(drained.status.message() == dir.file("bad.csv") + ":" + std::to_string(bad_line) +
                                        ": expected int64 for column 'id', got 'not-a-number'");
  config.on_error = OnError::kSkip;
  auto skipping = make_file_reader(config);
  auto kept = drain_all(*skipping, *splits);
  REQUIRE(kept.status.is_ok());
  CHECK(kept.rows->num_rows == 400);
  CHECK(skipping->skipped_records() == 1);
}

TEST_CASE("a CSV file without a header maps fields by position, and a BOM is ignored") {
  TempDir dir;
  write_file(dir.file("h.csv"), "\xEF\xBB\xBF" "id,value,text\n1,0.5,x\n");
  write_file(dir.file("n.csv"), "\xEF\xBB\xBF" "7,0.25,y\r\n8,,\r\n");
  {
    auto config = csv_config(dir.file("h.csv"));
    auto splits = make_file_enumerator(config)->enumerate(1);
    REQUIRE(splits.ok());
    auto reader = make_file_reader(config);
    auto d = drain_all(*reader, *splits);
    REQUIRE(d.status.is_ok());
    REQUIRE(d.rows->num_rows == 1);
    CHECK(d.rows->column(0).ints[0] == 1);
  }
  auto config = csv_config(dir.file("n.csv"), false);
  auto splits = make_file_enumerator(config)->enumerate(1);
  REQUIRE(splits.ok());
  auto reader = make_file_reader(config);
  auto d = drain_all(*reader, *splits);
  REQUIRE(d.status.is_ok());
  REQUIRE(d.rows->num_rows == 2);
  CHECK(d.rows->column(0).ints == std::vector<int64_t>{7, 8});
  CHECK(d.rows->column(2).string_at(0) == "y");
  CHECK(d.rows->column(1).is_null(1));
  CHECK(d.rows->column(2).is_null(1));
}

TEST_CASE("a header missing a schema column fails the split that reads it") {
  TempDir dir;
  write_file(dir.file("f.csv"), "id,text\n1,x\n");
  auto config = csv_config(dir.file("f.csv"));
  auto splits = make_file_enumerator(config)->enumerate(1);
  REQUIRE(splits.ok());
  auto reader = make_file_reader(config);
  Status st = reader->open_split((*splits)[0]);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.message().find(dir.file("f.csv") + ":1: the header has no column 'value'") == 0);
}

TEST_CASE("a split whose file disappeared fails with an I/O error") {
  TempDir dir;
  write_file(dir.file("f.csv"), "id,value,text\n1,2,x\n");
  auto config = csv_config(dir.file("f.csv"));
  auto splits = make_file_enumerator(config)->enumerate(1);
  REQUIRE(splits.ok());
  std::filesystem::remove(dir.file("f.csv"));
  auto reader = make_file_reader(config);
  Status st = reader->open_split((*splits)[0]);
  CHECK(st.code() == StatusCode::kIoError);
  auto p = reader->poll(10);
  REQUIRE(p.ok());
  CHECK(p->kind == SourcePoll::Kind::kEndOfSplit);
}

TEST_CASE("a record without a line end is refused at a size bound, not buffered forever") {
  TempDir dir;
  const std::string path = dir.file("one_line.jsonl");
  write_file(path, "{\"id\": 1}\n{\"id\": \"" + std::string(65u << 20, 'x'));
  FileSourceConfig config;
  config.path = path;
  config.format = FileFormat::kJsonl;
  config.split_size = int64_t{1} << 40;
  config.schema = make_schema({{"id", DataType::kInt64}});
  auto splits = make_file_enumerator(config)->enumerate(1);
  REQUIRE(splits.ok());
  REQUIRE(splits->size() == 1);
  auto reader = make_file_reader(config);
  REQUIRE(reader->open_split(splits->front()).is_ok());
  Status failure;
  for (int i = 0; i < 10 && failure.is_ok(); ++i) {
    auto poll = reader->poll(1024);
    if (!poll.ok()) failure = poll.status();
    else if (poll->kind == SourcePoll::Kind::kEndOfSplit) break;
  }
  REQUIRE_FALSE(failure.is_ok());
  CHECK(failure.message().find("one_line.jsonl:2: a record longer than 64 MiB") != std::string::npos);
}

TEST_CASE("a CSV quote that never closes costs one record under on_error skip, not the rest of the file") {
  TempDir dir;
  // 60000 records (over 1 MiB, so over several reads); after record 1000 one
  // whose quote never closes: no other quote follows it in the file.
  std::string text = "text,extra,id,value\n";
  const int rows = 60000;
  for (int i = 0; i < rows; ++i) {
    text += "row" + std::to_string(i) + ",x," + std::to_string(i) + "," + std::to_string(i) + ".5\n";
    if (i == 1000) text += "\"open,x,-1,0.5\n";
  }
  write_file(dir.file("q.csv"), text);
  auto config = csv_config(dir.file("q.csv"));
  config.on_error = OnError::kSkip;
  config.split_size = 5000;  // cuts before the quote; none after it
  auto splits = make_file_enumerator(config)->enumerate(2);
  REQUIRE(splits.ok());
  REQUIRE(splits->size() >= 3);
  auto reader = make_file_reader(config);
  auto d = drain_all(*reader, *splits, 1000);
  REQUIRE(d.status.is_ok());
  CHECK(reader->skipped_records() == 1);
  std::vector<int64_t> ids(rows);
  for (int i = 0; i < rows; ++i) ids[static_cast<size_t>(i)] = i;
  CHECK(d.rows->column(0).ints == ids);
}
