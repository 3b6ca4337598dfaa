// Pipeline files refused before anything runs, each at file:line:column:
// key groups below a parallelism (and Flink's derived default), outputs
// nobody reads, two file sinks in one directory, allowed_lateness on
// processing time, a second YAML document, an unclosed quote, an aggregate
// over an expression, and (on the host that runs the job) missing input
// files and sink directories that cannot be made (src/plan/pipeline_checks.h).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "plan/job_graph.h"
#include "plan/pipeline_checks.h"

using namespace eddy;

namespace {

/// A datagen source `gen` (k, ts with event time), `body` (operators and
/// sinks), planned; the rendered diagnostics, or "" when it plans.
std::string refusal(const std::string& body, PlanOptions options = {}, const std::string& head = "") {
  const std::string text = "name: t\n" + head +
                           "sources:\n"
                           "  - name: gen\n"
                           "    type: datagen\n"
                           "    rows: 10\n"
                           "    fields: { k: { kind: sequence }, ts: { kind: timestamp, start: \"2024-01-01 00:00:00\" } }\n"
                           "    event_time: { column: ts }\n" +
                           body;
  auto graph = load_pipeline_text("t.yaml", text, options);
  return graph.ok() ? "" : graph.status().message();
}

const char* kToBlackhole = "sinks:\n  - { name: out, input: gen, type: blackhole }\n";

}  // namespace

TEST_CASE("the default max parallelism is Flink's: 1.5 times the parallelism rounded up to a power of two") {
  CHECK(default_max_parallelism(1) == 128);
  CHECK(default_max_parallelism(85) == 128);
  CHECK(default_max_parallelism(86) == 256);
  CHECK(default_max_parallelism(1000) == 2048);
  CHECK(default_max_parallelism(32768) == 32768);
}

TEST_CASE("without max_parallelism the key-group count follows the largest parallelism") {
  PlanOptions p100;
  p100.parallelism = 100;
  auto graph = load_pipeline_text("t.yaml", "name: t\nsources:\n  - { name: gen, type: datagen, rows: 1, fields: "
                                            "{ k: { kind: sequence } } }\n" + std::string(kToBlackhole),
                                  p100);
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  CHECK((*graph)->spec.max_parallelism == 256);
  PlanOptions adopted;
  adopted.max_parallelism = 512;  // a restore adopted a snapshot's
  graph = load_pipeline_text("t.yaml", (*graph)->spec.text, adopted);
  REQUIRE(graph.ok());
  CHECK((*graph)->spec.max_parallelism == 512);
}

TEST_CASE("a max_parallelism below a parallelism is refused at max_parallelism") {
  CHECK(refusal("operators:\n  - { name: c, input: gen, key_by: [k], parallelism: 8, aggregate: { n: \"count(*)\" } }\n"
                "sinks:\n  - { name: out, input: c, type: blackhole }\n",
                {}, "max_parallelism: 4\n") ==
        "t.yaml:2:18: error: max_parallelism 4 is below the parallelism 8 of 'c': it is the number of key groups, "
        "and every subtask needs at least one; raise it to at least 8 or lower the parallelism\n");
}

TEST_CASE("an operator whose output nobody reads is refused at its name") {
  CHECK(refusal("operators:\n  - { name: f, input: gen, filter: \"k > 1\" }\n" + std::string(kToBlackhole)) ==
        "t.yaml:9:13: error: the output of operator 'f' goes nowhere: no operator or sink reads it; add a sink "
        "with input: f (type: blackhole discards it) or remove it\n");
}

TEST_CASE("a late stream nobody reads is refused at late_output") {
  const std::string message =
      refusal("operators:\n  - name: w\n    input: gen\n    window: { type: tumbling, size: 1s }\n"
              "    aggregate: { n: \"count(*)\" }\n    late_output: late\nsinks:\n  - { name: out, input: w, type: blackhole }\n");
  CHECK(message == "t.yaml:13:18: error: late_output 'late' of 'w' is read by no operator or sink; add one with "
                   "input: late, or remove late_output (late records are then dropped and counted)\n");
}

