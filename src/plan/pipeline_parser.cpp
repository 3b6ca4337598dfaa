// YAML -> PipelineSpec for the keys of PIPELINES.md.
#include "plan/pipeline_parser.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "connectors/datagen_source.h"
#include "connectors/jdbc_options.h"
#include "connectors/kafka_options.h"
#include "core/time_util.h"
#include "plan/yaml_quotes.h"
#include "plan/monitor_spec.h"
#include "plan/yaml_reader.h"

namespace eddy {
namespace {

constexpr int64_t kMaxParallelism = 32768;

std::optional<EdgePartitioning> read_partition(MapReader& r, SourceLocation& loc) {
  YAML::Node n = r.get("partition");
  loc = location_of(n);
  auto p = r.choice("partition", {"forward", "rebalance", "hash", "broadcast"});
  if (!p) return std::nullopt;
  if (*p == "forward") return EdgePartitioning::kForward;
  if (*p == "rebalance") return EdgePartitioning::kRebalance;
  if (*p == "hash") return EdgePartitioning::kHash;
  return EdgePartitioning::kBroadcast;
}

std::vector<LocatedText> read_name_list(MapReader& r, const std::string& key) {
  std::vector<LocatedText> out;
  YAML::Node n = r.get(key);
  if (!n.IsDefined() || n.IsNull()) return out;
  if (n.IsScalar()) {
    out.push_back(located_scalar(n));
  } else if (n.IsSequence()) {
    for (const auto& item : n) {
      if (item.IsScalar()) out.push_back(located_scalar(item));
      else r.error(item, "'" + key + "' of " + r.what() + " must list column names");
    }
  } else {
    r.error(n, "'" + key + "' of " + r.what() + " must be a list of column names");
  }
  return out;
}

int32_t read_parallelism(MapReader& r) {
  return static_cast<int32_t>(r.integer("parallelism", 1, kMaxParallelism).value_or(0));
}

FileFormat read_format(MapReader& r, FileFormat fallback, bool required) {
  auto f = r.choice("format", {"csv", "jsonl"}, required);
  if (!f) return fallback;
  return *f == "csv" ? FileFormat::kCsv : FileFormat::kJsonl;
}

SchemaPtr read_schema(MapReader& r) {
  YAML::Node n = r.get("schema");
  if (!n.IsDefined()) {
    r.error(r.node(), r.what() + " needs a 'schema' mapping column names to types "
                                 "(int64, float64, bool, string, timestamp)");
    return nullptr;
  }
  if (!n.IsMap() || n.size() == 0) {
    r.error(n, "'schema' of " + r.what() + " must map column names to types");
    return nullptr;
  }
  std::vector<Field> fields;
  for (auto it = n.begin(); it != n.end(); ++it) {
    auto type = it->second.IsScalar() ? parse_type_name(it->second.Scalar()) : std::nullopt;
    if (!type) {
      r.error(it->second, "unknown type for column '" + it->first.Scalar() + "' of " + r.what() +
                              "; expected int64, float64, bool, string or timestamp");
      continue;
    }
    fields.push_back({it->first.Scalar(), *type});
  }
  return std::make_shared<Schema>(std::move(fields));
}

/// A duration under `key` in whole milliseconds, the unit of event time and
/// windows: "1500us" is refused rather than cut to 1 ms (or "100us" to 0,
/// which would turn emit_every off). `loc` receives the value's position.
std::optional<int64_t> duration_ms(MapReader& r, const std::string& key, bool required,
                                   SourceLocation& loc) {
  loc = location_of(r.get(key));
  auto us = r.duration_us(key, required);
  if (!us) return std::nullopt;
  if (*us % 1000 != 0) {
    r.error(loc, "'" + key + "' of " + r.what() + " must be a whole number of milliseconds, got " +
                     std::to_string(*us) + "us");
    return std::nullopt;
  }
  return *us / 1000;
}

/// `alignment_max_drift` of event_time: a positive duration, or `off`; -1 when absent.
int64_t alignment_drift(MapReader& r) {
  YAML::Node n = r.get("alignment_max_drift");
  if (!n.IsDefined()) return -1;
  if (n.IsScalar() && n.Scalar() == "off") return 0;
  SourceLocation loc;
  auto ms = duration_ms(r, "alignment_max_drift", false, loc);
  if (ms && *ms <= 0) r.error(loc, "'alignment_max_drift' of " + r.what() + " must be longer than 0, or off");
  return ms.value_or(-1);
}

void read_file_source(MapReader& r, SourceSpec& s) {
  if (auto p = r.text("path", true)) {
    s.file.path = p->text;
    s.path_loc = p->loc;
  }
  s.file.format = read_format(r, FileFormat::kCsv, true);
  s.file.header = r.boolean("header").value_or(false);
  if (s.file.header && s.file.format != FileFormat::kCsv)
    r.error(r.get("header"), "'header' applies to csv files only");
  auto on_error = r.choice("on_error", {"fail", "skip"});
  s.file.on_error = on_error && *on_error == "skip" ? OnError::kSkip : OnError::kFail;
  s.file.schema = read_schema(r);
  if (auto sz = r.integer("split_size", 4096, int64_t{1} << 40)) s.file.split_size = *sz;
}

void read_datagen_field(const std::string& name, const YAML::Node& node,
                        std::vector<Diagnostic>& diags, DatagenConfig& cfg) {
  MapReader r(node, "datagen field '" + name + "'", diags);
  if (!r.valid()) return;
  DatagenField f;
  f.name = name;
  auto kind = r.choice("kind", {"sequence", "random", "choice", "timestamp"}, true);
  if (!kind) return;
  if (*kind == "sequence") {
    f.kind = DatagenField::Kind::kSequence;
    f.type = DataType::kInt64;
    f.start = r.integer("start", INT64_MIN, INT64_MAX).value_or(0);
    f.step = r.integer("step", INT64_MIN, INT64_MAX).value_or(1);
  } else if (*kind == "random") {
    f.kind = DatagenField::Kind::kRandom;
    auto type = r.choice("type", {"int64", "float64"});
    f.type = type && *type == "float64" ? DataType::kFloat64 : DataType::kInt64;
    f.min = r.number("min", true).value_or(0);
    f.max = r.number("max", true).value_or(0);
    if (f.max < f.min) r.error(node, "'max' of " + r.what() + " is below 'min'");
  } else if (*kind == "choice") {
    f.kind = DatagenField::Kind::kChoice;
    f.type = DataType::kString;
    YAML::Node v = r.get("values");
    if (!v.IsSequence() || v.size() == 0) {
      r.error(v.IsDefined() ? v : node, r.what() + " needs 'values', a non-empty list");
    } else {
      for (const auto& item : v) f.values.push_back(item.IsScalar() ? item.Scalar() : "");
    }
  } else {
    f.kind = DatagenField::Kind::kTimestamp;
    f.type = DataType::kTimestamp;
    if (auto start = r.text("start", true)) {
      auto ts = parse_timestamp_ms(start->text);
      if (ts.ok()) f.ts_start_ms = *ts;
      else r.error(start->loc, "'start' of " + r.what() + ": " + ts.status().message());
    }
    f.ts_step_us = r.duration_us("step").value_or(1000);
  }
  // Sequences and timestamps must stay within int64 over the rows generated
  // (random bounds are checked with the rest of the source when planning).
  if (f.kind == DatagenField::Kind::kSequence || f.kind == DatagenField::Kind::kTimestamp) {
    YAML::Node step = r.get("step");
    if (Status st = check_datagen_field(f, cfg.rows); !st.is_ok())
      r.error(step.IsDefined() ? step : node, st.message());
  }
  r.reject_unknown_keys();
  cfg.fields.push_back(std::move(f));
}

void read_datagen_source(MapReader& r, SourceSpec& s, std::vector<Diagnostic>& diags) {
  s.datagen.rows = r.integer("rows", 0, INT64_MAX).value_or(-1);
  s.datagen.rows_per_second = r.integer("rows_per_second", 0, INT64_MAX).value_or(0);
  s.datagen.seed = static_cast<uint64_t>(r.integer("seed", INT64_MIN, INT64_MAX).value_or(0));
  YAML::Node fields = r.get("fields");
  if (!fields.IsMap() || fields.size() == 0) {
    r.error(fields.IsDefined() ? fields : r.node(),
            r.what() + " needs 'fields', a mapping of column names to generators");
    return;
  }
  for (auto it = fields.begin(); it != fields.end(); ++it)
    read_datagen_field(it->first.Scalar(), it->second, diags, s.datagen);
}

void read_nexmark_source(MapReader& r, SourceSpec& s) {
  auto table = r.choice("table", {"bid", "auction", "person"}, true);
  if (table) {
    s.nexmark.table = *table == "bid"       ? NexmarkTable::kBid
                      : *table == "auction" ? NexmarkTable::kAuction
                                            : NexmarkTable::kPerson;
  }
  s.nexmark.events = r.integer("events", 0, INT64_MAX).value_or(-1);
  s.nexmark.events_per_second = r.integer("events_per_second", 0, INT64_MAX).value_or(0);
  // Events per second of event time (Flink's nexmark first-event.rate): event i
  // is dated base + i / first_event_rate seconds.
  s.nexmark.first_event_rate = r.integer("first_event_rate", 1, 1000000000).value_or(s.nexmark.first_event_rate);
  s.nexmark.seed = static_cast<uint64_t>(r.integer("seed", INT64_MIN, INT64_MAX).value_or(0));
}

/// `type: jdbc` / `type: redis`: a lookup table with a `schema` and the
/// connector's option names as keys (docs/connectors.md), as in SQL's WITH.
void read_lookup_table(MapReader& r, SourceSpec& s) {
  LookupTableConfig& t = s.lookup;
  t.connector = s.type == SourceType::kJdbc ? LookupConnector::kJdbc : LookupConnector::kRedis;
  t.name = s.name.text;
  t.schema = read_schema(r);
  std::map<std::string, std::string> options;
  const std::vector<std::string>& keys = lookup_option_keys(t.connector);
  for (const std::string& key : keys)
    if (YAML::Node v = r.get(key); v.IsDefined()) {
      // An unquoted `null` (lookup.timeout-policy: null) is YAML's null: the word is meant.
      if (v.IsNull()) options[key] = "null";
      else if (v.IsScalar()) options[key] = v.Scalar();
      else r.error(v, "'" + key + "' of " + r.what() + " must be a text value");
    }
  parse_lookup_options(options, t, [&](const std::string& key, const std::string& message) {
    r.error(key.empty() ? r.node() : r.get(key), r.what() + ": " + message);
  });
}

/// A jdbc source read as a stream: a bounded scan (docs/connectors.md) of the
/// table its lookup options name, with Flink's `scan.*` options.
void read_jdbc_scan(MapReader& r, SourceSpec& s) {
  s.jdbc_scan = jdbc_scan_of(s.lookup);
  JdbcScanConfig& c = s.jdbc_scan;
  std::map<std::string, std::string> options;
  for (const std::string& key : jdbc_scan_option_keys())
    if (YAML::Node v = r.get(key); v.IsDefined()) {
      if (v.IsScalar()) options[key] = v.Scalar();
      else r.error(v, "'" + key + "' of " + r.what() + " must be a text value");
    }
  parse_jdbc_scan_options(options, c, [&](const std::string& key, const std::string& message) {
    r.error(key.empty() ? r.node() : r.get(key), r.what() + ": " + message);
  });
}

/// The kafka options of a `type: kafka` source or sink: every key but the
/// pipeline's own (`own`), as Flink's option names, each at its value's place.
std::vector<KafkaOptionText> kafka_option_texts(MapReader& r, const std::set<std::string>& own,
                                                std::vector<SourceLocation>& locs) {
  std::vector<KafkaOptionText> out;
  for (auto it = r.node().begin(); it != r.node().end(); ++it) {
    const std::string key = it->first.Scalar();
    if (own.count(key)) continue;
    YAML::Node v = r.get(key);
    if (!v.IsScalar()) {
      r.error(v, "'" + key + "' of " + r.what() + " must be a single value");
      continue;
    }
    out.push_back({key, v.Scalar()});
    locs.push_back(location_of(v));
  }
  return out;
}

void report_kafka_problems(MapReader& r, const std::vector<KafkaOptionProblem>& problems,
                           const std::vector<SourceLocation>& locs) {
  for (const auto& p : problems)
    r.error(p.option < locs.size() ? locs[p.option] : location_of(r.node()), r.what() + ": " + p.message);
}

/// `type: kafka` with Flink's Kafka option names as keys (docs/connectors.md, "Kafka").
void read_kafka_source(MapReader& r, SourceSpec& s) {
  std::vector<SourceLocation> locs;
  auto options = kafka_option_texts(r, {"name", "type", "parallelism", "schema", "event_time"}, locs);
  report_kafka_problems(r, read_kafka_source_options(options, s.kafka), locs);
  s.kafka.schema = read_schema(r);
  if (s.kafka.format == KafkaFormat::kRaw && s.kafka.schema &&
      (s.kafka.schema->size() != 1 || s.kafka.schema->field(0).type != DataType::kString))
    r.error(r.get("schema"), "format 'raw' reads each message into one string column: 'schema' must have one "
                             "column of type string");
}

void read_source(const YAML::Node& node, PipelineSpec& spec, std::vector<Diagnostic>& diags) {
  SourceSpec s;
  s.loc = location_of(node);
  MapReader r(node, "source", diags);
  if (!r.valid()) return;
  if (auto n = r.text("name", true)) s.name = *n;
  MapReader named(node, "source '" + s.name.text + "'", diags);
  named.allow({"name"});
  s.parallelism = read_parallelism(named);
  auto type = named.choice("type", {"file", "datagen", "nexmark", "jdbc", "redis", "kafka"}, true);
  if (type && *type == "file") {
    s.type = SourceType::kFile;
    read_file_source(named, s);
  } else if (type && *type == "datagen") {
    s.type = SourceType::kDatagen;
    read_datagen_source(named, s, diags);
  } else if (type && *type == "nexmark") {
    s.type = SourceType::kNexmark;
    read_nexmark_source(named, s);
  } else if (type && (*type == "jdbc" || *type == "redis")) {
    s.type = *type == "jdbc" ? SourceType::kJdbc : SourceType::kRedis;
    read_lookup_table(named, s);
    if (s.type == SourceType::kJdbc) read_jdbc_scan(named, s);
  } else if (type && *type == "kafka") {
    s.type = SourceType::kKafka;
    read_kafka_source(named, s);
  }
  if (YAML::Node et = named.get("event_time"); et.IsDefined()) {
    MapReader r(et, "event_time of source '" + s.name.text + "'", diags);
    s.event_time.enabled = true;
    if (auto c = r.text("column", true)) s.event_time.column = *c;
    s.event_time.max_out_of_orderness_ms =
        duration_ms(r, "max_out_of_orderness", false, s.event_time.max_out_of_orderness_loc).value_or(0);
    s.event_time.idle_timeout_us = r.duration_us("idle_timeout").value_or(0);
    s.event_time.alignment_max_drift_ms = alignment_drift(r);
    r.reject_unknown_keys();
  }
  named.reject_unknown_keys();
  spec.sources.push_back(std::move(s));
}

void read_select(MapReader& r, OperatorSpec& o) {
  YAML::Node sel = r.get("select");
  if (!sel.IsMap() || sel.size() == 0) {
    r.error(sel, "'select' of operator '" + o.name.text + "' must map output column names to expressions");
    return;
  }
  for (auto it = sel.begin(); it != sel.end(); ++it) {
    if (!it->second.IsScalar()) {
      r.error(it->second, "the expression for column '" + it->first.Scalar() + "' must be a text value");
      continue;
    }
    o.select.push_back({located_scalar(it->first), located_scalar(it->second)});
  }
}

void read_window(const YAML::Node& w, const std::string& what, const std::vector<std::string>& types,
                 WindowText& win, std::vector<Diagnostic>& diags) {
  MapReader wr(w, what, diags);
  win.present = true;
  win.loc = location_of(w);
  win.type = wr.choice("type", types, true).value_or("");
  if (win.type == "tumbling" || win.type == "sliding" || win.type == "cumulate")
    win.size_ms = duration_ms(wr, "size", true, win.size_loc).value_or(0);
  if (win.type == "sliding") win.slide_ms = duration_ms(wr, "slide", true, win.slide_loc).value_or(0);
  if (win.type == "cumulate") win.step_ms = duration_ms(wr, "step", true, win.step_loc).value_or(0);
  if (win.type == "session") win.gap_ms = duration_ms(wr, "gap", true, win.gap_loc).value_or(0);
  wr.reject_unknown_keys();
}

void read_window_aggregate(MapReader& r, OperatorSpec& o, std::vector<Diagnostic>& diags) {
  YAML::Node agg = r.get("aggregate");
  o.aggregate_loc = location_of(agg);
  if (!agg.IsMap() || agg.size() == 0) {
    r.error(agg, "'aggregate' of operator '" + o.name.text + "' must map output column names to "
                 "calls such as count(*), sum(price) or count(distinct bidder)");
  } else {
    for (auto it = agg.begin(); it != agg.end(); ++it) {
      if (!it->second.IsScalar()) {
        r.error(it->second, "the aggregate for column '" + it->first.Scalar() + "' must be a text value");
        continue;
      }
      o.aggregate.push_back({located_scalar(it->first), located_scalar(it->second)});
    }
  }
  if (YAML::Node w = r.get("window"); w.IsDefined())
    read_window(w, "window of operator '" + o.name.text + "'", {"tumbling", "sliding", "session", "cumulate"},
                o.window, diags);
  o.allowed_lateness_ms = duration_ms(r, "allowed_lateness", false, o.allowed_lateness_loc).value_or(0);
  o.emit_every_ms = duration_ms(r, "emit_every", false, o.emit_every_loc).value_or(0);
  if (o.emit_every_ms > 0 && !o.window.present)
    r.error(o.emit_every_loc, "'emit_every' goes with 'window': it emits partial results of open windows");
  if (o.emit_every_ms > 0 && r.has("top_n"))
    r.error(o.emit_every_loc, "'emit_every' and 'top_n' cannot go together: top_n ranks final window "
                              "results, and partial ones would enter the ranking");
  if (auto late = r.text("late_output")) o.late_output = *late;
  // Without a window nothing fires, so nothing is late: the keys would be
  // silently ignored (and a late stream without a schema crashed the job).
  for (const char* k : {"allowed_lateness", "late_output"})
    if (!o.window.present && r.has(k))
      r.error(r.get(k), std::string("'") + k + "' goes with 'window': an aggregate without a window "
                        "updates its results and has no late records");
}

void read_top_n(MapReader& r, OperatorSpec& o, std::vector<Diagnostic>& diags) {
  YAML::Node t = r.get("top_n");
  MapReader tr(t, "top_n of operator '" + o.name.text + "'", diags);
  if (!tr.valid()) return;
  o.top_n.present = true;
  o.top_n.loc = location_of(t);
  o.top_n.n = tr.integer("n", 1, 1000000, true).value_or(1);
  if (auto ob = tr.text("order_by", true)) o.top_n.order_by = *ob;
  o.top_n.partition_by = read_name_list(tr, "partition_by");
  if (auto rank = tr.text("rank_column")) o.top_n.rank_column = rank->text;
  tr.reject_unknown_keys();
}

/// `left:` or `right:` of a join: a stream name, or {input: NAME, as: ALIAS}.
JoinInputText read_join_input(MapReader& jr, const char* side, std::vector<Diagnostic>& diags) {
  JoinInputText in;
  const std::string expected = "a stream name, or {input: NAME, as: ALIAS}";
  YAML::Node n = jr.get(side);
  if (n.IsMap()) {
    MapReader ir(n, std::string("'") + side + "' of " + jr.what(), diags);
    if (auto t = ir.text("input", true)) in.input = *t;
    if (auto a = ir.text("as")) in.alias = *a;
    ir.reject_unknown_keys();
  } else if (n.IsScalar() && !n.Scalar().empty()) {
    in.input = located_scalar(n);
  } else if (!n.IsDefined()) {
    jr.error(jr.node(), jr.what() + " needs '" + side + "': " + expected);
  } else {
    jr.error(n, "'" + std::string(side) + "' of " + jr.what() + " must be " + expected);
  }
  const std::string& alias = in.alias.text;
  const bool identifier = std::all_of(alias.begin(), alias.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; }) &&
                          (alias.empty() || !std::isdigit(static_cast<unsigned char>(alias[0])));
  if (!identifier) jr.error(in.alias.loc, "alias '" + alias + "' must be a name of letters, digits and _ (such as A or bids)");
  return in;
}

/// Keys of one-input operators next to `join` or `lookup` (`section`), each
/// refused with what to write instead.
void refuse_beside_join(MapReader& r, const OperatorSpec& o, const std::string& section) {
  const bool join = section == "join";
  const std::string inputs = join ? "the streams named in 'left' and 'right' under 'join'" : "the stream named in 'input' under 'lookup'";
  const std::string keyed = join ? "a join is partitioned by the equalities of its 'on' (its key)"
                                 : "a lookup join reads its input as it comes, with no exchange";
  const std::pair<const char*, std::string> kRefused[] = {
      {"input", "it reads " + inputs + "; remove 'input'"},
      {"key_by", keyed + "; remove 'key_by'"},
      {"partition", keyed + "; remove 'partition'"},
      {"filter", "put the condition into the join's 'on', or 'filter' on an operator reading the join"},
      {"aggregate", "aggregate on an operator reading the join (input: the join's name)"},
      {"top_n", "put 'top_n' on an operator reading the join (input: the join's name)"},
      {"window", join ? "a window join has its 'window' under 'join'" : "a lookup join has no window"},
      {"allowed_lateness", "joins take no allowed_lateness; remove it"},
      {"late_output", "joins have no late output; remove it"},
      {"emit_every", "joins emit as they match; remove emit_every"}};
  for (const auto& [key, fix] : kRefused)
    if (r.has(key))
      r.error(r.get(key), "'" + std::string(key) + "' cannot go with '" + section + "' on operator '" + o.name.text + "': " + fix);
}

/// An operator with `join:`: its two inputs, condition and options, and an
/// optional `select` over both inputs. Keys of one-input operators are refused.
void read_join(MapReader& r, OperatorSpec& o, std::vector<Diagnostic>& diags) {
  o.kind = OperatorKind::kJoin;
  YAML::Node j = r.get("join");
  MapReader jr(j, "the join of operator '" + o.name.text + "'", diags);
  if (!jr.valid()) return;
  JoinText& join = o.join;
  join.present = true;
  join.loc = location_of(j);
  join.left = read_join_input(jr, "left", diags);
  join.right = read_join_input(jr, "right", diags);
  if (auto t = jr.choice("type", {"inner", "left", "right", "full"})) join.type = {*t, location_of(jr.get("type"))};
  if (auto on = jr.text("on", true)) join.on = *on;
  join.state_ttl_ms = duration_ms(jr, "state_ttl", false, join.state_ttl_loc).value_or(0);
  if (YAML::Node w = jr.get("window"); w.IsDefined())
    read_window(w, "window of the join of operator '" + o.name.text + "'", {"tumbling", "sliding"}, join.window, diags);
  jr.reject_unknown_keys();
  if (r.has("select")) read_select(r, o);
  refuse_beside_join(r, o, "join");
}

/// An operator with `lookup:`: a stream (`input`) joined with a file source
/// (`table`) that each subtask reads whole; an optional `select` over both.
void read_lookup(MapReader& r, OperatorSpec& o, std::vector<Diagnostic>& diags) {
  o.kind = OperatorKind::kLookupJoin;
  YAML::Node j = r.get("lookup");
  MapReader jr(j, "the lookup of operator '" + o.name.text + "'", diags);
  if (!jr.valid()) return;
  JoinText& join = o.join;
  join.present = true;
  join.loc = location_of(j);
  join.left = read_join_input(jr, "input", diags);
  join.right = read_join_input(jr, "table", diags);
  if (auto t = jr.choice("type", {"inner", "left"})) join.type = {*t, location_of(jr.get("type"))};
  if (auto on = jr.text("on", true)) join.on = *on;
  jr.reject_unknown_keys();
  if (r.has("select")) read_select(r, o);
  refuse_beside_join(r, o, "lookup");
}

void read_operator(const YAML::Node& node, PipelineSpec& spec, std::vector<Diagnostic>& diags) {
  OperatorSpec o;
  o.loc = location_of(node);
  MapReader first(node, "operator", diags);
  if (!first.valid()) return;
  if (auto n = first.text("name", true)) o.name = *n;
  MapReader r(node, "operator '" + o.name.text + "'", diags);
  r.allow({"name"});
  if (r.has("join") || r.has("lookup")) {
    o.parallelism = read_parallelism(r);
    if (r.has("join") && r.has("lookup")) r.error(r.get("lookup"), "operator '" + o.name.text + "' has both 'join' and 'lookup'; an operator is one of them");
    if (r.has("join")) read_join(r, o, diags);
    else read_lookup(r, o, diags);
    r.reject_unknown_keys();
    spec.operators.push_back(std::move(o));
    return;
  }
  if (r.has("union")) {  // SQL's UNION ALL of two streams with the same columns
    o.parallelism = read_parallelism(r);
    std::vector<LocatedText> inputs = read_name_list(r, "union");
    if (inputs.size() != 2) {
      r.error(r.get("union"), "'union' of operator '" + o.name.text + "' names two inputs, as union: [a, b]; "
                              "union more with one operator per input after the first");
    } else {
      o.kind = OperatorKind::kUnion;
      o.input = inputs[0];
      o.right_input = inputs[1];
    }
    r.reject_unknown_keys();
    spec.operators.push_back(std::move(o));
    return;
  }
  if (auto in = r.text("input", true)) o.input = *in;
  o.parallelism = read_parallelism(r);
  o.key_by = read_name_list(r, "key_by");
  o.partition = read_partition(r, o.partition_loc);
  const bool has_filter = r.has("filter"), has_select = r.has("select");
  const bool has_aggregate = r.has("aggregate"), has_top_n = r.has("top_n");
  if (has_top_n) read_top_n(r, o, diags);
  if (static_cast<int>(has_filter) + has_select + (has_aggregate || has_top_n) != 1) {
    r.error(node, "operator '" + o.name.text + "' needs exactly one of 'filter', 'select', "
                  "'aggregate' (with or without 'window'), 'top_n', 'join' or 'union'");
  } else if (!has_aggregate && has_top_n) {
    o.kind = OperatorKind::kTopN;
  } else if (has_filter) {
    o.kind = OperatorKind::kFilter;
    if (auto f = r.text("filter", true)) o.filter = *f;
  } else if (has_select) {
    o.kind = OperatorKind::kSelect;
    read_select(r, o);
  } else {
    read_window_aggregate(r, o, diags);
    o.kind = o.window.present ? OperatorKind::kWindowAggregate : OperatorKind::kKeyedAggregate;
  }
  for (const char* k : {"window", "allowed_lateness", "late_output", "emit_every"})
    if (!has_aggregate && r.has(k))
      r.error(r.get(k), std::string("'") + k + "' goes with 'aggregate' on operator '" + o.name.text + "'");
  r.reject_unknown_keys();
  spec.operators.push_back(std::move(o));
}

/// `type: jdbc` with Flink's JDBC option names as keys (docs/connectors.md).
void read_jdbc_sink(MapReader& r, SinkSpec& s) {
  s.type = SinkType::kJdbc;
  JdbcSinkConfig& j = s.jdbc;
  if (auto v = r.text("url", true)) {
    j.url = v->text;
    if (auto bad = parse_jdbc_url(j.url); !bad.ok()) r.error(v->loc, bad.status().message());
  }
  if (auto v = r.text("table-name", true)) j.table = v->text;
  if (auto v = r.text("username")) j.username = v->text;
  if (auto v = r.text("password")) j.password = v->text;
  j.flush_max_rows = r.integer("sink.buffer-flush.max-rows", 1, 1000000).value_or(j.flush_max_rows);
  if (auto d = r.duration_us("sink.buffer-flush.interval")) j.flush_interval_ms = *d / 1000;
  j.max_retries = r.integer("sink.max-retries", 0, 100).value_or(j.max_retries);
  s.primary_key = read_name_list(r, "primary_key");
  for (const auto& k : s.primary_key) j.primary_key.push_back(k.text);
}

/// `type: redis` (docs/connectors.md): where the server is, hashes or a
/// stream, and the delivery guarantee.
void read_redis_sink(MapReader& r, SinkSpec& s) {
  s.type = SinkType::kRedis;
  RedisSinkConfig& c = s.redis;
  if (auto v = r.text("host")) c.endpoint.host = v->text;
  c.endpoint.port = static_cast<int32_t>(r.integer("port", 1, 65535).value_or(c.endpoint.port));
  if (auto v = r.text("password")) c.endpoint.password = v->text;
  c.endpoint.database = static_cast<int32_t>(r.integer("database", 0, 1 << 20).value_or(0));
  auto type = r.choice("data-type", {"hash", "stream"});
  if (type && *type == "stream") {
    c.data_type = RedisDataType::kStream;
    if (auto v = r.text("stream-key", true)) c.stream_key = v->text;
  }
  if (auto v = r.text("key-prefix")) c.key_prefix = v->text;
  if (auto v = r.text("key-delimiter")) c.key_delimiter = v->text;
  c.flush_max_rows = r.integer("sink.buffer-flush.max-rows", 1, 1000000).value_or(c.flush_max_rows);
  if (auto d = r.duration_us("sink.buffer-flush.interval")) c.flush_interval_ms = *d / 1000;
  auto g = r.choice("sink.delivery-guarantee", {"none", "at-least-once", "exactly-once"});
  if (g) c.guarantee = *g == "none" ? DeliveryGuarantee::kNone
                       : *g == "exactly-once" ? DeliveryGuarantee::kExactlyOnce : DeliveryGuarantee::kAtLeastOnce;
  s.primary_key = read_name_list(r, "primary_key");
  for (const auto& k : s.primary_key) c.primary_key.push_back(k.text);
}

void read_kafka_sink(MapReader& r, SinkSpec& s) {
  s.type = SinkType::kKafka;
  std::vector<SourceLocation> locs;
  auto options = kafka_option_texts(r, {"name", "type", "parallelism", "input", "key_by", "partition"}, locs);
  report_kafka_problems(r, read_kafka_sink_options(options, s.kafka), locs);
}

void read_sink(const YAML::Node& node, PipelineSpec& spec, std::vector<Diagnostic>& diags) {
  SinkSpec s;
  s.loc = location_of(node);
  MapReader first(node, "sink", diags);
  if (!first.valid()) return;
  if (auto n = first.text("name", true)) s.name = *n;
  MapReader r(node, "sink '" + s.name.text + "'", diags);
  r.allow({"name"});
  if (auto in = r.text("input", true)) s.input = *in;
  s.parallelism = read_parallelism(r);
  s.key_by = read_name_list(r, "key_by");
  s.partition = read_partition(r, s.partition_loc);
  auto type = r.choice("type", {"file", "print", "blackhole", "jdbc", "redis", "kafka"}, true);
  if (type && *type == "file") {
    s.type = SinkType::kFile;
    if (auto p = r.text("path", true)) {
      s.file.path = p->text;
      s.path_loc = p->loc;
    }
    s.file.format = read_format(r, FileFormat::kJsonl, true);
  } else if (type && *type == "print") {
    s.type = SinkType::kPrint;
    s.print.format = read_format(r, FileFormat::kJsonl, false);
  } else if (type && *type == "jdbc") {
    read_jdbc_sink(r, s);
  } else if (type && *type == "redis") {
    read_redis_sink(r, s);
  } else if (type && *type == "kafka") {
    read_kafka_sink(r, s);
  } else if (type) {
    s.type = SinkType::kBlackhole;
  }
  r.reject_unknown_keys();
  spec.sinks.push_back(std::move(s));
}

template <class F>
void read_list(MapReader& top, const char* key, std::vector<Diagnostic>& diags, F&& read_one) {
  YAML::Node list = top.get(key);
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    top.error(list, std::string("'") + key + "' must be a list (each item starting with '- ')");
    return;
  }
  for (const auto& item : list) read_one(item);
}

