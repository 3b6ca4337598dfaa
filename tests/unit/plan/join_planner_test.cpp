// Unit tests of join planning (src/plan/join_*.cpp): the `join:` section as
// parsed, column resolution, the kind of join `on` makes, the output, the
// edges into the join, and the located refusals of bad joins.
#include <doctest/doctest.h>

#include <string>

#include "plan/job_graph.h"
#include "plan/pipeline_parser.h"

using namespace eddy;

namespace {

/// Two event-time sources, auction and person, a join `q` with the given
/// body (indented under `join:`) and extra operator keys, and a sink.
std::string pipeline(const std::string& join_body, const std::string& extra = "") {
  return "name: j\n"
         "sources:\n"
         "  - name: auction\n"
         "    type: file\n"
         "    path: a.csv\n"
         "    format: csv\n"
         "    schema: { id: int64, seller: int64, category: int64, ts: timestamp }\n"
         "    event_time: { column: ts }\n"
         "  - name: person\n"
         "    type: file\n"
         "    path: p.csv\n"
         "    format: csv\n"
         "    schema: { id: int64, name: string, city: string, ts: timestamp }\n"
         "    event_time: { column: ts }\n"
         "operators:\n"
         "  - name: q\n"
         "    join:\n" +
         join_body + extra +
         "sinks:\n"
         "  - { name: out, input: q, type: blackhole }\n";
}

struct Planned {
  JobGraphPtr graph;
  std::vector<Diagnostic> diags;
  const LogicalNode& node(const std::string& name) const {
    for (const auto& n : graph->nodes)
      if (n.name == name) return n;
    FAIL("no node " << name);
    return graph->nodes.front();
  }
};

Planned plan(const std::string& text) {
  Planned p;
  PipelineSpec spec = parse_pipeline("p.yaml", text, p.diags);
  if (p.diags.empty()) p.graph = plan_pipeline(std::move(spec), p.diags);
  return p;
}

bool has_error(const std::vector<Diagnostic>& diags, int line, int column, const std::string& text) {
  for (const auto& d : diags)
    if (d.loc.line == line && d.loc.column == column && d.message.find(text) != std::string::npos) return true;
  return false;
}

std::string dump(const std::vector<Diagnostic>& diags) { return render_diagnostics("p.yaml", diags); }

std::string names(const Schema& s) {
  std::string out;
  for (const auto& f : s.fields()) out += (out.empty() ? "" : ",") + f.name;
  return out;
}

const std::string kRegular =
    "      left: auction\n"
    "      right: person\n"
    "      on: \"auction.seller = person.id AND auction.category = 10\"\n";

}  // namespace

TEST_CASE("a regular join: key, residual, joined schema, two hash edges into a vertex of its own") {
  Planned p = plan(pipeline(kRegular));
  REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
  const LogicalNode& q = p.node("q");
  REQUIRE(bool(q.join));
  const JoinConfig& j = *q.join;
  CHECK(j.kind == JoinKind::kRegular);
  CHECK(j.type == JoinType::kInner);
  CHECK(j.left_keys == std::vector<int>{1});
  CHECK(j.right_keys == std::vector<int>{0});
  CHECK(names(*j.joined_schema) == "auction_id,seller,category,auction_ts,person_id,name,city,person_ts");
  CHECK(names(*j.output_schema) == names(*j.joined_schema));
  REQUIRE(bool(j.residual));
  CHECK(j.residual->type() == DataType::kBool);
  CHECK_FALSE(j.output_updating);
  CHECK_FALSE(q.output_updating);
  CHECK(q.event_time_column.empty());  // a regular join's output has no event time
  CHECK(q.key_columns == std::vector<int>{1});
  CHECK(q.right_key_columns == std::vector<int>{0});
  // The join is never chained: both inputs arrive on hash edges, left as input 0.
  int into_join = 0;
  for (const auto& e : p.graph->edges) {
    if (e.to_node != static_cast<int>(&q - p.graph->nodes.data())) continue;
    ++into_join;
    CHECK(e.partitioning == EdgePartitioning::kHash);
    const std::string from = p.graph->nodes[static_cast<size_t>(e.from_node)].name;
    CHECK(e.to_input == (from == "auction" ? 0 : 1));
    CHECK(e.key_columns == std::vector<int>{from == "auction" ? 1 : 0});
  }
  CHECK(into_join == 2);
  const std::string d = p.graph->describe();
  CHECK(d.find("join: regular, inner") != std::string::npos);
  CHECK(d.find("key: auction.seller = person.id") != std::string::npos);
  CHECK(d.find("condition: auction.category = 10") != std::string::npos);
  CHECK(d.find("auction -> q (left): hash by (seller)") != std::string::npos);
  CHECK(d.find("person -> q (right): hash by (id)") != std::string::npos);
}

