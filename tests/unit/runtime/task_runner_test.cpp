// Unit tests of TaskRunner (src/runtime) without actors: a small in-memory
// cluster delivers the runners' batches, events and credits in random order
// (FIFO per sender and receiver, as CAF guarantees) and checks the outcome.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <chrono>
#include <random>
#include <thread>

#include "plan/job_graph.h"
#include "plan/operator_factory.h"
#include "runtime/channel_layout.h"
#include "runtime/split_assignment.h"
#include "runtime/task_runner.h"
#include "unit/runtime/test_cluster.h"
#include "unit/temp_dir.h"

using namespace eddy;

using namespace eddy::testing;

namespace {

std::string pipeline(int source_p, int op_p, int sink_p, const std::string& sink_extra, int rows = 100000) {
  return "name: t\nexecution: { batch_size: 256 }\nsources:\n"
         "  - { name: gen, type: datagen, rows: " + std::to_string(rows) + ", parallelism: " +
         std::to_string(source_p) + ", fields: { id: { kind: sequence }, k: { kind: random, min: 1, max: 50 } } }\n"
         "operators:\n"
         "  - { name: f, input: gen, parallelism: " + std::to_string(op_p) + ", filter: \"id % 3 = 0\" }\n"
         "sinks:\n"
         "  - { name: out, input: f, type: blackhole, parallelism: " + std::to_string(sink_p) + sink_extra + " }\n";
}

}  // namespace

TEST_CASE("every row reaches the sink once whatever the delivery order") {
  for (uint32_t seed : {1u, 2u, 3u}) {
    for (const char* extra : {"", ", key_by: [k]"}) {
      CAPTURE(seed);
      CAPTURE(extra);
      Cluster c(pipeline(2, 3, 2, extra), seed);
      c.run();
      REQUIRE(c.all_finished());
      CHECK(c.records_in("f") == 100000);
      CHECK(c.records_in("out") == 33334);  // ids 0, 3, ..., 99999
    }
  }
}

TEST_CASE("a broadcast edge gives every consumer every row") {
  Cluster c(pipeline(1, 1, 3, ", partition: broadcast", 10000), 7);
  c.run();
  REQUIRE(c.all_finished());
  CHECK(c.records_in("out") == 3 * 3334);
}

TEST_CASE("a stalled consumer stops its producer after the credits it granted") {
  // gen -> f (chained, parallelism 1) -> out (parallelism 2 => separate subtasks, rebalance).
  Cluster c(pipeline(1, 1, 2, "", 1000000), 11);
  // Stall consumer 0 of the sink; the rebalance keeps feeding consumer 1 while it has credit.
  c.run(Address{1, 0}, 20000);
  CHECK_FALSE(c.all_finished());
  // Consumer 0 granted 2 exclusive credits; nothing beyond them may be in flight to it.
  CHECK(c.batches_queued_for(Address{1, 0}) <= 2);
}

TEST_CASE("a stalled single consumer backpressures the source") {
  Cluster c(pipeline(1, 1, 1, ", partition: rebalance", 1000000), 5);
  c.run(Address{1, 0}, 20000);
  CHECK(c.source_backpressured);
  CHECK(c.batches_queued_for(Address{1, 0}) <= 2);
  CHECK_FALSE(c.all_finished());
}

TEST_CASE("a source past its alignment limit reads nothing until the limit rises") {
  Cluster c("name: align\nsources:\n  - name: gen\n    type: datagen\n    rows: 100000\n"
            "    fields: { id: { kind: sequence }, ts: { kind: timestamp, start: \"2024-01-01 00:00:00\", step: 1ms } }\n"
            "    event_time: { column: ts }\n"
            "sinks:\n  - { name: out, input: gen, type: blackhole, partition: rebalance }\n", 7);
  c.run(std::nullopt, 40);
  TaskRunner& src = c.runner(Address{0, 0});
  REQUIRE(src.source_watermark() != kNoWatermark);
  REQUIRE_FALSE(src.finished());
  CHECK(src.source_active());
  const uint64_t before = src.metrics()[0].records_out;
  src.set_alignment_limit(src.source_watermark() - 1);
  for (int i = 0; i < 5; ++i) {
    auto step = src.source_step();
    REQUIRE(step.ok());
    CHECK(*step == SourceStep::kHeldBack);
  }
  CHECK(src.metrics()[0].records_out == before);
  src.set_alignment_limit(src.source_watermark());  // at the limit: may read on
  src.set_alignment_limit(INT64_MAX);
  c.run();
  REQUIRE(c.all_finished());
  CHECK(c.records_in("out") == 100000);
  CHECK_FALSE(src.source_active());
}