TEST_CASE("a window with top_n is read through its top-n stage") {
  CHECK(refusal("operators:\n  - name: w\n    input: gen\n    key_by: [k]\n    window: { type: tumbling, size: 1s }\n"
                "    aggregate: { n: \"count(*)\" }\n    top_n: { n: 1, order_by: n }\n"
                "sinks:\n  - { name: out, input: w, type: blackhole }\n") == "");
}

TEST_CASE("two file sinks writing to one directory are refused at the second's path") {
  CHECK(refusal("sinks:\n  - { name: a, input: gen, type: file, path: out/x, format: jsonl }\n"
                "  - { name: b, input: gen, type: file, path: ./out/y/../x/, format: csv }\n") ==
        "t.yaml:10:46: error: sink 'b' writes to the directory of sink 'a' (line 9, " +
            std::filesystem::current_path().string() +
            "/out/x): their part files would overwrite each other; give each file sink a directory of its own\n");
}

TEST_CASE("allowed_lateness on a processing-time window is refused at allowed_lateness") {
  const std::string text = "name: t\nsources:\n  - { name: gen, type: datagen, rows: 1, fields: { k: { kind: sequence } } }\n"
                           "operators:\n  - name: w\n    input: gen\n    window: { type: tumbling, size: 1s }\n"
                           "    aggregate: { n: \"count(*)\" }\n    allowed_lateness: 5s\n"
                           "sinks:\n  - { name: out, input: w, type: blackhole }\n";
  auto graph = load_pipeline_text("t.yaml", text);
  REQUIRE(!graph.ok());
  CHECK(graph.status().message() ==
        "t.yaml:9:23: error: allowed_lateness of 'w' applies to event-time windows, but this window runs on "
        "processing time (no event_time reaches it); remove allowed_lateness, or set event_time on the source\n");
}

/// An event-time window with allowed_lateness 5s, and `extra` (keys of the window operator).
std::string late_window(const std::string& extra) {
  return "name: t\nsources:\n  - { name: gen, type: datagen, rows: 1, fields: { k: { kind: sequence }, ts: { kind: "
         "timestamp, start: \"2024-01-01 00:00:00\", step: 1s } }, event_time: { column: ts } }\n"
         "operators:\n  - name: w\n    input: gen\n    key_by: [k]\n    window: { type: tumbling, size: 1s }\n"
         "    aggregate: { n: \"count(*)\" }\n    allowed_lateness: 5s\n" + extra +
         "sinks:\n  - { name: out, input: w, type: blackhole }\n";
}

TEST_CASE("allowed_lateness with emit_every is refused at emit_every; with top_n, at top_n with what to write") {
  auto every = load_pipeline_text("t.yaml", late_window("    emit_every: 1s\n"));
  REQUIRE(!every.ok());
  CHECK(every.status().message().find("t.yaml:11:17: error: emit_every of 'w' cannot be combined with "
                                      "allowed_lateness") != std::string::npos);
  auto top = load_pipeline_text("t.yaml", late_window("    top_n: { n: 2, order_by: n DESC }\n"));
  REQUIRE(!top.ok());
  CHECK_MESSAGE(top.status().message().find("t.yaml:11:12: error: top_n of 'w' ranks each window once") !=
                    std::string::npos,
                top.status().message());
  CHECK(top.status().message().find("input: w, top_n: { n: 2, order_by: n DESC, partition_by: [window_start, "
                                    "window_end] }") != std::string::npos);
  auto plain = load_pipeline_text("t.yaml", late_window(""));
  REQUIRE_MESSAGE(plain.ok(), plain.status().message());
}

