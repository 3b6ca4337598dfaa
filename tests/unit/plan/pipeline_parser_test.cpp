// Unit tests of the pipeline parser and planner: accepted files and the located
// errors of refused ones (src/plan).
#include <doctest/doctest.h>

#include "plan/job_graph.h"
#include "plan/pipeline_parser.h"

#include <map>

using namespace eddy;

namespace {

const char* kGood = R"(name: good
parallelism: 2
max_parallelism: 64
execution:
  batch_size: 512
  buffer_timeout: 5ms
sources:
  - name: gen
    type: datagen
    rows: 100
    seed: 3
    fields:
      id: { kind: sequence, start: 10, step: 2 }
      price: { kind: random, type: float64, min: 0, max: 10 }
      ch: { kind: choice, values: [a, b] }
      ts: { kind: timestamp, start: "2024-01-01 00:00:00", step: 100us }
operators:
  - name: f
    input: gen
    filter: "price > 5"
  - name: s
    input: f
    select:
      id: id
      euro: price * 0.9
sinks:
  - name: out
    input: s
    type: blackhole
    parallelism: 1
)";

std::vector<Diagnostic> errors_of(const std::string& text) {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse_pipeline("p.yaml", text, diags);
  if (diags.empty()) plan_pipeline(std::move(spec), diags);
  return diags;
}

bool has_error(const std::vector<Diagnostic>& diags, int line, int column, const std::string& text) {
  for (const auto& d : diags)
    if (d.loc.line == line && d.loc.column == column && d.message.find(text) != std::string::npos)
      return true;
  return false;
}

std::string dump(const std::vector<Diagnostic>& diags) { return render_diagnostics("p.yaml", diags); }

}  // namespace

TEST_CASE("a valid pipeline parses with every setting and datagen field") {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse_pipeline("p.yaml", kGood, diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(spec.name == "good");
  CHECK(spec.parallelism == 2);
  CHECK(spec.max_parallelism == 64);
  CHECK(spec.batch_size == 512);
  CHECK(spec.buffer_timeout_us == 5000);
  REQUIRE(spec.sources.size() == 1);
  const auto& fields = spec.sources[0].datagen.fields;
  REQUIRE(fields.size() == 4);
  CHECK(fields[0].start == 10);
  CHECK(fields[0].step == 2);
  CHECK(fields[1].type == DataType::kFloat64);
  CHECK(fields[2].values == std::vector<std::string>{"a", "b"});
  CHECK(fields[3].ts_start_ms == 1704067200000LL);
  CHECK(fields[3].ts_step_us == 100);
  CHECK(spec.sources[0].datagen.rows == 100);
}

TEST_CASE("planning chains forward operators and rebalances where parallelism changes") {
  auto graph = load_pipeline_text("p.yaml", kGood);
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  const JobGraph& g = **graph;
  REQUIRE(g.vertices.size() == 2);
  CHECK(g.vertices[0].name == "gen -> f -> s");
  CHECK(g.vertices[0].parallelism == 2);
  CHECK(g.vertices[1].name == "out");
  REQUIRE(g.edges.size() == 1);
  CHECK(g.edges[0].partitioning == EdgePartitioning::kRebalance);
  CHECK(g.nodes[2].output_schema->to_string() == "id: int64, euro: float64");
}

TEST_CASE("the command-line parallelism overrides the file's default but not an operator's own") {
  PlanOptions o;
  o.parallelism = 3;
  auto graph = load_pipeline_text("p.yaml", kGood, o);
  REQUIRE(graph.ok());
  CHECK((*graph)->vertices[0].parallelism == 3);
  CHECK((*graph)->vertices[1].parallelism == 1);
}

TEST_CASE("key_by partitions by hash and breaks the chain; broadcast and fan-out are separate edges") {
  const char* text = R"(name: k
sources:
  - name: gen
    type: datagen
    rows: 10
    fields: { id: { kind: sequence }, u: { kind: random, min: 1, max: 3 } }
operators:
  - { name: a, input: gen, key_by: [u], filter: "id > 0" }
  - { name: b, input: gen, partition: broadcast, select: { id: id } }
sinks:
  - { name: o1, input: a, type: blackhole }
  - { name: o2, input: b, type: blackhole }
)";
  auto graph = load_pipeline_text("k.yaml", text);
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  const JobGraph& g = **graph;
  // gen fans out to two consumers, so it cannot chain with either.
  CHECK(g.vertices.size() == 3);
  REQUIRE(g.edges.size() == 2);
  CHECK(g.edges[0].partitioning == EdgePartitioning::kHash);
  CHECK(g.edges[0].key_columns == std::vector<int>{1});
  CHECK(g.edges[1].partitioning == EdgePartitioning::kBroadcast);
  CHECK(g.describe().find("hash by (u)") != std::string::npos);
}