TEST_CASE("a paced source that goes quiet announces idle, and active again before its next data") {
  // 10 rows at 20 rows/s with a 20 ms idle timeout: the pacer makes the source wait
  // 50 ms between rows, longer than the timeout, so it flips idle and back.
  Cluster c("name: idle\nsources:\n  - name: gen\n    type: datagen\n    rows: 10\n"
            "    rows_per_second: 20\n    fields: { id: { kind: sequence }, ts: { kind: timestamp, "
            "start: \"2024-01-01 00:00:00\", step: 1s } }\n"
            "    event_time: { column: ts, idle_timeout: 20ms }\n"
            "sinks:\n  - { name: out, input: gen, type: blackhole, partition: rebalance }\n", 3);
  c.run();
  REQUIRE(c.all_finished());
  std::vector<int64_t> seq;
  for (const auto& [from, v] : c.idle_events)
    if (from.first == 0 && (seq.empty() || seq.back() != v)) seq.push_back(v);
  // Says "active" with its split, sends data, then goes idle and active around waits.
  REQUIRE(seq.size() >= 4);
  CHECK(seq[0] == 0);
  CHECK(seq[1] == 2);
  bool went_idle_after_data = false;
  for (size_t i = 2; i < seq.size(); ++i) {
    if (seq[i] == 1 && seq[i - 1] == 2) went_idle_after_data = true;
    if (seq[i] == 2) CHECK(seq[i - 1] != 1);  // never data while announced idle
  }
  CHECK(went_idle_after_data);
}

TEST_CASE("alignment: a channel that delivered the barrier gets no credit until every channel did") {
  eddy::test::TempDir dir;
  std::filesystem::create_directories(dir.file("chk-1"));  // the coordinator's part
  TaskOptions options;
  options.checkpoint_root = dir.path();
  const int rows = 200000;
  // gen (two subtasks) -> f and out (one chained subtask with two input channels).
  Cluster c(pipeline(2, 1, 1, "", rows), 9, options);
  const Address s0{0, 0}, s1{0, 1}, f{1, 0};
  auto exchange = [&](Address src) {
    c.drain(src, f);
    c.drain(f, src);  // credits
  };
  for (int i = 0; i < 20; ++i) {
    c.step(s0);
    c.step(s1);
    exchange(s0);
    exchange(s1);
  }
  exchange(s0);
  exchange(s1);  // nothing in flight: barrier 1 is the next thing f sees from s0

  REQUIRE(c.runner(s0).trigger_checkpoint(1).is_ok());
  const size_t sent_before = c.batches_sent_by(s0);
  const uint64_t processed_before = c.records_in("f");
  bool backpressured = false;
  for (int i = 0; i < 100; ++i) {
    backpressured = c.step(s0) == SourceStep::kBackpressured || backpressured;
    exchange(s0);
  }
  // s0's batches after its barrier wait in f, which grants s0 no credit: s0 stops
  // after what it was granted before, and f has processed none of them.
  CHECK(backpressured);
  CHECK(c.records_in("f") == processed_before);
  CHECK(c.batches_sent_by(s0) - sent_before <= 2 + 8);  // exclusive + floating credits at most
  CHECK(c.host(f).acked.empty());
  // s0 acks once its state file is written, on a thread of its own.
  c.finish_written(s0, 1);
  const std::string why = c.host(s0).decline_reasons.empty() ? std::string() : c.host(s0).decline_reasons[0];
  INFO(why);
  CHECK(c.host(s0).acked == std::vector<int64_t>{1});

  // The other channel flows on while f aligns.
  for (int i = 0; i < 10; ++i) {
    c.step(s1);
    exchange(s1);
  }
  const uint64_t with_s1 = c.records_in("f");
  CHECK(with_s1 > processed_before);

  // Barrier 1 from s1 completes the alignment: f snapshots and acks, then
  // processes what it held from s0 and grants s0 credit again.
  REQUIRE(c.runner(s1).trigger_checkpoint(1).is_ok());
  exchange(s1);
  c.finish_written(f, 1);
  CHECK(c.host(f).acked == std::vector<int64_t>{1});
  CHECK(c.host(f).declined.empty());
  CHECK(c.records_in("f") > with_s1);
  c.drain(f, s0);  // the credits withheld during alignment
  CHECK(c.step(s0) == SourceStep::kProduced);

  // Every row arrives exactly once in the end.
  c.run();
  REQUIRE(c.all_finished());
  CHECK(c.records_in("f") == static_cast<uint64_t>(rows));
}

