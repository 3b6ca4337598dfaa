// Unit tests for SourceReader::resume_split (src/connectors/source.h): a split
// read part-way and reopened from its resume split by a new reader yields
// exactly the rows the first reader had not returned, for the file, datagen
// and nexmark readers.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "connectors/datagen_source.h"
#include "connectors/file_source.h"
#include "connectors/nexmark_source.h"
#include "unit/connectors/file_test_util.h"

using namespace eddy;
using eddy::test::make_schema;
using eddy::test::TempDir;
using eddy::test::write_file;

namespace {

using ReaderFactory = std::function<std::unique_ptr<SourceReader>()>;

/// Reads at most `rows` rows of `split` into `into` (polls of at most
/// `max_rows`, cut so that no more than `rows` are returned) and returns the
/// reader's resume split. `rows` < 0: reads until the end of the split.
Split read_part(SourceReader& reader, const Split& split, int64_t rows, size_t max_rows,
                BatchBuilder& into) {
  REQUIRE(reader.open_split(split).is_ok());
  int64_t got = 0;
  while (rows < 0 || got < rows) {
    const size_t want = rows < 0 ? max_rows : std::min<size_t>(max_rows, static_cast<size_t>(rows - got));
    auto polled = reader.poll(want);
    REQUIRE(polled.ok());
    if (polled->kind == SourcePoll::Kind::kEndOfSplit) break;
    if (polled->kind != SourcePoll::Kind::kBatch) continue;
    REQUIRE(polled->batch->num_rows <= want);
    into.append_all(*polled->batch);
    got += static_cast<int64_t>(polled->batch->num_rows);
  }
  return reader.resume_split();
}

/// All rows of `split` read by one reader.
std::string whole(const ReaderFactory& make, const Split& split, size_t max_rows = 1000) {
  auto reader = make();
  BatchBuilder all(reader->schema());
  read_part(*reader, split, -1, max_rows, all);
  return all.finish()->to_debug_string();
}

/// For every cut, reads `cut` rows with one reader, the rest with a new reader
/// opened on the first one's resume split, and checks both parts make the whole.
void check_cuts(const ReaderFactory& make, const Split& split, const std::vector<int64_t>& cuts,
                size_t max_rows = 7) {
  const std::string expected = whole(make, split);
  for (int64_t cut : cuts) {
    CAPTURE(cut);
    auto first = make();
    BatchBuilder rows(first->schema());
    const Split resumed = read_part(*first, split, cut, max_rows, rows);
    CHECK(resumed.id == split.id);
    auto second = make();
    read_part(*second, resumed, -1, max_rows, rows);
    CHECK(rows.finish()->to_debug_string() == expected);
  }
}

SchemaPtr id_text() {
  return make_schema({{"id", DataType::kInt64}, {"text", DataType::kString}});
}

// A text value that needs quoting now and then, newlines included.
std::string csv_text(int i) {
  if (i % 4 == 1) return "\"two\nlines, \"\"quoted\"\"\"";
  return "t" + std::to_string(i);
}

// `rows` records, a header when asked; every 5th record malformed when `bad`.
std::string make_csv(int rows, bool header, bool bad) {
  std::string out = header ? "text,id\n" : "";
  for (int i = 0; i < rows; ++i) {
    if (bad && i % 5 == 3) out += "oops,not-a-number\n";
    if (i % 6 == 2) out += "\n";  // blank lines are ignored
    out += header ? csv_text(i) + "," + std::to_string(i) + "\n"
                  : std::to_string(i) + "," + csv_text(i) + "\n";
  }
  return out;
}

FileSourceConfig file_config(const std::string& path, FileFormat format, bool header) {
  FileSourceConfig c;
  c.path = path;
  c.format = format;
  c.header = header;
  c.schema = id_text();
  return c;
}

std::vector<Split> file_splits(const FileSourceConfig& c) {
  auto splits = make_file_enumerator(c)->enumerate(1);
  REQUIRE(splits.ok());
  return *splits;
}

/// Rows in a split, counted by reading it.
int64_t count_rows(const ReaderFactory& make, const Split& split) {
  auto reader = make();
  BatchBuilder all(reader->schema());
  read_part(*reader, split, -1, 1000, all);
  return static_cast<int64_t>(all.num_rows());
}

/// Cuts at the start, after one row, in the middle, right before the end,
/// at the end, and past it.
std::vector<int64_t> cuts_for(int64_t n) {
  return {0, 1, n / 2, n - 1, n, n + 5};
}

}  // namespace

TEST_CASE("a CSV split with a header resumes after the rows returned, never re-reading the header") {
  TempDir dir;
  const std::string path = dir.file("a.csv");
  write_file(path, make_csv(60, /*header=*/true, /*bad=*/false));
  const FileSourceConfig c = file_config(path, FileFormat::kCsv, true);
  const ReaderFactory make = [&] { return make_file_reader(c); };
  const auto splits = file_splits(c);
  REQUIRE(splits.size() == 1);
  check_cuts(make, splits[0], cuts_for(60));
  // The resume split after the header alone starts past it.
  auto reader = make();
  BatchBuilder none(reader->schema());
  const Split resumed = read_part(*reader, splits[0], 0, 5, none);
  CHECK(resumed.begin == 8);  // "text,id\n"
  CHECK(resumed.first_line == 2);
}

