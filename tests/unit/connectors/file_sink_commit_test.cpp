// Unit tests for the file sink's two-phase commit (src/connectors/file_sink.h,
// file_sink_parts.h): hidden in-progress files, pre-commit at a barrier,
// commit on checkpoint completion, recovery from a snapshot at the same or
// another parallelism, and a fresh start over an old output.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "connectors/file_sink.h"
#include "connectors/file_sink_parts.h"
#include "unit/connectors/file_test_util.h"

using namespace eddy;
using eddy::test::make_schema;
using eddy::test::read_file;
using eddy::test::TempDir;
using eddy::test::write_file;

namespace {

namespace fs = std::filesystem;

class NoOutput : public Collector {
 public:
  Status emit(RecordBatchPtr) override { return Status::internal("a sink emitted a batch"); }
};

SchemaPtr ids() { return make_schema({{"id", DataType::kInt64}}); }

RecordBatchPtr id_rows(int64_t first, int64_t n) {
  BatchBuilder b(ids());
  for (int64_t i = 0; i < n; ++i) {
    b.column(0).append_int(first + i);
    b.commit_rows(1);
  }
  return b.finish();
}

std::vector<int64_t> range(int64_t first, int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(first + i);
  return v;
}

std::vector<int64_t> operator+(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// One sink subtask, driven the way a host would.
struct Subtask {
  OperatorPtr sink;
  NoOutput none;

  Subtask(const FileSinkConfig& config, int32_t index, int32_t parallelism, const std::string& job_id = "") {
    sink = make_file_sink(config, ids());
    OperatorContext ctx;
    ctx.output_tag = job_id;
    ctx.operator_name = "out";
    ctx.subtask_index = index;
    ctx.parallelism = parallelism;
    REQUIRE(sink->open(ctx).is_ok());
  }
  void write(int64_t first, int64_t n) { REQUIRE(sink->process(id_rows(first, n), none).is_ok()); }
  std::string snapshot(int64_t checkpoint) {
    std::string state;
    REQUIRE(sink->snapshot_operator_state(checkpoint, state).is_ok());
    REQUIRE(!state.empty());
    return state;
  }
  void notify(int64_t checkpoint) { REQUIRE(sink->notify_checkpoint_complete(checkpoint).is_ok()); }
  void restore(const std::vector<std::string>& states) {
    REQUIRE(sink->restore_operator_state(states).is_ok());
  }
  void finish() {
    REQUIRE(sink->finish(none).is_ok());
    REQUIRE(sink->close().is_ok());
  }
};

FileSinkConfig jsonl_in(const TempDir& dir) {
  FileSinkConfig c;
  c.path = dir.file("out");
  c.format = FileFormat::kJsonl;
  return c;
}

/// File names in the sink directory, sorted.
std::vector<std::string> names(const FileSinkConfig& c) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(c.path)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// The ids in the visible JSONL part files, sorted.
std::vector<int64_t> visible_ids(const FileSinkConfig& c) {
  std::vector<int64_t> out;
  for (const std::string& name : names(c)) {
    if (name.rfind("part-", 0) != 0) continue;
    const std::string text = read_file(c.path + "/" + name);
    size_t pos = 0;
    while ((pos = text.find("{\"id\":", pos)) != std::string::npos) {
      pos += 6;
      out.push_back(std::stoll(text.substr(pos)));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool any_hidden(const FileSinkConfig& c) {
  for (const std::string& name : names(c))
    if (name[0] == '.') return true;
  return false;
}

/// The sorted union of the given checkpoint-time rows.
std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("rows before barrier 1 become visible only when checkpoint 1 completes") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  Subtask s(c, 0, 1);
  CHECK(names(c).empty());  // nothing is opened before the first row
  s.write(0, 10);
  CHECK(names(c) == std::vector<std::string>{".part-0-0.jsonl.inprogress"});
  s.snapshot(1);
  CHECK(names(c) == std::vector<std::string>{".part-0-0.jsonl.inprogress"});
  CHECK(visible_ids(c).empty());
  s.write(10, 5);
  CHECK(names(c) == std::vector<std::string>{".part-0-0.jsonl.inprogress",
                                             ".part-0-1.jsonl.inprogress"});
  s.notify(1);
  CHECK(names(c) == std::vector<std::string>{".part-0-1.jsonl.inprogress", "part-0-0.jsonl"});
  CHECK(visible_ids(c) == range(0, 10));
  s.finish();
  CHECK(names(c) == std::vector<std::string>{"part-0-0.jsonl", "part-0-1.jsonl"});
  CHECK(visible_ids(c) == range(0, 15));
}

TEST_CASE("a barrier with no rows since the last one closes no file, and later ones commit earlier ones") {
  TempDir dir;
  FileSinkConfig c = jsonl_in(dir);
  c.format = FileFormat::kCsv;
  Subtask s(c, 2, 3);
  s.write(0, 3);
  s.snapshot(1);
  s.snapshot(2);  // nothing written: no file closed, seq stays
  s.write(3, 2);
  s.snapshot(3);
  s.notify(3);  // commits the files of checkpoints 1 and 3
  CHECK(names(c) == std::vector<std::string>{"part-2-0.csv", "part-2-1.csv"});
  CHECK(read_file(c.path + "/part-2-0.csv") == "id\n0\n1\n2\n");
  CHECK(read_file(c.path + "/part-2-1.csv") == "id\n3\n4\n");  // a header in every file
  s.finish();
  CHECK(names(c) == std::vector<std::string>{"part-2-0.csv", "part-2-1.csv"});
}

TEST_CASE("close without finish never commits") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  {
    Subtask s(c, 0, 1);
    s.write(0, 4);
    s.snapshot(1);
    s.write(4, 4);
    REQUIRE(s.sink->close().is_ok());
  }
  CHECK(names(c) == std::vector<std::string>{".part-0-0.jsonl.inprogress",
                                             ".part-0-1.jsonl.inprogress"});
  CHECK(visible_ids(c).empty());
}

TEST_CASE("after a failure, a restored sink commits the checkpoint's files and drops later ones") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  std::string at_2;
  {
    Subtask s(c, 0, 1);
    s.write(0, 10);
    s.snapshot(1);
    s.notify(1);
    s.write(10, 10);
    at_2 = s.snapshot(2);  // checkpoint 2 completes, but the notification never arrives
    s.write(20, 10);
    s.snapshot(3);         // checkpoint 3 never completes
    s.write(30, 10);       // in progress when the sink dies
  }  // destroyed without notify: a failure
  CHECK(visible_ids(c) == range(0, 10));
  Subtask restored(c, 0, 1);
  restored.restore({at_2});
  CHECK(names(c) == std::vector<std::string>{"part-0-0.jsonl", "part-0-1.jsonl"});
  CHECK(visible_ids(c) == range(0, 20));
  restored.write(100, 5);
  restored.finish();
  CHECK(names(c) ==
        std::vector<std::string>{"part-0-0.jsonl", "part-0-1.jsonl", "part-0-2.jsonl"});
  CHECK(visible_ids(c) == range(0, 20) + range(100, 5));
}

TEST_CASE("a restore drops visible files committed after the checkpoint and keeps pending ones already committed") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  std::string at_1;
  {
    Subtask s(c, 0, 1);
    s.write(0, 10);
    at_1 = s.snapshot(1);
    s.write(10, 10);
    s.finish();  // bounded input ended: commits everything, then the job fails elsewhere
  }
  CHECK(visible_ids(c) == range(0, 20));
  Subtask restored(c, 0, 1);
  restored.restore({at_1});
  CHECK(names(c) == std::vector<std::string>{"part-0-0.jsonl"});
  // Restoring the same checkpoint twice is no different.
  Subtask again(c, 0, 1);
  again.restore({at_1});
  CHECK(names(c) == std::vector<std::string>{"part-0-0.jsonl"});
  again.finish();
  CHECK(visible_ids(c) == range(0, 10));
}

TEST_CASE("rescaling 2 -> 1 keeps exactly the rows up to the checkpoint and tracks both owners") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  std::vector<std::string> states;
  {
    Subtask a(c, 0, 2), b(c, 1, 2);
    a.write(0, 10);
    b.write(100, 10);
    states = {a.snapshot(1), b.snapshot(1)};
    a.write(10, 5);                 // hidden, in progress
    b.write(110, 5);
    b.snapshot(2);
    b.notify(2);                    // visible, but checkpoint 2 is not restored
  }
  Subtask one(c, 0, 1);
  one.restore(states);
  CHECK(!any_hidden(c));
  CHECK(visible_ids(c) == range(0, 10) + range(100, 10));
  one.write(50, 3);
  auto state = decode_file_sink_state(one.snapshot(3));
  REQUIRE(state.ok());
  CHECK(state->subtask == 0);
  REQUIRE(state->owners.size() == 2);
  CHECK(state->owners[0].owner == 0);
  CHECK(state->owners[0].next_seq == 2);
  CHECK(state->owners[0].pending.size() == 1);
  CHECK(state->owners[1].owner == 1);
  CHECK(state->owners[1].next_seq == 1);
  CHECK(state->owners[1].pending.empty());
  one.finish();
  CHECK(visible_ids(c) == sorted(range(0, 10) + range(100, 10) + range(50, 3)));
}