TEST_CASE("YAML syntax errors carry the line and column") {
  auto diags = errors_of("name: x\nsources:\n  - name: a\n   type: datagen\n");
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].loc.line == 4);
  CHECK(diags[0].message.find("invalid YAML") != std::string::npos);
}

TEST_CASE("an unknown key is refused at its position with the expected keys") {
  std::string text = kGood;
  text.replace(text.find("    rows: 100"), 13, "    rowz: 100");
  auto diags = errors_of(text);
  CHECK_MESSAGE(has_error(diags, 10, 5, "unknown key 'rowz' in source 'gen'; expected one of:"), dump(diags));
}

TEST_CASE("missing required keys and wrong value types are reported") {
  auto diags = errors_of("sources:\n  - name: a\n    type: datagen\n    rows: many\n");
  CHECK_MESSAGE(has_error(diags, 1, 1, "needs 'name'"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 4, 11, "expected an integer for 'rows'"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 2, 5, "needs 'fields'"), dump(diags));
}

TEST_CASE("a bad duration, type name and choice say what was expected") {
  auto diags = errors_of(R"(name: d
execution: { buffer_timeout: 10 }
sources:
  - name: f
    type: file
    path: x.csv
    format: xml
    schema: { a: integer64 }
sinks:
  - { name: o, input: f, type: blackhole }
)");
  CHECK_MESSAGE(has_error(diags, 2, 30, "duration with a unit"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 7, 13, "must be one of csv | jsonl, got 'xml'"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 8, 18, "unknown type for column 'a'"), dump(diags));
}

TEST_CASE("inputs that name nothing, sinks used as inputs, duplicates and cycles are refused") {
  auto diags = errors_of(R"(name: g
sources:
  - { name: gen, type: datagen, rows: 1, fields: { id: { kind: sequence } } }
operators:
  - { name: a, input: nothing, filter: "id > 0" }
  - { name: b, input: c, filter: "id > 0" }
  - { name: c, input: b, filter: "id > 0" }
  - { name: d, input: out, filter: "id > 0" }
  - { name: gen, input: gen, filter: "id > 0" }
sinks:
  - { name: out, input: gen, type: blackhole }
)");
  CHECK_MESSAGE(has_error(diags, 5, 23, "input 'nothing' of 'a' names no source or operator"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 6, 23, "'b' is part of a cycle"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 8, 23, "is a sink"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 9, 13, "the name 'gen' is used twice"), dump(diags));
}

TEST_CASE("expression errors point into the expression text") {
  auto diags = errors_of(R"(name: e
sources:
  - { name: gen, type: datagen, rows: 1, fields: { id: { kind: sequence }, s: { kind: choice, values: [x] } } }
operators:
  - name: a
    input: gen
    select:
      bad: "id + nope"
      worse: s * 2
  - name: b
    input: a
    filter: "1 +* 2"
sinks:
  - { name: out, input: gen, type: blackhole }
)");
  CHECK_MESSAGE(has_error(diags, 8, 18, "unknown column 'nope'"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 9, 16, "needs numeric operands"), dump(diags));
}

TEST_CASE("a filter must be boolean and key_by columns must exist") {
  auto diags = errors_of(R"(name: f
sources:
  - { name: gen, type: datagen, rows: 1, fields: { id: { kind: sequence } } }
operators:
  - { name: a, input: gen, filter: "id + 1" }
  - { name: b, input: gen, key_by: [idd], filter: "id > 1" }
sinks:
  - { name: out, input: a, type: blackhole }
  - { name: out2, input: b, type: blackhole }
)");
  CHECK_MESSAGE(has_error(diags, 5, 37, "must be a boolean condition"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 6, 37, "key_by column 'idd' of 'b' is not in its input"), dump(diags));
}

