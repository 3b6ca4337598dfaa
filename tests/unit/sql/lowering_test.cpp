// Scripts lowered into PipelineSpecs: the nexmark table's event_type pushed
// into the generator, computed columns folded, joins with one-sided
// conditions pushed below them, aggregates, Top-N, init scripts; and names
// resolved case-sensitively with suggestions.
#include <doctest/doctest.h>

#include "sql/sql_planner.h"

using namespace eddy;
using namespace eddy::sql;

namespace {

const char* kNexmark =
    "CREATE TABLE nx (event_type INT,\n"
    "  bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3)>,\n"
    "  auction ROW<id BIGINT, category BIGINT, dateTime TIMESTAMP(3)>,\n"
    "  dateTime AS CASE WHEN event_type = 1 THEN auction.dateTime ELSE bid.dateTime END,\n"
    "  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND\n"
    ") WITH ('connector' = 'nexmark', 'events.num' = '1000');\n"
    "CREATE VIEW bid AS SELECT bid.auction, bid.price, dateTime FROM nx WHERE event_type = 2;\n"
    "CREATE VIEW auction AS SELECT auction.id, auction.category, dateTime FROM nx WHERE event_type = 1;\n";

PipelineSpec plan(const std::string& text, std::vector<Diagnostic>& diags) {
  return plan_sql_script("job.sql", text, diags);
}

PipelineSpec plan_ok(const std::string& text) {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = plan(text, diags);
  INFO((diags.empty() ? std::string() : diags[0].message));
  REQUIRE(diags.empty());
  return spec;
}

const OperatorSpec* op_of_kind(const PipelineSpec& spec, OperatorKind kind) {
  for (const auto& o : spec.operators)
    if (o.kind == kind) return &o;
  return nullptr;
}

}  // namespace

TEST_CASE("a view's event_type filter picks the generator's table; its computed time is the generator's column") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT, t TIMESTAMP(3)) WITH ('connector' = 'print');\n"
                              "INSERT INTO o SELECT auction, dateTime FROM bid WHERE price > 10;");
  REQUIRE(spec.sources.size() == 1);
  const SourceSpec& s = spec.sources[0];
  CHECK(s.type == SourceType::kNexmark);
  CHECK(s.nexmark.table == NexmarkTable::kBid);
  CHECK(s.nexmark.events == 1000);
  CHECK(s.event_time.enabled);
  CHECK(s.event_time.column.text == "date_time");
  CHECK(s.event_time.max_out_of_orderness_ms == 4000);
  const OperatorSpec* filter = op_of_kind(spec, OperatorKind::kFilter);
  REQUIRE(filter);
  CHECK(filter->filter.text == "\"price\" > 10");
  const OperatorSpec* select = op_of_kind(spec, OperatorKind::kSelect);
  REQUIRE(select);
  REQUIRE(select->select.size() == 2);
  CHECK(select->select[0].column.text == "a");
  CHECK(select->select[1].expression.text == "\"date_time\"");
  REQUIRE(spec.sinks.size() == 1);
  CHECK(spec.sinks[0].type == SinkType::kPrint);
}

TEST_CASE("an inner join takes WHERE into its condition and filters each side by its own conditions first") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT, p BIGINT) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT A.id, B.price FROM bid B JOIN auction A ON B.auction = A.id\n"
                              "WHERE A.category = 10 AND B.dateTime BETWEEN A.dateTime AND A.dateTime + INTERVAL '1' SECOND;");
  const OperatorSpec* join = op_of_kind(spec, OperatorKind::kJoin);
  REQUIRE(join);
  CHECK(join->join.left.alias.text == "B");
  CHECK(join->join.right.alias.text == "A");
  CHECK(join->join.on.text.find("\"B\".\"auction\" = \"A\".\"id\"") == 0);
  CHECK(join->join.on.text.find("BETWEEN") != std::string::npos);
  CHECK(join->join.on.text.find("category") == std::string::npos);
  const OperatorSpec* filter = op_of_kind(spec, OperatorKind::kFilter);
  REQUIRE(filter);
  CHECK(filter->filter.text == "\"category\" = 10");
  // Only the columns the query reads after the join come out of it: those
  // only its condition reads (auction, the times) stay inside.
  std::vector<std::string> out;
  for (const auto& item : join->select) out.push_back(item.column.text);
  CHECK(out == std::vector<std::string>{"price", "id"});
}