TEST_CASE("rescaling 1 -> 2 keeps exactly the rows up to the checkpoint") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  std::string at_1;
  {
    Subtask s(c, 0, 1);
    s.write(0, 10);
    at_1 = s.snapshot(1);
    s.write(10, 10);
  }
  Subtask a(c, 0, 2), b(c, 1, 2);
  a.restore({at_1});
  b.restore({});
  CHECK(names(c) == std::vector<std::string>{"part-0-0.jsonl"});
  a.write(20, 2);
  b.write(30, 2);
  a.finish();
  b.finish();
  CHECK(names(c) ==
        std::vector<std::string>{"part-0-0.jsonl", "part-0-1.jsonl", "part-1-0.jsonl"});
  CHECK(visible_ids(c) == range(0, 10) + range(20, 2) + range(30, 2));
}

TEST_CASE("rescaling 4 -> 2 -> 4 -> 2 loses no committed file and reuses no name") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  // Parallelism 4: every subtask commits a file at checkpoint 1.
  std::vector<std::string> at_1;
  {
    std::vector<std::unique_ptr<Subtask>> p4;
    for (int32_t i = 0; i < 4; ++i) p4.push_back(std::make_unique<Subtask>(c, i, 4));
    for (int32_t i = 0; i < 4; ++i) p4[i]->write(i * 100, 5);
    for (int32_t i = 0; i < 4; ++i) at_1.push_back(p4[i]->snapshot(1));
    for (int32_t i = 0; i < 2; ++i) p4[i]->notify(1);  // 2 and 3 fail before they hear of it
  }
  std::vector<int64_t> expected = range(0, 5) + range(100, 5) + range(200, 5) + range(300, 5);
  // Parallelism 2: old k goes to k % 2.
  std::vector<std::string> at_2;
  {
    Subtask a(c, 0, 2), b(c, 1, 2);
    a.restore({at_1[0], at_1[2]});
    b.restore({at_1[1], at_1[3]});
    CHECK(visible_ids(c) == sorted(expected));
    a.write(1000, 3);
    b.write(1100, 3);
    at_2 = {a.snapshot(2), b.snapshot(2)};
    a.notify(2);
    b.notify(2);
    a.write(1500, 3);  // after checkpoint 2: to be dropped
    a.finish();
  }
  expected = expected + range(1000, 3) + range(1100, 3);
  // Back to parallelism 4: subtasks 2 and 3 get no snapshot; owners 2 and 3
  // stay with subtasks 0 and 1, and their files stay.
  std::vector<std::string> at_3;
  {
    std::vector<std::unique_ptr<Subtask>> p4;
    for (int32_t i = 0; i < 4; ++i) p4.push_back(std::make_unique<Subtask>(c, i, 4));
    p4[0]->restore({at_2[0]});
    p4[1]->restore({at_2[1]});
    p4[2]->restore({});
    p4[3]->restore({});
    CHECK(!any_hidden(c));
    CHECK(visible_ids(c) == sorted(expected));
    for (int32_t i = 0; i < 4; ++i) p4[i]->write(2000 + i * 100, 2);
    for (int32_t i = 0; i < 4; ++i) at_3.push_back(p4[i]->snapshot(3));
    for (int32_t i = 0; i < 4; ++i) p4[i]->notify(3);
    for (int32_t i = 0; i < 4; ++i) p4[i]->write(3000 + i * 100, 2);  // after checkpoint 3
    p4[2]->snapshot(4);
    p4[2]->notify(4);
  }
  for (int32_t i = 0; i < 4; ++i) expected = expected + range(2000 + i * 100, 2);
  CHECK(visible_ids(c) == sorted(expected + range(3200, 2)));
  CHECK(fs::exists(c.path + "/part-2-1.jsonl"));  // owner 2 went on after its file 0
  auto state_0 = decode_file_sink_state(at_3[0]);
  REQUIRE(state_0.ok());
  REQUIRE(state_0->owners.size() == 2);
  CHECK(state_0->owners[1].owner == 2);
  // Parallelism 2 again: owner 2 is both a taken-over owner of old 0 and the
  // own owner of old 2; the latter decides, so its file after checkpoint 3 goes.
  Subtask a(c, 0, 2), b(c, 1, 2);
  a.restore({at_3[0], at_3[2]});
  b.restore({at_3[1], at_3[3]});
  CHECK(!any_hidden(c));
  CHECK(visible_ids(c) == sorted(expected));
  a.finish();
  b.finish();
  CHECK(visible_ids(c) == sorted(expected));
}