namespace {
const char* kWindowed = R"Y(name: w
parallelism: 2
sources:
  - name: bids
    type: file
    path: bids.csv
    format: csv
    schema: { auction: int64, price: float64, channel: string, ts: timestamp }
    event_time: { column: ts, max_out_of_orderness: 2s, idle_timeout: 10s }
operators:
  - name: keep
    input: bids
    select: { auction: auction, price: price, at: ts }
  - name: per_auction
    input: keep
    key_by: [auction]
    window: { type: sliding, size: 10s, slide: 2s }
    aggregate: { n: "count(*)", total: sum(price), top: max(price), d: count(distinct price), mean: avg(price) }
    allowed_lateness: 1s
    late_output: late
  - name: everything
    input: keep
    window: { type: tumbling, size: 1m }
    aggregate: { n: "count(*)" }
sinks:
  - { name: out, input: per_auction, type: blackhole }
  - { name: late_sink, input: late, type: blackhole }
  - { name: all, input: everything, type: blackhole }
)Y";
}  // namespace

TEST_CASE("a keyed window plans with event time, its output schema and a late stream") {
  auto graph = load_pipeline_text("w.yaml", kWindowed);
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  const JobGraph& g = **graph;
  const LogicalNode* w = nullptr;
  const LogicalNode* global = nullptr;
  for (const auto& n : g.nodes) {
    if (n.name == "per_auction") w = &n;
    if (n.name == "everything") global = &n;
  }
  REQUIRE(w != nullptr);
  REQUIRE(static_cast<bool>(w->window));
  // allowed_lateness: late records update fired windows, so the output is an updating stream, op first.
  CHECK(w->output_schema->to_string() ==
        "op: string, auction: int64, window_start: timestamp, window_end: timestamp, n: int64, total: float64, "
        "top: float64, d: int64, mean: float64");
  CHECK(w->output_updating);
  CHECK(w->window->time_column == 2);  // 'at', the renamed event-time column
  CHECK(w->window->window.size_ms == 10000);
  CHECK(w->window->window.slide_ms == 2000);
  CHECK(w->window->allowed_lateness_ms == 1000);
  CHECK(w->window->late_output);
  CHECK(w->input_partitioning == EdgePartitioning::kHash);
  REQUIRE(global);
  CHECK(global->parallelism == 1);  // no key_by: one subtask
  CHECK(!global->output_updating);  // no allowed_lateness: append-only
  CHECK(global->output_schema->index_of("op") < 0);
  bool late_edge = false;
  for (const auto& e : g.edges)
    if (e.from_output == 1) late_edge = g.nodes[static_cast<size_t>(e.to_node)].name == "late_sink";
  CHECK(late_edge);
  CHECK(g.describe().find("per_auction [late] -> late_sink") != std::string::npos);
}

TEST_CASE("window and aggregate mistakes are refused at their position") {
  auto diags = errors_of(R"Y(name: w
sources:
  - name: gen
    type: datagen
    rows: 10
    fields: { id: { kind: sequence }, s: { kind: choice, values: [a] }, ts: { kind: timestamp, start: "2024-01-01 00:00:00", step: 1s } }
    event_time: { column: s }
operators:
  - name: a
    input: gen
    key_by: [id]
    window: { type: tumbling, size: 10s }
    aggregate: { x: sum(s), y: "count(nope)", z: "median(id)", id: "count(*)" }
  - name: b
    input: gen
    key_by: [id]
    aggregate: { n: "count(*)" }
sinks:
  - { name: out, input: a, type: blackhole }
  - { name: out2, input: b, type: blackhole }
)Y");
  CHECK_MESSAGE(has_error(diags, 7, 27, "event_time column 's' of source 'gen' must be a timestamp"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 13, 25, "sum needs a numeric column, but 's' is string"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 13, 39, "unknown column 'nope'"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 13, 51, "expected an aggregate call"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 13, 64, "the output column 'id' is already a key"), dump(diags));
  CHECK(diags.size() == 5);  // operator b, an aggregate without a window, is fine
}