TEST_CASE("GROUP BY becomes a keyed aggregate; AVG is the sum over the count; HAVING a filter after it") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT, n BIGINT, m BIGINT) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT auction, COUNT(*) FILTER (WHERE price > 5), AVG(price)\n"
                              "FROM bid GROUP BY auction HAVING COUNT(*) > 1;");
  const OperatorSpec* agg = op_of_kind(spec, OperatorKind::kKeyedAggregate);
  REQUIRE(agg);
  REQUIRE(agg->key_by.size() == 1);
  CHECK(agg->key_by[0].text == "auction");
  REQUIRE(agg->aggregate.size() == 4);
  CHECK(agg->aggregate[0].call.text == "count(*) FILTER (WHERE \"price\" > 5)");
  CHECK(agg->aggregate[1].call.text == "sum(price)");
  CHECK(agg->aggregate[2].call.text == "count(price)");
  CHECK(agg->aggregate[3].call.text == "count(*)");
  bool having = false;
  for (const auto& o : spec.operators) having = having || (o.kind == OperatorKind::kFilter && o.filter.text == "\"agg_3\" > 1");
  CHECK(having);
}

TEST_CASE("window TVFs and legacy group windows become window aggregates") {
  PipelineSpec tvf = plan_ok(std::string(kNexmark) +
                             "CREATE TABLE o (a BIGINT, s TIMESTAMP(3), n BIGINT) WITH ('connector' = 'blackhole');\n"
                             "INSERT INTO o SELECT auction, window_start, COUNT(*)\n"
                             "FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))\n"
                             "GROUP BY auction, window_start, window_end;");
  const OperatorSpec* w = op_of_kind(tvf, OperatorKind::kWindowAggregate);
  REQUIRE(w);
  CHECK(w->window.type == "sliding");
  CHECK(w->window.slide_ms == 2000);
  CHECK(w->window.size_ms == 10000);
  PipelineSpec legacy = plan_ok(std::string(kNexmark) +
                                "CREATE TABLE o (a BIGINT, e TIMESTAMP(3)) WITH ('connector' = 'blackhole');\n"
                                "INSERT INTO o SELECT auction, SESSION_END(dateTime, INTERVAL '10' SECOND)\n"
                                "FROM bid GROUP BY auction, SESSION(dateTime, INTERVAL '10' SECOND);");
  w = op_of_kind(legacy, OperatorKind::kWindowAggregate);
  REQUIRE(w);
  CHECK(w->window.type == "session");
  CHECK(w->window.gap_ms == 10000);
}

TEST_CASE("CUMULATE takes its step, then its size, as a cumulating window aggregate") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT, s TIMESTAMP(3), e TIMESTAMP(3), n BIGINT)\n"
                              "  WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT auction, window_start, window_end, COUNT(*)\n"
                              "FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND, "
                              "INTERVAL '1' MINUTE))\n"
                              "GROUP BY auction, window_start, window_end;");
  const OperatorSpec* w = op_of_kind(spec, OperatorKind::kWindowAggregate);
  REQUIRE(w);
  CHECK(w->window.type == "cumulate");
  CHECK(w->window.step_ms == 10000);
  CHECK(w->window.size_ms == 60000);
  CHECK_FALSE(w->window.processing_time);
  // Messages about the step point at the step, about the size at the size.
  CHECK(w->window.step_loc.line == 12);
  CHECK(w->window.step_loc.column == 54);
  CHECK(w->window.size_loc.line == 12);
  CHECK(w->window.size_loc.column == 76);
  std::vector<Diagnostic> diags;
  plan(std::string(kNexmark) + "CREATE TABLE o (n BIGINT) WITH ('connector' = 'blackhole');\n"
                               "INSERT INTO o SELECT COUNT(*)\n"
                               "FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' MINUTE))\n"
                               "GROUP BY window_start, window_end;",
       diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].message.find("CUMULATE takes two intervals after DESCRIPTOR(...): the step, then the size") == 0);
}

TEST_CASE("ROW_NUMBER() filtered outside its subquery is a Top-N") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT, p BIGINT) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT auction, price FROM (\n"
                              "  SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bid)\n"
                              "WHERE rn <= 3;");
  const OperatorSpec* top = op_of_kind(spec, OperatorKind::kTopN);
  REQUIRE(top);
  CHECK(top->top_n.n == 3);
  CHECK(top->top_n.order_by.text == "price DESC");
  REQUIRE(top->top_n.partition_by.size() == 1);
  CHECK(top->top_n.partition_by[0].text == "auction");
}