TEST_CASE("a restore deletes owners no snapshot names when they are above every tracked owner") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  std::vector<std::string> at_1;
  {
    Subtask a(c, 0, 2), b(c, 1, 2);
    a.write(0, 2);
    b.write(10, 2);
    at_1 = {a.snapshot(1), b.snapshot(1)};
    a.notify(1);
    b.notify(1);
  }
  // A later run at parallelism 4 (restored from the same checkpoint) wrote owners 2 and 3.
  write_file(c.path + "/part-2-0.jsonl", "{\"id\":900}\n");
  write_file(c.path + "/.part-3-0.jsonl.inprogress", "{\"id\":901}\n");
  write_file(c.path + "/part-3-1.jsonl", "{\"id\":902}\n");
  Subtask a(c, 0, 2), b(c, 1, 2);
  a.restore({at_1[0]});
  b.restore({at_1[1]});
  CHECK(names(c) == std::vector<std::string>{"part-0-0.jsonl", "part-1-0.jsonl"});
}

TEST_CASE("a start without a restore replaces what an earlier attempt of the same output left, and nothing else") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  fs::create_directories(c.path);
  for (const char* name :
       {"part-0-0.jsonl", "part-0-7.jsonl", ".part-0-3.jsonl.inprogress", "part-2-0.jsonl",
        "part-1-0.jsonl", ".part-3-0.jsonl.inprogress", "part-0.jsonl", "part-01-0.jsonl",
        "part-0-0.csv", "part-0-0.jsonl.bak", "part--0.jsonl", "part-0-+1.jsonl", "notes.txt"})
    write_file(c.path + "/" + name, "{\"id\":-1}\n");
  Subtask a(c, 0, 2);
  a.snapshot(1);  // a barrier before any row deletes nothing yet
  CHECK(fs::exists(c.path + "/part-0-7.jsonl"));
  a.write(0, 3);
  a.finish();
  const std::vector<std::string> untouched = {
      ".part-3-0.jsonl.inprogress", "notes.txt",        "part--0.jsonl",   "part-0-+1.jsonl",
      "part-0-0.csv",               "part-0-0.jsonl",   "part-0-0.jsonl.bak", "part-0.jsonl",
      "part-01-0.jsonl",            "part-1-0.jsonl"};
  CHECK(names(c) == untouched);
  CHECK(read_file(c.path + "/part-0-0.jsonl") == "{\"id\":0}\n{\"id\":1}\n{\"id\":2}\n");
  // Subtask 1 with no rows at all still replaces its owners' files at the end.
  Subtask b(c, 1, 2);
  b.finish();
  CHECK(!fs::exists(c.path + "/part-1-0.jsonl"));
  CHECK(!fs::exists(c.path + "/.part-3-0.jsonl.inprogress"));
}