TEST_CASE("a snapshot is acked once its state file is on disk, and declined when the write fails") {
  eddy::test::TempDir dir;
  std::filesystem::create_directories(dir.file("chk-1"));  // the coordinator's part
  // chk-2 is a file, so the state file cannot go there, even as root.
  { std::ofstream(dir.file("chk-2")) << "not a folder"; }
  TaskOptions options;
  options.checkpoint_root = dir.path();
  Cluster c(pipeline(1, 1, 1, ""), 5, options);
  const Address s0{0, 0}, f{1, 0};
  for (int i = 0; i < 5; ++i) {
    c.step(s0);
    c.drain(s0, f);
    c.drain(f, s0);
  }

  REQUIRE(c.runner(s0).trigger_checkpoint(1).is_ok());
  // The barrier went downstream at once; the ack waits for the writer thread.
  CHECK(c.host(s0).acked.empty());
  CHECK(c.host(s0).declined.empty());
  c.finish_written(s0, 1);
  CHECK(c.host(s0).acked == std::vector<int64_t>{1});
  CHECK(std::filesystem::file_size(dir.file("chk-1/v0-0.state")) > 0);

  REQUIRE(c.runner(s0).trigger_checkpoint(2).is_ok());
  c.finish_written(s0, 2);
  CHECK(c.host(s0).acked == std::vector<int64_t>{1});
  REQUIRE(c.host(s0).declined == std::vector<int64_t>{2});
  CHECK(c.host(s0).decline_reasons[0].find("chk-2") != std::string::npos);

  // A finished snapshot is not finished twice, and the job runs on to its end.
  REQUIRE(c.runner(s0).finish_snapshot(2).is_ok());
  CHECK(c.host(s0).declined.size() == 1);
  c.run();
  CHECK(c.all_finished());
}

TEST_CASE("a second event-time stage sees no late rows whatever the delivery order") {
  // gen (2 subtasks) -> tumbling count per key (2) -> top 3 per window (2). The
  // window subtasks start before they heard from any source; had they announced
  // "idle" then, the top-n could take one window subtask's watermark alone and
  // fire a window before the other's rows for it came.
  const std::string yaml =
      "name: t\nexecution: { batch_size: 64 }\nsources:\n"
      "  - name: gen\n    type: datagen\n    rows: 4000\n    parallelism: 2\n"
      "    fields: { k: { kind: random, min: 1, max: 30 }, ts: { kind: timestamp, "
      "start: \"2024-01-01 00:00:00\", step: 10ms } }\n"
      "    event_time: { column: ts, max_out_of_orderness: 0s }\n"
      "operators:\n"
      "  - name: hot\n    input: gen\n    parallelism: 2\n    key_by: [k]\n"
      "    window: { type: tumbling, size: 1s }\n    aggregate: { n: \"count(*)\" }\n"
      "    top_n: { n: 3, order_by: n DESC }\n"
      "sinks:\n  - { name: out, input: hot, type: blackhole, parallelism: 2 }\n";
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    Cluster c(yaml, seed);
    c.run(Address{1, static_cast<int32_t>(seed % 2)}, 3000);  // one window subtask hears nothing at first
    c.run();
    REQUIRE(c.all_finished());
    uint64_t late = 0;
    for (int v = 0; v < 4; ++v)
      for (int32_t i = 0; i < 2; ++i)
        if (c.has(Address{v, i}))
          for (const auto& m : c.runner(Address{v, i}).metrics()) late += m.late;
    CHECK(late == 0);
    CHECK(c.records_in("hot") == 4000);
  }
}