TEST_CASE("names are case-sensitive, and unknown ones come with the nearest known") {
  std::vector<Diagnostic> diags;
  plan(std::string(kNexmark) + "CREATE TABLE o (a BIGINT) WITH ('connector' = 'print');\n"
                               "INSERT INTO o SELECT AUCTION FROM bid;",
       diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].loc.line == 10);
  CHECK(diags[0].loc.column == 22);
  CHECK(diags[0].message.find("unknown column 'AUCTION'; did you mean 'auction'?") == 0);
  CHECK(diags[0].message.find("case-sensitive") != std::string::npos);
}

TEST_CASE("init scripts: messages name the file and line they are in") {
  const std::string text = join_scripts({{"ddl.sql", kNexmark}, {"q.sql", "INSERT INTO nope SELECT 1 FROM bid;"}});
  std::vector<Diagnostic> diags;
  plan_sql_script("q.sql", text, diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].file == "q.sql");
  CHECK(diags[0].loc.line == 1);
  CHECK(diags[0].loc.column == 13);
  CHECK(diags[0].message.find("unknown table 'nope'") == 0);
}

TEST_CASE("SET keys map to the job's settings; unknown keys are refused with the known ones") {
  PipelineSpec spec = plan_ok(std::string("SET 'parallelism.default' = '3';\n"
                                          "SET 'execution.checkpointing.interval' = '10 s';\n"
                                          "SET 'execution.checkpointing.dir' = 'file:///tmp/ck';\n"
                                          "SET 'state.backend.type' = 'rocksdb';\n") +
                              kNexmark +
                              "CREATE TABLE o (a BIGINT) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT auction FROM bid;");
  CHECK(spec.parallelism == 3);
  CHECK(spec.checkpoints.enabled);
  CHECK(spec.checkpoints.interval_us == 10000000);
  CHECK(spec.checkpoints.dir == "/tmp/ck");
  CHECK(spec.state_backend == "rocksdb");
  std::vector<Diagnostic> diags;
  plan("SET 'execution.checkpointing.interval' = 'soon';", diags);
  REQUIRE_FALSE(diags.empty());
  CHECK(diags[0].message.find("must be a duration") != std::string::npos);
}

TEST_CASE("UNION ALL merges SELECTs two at a time under the first one's column names") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT, t TIMESTAMP(3)) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT auction, dateTime FROM bid UNION ALL SELECT id, dateTime FROM auction\n"
                              "UNION ALL SELECT auction + 1, dateTime FROM bid;");
  std::vector<const OperatorSpec*> unions;
  for (const auto& o : spec.operators)
    if (o.kind == OperatorKind::kUnion) unions.push_back(&o);
  REQUIRE(unions.size() == 2);
  CHECK(unions[1]->input.text == unions[0]->name.text);
  std::vector<Diagnostic> diags;
  plan(std::string(kNexmark) + "CREATE TABLE o (a BIGINT) WITH ('connector' = 'blackhole');\n"
                               "INSERT INTO o SELECT auction FROM bid UNION ALL SELECT id, category FROM auction;",
       diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].message.find("gives 2 columns, the first gives 1") != std::string::npos);
}

TEST_CASE("WITH names queries for one statement; DISTINCT groups; PROCTIME() windows on processing time") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT, n BIGINT) WITH ('connector' = 'blackhole');\n"
                              "CREATE TABLE d (a BIGINT) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o WITH b AS (SELECT auction, PROCTIME() AS pt FROM bid)\n"
                              "SELECT auction, COUNT(*) FROM TABLE(TUMBLE(TABLE b, DESCRIPTOR(pt), INTERVAL '10' SECOND))\n"
                              "GROUP BY auction, window_start, window_end;\n"
                              "INSERT INTO d SELECT DISTINCT auction FROM bid;");
  const OperatorSpec* w = op_of_kind(spec, OperatorKind::kWindowAggregate);
  REQUIRE(w);
  CHECK(w->window.processing_time);
  const OperatorSpec* distinct = op_of_kind(spec, OperatorKind::kKeyedAggregate);
  REQUIRE(distinct);
  REQUIRE(distinct->key_by.size() == 1);
  CHECK(distinct->aggregate.empty());
  std::vector<Diagnostic> diags;
  plan(std::string(kNexmark) + "CREATE TABLE o (t TIMESTAMP(3)) WITH ('connector' = 'blackhole');\n"
                               "INSERT INTO o SELECT pt FROM (SELECT PROCTIME() AS pt FROM bid);",
       diags);
  REQUIRE_FALSE(diags.empty());
  CHECK(diags[0].message.find("is PROCTIME()") != std::string::npos);
}