TEST_CASE("splits of a multi-split CSV file with quoted newlines resume at any cut") {
  TempDir dir;
  const std::string path = dir.file("big.csv");
  write_file(path, make_csv(400, /*header=*/true, /*bad=*/false));
  FileSourceConfig c = file_config(path, FileFormat::kCsv, true);
  c.split_size = 1500;
  const ReaderFactory make = [&] { return make_file_reader(c); };
  const auto splits = file_splits(c);
  REQUIRE(splits.size() > 3);
  for (const Split& s : splits) {
    CAPTURE(s.id);
    check_cuts(make, s, cuts_for(count_rows(make, s)));
  }
}

TEST_CASE("a CSV file without a header and with skipped bad lines resumes at any cut") {
  TempDir dir;
  const std::string path = dir.file("bad.csv");
  write_file(path, make_csv(200, /*header=*/false, /*bad=*/true));
  FileSourceConfig c = file_config(path, FileFormat::kCsv, false);
  c.on_error = OnError::kSkip;
  c.split_size = 900;
  const ReaderFactory make = [&] { return make_file_reader(c); };
  const auto splits = file_splits(c);
  REQUIRE(splits.size() > 2);
  for (const Split& s : splits) {
    CAPTURE(s.id);
    check_cuts(make, s, cuts_for(count_rows(make, s)));
  }
}

TEST_CASE("a JSONL split with skipped bad lines resumes at any cut, before and after EOF") {
  TempDir dir;
  const std::string path = dir.file("a.jsonl");
  std::string text;
  for (int i = 0; i < 120; ++i) {
    if (i % 7 == 3) text += "{\"id\": \"not a number\"}\n";
    if (i % 9 == 4) text += "\n";
    text += "{\"id\":" + std::to_string(i) + ",\"text\":\"j" + std::to_string(i) + "\"}\n";
  }
  text += "{\"id\":999,\"text\":\"no line end\"}";
  write_file(path, text);
  FileSourceConfig c = file_config(path, FileFormat::kJsonl, false);
  c.on_error = OnError::kSkip;
  c.split_size = 700;
  const ReaderFactory make = [&] { return make_file_reader(c); };
  const auto splits = file_splits(c);
  REQUIRE(splits.size() > 2);
  for (const Split& s : splits) {
    CAPTURE(s.id);
    check_cuts(make, s, cuts_for(count_rows(make, s)));
  }
}

TEST_CASE("a split resumed at its end is empty, and a resumed split names lines as the whole file") {
  TempDir dir;
  const std::string path = dir.file("lines.csv");
  // Line 1 header, lines 2-4 a record with a quoted two-line field and another,
  // line 5 blank, line 6 bad.
  write_file(path, "text,id\n\"a\nb\",1\nc,2\n\nd,x\ne,5\n");
  const FileSourceConfig c = file_config(path, FileFormat::kCsv, true);
  auto reader = make_file_reader(c);
  BatchBuilder rows(reader->schema());
  const Split split = file_splits(c)[0];
  const Split resumed = read_part(*reader, split, 2, 10, rows);
  CHECK(rows.num_rows() == 2);
  CHECK(resumed.first_line == 5);
  auto next = make_file_reader(c);
  REQUIRE(next->open_split(resumed).is_ok());
  auto polled = next->poll(10);
  REQUIRE_FALSE(polled.ok());
  CHECK(polled.status().message().find("lines.csv:6:") != std::string::npos);

  // Read to the end: the resume split is empty.
  BatchBuilder everything(id_text());
  FileSourceConfig skip = c;
  skip.on_error = OnError::kSkip;
  auto skipping = make_file_reader(skip);
  const Split done = read_part(*skipping, split, -1, 10, everything);
  CHECK(everything.num_rows() == 3);
  CHECK(done.begin == split.end);
  auto after = make_file_reader(skip);
  REQUIRE(after->open_split(done).is_ok());
  auto end = after->poll(10);
  REQUIRE(end.ok());
  CHECK(end->kind == SourcePoll::Kind::kEndOfSplit);
}

TEST_CASE("datagen resume splits carry the position within the share") {
  DatagenConfig c;
  DatagenField id;
  id.name = "id";
  DatagenField user;
  user.name = "user";
  user.kind = DatagenField::Kind::kRandom;
  user.min = 1;
  user.max = 1000;
  c.fields = {id, user};
  c.rows = 1000;
  c.seed = 7;
  c.block_rows = 30;
  const ReaderFactory make = [&] { return make_datagen_reader(c); };
  auto splits = make_datagen_enumerator(c)->enumerate(3);
  REQUIRE(splits.ok());
  for (const Split& s : *splits) {
    CAPTURE(s.id);
    const int64_t n = count_rows(make, s);
    check_cuts(make, s, cuts_for(n), 13);
    auto reader = make();
    BatchBuilder rows(reader->schema());
    CHECK(read_part(*reader, s, 40, 13, rows).position == 40);
  }
}

TEST_CASE("nexmark resume splits carry the event position within the share") {
  for (NexmarkTable table : {NexmarkTable::kBid, NexmarkTable::kAuction, NexmarkTable::kPerson}) {
    NexmarkConfig c;
    c.table = table;
    c.events = 3000;
    c.seed = 3;
    c.block_events = 100;
    const ReaderFactory make = [&] { return make_nexmark_reader(c); };
    auto splits = make_nexmark_enumerator(c)->enumerate(2);
    REQUIRE(splits.ok());
    for (const Split& s : *splits) {
      CAPTURE(s.id);
      check_cuts(make, s, cuts_for(count_rows(make, s)), 11);
    }
  }
}
