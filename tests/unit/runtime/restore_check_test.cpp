// check_restore on real plans: a savepoint's metadata records the signatures
// of the pipeline that took it (checkpoint_signatures), and a changed
// pipeline is refused naming the operator and what changed; key groups are
// adopted from the snapshot as Flink does when the file sets none.
#include <doctest/doctest.h>

#include <string>

#include "runtime/restore_check.h"

using namespace eddy;

namespace {

JobGraphPtr plan(const std::string& operators, const std::string& head = "") {
  const std::string text = "name: t\n" + head +
                           "sources:\n"
                           "  - name: gen\n"
                           "    type: datagen\n"
                           "    rows: 10\n"
                           "    fields: { user: { kind: sequence }, amount: { kind: sequence }, "
                           "ts: { kind: timestamp, start: \"2024-01-01 00:00:00\" } }\n"
                           "    event_time: { column: ts }\n"
                           "operators:\n" + operators +
                           "sinks:\n  - { name: out, input: totals, type: file, path: out, format: jsonl }\n";
  auto graph = load_pipeline_text("t.yaml", text);
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  return *graph;
}

CheckpointMetadata savepoint_of(const JobGraph& graph) {
  CheckpointMetadata m;
  m.savepoint = true;
  m.max_parallelism = graph.spec.max_parallelism;
  m.state_backend = "heap";
  m.operators = checkpoint_signatures(graph);
  return m;
}

const std::string kTotals =
    "  - { name: totals, input: gen, key_by: [user], aggregate: { n: \"count(*)\", total: sum(amount) } }\n";

std::string window(const std::string& spec) {
  return "  - { name: totals, input: gen, key_by: [user], window: " + spec +
         ", aggregate: { n: \"count(*)\", total: sum(amount) } }\n";
}

}  // namespace

TEST_CASE("a savepoint restores into the pipeline that took it") {
  const JobGraphPtr g = plan(kTotals);
  std::vector<std::string> notes;
  CHECK(check_restore(*g, "sp", savepoint_of(*g), NonRestoredState::kRefuse, &notes).is_ok());
  CHECK(notes.empty());
}

TEST_CASE("adding an aggregate to a keyed aggregation is refused naming both lists") {
  const JobGraphPtr before = plan(kTotals);
  const JobGraphPtr after = plan(
      "  - { name: totals, input: gen, key_by: [user], aggregate: { n: \"count(*)\", hi: max(amount), total: "
      "sum(amount) } }\n");
  CHECK(check_restore(*after, "sp", savepoint_of(*before)).message() ==
        "savepoint sp: operator 'totals': the savepoint's aggregates are [n: count(*), total: sum(amount)], the "
        "pipeline's are [n: count(*), hi: max(amount), total: sum(amount)]");
}

TEST_CASE("reordered aggregates and another argument column are refused") {
  const JobGraphPtr before = plan(kTotals);
  CHECK(check_restore(*plan("  - { name: totals, input: gen, key_by: [user], aggregate: { total: sum(amount), n: "
                            "\"count(*)\" } }\n"),
                      "sp", savepoint_of(*before))
            .message() ==
        "savepoint sp: operator 'totals': the savepoint's aggregates are [n: count(*), total: sum(amount)], the "
        "pipeline's are [total: sum(amount), n: count(*)]");
  CHECK(check_restore(*plan("  - { name: totals, input: gen, key_by: [user], aggregate: { n: \"count(*)\", total: "
                            "sum(user) } }\n"),
                      "sp", savepoint_of(*before))
            .message()
            .find("the pipeline's are [n: count(*), total: sum(user)]") != std::string::npos);
}

