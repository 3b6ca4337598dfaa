// Unit tests for the file, print and blackhole sinks (src/connectors/*_sink.h).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include "connectors/blackhole_sink.h"
#include "connectors/file_sink.h"
#include "connectors/file_source.h"
#include "connectors/print_sink.h"
#include "unit/connectors/file_test_util.h"

using namespace eddy;
using eddy::test::make_schema;
using eddy::test::read_file;
using eddy::test::TempDir;

namespace {

/// A sink must not emit; this collector fails the test if it does.
class NoOutput : public Collector {
 public:
  Status emit(RecordBatchPtr) override { return Status::internal("a sink emitted a batch"); }
};

SchemaPtr bids() {
  return make_schema({{"auction", DataType::kInt64}, {"price", DataType::kFloat64},
                      {"channel", DataType::kString}, {"ts", DataType::kTimestamp}});
}

RecordBatchPtr bid_rows(int64_t first, int n) {
  BatchBuilder b(bids());
  for (int i = 0; i < n; ++i) {
    b.column(0).append_int(first + i);
    b.column(1).append_double(first + i + 0.25);
    if (i % 3 == 2) b.column(2).append_null(); else b.column(2).append_string(i % 2 ? "a,b" : "web");
    b.column(3).append_int(1436918400000LL + (first + i) * 1000);
    b.commit_rows(1);
  }
  return b.finish();
}

OperatorContext subtask(int32_t index, int32_t parallelism) {
  OperatorContext ctx;
  ctx.job_name = "job";
  ctx.operator_name = "out";
  ctx.subtask_index = index;
  ctx.parallelism = parallelism;
  return ctx;
}

}  // namespace

TEST_CASE("file sinks write one JSONL part file per subtask in a directory they create") {
  TempDir dir;
  FileSinkConfig config;
  config.path = dir.file("out/nested");
  config.format = FileFormat::kJsonl;
  NoOutput none;
  for (int32_t s = 0; s < 2; ++s) {
    auto sink = make_file_sink(config, bids());
    CHECK(sink->blocking_io());
    CHECK(*sink->output_schema() == *bids());
    REQUIRE(sink->open(subtask(s, 2)).is_ok());
    REQUIRE(sink->process(bid_rows(s * 10, 3), none).is_ok());
    REQUIRE(sink->process(bid_rows(s * 10 + 3, 0), none).is_ok());
    REQUIRE(sink->finish(none).is_ok());
    REQUIRE(sink->close().is_ok());
  }
  CHECK(read_file(config.path + "/part-0-0.jsonl") ==
        "{\"auction\":0,\"price\":0.25,\"channel\":\"web\",\"ts\":\"2015-07-15 00:00:00.000\"}\n"
        "{\"auction\":1,\"price\":1.25,\"channel\":\"a,b\",\"ts\":\"2015-07-15 00:00:01.000\"}\n"
        "{\"auction\":2,\"price\":2.25,\"channel\":null,\"ts\":\"2015-07-15 00:00:02.000\"}\n");
  CHECK(read_file(config.path + "/part-1-0.jsonl").find("{\"auction\":10,") == 0);
}

TEST_CASE("a CSV file sink writes a header, and the file source reads its rows back") {
  TempDir dir;
  FileSinkConfig config;
  config.path = dir.file("csv_out");
  config.format = FileFormat::kCsv;
  NoOutput none;
  auto sink = make_file_sink(config, bids());
  REQUIRE(sink->open(subtask(3, 4)).is_ok());
  auto rows = bid_rows(100, 5000);  // several megabytes of buffer flushes
  for (int i = 0; i < 3; ++i) REQUIRE(sink->process(rows, none).is_ok());
  REQUIRE(sink->finish(none).is_ok());
  const std::string text = read_file(config.path + "/part-3-0.csv");
  CHECK(text.find("auction,price,channel,ts\n100,100.25,web,2015-07-15 00:01:40.000\n") == 0);

  FileSourceConfig source;
  source.path = config.path;
  source.header = true;
  source.schema = bids();
  auto splits = make_file_enumerator(source)->enumerate(1);
  REQUIRE(splits.ok());
  auto reader = make_file_reader(source);
  auto back = eddy::test::drain_all(*reader, *splits);
  REQUIRE(back.status.is_ok());
  REQUIRE(back.rows->num_rows == 15000);
  BatchBuilder expected(bids());
  for (int i = 0; i < 3; ++i) expected.append_all(*rows);
  CHECK(back.rows->to_debug_string() == expected.finish()->to_debug_string());
}

TEST_CASE("a file sink whose directory cannot be made fails with an I/O error") {
  TempDir dir;
  eddy::test::write_file(dir.file("plainfile"), "x");
  FileSinkConfig config;
  config.path = dir.file("plainfile") + "/sub";
  auto sink = make_file_sink(config, bids());
  Status st = sink->open(subtask(0, 1));
  CHECK(st.code() == StatusCode::kIoError);
  CHECK(sink->close().is_ok());
}

TEST_CASE("a file sink given a batch of other columns refuses it") {
  TempDir dir;
  FileSinkConfig config;
  config.path = dir.file("o");
  auto sink = make_file_sink(config, bids());
  REQUIRE(sink->open(subtask(0, 1)).is_ok());
  BatchBuilder b(make_schema({{"x", DataType::kInt64}}));
  NoOutput none;
  CHECK_FALSE(sink->process(b.finish(), none).is_ok());
  CHECK(sink->close().is_ok());
}

TEST_CASE("print sinks write each batch as whole lines in JSONL or CSV") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  NoOutput none;
  PrintSinkConfig jsonl;
  auto sink = make_print_sink(jsonl, bids(), out);
  CHECK(sink->blocking_io());
  REQUIRE(sink->open(subtask(0, 1)).is_ok());
  REQUIRE(sink->process(bid_rows(1, 1), none).is_ok());
  PrintSinkConfig csv;
  csv.format = FileFormat::kCsv;
  auto csv_sink = make_print_sink(csv, bids(), out);
  REQUIRE(csv_sink->process(bid_rows(2, 2), none).is_ok());
  REQUIRE(sink->finish(none).is_ok());
  REQUIRE(csv_sink->finish(none).is_ok());
  std::rewind(out);
  std::string text;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, out)) > 0) text.append(buf, n);
  std::fclose(out);
  CHECK(text ==
        "{\"auction\":1,\"price\":1.25,\"channel\":\"web\",\"ts\":\"2015-07-15 00:00:01.000\"}\n"
        "2,2.25,web,2015-07-15 00:00:02.000\n"
        "3,3.25,\"a,b\",2015-07-15 00:00:03.000\n");
}

TEST_CASE("the blackhole sink counts rows and writes nothing") {
  auto sink = make_blackhole_sink(bids());
  NoOutput none;
  REQUIRE(sink->open(subtask(0, 1)).is_ok());
  REQUIRE(sink->process(bid_rows(0, 7), none).is_ok());
  REQUIRE(sink->process(bid_rows(7, 5), none).is_ok());
  REQUIRE(sink->finish(none).is_ok());
  CHECK(*sink->output_schema() == *bids());
  auto* hole = dynamic_cast<BlackholeSink*>(sink.get());
  REQUIRE(hole != nullptr);
  CHECK(hole->rows() == 12);
}