TEST_CASE("a second YAML document is refused at its '---'") {
  CHECK(refusal(std::string(kToBlackhole) + "---\nname: other\n") ==
        "t.yaml:10:1: error: a second YAML document starts here ('---'): a pipeline file holds one pipeline; put "
        "each pipeline in a file of its own\n");
  CHECK(refusal(std::string(kToBlackhole) + "---\n") == "");  // an empty document holds nothing
}

TEST_CASE("an unclosed quote is refused where it opened") {
  // yaml-cpp reads the rest of the file into the string without complaint.
  CHECK(refusal("operators:\n  - { name: f, input: gen, filter: \"k > 1 }\nsinks:\n  - { name: out, input: f, type: blackhole }\n") ==
        "t.yaml:9:36: error: invalid YAML: the string quoted here with \" is never closed, so the rest of the file "
        "would be part of it; add the closing \"\n");
  // A later quote closes it far away, and yaml-cpp stops there.
  const std::string message = refusal("operators:\n  - name: f\n    input: gen\n    filter: \"k > 1\n"
                                      "  - name: \"g\"\n    input: f\n    filter: k > 2\nsinks:\n  - { name: out, input: g, type: blackhole }\n");
  CHECK(message.rfind("t.yaml:11:13: error: invalid YAML: the string quoted here with \" runs on to line 12, where "
                       "the YAML parser stopped (end of map not found): is its closing \" missing?", 0) == 0);
}

TEST_CASE("quotes inside comments, block scalars and plain expressions are not strings") {
  // The block scalar's second line starts with the quote that closes an SQL string begun on its first.
  CHECK(refusal("# it's a comment\noperators:\n  - name: f\n    input: gen\n    filter: |\n      k > 1 OR 'it''s' = '\n      '\n"
                "  - { name: g, input: f, filter: k - 1 > 0 }   # don't\nsinks:\n  - { name: out, input: g, type: blackhole }\n") ==
        "");
}

TEST_CASE("an aggregate over an expression is refused at the expression, saying to select it first") {
  CHECK(refusal("operators:\n  - { name: c, input: gen, key_by: [k], aggregate: { s: sum(k * 2) } }\n"
                "sinks:\n  - { name: out, input: c, type: blackhole }\n") ==
        "t.yaml:9:61: error: aggregate of 'c': an aggregate's argument must be a column, not an expression "
        "('k * 2'): compute it in a select before this operator (say, v: k * 2) and aggregate that column: "
        "sum(v)\n");
}

TEST_CASE("missing input files and sink directories that cannot be made are refused where files are checked") {
  const std::string here = std::filesystem::current_path().string();
  const std::string blocker = "pipeline_checks_test.blocker";
  std::ofstream(blocker) << "a file, not a directory\n";
  const std::string text =
      "name: t\nsources:\n  - name: bids\n    type: file\n    path: no/such/bids.csv\n    format: csv\n"
      "    schema: { a: int64 }\nsinks:\n  - { name: out, input: bids, type: file, path: " + blocker +
      "/out, format: jsonl }\n";
  PlanOptions local;
  local.files = FileChecks::kSourcesAndSinks;
  auto graph = load_pipeline_text("t.yaml", text, local);
  REQUIRE(!graph.ok());
  CHECK(graph.status().message() ==
        "t.yaml:5:11: error: source 'bids' reads 'no/such/bids.csv', which does not exist (relative to " + here +
            ")\n"
            "t.yaml:9:49: error: sink 'out' cannot write its part files to '" + blocker + "/out': '" + here + "/" +
            blocker + "' is a file, not a directory, so no directory can be made under it\n");
  PlanOptions job_manager;
  job_manager.files = FileChecks::kSources;
  CHECK(load_pipeline_text("t.yaml", text, job_manager).status().message().find("sink") == std::string::npos);
  CHECK(load_pipeline_text("t.yaml", text).ok());  // task managers and eddy run check no files
  std::filesystem::remove(blocker);
}