TEST_CASE("select over a join: qualified names, aliases, bare names found on one side only") {
  Planned p = plan(pipeline("      left: {input: auction, as: A}\n"
                            "      right: {input: person, as: P}\n"
                            "      on: \"A.seller = P.id\"\n",
                            "    select:\n      who: P.name\n      town: city\n      item: a.id\n      pid: P_id\n"));
  REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
  const JoinConfig& j = *p.node("q").join;
  CHECK(names(*j.joined_schema) == "A_id,seller,category,A_ts,P_id,name,city,P_ts");
  CHECK(names(*j.output_schema) == "who,town,item,pid");
  REQUIRE(j.select.size() == 4);
  CHECK(j.select[0]->column_ref_index() == 5);
  CHECK(j.select[1]->column_ref_index() == 6);
  CHECK(j.select[2]->column_ref_index() == 0);
  CHECK(j.select[3]->column_ref_index() == 4);
  CHECK_FALSE(bool(j.residual));
  CHECK(p.graph->describe().find("condition: none") != std::string::npos);
}

TEST_CASE("the residual condition as eddy validate shows it: each conjunct as written") {
  Planned p = plan(pipeline("      left: auction\n      right: person\n      on: \"(auction.category = 10 OR "
                            "auction.category = 11) AND auction.seller = person.id AND (person.city <> 'x')\"\n"));
  REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
  CHECK_MESSAGE(p.graph->describe().find("condition: (auction.category = 10 OR auction.category = 11) AND "
                                         "person.city <> 'x'\n") != std::string::npos,
                p.graph->describe());
  CHECK(p.graph->describe().find("key: auction.seller = person.id\n") != std::string::npos);
}

TEST_CASE("a prefixed name that clashes needs a select") {
  std::string text = pipeline(kRegular);
  const std::string cols = "{ id: int64, seller: int64";
  text.replace(text.find(cols), cols.size(), "{ id: int64, person_id: int64, seller: int64");
  Planned p = plan(text);
  CHECK_MESSAGE(has_error(p.diags, 18, 7, "without 'select' the output would have the column 'person_id' twice"),
                dump(p.diags));
  p = plan(text.replace(text.find("sinks:"), 0, "    select: { seller: seller, who: name }\n"));
  CHECK_MESSAGE(bool(p.graph), dump(p.diags));
}

TEST_CASE("outer joins make an updating stream with op first; state_ttl is kept") {
  for (const char* type : {"left", "right", "full"}) {
    Planned p = plan(pipeline(kRegular + "      type: " + type + "\n      state_ttl: 1h\n"));
    REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
    const LogicalNode& q = p.node("q");
    CHECK(q.output_updating);
    CHECK(q.join->output_updating);
    CHECK(q.join->state_ttl_ms == 3600000);
    CHECK(q.output_schema->field(0).name == "op");
    CHECK(q.output_schema->size() == 9);
    CHECK(std::string(join_type_name(q.join->type)) == type);
  }
}

