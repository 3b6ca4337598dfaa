// The planner's stream kinds (PIPELINES.md "Changelog streams"): which nodes
// emit updating streams, select and filter passing op on first, an updating
// stream refused by a window at file:line:column, and aggregate calls with
// FILTER (WHERE ...) parsed and type-checked at their position.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "plan/aggregate_call.h"
#include "plan/job_graph.h"
#include "plan/pipeline_parser.h"

using namespace eddy;

namespace {

const char* kHeader = R"Y(name: c
sources:
  - name: bids
    type: file
    path: b.csv
    format: csv
    schema: { auction: int64, bidder: string, price: int64, ts: timestamp }
    event_time: { column: ts }
operators:
)Y";

Result<JobGraphPtr> plan(const std::string& operators_and_sinks) {
  return load_pipeline_text("p.yaml", kHeader + operators_and_sinks);
}

std::map<std::string, const LogicalNode*> by_name(const JobGraph& g) {
  std::map<std::string, const LogicalNode*> by;
  for (const auto& n : g.nodes) by[n.name] = &n;
  return by;
}

}  // namespace

TEST_CASE("the planner marks every stream append-only or updating, and select keeps op first") {
  auto graph = plan(R"Y(  - { name: totals, input: bids, key_by: [auction], aggregate: { n: "count(*)" } }
  - { name: busy, input: totals, filter: "n > 1" }
  - { name: renamed, input: busy, select: { a: auction, twice: n * 2 } }
  - { name: listed, input: totals, select: { op: op, a: auction } }
  - { name: best, input: bids, top_n: { n: 1, order_by: ts DESC, partition_by: [auction] } }
  - { name: again, input: best, key_by: [bidder], aggregate: { k: "count(*)", hi: max(price) } }
  - { name: cheap, input: bids, filter: "price < 10" }
sinks:
  - { name: o1, input: renamed, type: blackhole }
  - { name: o2, input: again, type: blackhole }
  - { name: o3, input: cheap, type: blackhole }
  - { name: o4, input: listed, type: blackhole }
)Y");
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  auto by = by_name(**graph);
  CHECK_FALSE(by["bids"]->output_updating);
  CHECK_FALSE(by["cheap"]->output_updating);
  CHECK_FALSE(by["o3"]->output_updating);
  for (const char* updating : {"totals", "busy", "renamed", "listed", "best", "again", "o1", "o2"}) {
    CAPTURE(updating);
    CHECK(by[updating]->output_updating);
  }
  CHECK(by["renamed"]->output_schema->to_string() == "op: string, a: int64, twice: int64");
  CHECK(by["listed"]->output_schema->to_string() == "op: string, a: int64");
  CHECK(by["busy"]->output_schema->to_string() == "op: string, auction: int64, n: int64");
  CHECK(by["again"]->keyed_aggregate->input_updating);
  CHECK_FALSE(by["totals"]->keyed_aggregate->input_updating);
  CHECK(by["best"]->output_schema->to_string() == "op: string, auction: int64, bidder: string, price: int64, ts: timestamp");
}

TEST_CASE("an updating stream into a window is refused at the window, naming where it came from") {
  auto graph = plan(R"Y(  - { name: totals, input: bids, key_by: [auction], aggregate: { n: "count(*)" } }
  - { name: sel, input: totals, select: { auction: auction, n: n } }
  - name: w
    input: sel
    key_by: [auction]
    window: { type: tumbling, size: 10s }
    aggregate: { c: "count(*)" }
sinks:
  - { name: o, input: w, type: blackhole }
)Y");
  REQUIRE_FALSE(graph.ok());
  const std::string& msg = graph.status().message();
  CHECK(msg.find("p.yaml:15:13: error: the window of 'w' cannot read 'sel': it is an updating stream") !=
        std::string::npos);
  CHECK(msg.find("from 'totals'") != std::string::npos);
}

TEST_CASE("a select over an updating stream may not name another column op") {
  auto graph = plan(R"Y(  - { name: totals, input: bids, key_by: [auction], aggregate: { n: "count(*)" } }
  - { name: sel, input: totals, select: { op: "'x'", n: n } }
sinks:
  - { name: o, input: sel, type: blackhole }
)Y");
  REQUIRE_FALSE(graph.ok());
  CHECK(graph.status().message().find("first column 'op'") != std::string::npos);
}

TEST_CASE("aggregate calls parse FILTER (WHERE ...) with the condition's position") {
  auto call = parse_aggregate_call("count(distinct bidder) FILTER (WHERE price >= 1000000)");
  REQUIRE(call.ok());
  CHECK(call->function == AggregateFunction::kCountDistinct);
  CHECK(call->filter == "price >= 1000000");
  CHECK(call->filter_offset == 37);
  auto nested = parse_aggregate_call("sum(price) filter ( where (price < 10) AND bidder <> ')' )");
  REQUIRE(nested.ok());
  CHECK(nested->filter == "(price < 10) AND bidder <> ')'");
  int at = -1;
  CHECK_FALSE(parse_aggregate_call("count(*) FILTER price < 10", &at).ok());
  CHECK(at == 16);
  CHECK_FALSE(parse_aggregate_call("count(*) FILTER (WHERE price < 10", &at).ok());
  CHECK_FALSE(parse_aggregate_call("count(*) FILTER (WHERE )", &at).ok());
  CHECK_FALSE(parse_aggregate_call("count(*) OVER (x)", &at).ok());
  CHECK(at == 9);
}

TEST_CASE("a FILTER condition is type-checked against the input, at its place in the file") {
  auto graph = plan(R"Y(  - name: w
    input: bids
    key_by: [auction]
    window: { type: tumbling, size: 10s }
    aggregate: { n: "count(*) FILTER (WHERE price + 1)", m: "max(price) FILTER (WHERE prise > 1)" }
sinks:
  - { name: o, input: w, type: blackhole }
)Y");
  REQUIRE_FALSE(graph.ok());
  const std::string& msg = graph.status().message();
  CHECK(msg.find("p.yaml:14:45: error: aggregate of 'w': FILTER of 'n' must be a boolean condition") !=
        std::string::npos);
  CHECK(msg.find("p.yaml:14:87: error: aggregate of 'w': FILTER of 'm'") != std::string::npos);
}