/// A duration under `key` that must be positive: 0 is refused at its position.
std::optional<int64_t> positive_duration_us(MapReader& r, const std::string& key, bool required) {
  auto d = r.duration_us(key, required);
  if (d && *d <= 0) {
    r.error(r.get(key), "'" + key + "' of " + r.what() + " must be longer than 0");
    return std::nullopt;
  }
  return d;
}

void read_checkpoints(const YAML::Node& node, PipelineSpec& spec, std::vector<Diagnostic>& diags) {
  MapReader r(node, "checkpoints", diags);
  if (!r.valid()) return;
  CheckpointSpec& c = spec.checkpoints;
  c.enabled = true;
  c.interval_us = positive_duration_us(r, "interval", true).value_or(0);
  if (auto d = r.text("dir", true)) {
    if (d->text.empty()) r.error(d->loc, "'dir' of checkpoints must name a directory");
    c.dir = d->text;
    c.dir_loc = d->loc;
  }
  c.retain = static_cast<int32_t>(r.integer("retain", 1, 1000).value_or(c.retain));
  c.timeout_us = positive_duration_us(r, "timeout", false).value_or(c.timeout_us);
  r.reject_unknown_keys();
}

/// `metrics: { interval: 1s }`: a positive duration, or `off`.
void read_metrics(const YAML::Node& node, PipelineSpec& spec, std::vector<Diagnostic>& diags) {
  MapReader r(node, "metrics", diags);
  if (!r.valid()) return;
  YAML::Node n = r.get("interval");
  if (n.IsScalar() && n.Scalar() == "off") spec.metrics_interval_us = 0;
  else spec.metrics_interval_us = positive_duration_us(r, "interval", false).value_or(spec.metrics_interval_us);
  r.reject_unknown_keys();
}