TEST_CASE("aggregates without a window and top-n plan as changelogs; top-n on a window as a second stage") {
  auto graph = load_pipeline_text("t.yaml", R"Y(name: t
parallelism: 2
sources:
  - name: bids
    type: file
    path: b.csv
    format: csv
    schema: { auction: int64, price: int64, ts: timestamp }
    event_time: { column: ts }
operators:
  - { name: totals, input: bids, key_by: [auction], aggregate: { n: "count(*)", top: max(price) } }
  - { name: best, input: bids, top_n: { n: 3, order_by: price DESC, partition_by: [auction] } }
  - name: hot
    input: bids
    key_by: [auction]
    window: { type: tumbling, size: 10s }
    aggregate: { n: "count(*)" }
    top_n: { n: 2, order_by: n DESC }
sinks:
  - { name: o1, input: totals, type: blackhole }
  - { name: o2, input: best, type: blackhole }
  - { name: o3, input: hot, type: blackhole }
)Y");
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  const JobGraph& g = **graph;
  std::map<std::string, const LogicalNode*> by;
  for (const auto& n : g.nodes) by[n.name] = &n;
  REQUIRE(by.count("hot/top_n"));
  CHECK(by["totals"]->output_schema->to_string() == "op: string, auction: int64, n: int64, top: int64");
  CHECK(by["best"]->output_schema->to_string() == "op: string, auction: int64, price: int64, ts: timestamp");
  CHECK(by["best"]->input_partitioning == EdgePartitioning::kHash);
  CHECK(by["hot/top_n"]->parallelism == 1);  // no partition_by: one subtask sees every window result
  CHECK(by["hot/top_n"]->top_n->window_end_column == 2);
  CHECK(by["o3"]->input == static_cast<int>(by["hot/top_n"] - g.nodes.data()));
}

TEST_CASE("a window after a select that drops the event-time column is refused") {
  auto diags = errors_of(R"Y(name: w
sources:
  - name: gen
    type: datagen
    rows: 10
    fields: { id: { kind: sequence }, ts: { kind: timestamp, start: "2024-01-01 00:00:00", step: 1s } }
    event_time: { column: ts }
operators:
  - { name: sel, input: gen, select: { id: id } }
  - name: w
    input: sel
    window: { type: session, gap: 5s }
    aggregate: { n: "count(*)" }
sinks:
  - { name: out, input: w, type: blackhole }
)Y");
  CHECK_MESSAGE(has_error(diags, 12, 13, "would run on processing time because 'sel' drops the event-time column 'ts'"),
                dump(diags));
}

TEST_CASE("a pipeline needs sources and sinks") {
  auto diags = errors_of("name: empty\n");
  CHECK(has_error(diags, 1, 1, "no sources"));
  CHECK(has_error(diags, 1, 1, "no sinks"));
}

namespace {

/// kGood with `settings` (top-level YAML lines) added after its first line.
std::string good_with(const std::string& settings) {
  std::string text = kGood;
  return text.insert(text.find('\n') + 1, settings);
}

}  // namespace