TEST_CASE("a subtask's status follows its inputs: nothing before they speak, idle once every open one is") {
  // gen (2) -> count per key (1) -> out (2): the counting subtask has two input
  // channels and sends its status on two output channels.
  const std::string yaml =
      "name: t\nsources:\n"
      "  - name: gen\n    type: datagen\n    rows: 10\n    parallelism: 2\n"
      "    fields: { k: { kind: random, min: 1, max: 3 }, ts: { kind: timestamp, "
      "start: \"2024-01-01 00:00:00\", step: 10ms } }\n"
      "    event_time: { column: ts }\n"
      "operators:\n"
      "  - { name: w, input: gen, parallelism: 1, key_by: [k], window: { type: tumbling, size: 1s },"
      " aggregate: { n: \"count(*)\" } }\n"
      "sinks:\n  - { name: out, input: w, type: blackhole, parallelism: 2 }\n";  // not chained to w
  Cluster c(yaml, 1);
  const Address w{1, 0};
  auto statuses = [&] {  // what w said, once per status (it says each on both output channels)
    std::vector<int64_t> v;
    for (const auto& [from, value] : c.idle_events)
      if (from == w) v.push_back(value);
    REQUIRE(v.size() % 2 == 0);
    for (size_t j = 0; j < v.size(); j += 2) REQUIRE(v[j] == v[j + 1]);
    std::vector<int64_t> once;
    for (size_t j = 0; j < v.size(); j += 2) once.push_back(v[j]);
    return once;
  };
  CHECK(statuses().empty());  // started, heard nothing: says nothing
  TaskRunner& r = c.runner(w);
  REQUIRE(r.on_event(0, StreamEvent{EventKind::kIdleStatus, 0}).is_ok());
  CHECK(statuses() == std::vector<int64_t>{0});  // an input is active: so is it
  REQUIRE(r.on_event(1, StreamEvent{EventKind::kIdleStatus, 0}).is_ok());
  REQUIRE(r.on_event(1, StreamEvent{EventKind::kIdleStatus, 1}).is_ok());
  CHECK(statuses() == std::vector<int64_t>{0});  // channel 0 is still live
  REQUIRE(r.on_event(0, StreamEvent{EventKind::kEndOfInput, 0}).is_ok());
  CHECK(statuses() == std::vector<int64_t>{0, 1});  // the only open input left is idle
  REQUIRE(r.on_event(1, StreamEvent{EventKind::kIdleStatus, 0}).is_ok());
  CHECK(statuses() == std::vector<int64_t>{0, 1, 0});
}