void read_settings(MapReader& top, PipelineSpec& spec, std::vector<Diagnostic>& diags) {
  if (auto n = top.text("name", true)) spec.name = n->text;
  spec.parallelism = static_cast<int32_t>(top.integer("parallelism", 1, kMaxParallelism).value_or(1));
  spec.max_parallelism_loc = location_of(top.get("max_parallelism"));
  if (auto m = top.integer("max_parallelism", 1, kMaxParallelism)) {
    spec.max_parallelism = static_cast<int32_t>(*m);
    spec.max_parallelism_set = true;
  }
  if (YAML::Node ex = top.get("execution"); ex.IsDefined()) {
    MapReader r(ex, "execution", diags);
    spec.batch_size = static_cast<size_t>(r.integer("batch_size", 1, 1 << 20).value_or(1024));
    spec.buffer_timeout_us = r.duration_us("buffer_timeout").value_or(10000);
    r.reject_unknown_keys();
  }
  if (YAML::Node cp = top.get("checkpoints"); cp.IsDefined()) read_checkpoints(cp, spec, diags);
  if (YAML::Node m = top.get("metrics"); m.IsDefined()) read_metrics(m, spec, diags);
  if (YAML::Node st = top.get("state"); st.IsDefined()) {
    MapReader r(st, "state", diags);
    spec.state_backend = r.choice("backend", {"heap", "rocksdb"}).value_or("heap");
    spec.heap_snapshots = r.choice("heap_snapshots", {"fork", "thread"}).value_or("fork");
    if (auto d = r.text("localdir")) {
      if (d->text.empty()) r.error(d->loc, "'localdir' of state must name a directory");
      spec.state_localdir = d->text;
    }
    r.reject_unknown_keys();
  }
  if (YAML::Node rs = top.get("restart"); rs.IsDefined()) read_restart(rs, spec, diags);
  apply_restart_default(spec);
}