TEST_CASE("a temporal join on a PROCTIME() column becomes a lookup join whose table is a file source") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE side (key BIGINT, `value` VARCHAR) WITH ('connector.type' = 'filesystem',\n"
                              "  'connector.path' = 'file:///data/side.csv', 'format.type' = 'csv');\n"
                              "CREATE TABLE o (a BIGINT, v VARCHAR) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT B.auction, S.`value`\n"
                              "FROM (SELECT *, PROCTIME() AS p FROM bid) B\n"
                              "LEFT JOIN side FOR SYSTEM_TIME AS OF B.p AS S ON mod(B.auction, 100) = S.key;");
  const OperatorSpec* lookup = op_of_kind(spec, OperatorKind::kLookupJoin);
  REQUIRE(lookup);
  CHECK(lookup->join.type.text == "left");
  CHECK(lookup->join.right.alias.text == "S");
  CHECK(lookup->join.on.text == "mod(\"B\".\"auction\", 100) = \"S\".\"key\"");
  const SourceSpec* table = nullptr;
  for (const SourceSpec& s : spec.sources)
    if (s.name.text == lookup->join.right.input.text) table = &s;
  REQUIRE(table);
  CHECK(table->type == SourceType::kFile);
  CHECK(table->file.path == "/data/side.csv");  // the file:// URI as a path
  CHECK(table->file.schema->to_string() == "key: int64, value: string");
}

TEST_CASE("a temporal join refuses AS OF an event-time column, and a table that is no file") {
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"FROM bid B JOIN side FOR SYSTEM_TIME AS OF B.dateTime AS S ON B.auction = S.key",
            "an event-time column (a temporal join against a versioned table) is not supported"},
           {"FROM (SELECT *, PROCTIME() AS p FROM bid) B JOIN auction FOR SYSTEM_TIME AS OF B.p AS S ON B.auction = S.id",
            "so 'auction' must be one"},
           {"FROM (SELECT *, PROCTIME() AS p FROM bid) B RIGHT JOIN side FOR SYSTEM_TIME AS OF B.p AS S "
            "ON B.auction = S.key",
            "a temporal join is an inner join or a LEFT JOIN"}}) {
    std::vector<Diagnostic> diags;
    plan(std::string(kNexmark) +
             "CREATE TABLE side (key BIGINT, v VARCHAR) WITH ('connector' = 'filesystem', 'path' = 's.csv', "
             "'format' = 'csv');\n"
             "CREATE TABLE o (a BIGINT) WITH ('connector' = 'blackhole');\n"
             "INSERT INTO o SELECT B.auction " + text + ";",
         diags);
    REQUIRE(!diags.empty());
    CHECK_MESSAGE(diags[0].message.find(message) != std::string::npos, diags[0].message);
  }
}

TEST_CASE("the same window aggregate written in two subqueries runs once (sub-plan reuse)") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT, n BIGINT) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT C.auction, C.num FROM (\n"
                              "  SELECT auction, count(*) AS num, window_start AS s FROM TABLE(TUMBLE(TABLE bid,\n"
                              "    DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY auction, window_start, window_end) C\n"
                              "JOIN (SELECT max(num) AS m, s FROM (\n"
                              "  SELECT count(*) AS num, window_start AS s FROM TABLE(TUMBLE(TABLE bid,\n"
                              "    DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY auction, window_start, window_end) X\n"
                              "  GROUP BY s) M ON C.s = M.s AND C.num >= M.m;");
  int windows = 0;
  std::string window;
  for (const OperatorSpec& o : spec.operators)
    if (o.kind == OperatorKind::kWindowAggregate) {
      ++windows;
      window = o.name.text;
    }
  CHECK(windows == 1);
  int readers = 0;  // the join and the max aggregate both read the one window
  for (const OperatorSpec& o : spec.operators)
    readers += o.input.text == window || o.join.left.input.text == window || o.join.right.input.text == window;
  CHECK(readers == 2);
}