TEST_CASE("checkpoints, state and restart settings are read with their defaults") {
  std::vector<Diagnostic> diags;
  PipelineSpec plain = parse_pipeline("p.yaml", kGood, diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(!plain.checkpoints.enabled);
  CHECK(plain.checkpoints.timeout_us == 600000000);  // 10 minutes, as Flink
  CHECK(plain.state_backend == "heap");
  CHECK(plain.restart.strategy == RestartStrategy::kNone);  // no checkpoints, no restart section

  PipelineSpec spec = parse_pipeline("p.yaml",
                                     good_with("checkpoints: { interval: 2s, dir: /tmp/cp, retain: 3, "
                                               "timeout: 90s }\nstate: { backend: rocksdb }\n"
                                               "restart: { attempts: 4, delay: 500ms }\n"),
                                     diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(spec.checkpoints.enabled);
  CHECK(spec.checkpoints.interval_us == 2000000);
  CHECK(spec.checkpoints.dir == "/tmp/cp");
  CHECK(spec.checkpoints.retain == 3);
  CHECK(spec.checkpoints.timeout_us == 90000000);
  CHECK(spec.state_backend == "rocksdb");
  CHECK(spec.restart.strategy == RestartStrategy::kFixedDelay);
  CHECK(spec.restart.attempts == 4);
  CHECK(spec.restart.delay_us == 500000);

  PipelineSpec defaults =
      parse_pipeline("p.yaml", good_with("checkpoints: { interval: 1s, dir: cp }\nrestart: { attempts: 0 }\n"), diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(defaults.checkpoints.retain == 1);
  CHECK(defaults.checkpoints.timeout_us == 600000000);
  CHECK(defaults.restart.delay_us == 1000000);
}

TEST_CASE("bad checkpoint settings are refused at their position") {
  auto diags = errors_of(good_with("checkpoints: { interval: 0s, dir: cp, retain: 0, timeout: 0ms }\n"));
  CHECK_MESSAGE(has_error(diags, 2, 26, "'interval' of checkpoints must be longer than 0"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 2, 47, "'retain' of checkpoints must be between 1 and 1000"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 2, 59, "'timeout' of checkpoints must be longer than 0"), dump(diags));

  diags = errors_of(good_with("checkpoints: { interval: 5s }\n"));
  CHECK_MESSAGE(has_error(diags, 2, 14, "checkpoints needs 'dir'"), dump(diags));
  diags = errors_of(good_with("checkpoints: { dir: cp }\n"));
  CHECK_MESSAGE(has_error(diags, 2, 14, "checkpoints needs 'interval'"), dump(diags));
  diags = errors_of(good_with("checkpoints: { interval: 5s, dir: cp, every: 1 }\n"));
  CHECK_MESSAGE(has_error(diags, 2, 39, "unknown key 'every' in checkpoints"), dump(diags));
  diags = errors_of(good_with("checkpoints: { interval: -5s, dir: cp, timeout: soon }\n"));
  CHECK_MESSAGE(has_error(diags, 2, 26, "'interval' of checkpoints: expected a duration"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 2, 49, "'timeout' of checkpoints: expected a duration"), dump(diags));
  diags = errors_of(good_with("checkpoints: yes\n"));
  CHECK_MESSAGE(has_error(diags, 2, 14, "checkpoints must be a mapping"), dump(diags));
}

TEST_CASE("bad restart and state settings are refused at their position") {
  auto diags = errors_of(good_with("restart: { attempts: -1, delay: 1 }\n"));
  CHECK_MESSAGE(has_error(diags, 2, 22, "'attempts' of restart must be between 0 and"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 2, 33, "'delay' of restart: expected a duration with a unit"), dump(diags));
  diags = errors_of(good_with("restart: { attempts: twice, delay: -2s, backoff: 2 }\n"));
  CHECK_MESSAGE(has_error(diags, 2, 22, "expected an integer for 'attempts' of restart"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 2, 36, "'delay' of restart: expected a duration"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 2, 41, "unknown key 'backoff' in restart"), dump(diags));
  diags = errors_of(good_with("restart: [3]\n"));
  CHECK_MESSAGE(has_error(diags, 2, 10, "restart must be a mapping"), dump(diags));
  diags = errors_of(good_with("state: { backend: memory }\n"));
  CHECK_MESSAGE(has_error(diags, 2, 19, "'backend' of state must be one of heap | rocksdb, got 'memory'"),
                dump(diags));
}

TEST_CASE("windows too costly to run are refused at the key that makes them so") {
  auto diags = errors_of(R"Y(name: w
sources:
  - name: gen
    type: datagen
    fields: { k: { kind: sequence }, ts: { kind: timestamp, start: "2024-01-01 00:00:00", step: 10ms } }
    event_time: { column: ts, max_out_of_orderness: 100000h }
operators:
  - name: typo
    input: gen
    key_by: [k]
    window: { type: sliding, size: 100000h, slide: 4s }
    aggregate: { n: "count(*)" }
  - name: late
    input: gen
    key_by: [k]
    window: { type: tumbling, size: 1s }
    aggregate: { n: "count(*)" }
    allowed_lateness: 200000h
  - name: disorder
    input: gen
    key_by: [k]
    window: { type: session, gap: 1s }
    aggregate: { n: "count(*)" }
sinks:
  - { name: o1, input: typo, type: blackhole }
  - { name: o2, input: late, type: blackhole }
  - { name: o3, input: disorder, type: blackhole }
)Y");
  CHECK_MESSAGE(has_error(diags, 11, 52, "window of 'typo': a sliding window of 100000h that slides by 4s "
                                         "spans 90000000 slices"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 18, 23, "window of 'late': with allowed_lateness plus the "
                                         "max_out_of_orderness of source 'gen' of 300000h"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 6, 53, "window of 'disorder': with the max_out_of_orderness of source "
                                        "'gen' of 100000h, a key may have to keep"), dump(diags));
  CHECK(diags.size() == 3);
}

TEST_CASE("a cumulating window plans with its step and size; a bad step is refused at the step") {
  const std::string head = R"Y(name: c
sources:
  - name: gen
    type: datagen
    rows: 10
    fields: { k: { kind: sequence }, ts: { kind: timestamp, start: "2024-01-01 00:00:00", step: 1s } }
    event_time: { column: ts }
operators:
  - name: so_far
    input: gen
    key_by: [k]
)Y";
  const std::string tail = "    aggregate: { n: \"count(*)\" }\nsinks:\n  - { name: o, input: so_far, type: blackhole }\n";
  auto graph = load_pipeline_text("c.yaml", head + "    window: { type: cumulate, step: 10s, size: 1m }\n" + tail);
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  const LogicalNode* w = nullptr;
  for (const auto& n : (*graph)->nodes)
    if (n.name == "so_far") w = &n;
  REQUIRE(w != nullptr);
  REQUIRE(static_cast<bool>(w->window));
  CHECK(w->window->window.type == WindowType::kCumulate);
  CHECK(w->window->window.step_ms == 10000);
  CHECK(w->window->window.size_ms == 60000);
  CHECK(w->output_schema->to_string() == "k: int64, window_start: timestamp, window_end: timestamp, n: int64");
  CHECK((*graph)->describe().find("window: cumulate 1m every 10s on event time") != std::string::npos);

  auto diags = errors_of(head + "    window: { type: cumulate, step: 7s, size: 1m }\n" + tail);
  CHECK_MESSAGE(has_error(diags, 12, 37, "window of 'so_far': the size of a cumulating window (1m) must be a "
                                         "multiple of its step (7s)"), dump(diags));
  diags = errors_of(head + "    window: { type: cumulate, step: 0s, size: 1m }\n" + tail);
  CHECK_MESSAGE(has_error(diags, 12, 37, "the window step must be at least 1ms"), dump(diags));
  diags = errors_of(head + "    window: { type: cumulate, size: 1m }\n" + tail);
  CHECK_MESSAGE(has_error(diags, 12, 13, "step"), dump(diags));
  CHECK(diags.size() == 1);
}

TEST_CASE("window durations must be whole milliseconds") {
  auto diags = errors_of(R"Y(name: w
sources:
  - { name: gen, type: datagen, rows: 1, fields: { k: { kind: sequence } } }
operators:
  - name: a
    input: gen
    key_by: [k]
    window: { type: tumbling, size: 1500us }
    aggregate: { n: "count(*)" }
    emit_every: 100us
sinks:
  - { name: o, input: a, type: blackhole }
)Y");
  CHECK_MESSAGE(has_error(diags, 8, 37, "'size' of window of operator 'a' must be a whole number of "
                                        "milliseconds, got 1500us"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 10, 17, "'emit_every' of operator 'a' must be a whole number"), dump(diags));
}

TEST_CASE("datagen settings and durations that overflow int64 are refused at their key") {
  auto diags = errors_of(R"Y(name: big
checkpoints: { interval: 9999999999999h, dir: /tmp/x }
sources:
  - name: gen
    type: datagen
    rows: 3000000
    fields:
      id: { kind: sequence, start: 0, step: 9223372036854775807 }
      ts: { kind: timestamp, start: "2024-01-01 00:00:00", step: 876000h }
      far: { kind: timestamp, start: "2024-01-01 00:00:00", step: 9223372036854775807us }
sinks:
  - { name: out, input: gen, type: blackhole }
)Y");
  CHECK_MESSAGE(has_error(diags, 2, 26, "'interval' of checkpoints: duration '9999999999999h' is longer than "
                                        "the limit of 100 years (876000h)"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 8, 45, "datagen field 'id': row 2999999's value"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 9, 66, "datagen field 'ts': row 2999999's value, start + 2999999 * step "
                                        "(3153600000000000us), is beyond the int64 range of timestamps"),
                dump(diags));
  CHECK_MESSAGE(has_error(diags, 10, 67, "'step' of datagen field 'far': duration '9223372036854775807us' is "
                                         "longer than the limit"), dump(diags));
  CHECK(diags.size() == 4);
}

TEST_CASE("a nexmark source takes PIPELINES.md's first_event_rate, and refuses one that is not positive") {
  const std::string head = "name: n\nsources:\n  - name: bid\n    type: nexmark\n    table: bid\n";
  const std::string tail = "sinks:\n  - { name: out, input: bid, type: blackhole }\n";
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse_pipeline("n.yaml", head + "    first_event_rate: 1000\n" + tail, diags);
  REQUIRE(diags.empty());
  CHECK(spec.sources[0].nexmark.first_event_rate == 1000);
  spec = parse_pipeline("n.yaml", head + tail, diags);
  CHECK(spec.sources[0].nexmark.first_event_rate == 10000000);
  parse_pipeline("n.yaml", head + "    first_event_rate: 0\n" + tail, diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].loc.line == 6);
}

TEST_CASE("union merges two inputs of the same columns; other inputs are refused where they are wrong") {
  const std::string head = R"(name: u
sources:
  - { name: a, type: datagen, rows: 5, fields: { x: { kind: sequence } } }
  - { name: b, type: datagen, rows: 5, fields: { x: { kind: sequence } } }
  - { name: c, type: datagen, rows: 5, fields: { y: { kind: sequence } } }
operators:
)";
  const std::string sink = "sinks:\n  - { name: out, input: u, type: blackhole }\n"
                           "  - { name: rest, input: c, type: blackhole }\n";
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse_pipeline("p.yaml", head + "  - { name: u, union: [a, b] }\n" + sink, diags);
  REQUIRE(diags.empty());
  REQUIRE(spec.operators.size() == 1);
  CHECK(spec.operators[0].kind == OperatorKind::kUnion);
  CHECK(spec.operators[0].input.text == "a");
  CHECK(spec.operators[0].right_input.text == "b");
  JobGraphPtr graph = plan_pipeline(std::move(spec), diags);
  REQUIRE(static_cast<bool>(graph));
  CHECK(diags.empty());
  CHECK(graph->describe().find("a -> u (left): forward") != std::string::npos);

  auto three = errors_of(head + "  - { name: u, union: [a, b, c] }\n" + sink);
  CHECK_MESSAGE(has_error(three, 7, 23, "names two inputs"), dump(three));
  auto other = errors_of(head + "  - { name: u, union: [a, c] }\n" + sink);
  CHECK_MESSAGE(has_error(other, 7, 5, "needs the same columns on both sides: (x: int64) and (y: int64)"), dump(other));
}