Diagnostic unclosed_quote(const QuotedScalar& q) {
  const std::string quote(1, q.quote);
  return {q.open, "invalid YAML: the string quoted here with " + quote + " is never closed, so the rest of the "
                  "file would be part of it; add the closing " + quote};
}

/// A YAML syntax error, placed where a quote opened when a quoted string
/// runs on over the lines to where the parser gave up (its closing quote is
/// likely missing), else where the parser stopped.
Diagnostic yaml_error(const std::string& text, const YAML::Exception& e) {
  const SourceLocation stop{e.mark.line + 1, e.mark.column + 1};
  const QuotedScalar* suspect = nullptr;
  for (const QuotedScalar& q : find_quoted_scalars(text)) {
    if (q.open.line > stop.line || (q.open.line == stop.line && q.open.column > stop.column)) break;
    if (!q.closed() || q.close.line > q.open.line) suspect = &q;
  }
  if (suspect == nullptr || e.mark.line < 0) return {stop, "invalid YAML: " + e.msg};
  if (!suspect->closed()) return unclosed_quote(*suspect);
  const std::string quote(1, suspect->quote);
  return {suspect->open, "invalid YAML: the string quoted here with " + quote + " runs on to line " +
                             std::to_string(stop.line) + ", where the YAML parser stopped (" + e.msg +
                             "): is its closing " + quote + " missing?"};
}

