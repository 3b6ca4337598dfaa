// Unit tests of TaskRunner::sample (docs/monitoring.md): the time split,
// queue usage, key group counts and bytes a subtask reports, on small
// in-memory clusters (test_cluster.h).
#include <doctest/doctest.h>

#include <numeric>
#include <thread>

#include "runtime/metric_history.h"
#include "unit/runtime/test_cluster.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

std::string pipeline(int source_p, int op_p, int sink_p, const std::string& sink_extra, int rows) {
  return "name: t\nexecution: { batch_size: 256 }\nsources:\n"
         "  - { name: gen, type: datagen, rows: " + std::to_string(rows) + ", parallelism: " +
         std::to_string(source_p) + ", fields: { id: { kind: sequence }, k: { kind: random, min: 1, max: 50 } } }\n"
         "operators:\n"
         "  - { name: f, input: gen, parallelism: " + std::to_string(op_p) + ", filter: \"id % 3 = 0\" }\n"
         "sinks:\n"
         "  - { name: out, input: f, type: blackhole, parallelism: " + std::to_string(sink_p) + sink_extra + " }\n";
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("a subtask whose consumer withholds credit reports backpressure and a full output") {
  // gen (1) -> f (2) -> out (1): three vertices; `out` takes nothing, so f fills up.
  Cluster c(pipeline(1, 2, 1, "", 1000000), 3);
  c.run(Address{2, 0}, 20000);
  REQUIRE_FALSE(c.all_finished());
  TaskRunner& f = c.runner(Address{1, 0});
  MetricHistory h;
  h.add(f.sample(now_ms()));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  SubtaskSample s = f.sample(now_ms());
  h.add(s);
  CHECK(s.activity == "backpressured");
  CHECK(f.activity().edge() == 0);
  CHECK(f.activity().channel() == 0);
  CHECK(s.backpressured_ns >= 50 * 1000000LL);
  CHECK(s.out_pool_usage == 1.0);
  CHECK(s.output_queue >= 1);
  // Its input holds batches it cannot process: part of its buffers are in use.
  CHECK(s.input_queue > 0);
  CHECK(s.in_pool_usage > 0.0);
  CHECK(s.in_pool_usage <= 1.0);
  REQUIRE(h.value(1, 0, "backPressuredTimeMsPerSecond").has_value());
  CHECK(*h.value(1, 0, "backPressuredTimeMsPerSecond") > 900.0);
  CHECK(*h.value(1, 0, "busyTimeMsPerSecond") < 100.0);
  // The source in front of it is held up too.
  CHECK(c.runner(Address{0, 0}).sample(now_ms()).activity == "backpressured");
}

TEST_CASE("a hash edge counts the records it sends per key group") {
  Cluster c(pipeline(1, 1, 2, ", key_by: [k]", 30000), 5);
  c.run();
  REQUIRE(c.all_finished());
  SubtaskSample s = c.runner(Address{0, 0}).sample(now_ms());
  REQUIRE(s.key_group_records.size() == 128);  // the job's max parallelism
  const uint64_t total = std::accumulate(s.key_group_records.begin(), s.key_group_records.end(), uint64_t{0});
  CHECK(total == 10000);  // ids 0, 3, ..., 29997 passed the filter
  const auto used = std::count_if(s.key_group_records.begin(), s.key_group_records.end(),
                                  [](uint64_t n) { return n > 0; });
  CHECK(used <= 50);  // 50 distinct keys
  CHECK(used > 1);
  CHECK(s.bytes_out == 10000 * 16);  // two int64 columns a row
  CHECK(s.operators.size() == 2);    // gen and f, chained
  CHECK(s.operators[1].records_out == 10000);
  CHECK(s.channels.empty());         // a source has no input channels
  // A sink reads what was sent: bytes in, its channels ended, nothing queued.
  uint64_t bytes_in = 0;
  for (int32_t i = 0; i < 2; ++i) {
    SubtaskSample sink = c.runner(Address{1, i}).sample(now_ms());
    bytes_in += sink.bytes_in;
    REQUIRE(sink.channels.size() == 1);
    CHECK(sink.channels[0].finished);
    CHECK(sink.channels[0].queued == 0);
    CHECK(sink.input_watermarks.size() == 1);
    CHECK(sink.in_pool_usage == 0.0);
    CHECK(sink.key_group_records.empty());
    CHECK(sink.activity == "idle");
  }
  CHECK(bytes_in == s.bytes_out);
}

TEST_CASE("a source that reads is busy, and its time split only grows") {
  Cluster c(pipeline(1, 1, 1, ", partition: rebalance", 200000), 9);
  TaskRunner& src = c.runner(Address{0, 0});
  const SubtaskSample before = src.sample(now_ms());
  c.run();
  REQUIRE(c.all_finished());
  const SubtaskSample after = src.sample(now_ms());
  const int64_t busy = after.busy_ns - before.busy_ns;
  const int64_t all = busy + (after.backpressured_ns - before.backpressured_ns) + (after.idle_ns - before.idle_ns);
  CHECK(busy > 0);
  CHECK(all >= busy);
  CHECK(after.operators[0].records_out == 200000);
}