namespace {

/// bid and auction as window TVFs of `bid_window` and `auction_window`, joined by `join` ON `on`.
std::string tvf_join(const std::string& bid_window, const std::string& auction_window, const std::string& join,
                     const std::string& on, const std::string& select = "B.auction, A.id, B.window_start, A.window_end") {
  return std::string(kNexmark) +
         "CREATE TABLE o (a BIGINT, i BIGINT, s TIMESTAMP(3), e TIMESTAMP(3)) WITH ('connector' = 'blackhole');\n"
         "INSERT INTO o SELECT " + select + "\n"
         "FROM (SELECT * FROM TABLE(" + bid_window + ")) B\n" +
         join + " (SELECT * FROM TABLE(" + auction_window + ")) A\n"
         "ON " + on + ";";
}

const char* kBidTumble = "TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)";
const char* kAuctionTumble = "TUMBLE(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)";
const char* kWindowsEqual = "B.auction = A.id AND B.window_start = A.window_start AND B.window_end = A.window_end";

/// The select that reads `input`.
const OperatorSpec* select_of(const PipelineSpec& spec, const std::string& input) {
  for (const auto& o : spec.operators)
    if (o.kind == OperatorKind::kSelect && o.input.text == input) return &o;
  return nullptr;
}

}  // namespace

TEST_CASE("a join of window TVFs ON window_start and window_end is a window join; the equalities leave ON") {
  PipelineSpec spec = plan_ok(tvf_join(kBidTumble, kAuctionTumble, "JOIN", kWindowsEqual));
  const OperatorSpec* join = op_of_kind(spec, OperatorKind::kJoin);
  REQUIRE(join);
  CHECK(join->join.window.present);
  CHECK(join->join.window.type == "tumbling");
  CHECK(join->join.window.size_ms == 10000);
  CHECK(join->join.type.text == "inner");
  CHECK(join->join.on.text == "\"B\".\"auction\" = \"A\".\"id\"");
  // Each side is its source as it is: the event-time column travels, unnamed by the query.
  CHECK(join->join.left.input.text == spec.sources[0].name.text);
  std::vector<std::string> out;
  for (const auto& item : join->select) out.push_back(item.column.text);
  CHECK(out == std::vector<std::string>{"auction", "id"});
  // Both sides' window columns are the join's window_start and window_end.
  const OperatorSpec* sink_select = select_of(spec, join->name.text);
  REQUIRE(sink_select);
  REQUIRE(sink_select->select.size() == 4);
  CHECK(sink_select->select[2].expression.text == "\"window_start\"");
  CHECK(sink_select->select[3].expression.text == "\"window_end\"");
}

TEST_CASE("HOP windows and outer window joins: a padded side's window columns are NULL, as Flink's") {
  PipelineSpec spec = plan_ok(
      tvf_join("HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '5' SECOND, INTERVAL '10' SECOND)",
               "HOP(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '5' SECOND, INTERVAL '10' SECOND)", "LEFT JOIN",
               kWindowsEqual, "B.auction, A.id, B.window_start, A.window_start"));
  const OperatorSpec* join = op_of_kind(spec, OperatorKind::kJoin);
  REQUIRE(join);
  CHECK(join->join.type.text == "left");
  CHECK(join->join.window.type == "sliding");
  CHECK(join->join.window.slide_ms == 5000);
  const OperatorSpec* sink_select = select_of(spec, join->name.text);
  REQUIRE(sink_select);
  REQUIRE(sink_select->select.size() == 4);
  CHECK(sink_select->select[2].expression.text == "\"window_start\"");
  CHECK(sink_select->select[3].expression.text == "(CASE WHEN \"id\" IS NULL THEN NULL ELSE \"window_start\" END)");
}

TEST_CASE("two window aggregates joined on their windows (Nexmark q8) are a window join over their results") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT, s TIMESTAMP(3)) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT B.auction, B.starttime FROM\n"
                              "(SELECT auction, window_start AS starttime, window_end AS endtime FROM TABLE(" +
                              kBidTumble + ")\n GROUP BY auction, window_start, window_end) B JOIN\n"
                              "(SELECT id, window_start AS starttime, window_end AS endtime FROM TABLE(" +
                              kAuctionTumble + ")\n GROUP BY id, window_start, window_end) A\n"
                              "ON B.auction = A.id AND B.starttime = A.starttime AND B.endtime = A.endtime;");
  const OperatorSpec* join = op_of_kind(spec, OperatorKind::kJoin);
  REQUIRE(join);
  CHECK(join->join.window.present);
  CHECK(join->join.on.text == "\"B\".\"auction\" = \"A\".\"id\"");
  std::vector<std::string> out;
  for (const auto& item : join->select) out.push_back(item.column.text);
  CHECK(out == std::vector<std::string>{"auction", "id"});
  const OperatorSpec* sink_select = select_of(spec, join->name.text);
  REQUIRE(sink_select);
  CHECK(sink_select->select[1].expression.text == "\"window_start\"");
}