/// False, with a diagnostic at the quote, when a quoted string is never
/// closed: yaml-cpp then reads the rest of the file into it without complaint.
bool check_quotes_closed(const std::string& text, std::vector<Diagnostic>& diags) {
  for (const QuotedScalar& q : find_quoted_scalars(text)) {
    if (q.closed()) continue;
    diags.push_back(unclosed_quote(q));
    return false;
  }
  return true;
}

/// Where the document holding `doc` starts: its '---' line, else its first node.
SourceLocation document_start(const std::string& text, const YAML::Node& doc) {
  const SourceLocation at = location_of(doc);
  int line = 1;
  SourceLocation marker;
  for (size_t i = 0; i < text.size() && (at.line == 0 || line <= at.line); ++line) {
    const size_t end = std::min(text.find('\n', i), text.size());
    const std::string_view l(text.data() + i, end - i);
    if (l.substr(0, 3) == "---" && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r'))
      marker = {line, 1};
    i = end + 1;
  }
  return marker.line > 0 ? marker : (at.line > 0 ? at : SourceLocation{1, 1});
}

}  // namespace

PipelineSpec parse_pipeline(const std::string& file_name, const std::string& text,
                            std::vector<Diagnostic>& diags) {
  PipelineSpec spec;
  spec.file_name = file_name;
  spec.text = text;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    diags.push_back(yaml_error(text, e));
    return spec;
  }
  if (!check_quotes_closed(text, diags)) return spec;
  YAML::Node root = docs.empty() ? YAML::Node() : docs.front();
  for (size_t i = 1; i < docs.size(); ++i)
    if (docs[i].IsDefined() && !docs[i].IsNull()) {
      diags.push_back({document_start(text, docs[i]),
                       "a second YAML document starts here ('---'): a pipeline file holds one pipeline; put "
                       "each pipeline in a file of its own"});
      break;
    }
  if (!root.IsMap()) {
    diags.push_back({location_of(root).line ? location_of(root) : SourceLocation{1, 1},
                     "a pipeline file must be a YAML mapping with name, sources, operators "
                     "and sinks"});
    return spec;
  }
  MapReader top(root, "the pipeline", diags);
  read_settings(top, spec, diags);
  read_list(top, "sources", diags, [&](const YAML::Node& n) { read_source(n, spec, diags); });
  read_list(top, "operators", diags, [&](const YAML::Node& n) { read_operator(n, spec, diags); });
  read_list(top, "sinks", diags, [&](const YAML::Node& n) { read_sink(n, spec, diags); });
  if (YAML::Node m = top.get("monitor"); m.IsDefined()) read_monitor(m, spec, diags);  // after the names it checks
  top.reject_unknown_keys();
  return spec;
}

}  // namespace eddy