namespace {

/// A file of `rows` in-order records (k = i % 3, ts = i * 100 ms) with `late`
/// records inserted after row `after`: far behind the file's own watermark.
std::string out_of_order_csv(int rows, int after, const std::vector<int64_t>& late) {
  std::string text = "k,ts\n";
  for (int i = 0; i < rows; ++i) {
    text += std::to_string(i % 3) + "," + std::to_string(i * 100) + "\n";
    if (i == after)
      for (int64_t ts : late) text += "7," + std::to_string(ts) + "\n";
  }
  return text;
}

/// Files of `dir`/in (parallelism 2) -> tumbling count per key (2), late
/// records to part files under `dir`/late.
std::string split_lateness_pipeline(const std::string& dir) {
  return "name: t\nexecution: { batch_size: 16 }\nsources:\n"
         "  - name: files\n    type: file\n    path: " + dir + "/in\n    format: csv\n    header: true\n"
         "    parallelism: 2\n    schema: { k: int64, ts: timestamp }\n"
         "    event_time: { column: ts, max_out_of_orderness: 1s }\n"
         "operators:\n"
         "  - name: w\n    input: files\n    parallelism: 2\n    key_by: [k]\n"
         "    window: { type: tumbling, size: 10s }\n    aggregate: { n: \"count(*)\" }\n"
         "    late_output: late\n"
         "sinks:\n  - { name: out, input: w, type: blackhole, parallelism: 2 }\n"
         "  - { name: late_rows, input: late, type: file, path: " + dir + "/late, format: csv }\n";
}

/// Every row of the CSV part files in `dir`, headers dropped, sorted.
std::vector<std::string> part_rows(const std::string& dir) {
  std::vector<std::string> rows;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream f(e.path());
    std::string line;
    bool header = true;
    while (std::getline(f, line)) {
      if (!header) rows.push_back(line);
      header = false;
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

}  // namespace

TEST_CASE("which records are late depends on each split's data, not on delivery order or assignment") {
  // Two files, one per source subtask. Each has records far behind its own
  // watermark (ts 2 s, 3 s after 15 s; 5 s after 17 s): those three are late
  // however far the other file has been read, and whichever subtask reads it.
  const std::string a = out_of_order_csv(200, 150, {2000, 3000});
  const std::string b = out_of_order_csv(200, 170, {5000});
  const std::vector<std::string> expected = {"7,1970-01-01 00:00:02.000", "7,1970-01-01 00:00:03.000",
                                             "7,1970-01-01 00:00:05.000"};
  for (bool swapped : {false, true}) {
    for (uint32_t seed = 1; seed <= 12; ++seed) {
      CAPTURE(swapped);
      CAPTURE(seed);
      eddy::test::TempDir dir;
      std::filesystem::create_directories(dir.file("in"));
      std::ofstream(dir.file("in/a.csv")) << (swapped ? b : a);
      std::ofstream(dir.file("in/b.csv")) << (swapped ? a : b);
      Cluster c(split_lateness_pipeline(dir.path()), seed);
      c.run();
      REQUIRE(c.all_finished());
      CHECK(c.records_in("w") == 403);
      CHECK(part_rows(dir.file("late")) == expected);
    }
  }
}

TEST_CASE("with several files per source subtask, the same records are late whatever the delivery order") {
  // Four files dealt round robin: subtask 0 reads a then c, subtask 1 b then d.
  // a ends at 19.9 s (watermark 18.9 s) and c starts at 5 s: watermarks never go
  // back, so c's records before 10 s (window end 10 s <= 18.9 s) are late, on
  // every delivery order; d starts after b ended, so none of d is.
  const std::string a = out_of_order_csv(200, 150, {2000});
  const std::string b = out_of_order_csv(200, 170, {5000});
  std::string c = "k,ts\n", d = "k,ts\n";
  for (int i = 0; i < 100; ++i) {
    c += "1," + std::to_string(5000 + i * 100) + "\n";
    d += "2," + std::to_string(30000 + i * 100) + "\n";
  }
  std::vector<std::string> first;
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    eddy::test::TempDir dir;
    std::filesystem::create_directories(dir.file("in"));
    std::ofstream(dir.file("in/a.csv")) << a;
    std::ofstream(dir.file("in/b.csv")) << b;
    std::ofstream(dir.file("in/c.csv")) << c;
    std::ofstream(dir.file("in/d.csv")) << d;
    Cluster cl(split_lateness_pipeline(dir.path()), seed);
    cl.deal_round_robin();
    cl.run();
    REQUIRE(cl.all_finished());
    const auto late = part_rows(dir.file("late"));
    if (seed == 1) first = late;
    CHECK(late == first);
    CHECK(late.size() == 52);  // 2 s of a, 5 s of b, and c's 50 records before 10 s
  }
  REQUIRE(first.size() == 52);
  CHECK(first.front() == "1,1970-01-01 00:00:05.000");
  CHECK(first.back() == "7,1970-01-01 00:00:05.000");
}

TEST_CASE("a subtask that ends while its snapshot is written acks that snapshot, not its final state") {
  // FLIP-147: its barrier went downstream, so the consumers' snapshots lack
  // what it sent after it; the checkpoint (a savepoint as the input ends) needs
  // this snapshot, and must not fail because the subtask ended.
  eddy::test::TempDir dir;
  std::filesystem::create_directories(dir.file("chk-1"));  // the coordinator's part
  TaskOptions options;
  options.checkpoint_root = dir.path();
  // gen (two subtasks) -> f and out (one chained subtask): f aligns barrier 1
  // from s0 with the end of s1, which is never triggered.
  Cluster c(pipeline(2, 1, 1, "", 3000), 11, options);
  const Address s0{0, 0}, f{1, 0};
  c.step(s0);
  REQUIRE(c.runner(s0).trigger_checkpoint(1).is_ok());
  c.run();  // to the end of input; nobody finishes the snapshots
  REQUIRE(c.runner(s0).finished());
  CHECK(c.host(s0).acked.empty());

  auto final_state = c.runner(s0).final_snapshot();
  REQUIRE_MESSAGE(final_state.ok(), final_state.status().message());
  CHECK_FALSE(final_state->empty());
  const std::string why = c.host(s0).decline_reasons.empty() ? std::string() : c.host(s0).decline_reasons[0];
  INFO(why);
  CHECK(c.host(s0).declined.empty());
  CHECK(c.host(s0).acked == std::vector<int64_t>{1});
  CHECK_FALSE(c.runner(s0).snapshot_writing());
  CHECK(std::filesystem::file_size(dir.file("chk-1/v0-0.state")) > 0);
  // The writer's message arriving afterwards changes nothing.
  REQUIRE(c.runner(s0).finish_snapshot(1).is_ok());
  CHECK(c.host(s0).acked.size() == 1);
  // The consumer aligned on the barrier and acks as usual.
  c.finish_written(f, 1);
  CHECK(c.host(f).acked == std::vector<int64_t>{1});
}

TEST_CASE("a finished subtask says it still writes a snapshot until the writer is done") {
  eddy::test::TempDir dir;
  std::filesystem::create_directories(dir.file("chk-1"));
  TaskOptions options;
  options.checkpoint_root = dir.path();
  Cluster c(pipeline(1, 1, 1, "", 3000), 12, options);
  const Address s0{0, 0};
  c.step(s0);
  REQUIRE(c.runner(s0).trigger_checkpoint(1).is_ok());
  CHECK(c.runner(s0).snapshot_writing());
  c.run();
  REQUIRE(c.runner(s0).finished());
  // The subtask actor ends only after the written message finished it.
  c.finish_written(s0, 1);
  CHECK_FALSE(c.runner(s0).snapshot_writing());
  CHECK(c.host(s0).acked == std::vector<int64_t>{1});
}

namespace {

/// Passes its rows on and says it holds the watermark back by kDelayMs
/// (Operator::watermark_delay_ms), noting the largest watermark it got.
class HoldingBack final : public Operator {
 public:
  static constexpr int64_t kDelayMs = 500;
  HoldingBack(SchemaPtr schema, std::atomic<int64_t>& seen) : schema_(std::move(schema)), seen_(seen) {}
  Status process(const RecordBatchPtr& batch, Collector& out) override { return out.emit(batch); }
  Status on_watermark(int64_t w, Collector&) override {
    if (w != kEndOfTimeWatermark) seen_ = std::max(seen_.load(), w);
    return Status::ok();
  }
  int64_t watermark_delay_ms() const override { return kDelayMs; }
  SchemaPtr output_schema() const override { return schema_; }