TEST_CASE("time bounds between the inputs' event-time columns make an interval join") {
  struct Case {
    const char* on;
    int64_t lower, upper;
    int time_column;  // of the output: the time that is always the larger
    const char* time_name;
  };
  const Case cases[] = {
      {"auction.seller = person.id AND person.ts BETWEEN auction.ts AND auction.ts + INTERVAL '20' MINUTE", 0, 1200000,
       7, "person_ts"},
      {"auction.seller = person.id AND auction.ts >= person.ts - 1000 AND auction.ts <= person.ts + 5000", -5000, 1000,
       -1, ""},
      {"person.ts > auction.ts AND auction.seller = person.id AND person.ts < auction.ts + INTERVAL '10' SECOND", 1, 9999,
       7, "person_ts"},
      {"seller = person.id AND auction.ts BETWEEN person.ts - INTERVAL '1' HOUR AND person.ts", 0, 3600000, 7,
       "person_ts"},
      {"seller = person.id AND auction.ts BETWEEN person.ts AND person.ts + 60000", -60000, 0, 3, "auction_ts"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.on);
    Planned p = plan(pipeline(std::string("      left: auction\n      right: person\n      on: \"") + c.on + "\"\n"));
    REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
    const LogicalNode& q = p.node("q");
    const JoinConfig& j = *q.join;
    CHECK(j.kind == JoinKind::kInterval);
    CHECK(j.lower_ms == c.lower);
    CHECK(j.upper_ms == c.upper);
    CHECK(j.left_time_column == 3);
    CHECK(j.right_time_column == 3);
    CHECK_FALSE(bool(j.residual));  // the bounds are no residual
    CHECK_FALSE(q.output_updating);
    CHECK(j.output_time_column == c.time_column);
    CHECK(q.event_time_column == c.time_name);
  }
  Planned p = plan(pipeline("      left: auction\n      right: person\n      on: \"auction.seller = person.id AND "
                            "person.ts BETWEEN auction.ts AND auction.ts + INTERVAL '20' MINUTE\"\n"));
  CHECK(p.graph->describe().find("bounds: person.ts BETWEEN auction.ts AND auction.ts + 20m") != std::string::npos);
  p = plan(pipeline("      left: auction\n      right: person\n      on: \"auction.seller = person.id AND "
                    "auction.ts >= person.ts - 1000 AND auction.ts <= person.ts + 5000\"\n"));
  CHECK(p.graph->describe().find("bounds: person.ts BETWEEN auction.ts - 5s AND auction.ts + 1s") != std::string::npos);
}

TEST_CASE("an interval join's event time follows the larger time column a select keeps") {
  const std::string on = "      left: auction\n      right: person\n      on: \"auction.seller = person.id AND "
                         "person.ts BETWEEN auction.ts AND auction.ts + 1000\"\n";
  Planned p = plan(pipeline(on, "    select:\n      id: auction.id\n      t: person.ts\n"));
  REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
  CHECK(p.node("q").join->output_time_column == 1);
  CHECK(p.node("q").event_time_column == "t");
  // auction.ts is not always the larger: no event time, and `shown` keeps its values.
  p = plan(pipeline(on, "    select:\n      id: auction.id\n      shown: auction.ts\n"));
  REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
  CHECK(p.node("q").join->output_time_column == -1);
  CHECK(p.node("q").event_time_column.empty());
}

TEST_CASE("an outer interval join is append-only, has event time only from a side never padded, ends its chain") {
  const std::string on = "      left: auction\n      right: person\n      on: \"auction.seller = person.id AND "
                         "person.ts BETWEEN auction.ts AND auction.ts + 1000\"\n";
  // `after` is q's only consumer, so only the held-back watermark keeps it out of q's chain.
  auto with_after = [](std::string text) {
    const std::string sink = "input: q, type: blackhole";
    text.replace(text.find(sink), sink.size(), "input: after, type: blackhole");
    return text;
  };
  const std::string after = "  - { name: after, input: q, filter: \"category > 0\" }\n";
  for (const char* type : {"left", "right", "full"}) {
    CAPTURE(type);
    Planned p = plan(with_after(pipeline(on + "      type: " + type + "\n", after)));
    REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
    const LogicalNode& q = p.node("q");
    CHECK(q.join->kind == JoinKind::kInterval);
    CHECK_FALSE(q.output_updating);
    CHECK(q.holds_back_watermark);
    CHECK(p.node("after").vertex != q.vertex);  // a held-back watermark ends the chain
    // person.ts is always the larger, but a left or full join pads person with NULLs.
    CHECK(q.event_time_column == (std::string(type) == "right" ? "person_ts" : ""));
  }
  Planned inner = plan(with_after(pipeline(on, after)));
  REQUIRE_MESSAGE(bool(inner.graph), dump(inner.diags));
  CHECK_FALSE(inner.node("q").holds_back_watermark);
  CHECK(inner.node("after").vertex == inner.node("q").vertex);
}