TEST_CASE("a window of another size, kind or time is refused") {
  const JobGraphPtr before = plan(window("{ type: tumbling, size: 10s }"));
  CHECK(check_restore(*plan(window("{ type: tumbling, size: 20s }")), "sp", savepoint_of(*before)).message() ==
        "savepoint sp: operator 'totals': the savepoint's window is tumbling 10s on event time, the pipeline's is "
        "tumbling 20s on event time");
  CHECK(check_restore(*plan(window("{ type: sliding, size: 10s, slide: 5s }")), "sp", savepoint_of(*before))
            .message() ==
        "savepoint sp: operator 'totals': the savepoint's window is tumbling 10s on event time, the pipeline's is "
        "sliding 10s every 5s on event time");
  CHECK(check_restore(*plan(window("{ type: session, gap: 10s }")), "sp", savepoint_of(*before)).message() ==
        "savepoint sp: operator 'totals': the savepoint's window is tumbling 10s on event time, the pipeline's is "
        "session with gap 10s on event time");
}

TEST_CASE("a window's allowed lateness may change: it decides when windows fire, not what state holds") {
  const JobGraphPtr before = plan(window("{ type: tumbling, size: 10s }"));
  const JobGraphPtr after = plan("  - { name: totals, input: gen, key_by: [user], window: { type: tumbling, size: "
                                 "10s }, allowed_lateness: 5s, aggregate: { n: \"count(*)\", total: sum(amount) } }\n");
  CHECK(check_restore(*after, "sp", savepoint_of(*before)).is_ok());
}

TEST_CASE("a top-n with another n or order is refused") {
  const JobGraphPtr before = plan("  - { name: totals, input: gen, top_n: { n: 3, order_by: amount DESC, "
                                  "partition_by: [user] } }\n");
  CHECK(check_restore(*plan("  - { name: totals, input: gen, top_n: { n: 5, order_by: amount ASC, partition_by: "
                            "[user] } }\n"),
                      "sp", savepoint_of(*before))
            .message() ==
        "savepoint sp: operator 'totals': the savepoint's top_n is 3 rows by amount DESC, the pipeline's is 5 "
        "rows by amount ASC");
}

TEST_CASE("state of a dropped operator is refused, or skipped and named with allow-non-restored-state") {
  const JobGraphPtr before = plan(kTotals);
  const JobGraphPtr after = plan("  - { name: totals, input: gen, filter: \"amount > 1\" }\n");
  CHECK(check_restore(*after, "sp", savepoint_of(*before)).message() ==
        "savepoint sp: operator 'totals' has state in the savepoint but keeps none in the pipeline (it is a "
        "'filter' now) (restore with --allow-non-restored-state to drop it)");
  std::vector<std::string> notes;
  CHECK(check_restore(*after, "sp", savepoint_of(*before), NonRestoredState::kSkip, &notes).is_ok());
  CHECK(notes == std::vector<std::string>{"savepoint sp: skipping the savepoint's state of operator 'totals', which "
                                          "keeps none in the pipeline (it is a 'filter' now) "
                                          "(--allow-non-restored-state)"});
}

TEST_CASE("a pipeline without max_parallelism adopts the snapshot's key groups, as Flink does") {
  const JobGraphPtr g = plan(kTotals);
  CHECK(g->spec.max_parallelism == 128);
  CheckpointMetadata sp = savepoint_of(*g);
  CHECK(!snapshot_max_parallelism(*g, sp).has_value());  // the same already
  sp.max_parallelism = 256;
  CHECK(snapshot_max_parallelism(*g, sp) == 256);
  CHECK(!snapshot_max_parallelism(*plan(kTotals, "max_parallelism: 128\n"), sp).has_value());  // the file decides
  sp.max_parallelism = 1;  // as many key groups as the job has subtasks: enough
  CHECK(snapshot_max_parallelism(*g, sp) == 1);
  CHECK(!snapshot_max_parallelism(*plan(kTotals, "parallelism: 2\n"), sp).has_value());  // 2 subtasks need 2 groups
  CHECK(check_restore(*g, "sp", sp).message().find("was taken with max_parallelism 1, the pipeline has 128") !=
        std::string::npos);
}