TEST_CASE("window joins Flink does not make: windows that differ are refused, window_start alone is no window join") {
  std::vector<Diagnostic> diags;
  plan(tvf_join(kBidTumble, "TUMBLE(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '5' SECOND)", "JOIN",
                kWindowsEqual),
       diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].message.find("the same window on both sides, but the left's is TUMBLE(10 s) and the right's "
                              "TUMBLE(5 s)") != std::string::npos);
  CHECK(diags[0].loc.line == 13);  // at the first window equality
  CHECK(diags[0].loc.column == 25);
  diags.clear();
  plan(tvf_join(kBidTumble, kAuctionTumble, "JOIN", "B.auction = A.id AND B.window_start = A.window_start"), diags);
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].message.find("(this ON equates only window_start)") != std::string::npos);
  diags.clear();
  plan(std::string(kNexmark) + "CREATE TABLE o (a BIGINT) WITH ('connector' = 'blackhole');\n"
                               "INSERT INTO o SELECT * FROM TABLE(" + kBidTumble + ");",
       diags);
  REQUIRE_FALSE(diags.empty());
  CHECK(diags[0].message.find("runs as a window aggregate or a window join") != std::string::npos);
  // Window aggregates equated on window_start alone: a regular join, as Flink plans it.
  PipelineSpec spec = plan_ok(std::string(kNexmark) +
                              "CREATE TABLE o (a BIGINT) WITH ('connector' = 'blackhole');\n"
                              "INSERT INTO o SELECT B.auction FROM\n"
                              "(SELECT auction, window_start FROM TABLE(" + kBidTumble +
                              ") GROUP BY auction, window_start, window_end) B JOIN\n"
                              "(SELECT id, window_start FROM TABLE(" + kAuctionTumble +
                              ") GROUP BY id, window_start, window_end) A\n"
                              "ON B.auction = A.id AND B.window_start = A.window_start;");
  const OperatorSpec* join = op_of_kind(spec, OperatorKind::kJoin);
  REQUIRE(join);
  CHECK_FALSE(join->join.window.present);
  CHECK(join->join.on.text.find("\"window_start\"") != std::string::npos);
  // HOP window aggregates: each result would fall in several windows of the
  // join, so they stay a regular join on both window columns.
  const std::string hop = "HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '5' SECOND, INTERVAL '10' SECOND)";
  spec = plan_ok(std::string(kNexmark) +
                 "CREATE TABLE o (a BIGINT) WITH ('connector' = 'blackhole');\n"
                 "INSERT INTO o SELECT B.auction FROM\n"
                 "(SELECT auction, window_start, window_end FROM TABLE(" + hop +
                 ") GROUP BY auction, window_start, window_end) B JOIN\n"
                 "(SELECT auction, window_start, window_end FROM TABLE(" + hop +
                 ") GROUP BY auction, window_start, window_end) A\n"
                 "ON B.auction = A.auction AND B.window_start = A.window_start AND B.window_end = A.window_end;");
  join = op_of_kind(spec, OperatorKind::kJoin);
  REQUIRE(join);
  CHECK_FALSE(join->join.window.present);
  CHECK(join->join.on.text.find("\"window_end\"") != std::string::npos);
}

TEST_CASE("a SELECT prints a changelog: an append-only result's rows get op +I first, an updating one keeps its op") {
  PipelineSpec spec = plan_ok(std::string(kNexmark) + "SELECT auction, price FROM bid;");
  REQUIRE(spec.sinks.size() == 1);
  CHECK(spec.sinks[0].type == SinkType::kPrint);
  const OperatorSpec* select = op_of_kind(spec, OperatorKind::kSelect);
  REQUIRE(select);
  REQUIRE(select->select.size() == 3);
  CHECK(select->select[0].column.text == "op");
  CHECK(select->select[0].expression.text == "'+I'");
  PipelineSpec grouped = plan_ok(std::string(kNexmark) + "SELECT auction, COUNT(*) AS n FROM bid GROUP BY auction;");
  for (const OperatorSpec& o : grouped.operators)
    for (const auto& item : o.select) CHECK(item.expression.text != "'+I'");
}