TEST_CASE("a join with window: is a window join with window_start and window_end") {
  Planned p = plan(pipeline(kRegular + "      window: { type: sliding, size: 10s, slide: 5s }\n"));
  REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
  const JoinConfig& j = *p.node("q").join;
  CHECK(j.kind == JoinKind::kWindow);
  CHECK(j.window.type == WindowType::kSliding);
  CHECK(j.window.size_ms == 10000);
  CHECK(j.window.slide_ms == 5000);
  CHECK(j.left_time_column == 3);
  const Schema& out = *j.output_schema;
  CHECK(out.field(out.size() - 2).name == "window_start");
  CHECK(out.field(out.size() - 1).name == "window_end");
  CHECK(p.graph->describe().find("window: sliding 10s every 5s on event time") != std::string::npos);
}

TEST_CASE("bounds without event time on both inputs stay a condition of a regular join") {
  std::string text = pipeline("      left: auction\n      right: person\n      on: \"auction.seller = person.id AND "
                              "person.ts BETWEEN auction.ts AND auction.ts + 1000\"\n");
  const std::string et = "    event_time: { column: ts }\n";
  text.erase(text.find(et), et.size());  // auction loses its event time
  Planned p = plan(text);
  REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
  CHECK(p.node("q").join->kind == JoinKind::kRegular);
  CHECK(bool(p.node("q").join->residual));
  CHECK(p.graph->describe().find("note: the time bounds stay a condition") != std::string::npos);
}

TEST_CASE("a stream joined with itself through aliases") {
  Planned p = plan(pipeline("      left: {input: auction, as: a}\n      right: {input: auction, as: b}\n"
                            "      on: \"a.seller = b.seller AND a.id < b.id\"\n"));
  std::string text = pipeline("      left: {input: auction, as: a}\n      right: {input: auction, as: b}\n"
                              "      on: \"a.seller = b.seller AND a.id < b.id\"\n");
  // person is read by nobody here: give it a sink of its own.
  text += "  - { name: out2, input: person, type: blackhole }\n";
  p = plan(text);
  REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
  int into_join = 0;
  for (const auto& e : p.graph->edges)
    if (p.graph->nodes[static_cast<size_t>(e.to_node)].name == "q") ++into_join;
  CHECK(into_join == 2);
  CHECK(names(*p.node("q").join->joined_schema) == "a_id,a_seller,a_category,a_ts,b_id,b_seller,b_category,b_ts");
}