const std::string kJobA = "00000000000000aa";
const std::string kJobB = "00000000000000bb";

TEST_CASE("a new job adds its part files beside an earlier job's output and deletes none of it") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  Subtask first(c, 0, 1, kJobA);
  first.write(0, 3);
  first.finish();
  fs::create_directories(c.path);
  write_file(c.path + "/part-0-0.jsonl", "{\"id\":100}\n");  // untagged, from before tags
  write_file(c.path + "/.part-" + kJobA + "-0-1.jsonl.inprogress", "{\"id\":101}\n");  // A's failed rest
  Subtask second(c, 0, 1, kJobB);
  second.write(10, 2);
  second.finish();
  CHECK(names(c) == std::vector<std::string>{".part-" + kJobA + "-0-1.jsonl.inprogress", "part-0-0.jsonl",
                                             "part-" + kJobA + "-0-0.jsonl", "part-" + kJobB + "-0-0.jsonl"});
  CHECK(visible_ids(c) == std::vector<int64_t>{0, 1, 2, 10, 11, 100});
}

TEST_CASE("a restored sink goes on writing under the tag its output started with") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  Subtask before(c, 0, 1, kJobA);
  before.write(0, 2);
  const std::string at_1 = before.snapshot(1);
  before.notify(1);
  before.write(2, 2);  // after the checkpoint: dropped at the restore
  before.snapshot(2);
  Subtask after(c, 0, 1, kJobB);  // a new process resumes: a new job id
  after.restore({at_1});
  after.write(2, 2);
  after.finish();
  CHECK(names(c) == std::vector<std::string>{"part-" + kJobA + "-0-0.jsonl", "part-" + kJobA + "-0-1.jsonl"});
  CHECK(visible_ids(c) == range(0, 4));
}