TEST_CASE("top_n's rank_column numbers the rows of its own operator, and is refused on a window") {
  const std::string head = "name: r\nsources:\n"
                           "  - { name: b, type: datagen, rows: 5, fields: { a: { kind: sequence }, "
                           "t: { kind: timestamp, start: '2024-01-01 00:00:00' } }, event_time: { column: t } }\noperators:\n";
  const std::string sink = "sinks:\n  - { name: out, input: top, type: blackhole }\n";
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse_pipeline(
      "r.yaml", head + "  - { name: top, input: b, top_n: { n: 2, order_by: a, rank_column: rn } }\n" + sink, diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(spec.operators[0].top_n.rank_column == "rn");
  JobGraphPtr graph = plan_pipeline(std::move(spec), diags);
  REQUIRE(static_cast<bool>(graph));
  CHECK(graph->nodes[1].output_schema->to_string() == "op: string, a: int64, t: timestamp, rn: int64");
  auto windowed = errors_of(head + "  - { name: top, input: b, key_by: [a], window: { type: tumbling, size: 1s }, "
                                   "aggregate: { n: count(*) }, top_n: { n: 2, order_by: n, rank_column: rn } }\n" + sink);
  CHECK_MESSAGE(dump(windowed).find("rank_column numbers the rows of a top_n operator of its own") != std::string::npos,
                dump(windowed));
}

TEST_CASE("metrics.interval is a positive duration or off, 1s when not given") {
  const std::string body = "sources:\n  - { name: gen, type: datagen, rows: 1, fields: { id: { kind: sequence } } }\n"
                           "sinks:\n  - { name: o, input: gen, type: blackhole }\n";
  std::vector<Diagnostic> diags;
  CHECK(parse_pipeline("p.yaml", "name: m\n" + body, diags).metrics_interval_us == 1000000);
  CHECK(parse_pipeline("p.yaml", "name: m\nmetrics: { interval: 250ms }\n" + body, diags).metrics_interval_us ==
        250000);
  CHECK(parse_pipeline("p.yaml", "name: m\nmetrics: { interval: off }\n" + body, diags).metrics_interval_us == 0);
  CHECK_MESSAGE(diags.empty(), dump(diags));
  auto bad = errors_of("name: m\nmetrics: { interval: 0s, every: 1s }\n" + body);
  CHECK_MESSAGE(has_error(bad, 2, 22, "must be longer than 0"), dump(bad));
  CHECK_MESSAGE(has_error(bad, 2, 26, "every"), dump(bad));
}