TEST_CASE("bad joins are refused at their position with what to write instead") {
  // Line 18 holds `left:`, 19 `right:`, 20 `on:` (its text starts at column 12, inside quotes at 13).
  SUBCASE("no equality between the inputs") {
    Planned p = plan(pipeline("      left: auction\n      right: person\n      on: \"auction.seller > person.id\"\n"));
    CHECK_MESSAGE(has_error(p.diags, 20, 11, "'on' needs an equality between a column of auction and a column of person"),
                  dump(p.diags));
  }
  SUBCASE("an ambiguous column names both inputs' columns") {
    Planned p = plan(pipeline("      left: auction\n      right: person\n      on: \"id = person.id\"\n"));
    CHECK_MESSAGE(has_error(p.diags, 20, 12, "column 'id' is ambiguous: both auction (id, seller, category, ts) and "
                                             "person (id, name, city, ts) have it; write auction.id or person.id"),
                  dump(p.diags));
  }
  SUBCASE("an unknown column names both inputs' columns") {
    Planned p = plan(pipeline("      left: auction\n      right: person\n      on: \"auction.seller = person.idd\"\n"));
    CHECK_MESSAGE(has_error(p.diags, 20, 29, "unknown column 'person.idd'; the inputs have columns auction (id, "
                                             "seller, category, ts) and person (id, name, city, ts)"),
                  dump(p.diags));
  }
  SUBCASE("an unknown qualifier") {
    Planned p = plan(pipeline("      left: auction\n      right: person\n      on: \"bid.seller = person.id\"\n"));
    CHECK_MESSAGE(has_error(p.diags, 20, 12, "unknown input 'bid'"), dump(p.diags));
  }
  SUBCASE("a key equality between incompatible types") {
    Planned p = plan(pipeline("      left: auction\n      right: person\n      on: \"auction.seller = person.name\"\n"));
    CHECK_MESSAGE(has_error(p.diags, 20, 27, "the join key auction.seller = person.name compares int64 with string"),
                  dump(p.diags));
  }
  SUBCASE("BETWEEN bounds in the wrong order") {
    Planned p = plan(pipeline("      left: auction\n      right: person\n      on: \"auction.seller = person.id AND "
                              "person.ts BETWEEN auction.ts + INTERVAL '20' MINUTE AND auction.ts\"\n"));
    CHECK_MESSAGE(has_error(p.diags, 20, 53, "the bounds of BETWEEN are in the wrong order"), dump(p.diags));
    CHECK_MESSAGE(has_error(p.diags, 20, 53, "write person.ts BETWEEN auction.ts AND auction.ts + 1200000"),
                  dump(p.diags));
  }
  SUBCASE("an unknown join type") {
    Planned p = plan(pipeline(kRegular + "      type: outer\n"));
    CHECK_MESSAGE(has_error(p.diags, 21, 13, "must be one of inner | left | right | full, got 'outer'"), dump(p.diags));
  }
  SUBCASE("left and right the same stream without aliases") {
    std::string text = pipeline("      left: auction\n      right: auction\n      on: \"auction.id = auction.id\"\n");
    text += "  - { name: out2, input: person, type: blackhole }\n";
    Planned p = plan(text);
    CHECK_MESSAGE(has_error(p.diags, 19, 14, "left and right are both 'auction'; a join of a stream with itself needs "
                                             "an alias for each side"),
                  dump(p.diags));
  }
  SUBCASE("a join names an input that does not exist") {
    Planned p = plan(pipeline("      left: auction\n      right: people\n      on: \"auction.seller = people.id\"\n"));
    CHECK_MESSAGE(has_error(p.diags, 19, 14, "input 'people' of 'q' names no source or operator"), dump(p.diags));
  }
  SUBCASE("keys of one-input operators on a join") {
    Planned p = plan(pipeline(kRegular, "    key_by: [seller]\n"));
    CHECK_MESSAGE(has_error(p.diags, 21, 13, "'key_by' cannot go with 'join'"), dump(p.diags));
  }
  SUBCASE("state_ttl on an interval join") {
    Planned p = plan(pipeline("      left: auction\n      right: person\n      on: \"auction.seller = person.id AND "
                              "person.ts BETWEEN auction.ts AND auction.ts + 1000\"\n      state_ttl: 1h\n"));
    CHECK_MESSAGE(has_error(p.diags, 21, 18, "state_ttl applies to regular joins"), dump(p.diags));
  }
}