 private:
  SchemaPtr schema_;
  std::atomic<int64_t>& seen_;
};

/// A sink that notes the largest watermark it got before the end of input.
class WatermarkNote final : public Operator {
 public:
  WatermarkNote(SchemaPtr schema, std::atomic<int64_t>& seen) : schema_(std::move(schema)), seen_(seen) {}
  Status process(const RecordBatchPtr&, Collector&) override { return Status::ok(); }
  Status on_watermark(int64_t w, Collector&) override {
    if (w != kEndOfTimeWatermark) seen_ = std::max(seen_.load(), w);
    return Status::ok();
  }
  SchemaPtr output_schema() const override { return schema_; }

 private:
  SchemaPtr schema_;
  std::atomic<int64_t>& seen_;
};

}  // namespace

TEST_CASE("a subtask passes on its watermark less what its operators hold back") {
  const std::string text =
      "name: t\nexecution: { batch_size: 64 }\nsources:\n"
      "  - { name: gen, type: datagen, rows: 20000, fields: { id: { kind: sequence }, "
      "ts: { kind: timestamp, start: \"2024-01-01 00:00:00\", step: 1ms } }, event_time: { column: ts } }\n"
      "operators:\n  - { name: f, input: gen, parallelism: 2, filter: \"true\" }\n"
      "sinks:\n  - { name: out, input: f, type: blackhole, parallelism: 1, partition: rebalance }\n";
  std::atomic<int64_t> at_f{kNoWatermark}, at_sink{kNoWatermark};
  TaskOptions options;
  options.make_operators = [&](const JobGraph& graph, int vertex) -> Result<std::vector<OperatorPtr>> {
    const JobVertex& v = graph.vertices[static_cast<size_t>(vertex)];
    const LogicalNode& node = graph.nodes[static_cast<size_t>(v.nodes.front())];
    std::vector<OperatorPtr> ops;
    if (node.name == "f") ops.push_back(std::make_unique<HoldingBack>(node.output_schema, at_f));
    else if (node.name == "out") ops.push_back(std::make_unique<WatermarkNote>(node.output_schema, at_sink));
    else return make_chain_operators(graph, vertex);
    return ops;
  };
  Cluster c(text, 3, options);
  c.run();
  REQUIRE(c.all_finished());
  REQUIRE(at_f.load() != kNoWatermark);
  REQUIRE(at_sink.load() != kNoWatermark);
  // The sink's watermark is the least over f's subtasks, each held back by 500 ms.
  CHECK(at_sink.load() <= at_f.load() - HoldingBack::kDelayMs);
}
