// Unit tests of the event time a window aggregate's results carry (src/plan/
// job_graph.cpp): window_end, 1 ms past the result's time, which lets Nexmark
// q7 join the bids with each window's maximum as an interval join, and a
// window after a window place each result in the window that holds its end - 1.
#include <doctest/doctest.h>

#include <string>

#include "plan/job_graph.h"
#include "plan/pipeline_parser.h"

using namespace eddy;

namespace {

/// An event-time bid source, a 10 s tumbling window `w` (body `window_extra`
/// appended to its keys), then `rest` (more operators), and a sink on `sink_input`.
std::string pipeline(const std::string& window_extra, const std::string& rest, const std::string& sink_input) {
  return "name: t\n"
         "sources:\n"
         "  - name: bid\n"
         "    type: file\n"
         "    path: b.csv\n"
         "    format: csv\n"
         "    schema: { auction: int64, price: int64, date_time: timestamp }\n"
         "    event_time: { column: date_time }\n"
         "operators:\n"
         "  - name: w\n"
         "    input: bid\n"
         "    window: { type: tumbling, size: 10s }\n"
         "    aggregate: { maxprice: max(price) }\n" +
         window_extra + rest +
         "sinks:\n"
         "  - { name: out, input: " + sink_input + ", type: blackhole }\n";
}

const LogicalNode& node(const JobGraph& g, const std::string& name) {
  for (const auto& n : g.nodes)
    if (n.name == name) return n;
  FAIL("no node " << name);
  return g.nodes.front();
}

JobGraphPtr plan(const std::string& text) {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse_pipeline("p.yaml", text, diags);
  JobGraphPtr g;
  if (diags.empty()) g = plan_pipeline(std::move(spec), diags);
  std::string all;
  for (const auto& d : diags) all += d.message + "\n";
  REQUIRE_MESSAGE(bool(g), all);
  return g;
}

const char* const kQ7Join =
    "  - name: q7\n"
    "    join:\n"
    "      left: { input: bid, as: B }\n"
    "      right: { input: w, as: W }\n"
    "      on: \"B.price = W.maxprice AND B.date_time BETWEEN W.window_end - INTERVAL '10' SECOND AND W.window_end\"\n"
    "    select: { auction: B.auction, price: B.price, date_time: B.date_time }\n";

}  // namespace

TEST_CASE("an event-time window's results carry event time at window_end - 1 ms") {
  const JobGraphPtr g = plan(pipeline("", "", "w"));
  const LogicalNode& w = node(*g, "w");
  CHECK(w.event_time_column == "window_end");
  CHECK(w.event_time_offset_ms == -1);
  CHECK(g->describe().find("event time: window_end - 1ms") != std::string::npos);
}

TEST_CASE("window results that a late record can update carry no event time") {
  const JobGraphPtr g = plan(pipeline("    allowed_lateness: 1s\n", "", "w"));
  CHECK(node(*g, "w").event_time_column.empty());
  CHECK(node(*g, "w").event_time_offset_ms == 0);
}

TEST_CASE("q7: bids joined with their window's maximum by window_end bounds plan as an interval join") {
  const JobGraphPtr g = plan(pipeline("", kQ7Join, "q7"));
  const LogicalNode& q = node(*g, "q7");
  REQUIRE(bool(q.join));
  CHECK(q.join->kind == JoinKind::kInterval);
  CHECK(q.join->lower_ms == 0);
  CHECK(q.join->upper_ms == 10000);
  CHECK(q.join->right_time_column == q.join->right_schema->index_of("window_end"));
  // window_end is the larger time of every pair but is not selected: the
  // bid's date_time passes unchanged, and the output has no event time.
  CHECK(q.join->output_time_column == -1);
  CHECK(q.event_time_column.empty());
  CHECK_FALSE(q.output_updating);
}

TEST_CASE("a window after a window reads the first window's results at window_end - 1 ms") {
  const std::string second =
      "  - name: w2\n"
      "    input: w\n"
      "    window: { type: tumbling, size: 60s }\n"
      "    aggregate: { top: max(maxprice) }\n";
  const JobGraphPtr g = plan(pipeline("", second, "w2"));
  const LogicalNode& w2 = node(*g, "w2");
  REQUIRE(bool(w2.window));
  CHECK(w2.window->time_column == w2.input_schema->index_of("window_end"));
  CHECK(w2.window->time_offset_ms == -1);
  CHECK(w2.event_time_column == "window_end");
  CHECK(w2.event_time_offset_ms == -1);
}

TEST_CASE("window results keep their event time through a select that renames window_end") {
  const std::string sel =
      "  - name: s\n"
      "    input: w\n"
      "    select: { at: window_end, m: maxprice }\n"
      "  - name: w2\n"
      "    input: s\n"
      "    window: { type: tumbling, size: 60s }\n"
      "    aggregate: { top: max(m) }\n";
  const JobGraphPtr g = plan(pipeline("", sel, "w2"));
  CHECK(node(*g, "s").event_time_column == "at");
  CHECK(node(*g, "s").event_time_offset_ms == -1);
  CHECK(node(*g, "w2").window->time_offset_ms == -1);
}