TEST_CASE("an updating stream is refused into an interval or a window join, taken by a regular one") {
  // q is a left join (updating); r joins it with person again.
  auto two_joins = [](const std::string& second) {
    std::string text = pipeline(kRegular + "      type: left\n");
    text.insert(text.find("sinks:"), "  - name: r\n    join:\n      left: q\n      right: {input: person, as: p2}\n" + second);
    text.replace(text.find("input: q, type"), 8, "input: r");
    return text;
  };
  Planned p = plan(two_joins("      on: \"q.seller = p2.id AND p2.ts BETWEEN q.auction_ts AND q.auction_ts + 1000\"\n"));
  CHECK_MESSAGE(has_error(p.diags, 24, 13, "'q' is an updating stream (a changelog of +I/-U/+U/-D rows), which an "
                                           "interval join cannot take"),
                dump(p.diags));
  p = plan(two_joins("      on: \"q.seller = p2.id\"\n      window: { type: tumbling, size: 10s }\n"));
  CHECK_MESSAGE(has_error(p.diags, 24, 13, "which a window join cannot take"), dump(p.diags));
  p = plan(two_joins("      on: \"q.seller = p2.id\"\n"));
  REQUIRE_MESSAGE(bool(p.graph), dump(p.diags));
  const LogicalNode& r = p.node("r");
  CHECK(r.join->left_updating);
  CHECK(r.output_updating);  // a regular join of an updating input updates
  CHECK(r.join->left_keys == std::vector<int>{2});  // "op" is column 0 of the left input
  CHECK(names(*r.join->joined_schema).find("op") == std::string::npos);
}

namespace {

/// A stream `auction` and a file table `person`, joined by a lookup `q` with the given body.
std::string lookup_pipeline(const std::string& body) {
  std::string text = pipeline("");
  const size_t at = text.find("    join:\n");
  return text.substr(0, at) + "    lookup:\n" + body + text.substr(at + 10);
}

}  // namespace

TEST_CASE("a lookup join reads its table whole: no exchange, keys computed from the stream, the stream's time kept") {
  Planned p = plan(lookup_pipeline("      input: { input: auction, as: A }\n"
                                   "      table: { input: person, as: P }\n"
                                   "      type: left\n"
                                   "      on: \"A.seller + 1 = P.id AND P.city <> 'x'\"\n"));
  REQUIRE_MESSAGE(static_cast<bool>(p.graph), (p.diags.empty() ? "" : p.diags[0].message));
  const LogicalNode& q = p.node("q");
  REQUIRE(static_cast<bool>(q.join));
  CHECK(q.join->kind == JoinKind::kLookup);
  CHECK(q.join->type == JoinType::kLeft);
  CHECK(q.join->left_keys == std::vector<int>{kComputedKey});
  CHECK(q.join->right_keys == std::vector<int>{0});
  REQUIRE(q.join->left_key_exprs.size() == 1);
  CHECK(static_cast<bool>(q.join->left_key_exprs[0]));
  CHECK(static_cast<bool>(q.join->residual));
  CHECK(q.join->lookup_table.path == "p.csv");
  CHECK(q.right_input < 0);
  CHECK(q.input_partitioning == EdgePartitioning::kForward);
  CHECK(q.event_time_column == "A_ts");  // both have ts: the joined column is prefixed
  CHECK(p.graph->describe().find("auction -> q -> out") != std::string::npos);  // one chain, the table no source
  for (const auto& n : p.graph->nodes) CHECK(n.name != "person");
}

TEST_CASE("a lookup join refuses a table read as a stream too, a missing table and key types that differ") {
  const std::string body = "      input: auction\n      table: person\n      on: \"auction.seller = person.id\"\n";
  std::string text = lookup_pipeline(body);
  text += "  - { name: out2, input: person, type: blackhole }\n";
  Planned streamed = plan(text);
  CHECK_FALSE(static_cast<bool>(streamed.graph));
  bool said = false;
  for (const auto& d : streamed.diags) said = said || d.message.find("is the table of a lookup join") != std::string::npos;
  CHECK(said);

  Planned missing = plan(lookup_pipeline("      input: auction\n      table: people\n      on: \"auction.seller = people.id\"\n"));
  CHECK_FALSE(static_cast<bool>(missing.graph));
  bool named = false;
  for (const auto& d : missing.diags) named = named || d.message.find("names no source") != std::string::npos;
  CHECK(named);

  Planned types = plan(lookup_pipeline("      input: auction\n      table: person\n      on: \"auction.seller = person.name\"\n"));
  CHECK_FALSE(static_cast<bool>(types.graph));
  REQUIRE(!types.diags.empty());
  CHECK(types.diags[0].message.find("compares int64 with string") != std::string::npos);
}
