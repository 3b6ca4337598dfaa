// operator_signatures: one entry per logical node with its kind, whether a
// checkpoint holds state of it, and the types its keyed state is keyed by.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "plan/job_graph.h"
#include "plan/operator_signatures.h"

using namespace eddy;

namespace {

using Strings = std::vector<std::string>;

std::map<std::string, PlanOperatorSignature> signatures_of(const std::string& text) {
  auto graph = load_pipeline_text("s.yaml", text);
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  const auto list = operator_signatures(**graph);
  REQUIRE(list.size() == (*graph)->nodes.size());
  std::map<std::string, PlanOperatorSignature> out;
  for (size_t i = 0; i < list.size(); ++i) {
    CHECK(list[i].name == (*graph)->nodes[i].name);  // graph order
    out[list[i].name] = list[i];
  }
  return out;
}

}  // namespace

TEST_CASE("every node gets its kind, whether it has state, and the types of its key") {
  auto sigs = signatures_of(R"Y(name: sig
parallelism: 2
sources:
  - name: bids
    type: file
    path: b.csv
    format: csv
    schema: { auction: int64, channel: string, price: float64, ts: timestamp }
    event_time: { column: ts }
  - name: gen
    type: datagen
    rows: 10
    fields: { id: { kind: sequence } }
  - { name: nx, type: nexmark, table: person, events: 10 }
operators:
  - { name: cheap, input: bids, filter: "price < 10" }
  - { name: proj, input: cheap, select: { auction: auction, channel: channel, price: price, ts: ts } }
  - name: per_key
    input: proj
    key_by: [channel, auction]
    window: { type: tumbling, size: 10s }
    aggregate: { n: "count(*)", hi: max(price) }
  - name: global
    input: bids
    window: { type: session, gap: 5s }
    aggregate: { n: "count(*)" }
  - { name: totals, input: bids, key_by: [channel], aggregate: { s: sum(price) } }
  - { name: best, input: bids, top_n: { n: 3, order_by: price DESC, partition_by: [auction] } }
  - name: hot
    input: bids
    key_by: [auction]
    window: { type: tumbling, size: 10s }
    aggregate: { n: "count(*)" }
    top_n: { n: 2, order_by: n DESC, partition_by: [window_start] }
sinks:
  - { name: f, input: per_key, type: file, path: out, format: jsonl }
  - { name: p, input: totals, type: print }
  - { name: b1, input: best, type: blackhole, key_by: [auction] }
  - { name: b2, input: hot, type: blackhole }
  - { name: b3, input: global, type: blackhole }
  - { name: b4, input: gen, type: blackhole }
  - { name: b5, input: nx, type: blackhole }
)Y");
  auto check = [&](const std::string& name, const std::string& kind, bool state, const Strings& keys) {
    CAPTURE(name);
    REQUIRE(sigs.count(name) == 1);
    const PlanOperatorSignature& s = sigs[name];
    CHECK(s.kind == kind);
    CHECK(s.has_state == state);
    CHECK(s.key_types == keys);
  };
  check("bids", "source:file", true, {});
  check("gen", "source:datagen", true, {});
  check("nx", "source:nexmark", true, {});
  check("cheap", "filter", false, {});
  check("proj", "select", false, {});
  check("per_key", "window", true, {"string", "int64"});
  check("global", "window", true, {});
  check("totals", "keyed_aggregate", true, {"string"});
  check("best", "top_n", true, {"int64"});
  check("hot", "window", true, {"int64"});
  check("hot/top_n", "top_n", true, {"timestamp"});
  check("f", "sink:file", true, {});
  check("p", "sink:print", false, {});
  check("b1", "sink:blackhole", false, {});  // key_by on a sink partitions, it keeps no state
  CHECK(sigs.size() == 18);

  using Layout = std::vector<std::pair<std::string, std::string>>;
  CHECK(sigs["per_key"].layout == Layout{{"window", "tumbling 10s on event time"},
                                         {"aggregates", "[n: count(*), hi: max(price)]"},
                                         {"argument types", "(price float64)"}});
  CHECK(sigs["global"].layout == Layout{{"window", "session with gap 5s on event time"},
                                        {"aggregates", "[n: count(*)]"}});
  CHECK(sigs["totals"].layout == Layout{{"aggregates", "[s: sum(price)]"}, {"argument types", "(price float64)"}});
  CHECK(sigs["best"].layout ==
        Layout{{"top_n", "3 rows by price DESC"},
               {"rows", "(auction int64, channel string, price float64, ts timestamp)"}});
  CHECK(sigs["hot/top_n"].layout ==
        Layout{{"top_n", "2 rows by n DESC"},
               {"rows", "(auction int64, window_start timestamp, window_end timestamp, n int64)"}});
  CHECK(sigs["bids"].layout == Layout{{"format", "csv"}});
  CHECK(sigs["f"].layout == Layout{{"format", "jsonl"}});
  CHECK(sigs["cheap"].layout.empty());
  CHECK(sigs["gen"].layout.empty());
  CHECK(sigs["p"].layout.empty());
}

TEST_CASE("a window's layout spells its kind, lengths, time and partial results") {
  auto window = [](const std::string& spec, const std::string& extra) {
    auto sigs = signatures_of("name: w\nsources:\n  - name: gen\n    type: datagen\n    rows: 10\n"
                              "    fields: { k: { kind: sequence }, ts: { kind: timestamp, start: \"2024-01-01 "
                              "00:00:00\" } }\n" + extra +
                              "operators:\n  - name: w\n    input: gen\n    key_by: [k]\n    window: " + spec +
                              "\n    aggregate: { n: \"count(distinct k)\" }\nsinks:\n  - { name: o, input: w, "
                              "type: blackhole }\n");
    return sigs["w"].layout.front().second;
  };
  const std::string et = "    event_time: { column: ts }\n";
  CHECK(window("{ type: tumbling, size: 90s }", et) == "tumbling 90s on event time");
  CHECK(window("{ type: sliding, size: 1h, slide: 1500ms }", et) == "sliding 1h every 1500ms on event time");
  CHECK(window("{ type: session, gap: 2m }", "") == "session with gap 2m on processing time");
  CHECK(window("{ type: cumulate, step: 10s, size: 1m }", et) == "cumulate 1m every 10s on event time");
  CHECK(window("{ type: tumbling, size: 10s }\n    emit_every: 1s", et) ==
        "tumbling 10s on event time, with partial results");
}