TEST_CASE("a pending file gone at a restore (the directory was emptied) counts as committed") {
  TempDir dir;
  const FileSinkConfig c = jsonl_in(dir);
  Subtask before(c, 0, 1, kJobA);
  before.write(0, 2);
  const std::string at_1 = before.snapshot(1);  // pending, never notified
  fs::remove_all(c.path);
  fs::create_directories(c.path);
  Subtask after(c, 0, 1, kJobA);
  after.restore({at_1});
  after.write(2, 1);
  after.finish();
  CHECK(visible_ids(c) == std::vector<int64_t>{2});
}

TEST_CASE("part file names are parsed only when they match the pattern exactly") {
  CHECK(part_file_name(PartName{"", 3, 12, false}, ".csv") == "part-3-12.csv");
  CHECK(part_file_name(PartName{"", 0, 0, true}, ".jsonl") == ".part-0-0.jsonl.inprogress");
  CHECK(part_file_name(PartName{kJobA, 3, 12, false}, ".csv") == "part-" + kJobA + "-3-12.csv");
  auto tagged = parse_part_file_name(".part-0123456789abcdef-4-10.csv.inprogress", ".csv");
  REQUIRE(tagged.has_value());
  CHECK(tagged->tag == "0123456789abcdef");
  CHECK(tagged->owner == 4);
  CHECK(tagged->seq == 10);
  for (const char* bad : {"part-0123456789ABCDEF-4-1.csv", "part-0123456789abcde-4-1.csv",
                          "part-0123456789abcdef-4.csv", "part-0123456789abcdef--1.csv"})
    CHECK_MESSAGE(!parse_part_file_name(bad, ".csv").has_value(), bad);
  auto p = parse_part_file_name(".part-4-10.csv.inprogress", ".csv");
  REQUIRE(p.has_value());
  CHECK(p->owner == 4);
  CHECK(p->seq == 10);
  CHECK(p->hidden);
  for (const char* bad : {"part-4-10.jsonl", "part-4.csv", "part-4-10.csv.inprogress",
                          ".part-4-10.csv", "part-04-1.csv", "part-4-1x.csv", "part-4-1-2.csv",
                          "part-99999999999-1.csv", "xpart-4-1.csv", "part-4-.csv"})
    CHECK_MESSAGE(!parse_part_file_name(bad, ".csv").has_value(), bad);
}

TEST_CASE("the sink state round-trips through msgpack and garbage is refused") {
  FileSinkState s;
  s.tag = kJobA;
  s.subtask = 3;
  s.owner_bound = 8;
  s.owners = {OwnerParts{3, 5, {PendingPart{3, 41}, PendingPart{4, 42}}}, OwnerParts{7, 2, {}}};
  const std::string bytes = encode_file_sink_state(s);
  auto back = decode_file_sink_state(bytes);
  REQUIRE(back.ok());
  CHECK(back->tag == kJobA);
  CHECK(back->subtask == 3);
  CHECK(back->owner_bound == 8);
  REQUIRE(back->owners.size() == 2);
  CHECK(back->owners[0].next_seq == 5);
  REQUIRE(back->owners[0].pending.size() == 2);
  CHECK(back->owners[0].pending[1].seq == 4);
  CHECK(back->owners[0].pending[1].checkpoint_id == 42);
  CHECK(back->owners[1].owner == 7);
  for (size_t cut = 0; cut < bytes.size(); ++cut)
    CHECK(!decode_file_sink_state(bytes.substr(0, cut)).ok());
  CHECK(!decode_file_sink_state(bytes + "x").ok());
  CHECK(decode_file_sink_state("\x93\x01\x02\x03").status().code() == StatusCode::kParseError);
  // Version 1 (before tags): [1, subtask, owner_bound, owners], read as untagged.
  auto v1 = decode_file_sink_state(std::string("\x94\x01\x02\x04\x90", 5));
  REQUIRE(v1.ok());
  CHECK(v1->tag.empty());
  CHECK(v1->subtask == 2);
  CHECK(!decode_file_sink_state(std::string("\x95\x01\x02\x04\x90\xa0", 6)).ok());  // v1 with a tag
  CHECK(!decode_file_sink_state(std::string("\x95\x02\x02\x04\x90\xa3xyz", 8)).ok());  // not a tag
}
