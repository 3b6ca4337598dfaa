#include "sql/sql_tables.h"

#include <cctype>
#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include "connectors/jdbc_options.h"
#include "connectors/kafka_options.h"
#include "core/time_util.h"
#include "sql/sql_parser.h"

namespace eddy::sql {
namespace {

struct ConnectorKeys {
  const char* name;
  std::vector<std::string> keys;  // "fields.#.x": # stands for a column name
};

/// `keys` and the lookup table options of `connector` (lookup_options.h).
std::vector<std::string> with_lookup(std::vector<std::string> keys, LookupConnector connector) {
  for (const std::string& k : lookup_option_keys(connector))
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  return keys;
}

const std::vector<ConnectorKeys>& connectors() {
  static const std::vector<ConnectorKeys> kAll = {
      {"nexmark", {"first-event.rate", "next-event.rate", "events.num", "person.proportion", "auction.proportion",
                   "bid.proportion", "seed", "rate-limit"}},
      {"datagen", {"rows-per-second", "number-of-rows", "seed", "fields.#.kind", "fields.#.min", "fields.#.max",
                   "fields.#.start", "fields.#.end", "fields.#.step", "fields.#.values"}},
      {"filesystem", {"path", "format", "csv.ignore-parse-errors", "json.ignore-parse-errors", "csv.header"}},
      {"print", {}},
      {"blackhole", {}},
      {"jdbc", with_lookup({"url", "table-name", "username", "password", "sink.buffer-flush.max-rows",
                            "sink.buffer-flush.interval", "sink.max-retries", "scan.partition.column",
                            "scan.partition.num", "scan.partition.lower-bound", "scan.partition.upper-bound",
                            "scan.fetch-size"},
                           LookupConnector::kJdbc)},
      {"redis", with_lookup({"host", "port", "password", "database", "data-type", "stream-key", "key-prefix",
                             "key-delimiter", "sink.buffer-flush.max-rows", "sink.buffer-flush.interval",
                             "sink.delivery-guarantee"},
                            LookupConnector::kRedis)},
      {"kafka", {"topic", "topic-pattern", "properties.#", "scan.startup.mode", "scan.startup.specific-offsets",
                 "scan.startup.timestamp-millis", "scan.bounded.mode", "scan.topic-partition-discovery.interval",
                 "format", "value.format", "json.ignore-parse-errors", "csv.ignore-parse-errors",
                 "sink.delivery-guarantee", "sink.transactional-id-prefix", "sink.partitioner", "key.fields",
                 "key.format"}},
  };
  return kAll;
}

bool key_matches(const std::string& pattern, const std::string& key) {
  const size_t hash = pattern.find('#');
  if (hash == std::string::npos) return pattern == key;
  const std::string head = pattern.substr(0, hash), tail = pattern.substr(hash + 1);
  return key.size() > head.size() + tail.size() && key.compare(0, head.size(), head) == 0 &&
         key.compare(key.size() - tail.size(), tail.size(), tail) == 0;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "'" : ", '") + s + "'";
  return out;
}

/// An integer option, with a diagnostic at its value when it is none.
std::optional<int64_t> int_option(const TableOption& o, int64_t min, std::vector<Diagnostic>& diags) {
  int64_t v = 0;
  const char* end = o.value.data() + o.value.size();
  auto [p, ec] = std::from_chars(o.value.data(), end, v);
  if (ec != std::errc() || p != end || v < min) {
    diags.push_back({o.value_loc, "'" + o.key + "' must be an integer of at least " + std::to_string(min) +
                                      ", not '" + o.value + "'"});
    return std::nullopt;
  }
  return v;
}

std::optional<double> number_option(const TableOption& o, std::vector<Diagnostic>& diags) {
  try {
    size_t used = 0;
    const double v = std::stod(o.value, &used);
    if (used == o.value.size()) return v;
  } catch (...) {
  }
  diags.push_back({o.value_loc, "'" + o.key + "' must be a number, not '" + o.value + "'"});
  return std::nullopt;
}

bool datagen_field(const TableDef& t, const ColumnDef& c, DataType type, DatagenField& f, int64_t& t_rows,
                   std::vector<Diagnostic>& diags) {
  f.name = c.name.name;
  auto opt = [&](const char* what) { return t.option("fields." + c.name.name + "." + what); };
  const TableOption* kind = opt("kind");
  const std::string k = kind ? kind->value : (type == DataType::kTimestamp ? "sequence" : "random");
  if (k != "random" && k != "sequence") {
    diags.push_back({kind->value_loc, "'" + kind->key + "' must be 'random' or 'sequence', not '" + k + "'"});
    return false;
  }
  const size_t before = diags.size();
  if (type == DataType::kTimestamp) {
    // Deterministic where Flink stamps the wall clock: row i is start + i * step.
    f.kind = DatagenField::Kind::kTimestamp;
    f.ts_start_ms = 1704067200000LL;  // 2024-01-01 00:00:00 UTC
    if (const TableOption* s = opt("start")) {
      auto ms = parse_timestamp_ms(s->value);
      if (ms.ok()) f.ts_start_ms = *ms;
      else diags.push_back({s->value_loc, ms.status().message()});
    }
    f.ts_step_us = 1000;
    if (const TableOption* s = opt("step")) {
      auto us = parse_duration_us(s->value);
      if (us.ok()) f.ts_step_us = *us;
      else diags.push_back({s->value_loc, us.status().message()});
    }
  } else if (type == DataType::kString) {
    f.kind = DatagenField::Kind::kChoice;
    if (const TableOption* v = opt("values")) {
      std::string cur;
      for (char ch : v->value + ",") {
        if (ch != ',') { cur += ch; continue; }
        if (!cur.empty()) f.values.push_back(cur);
        cur.clear();
      }
    } else {
      diags.push_back({c.name.loc, "datagen column '" + c.name.name + "': eddy generates strings from a list: "
                                   "set 'fields." + c.name.name + ".values' = 'a,b,c'"});
    }
  } else if (opt("end") && k != "sequence") {
    diags.push_back({opt("end")->key_loc, "'" + opt("end")->key + "' goes with 'fields." + c.name.name + ".kind' = 'sequence'"});
  } else if (type == DataType::kInt64 && k == "sequence") {
    f.kind = DatagenField::Kind::kSequence;
    if (const TableOption* s = opt("start")) f.start = int_option(*s, std::numeric_limits<int64_t>::min(), diags).value_or(0);
    if (const TableOption* s = opt("step")) f.step = int_option(*s, 1, diags).value_or(1);
    if (const TableOption* e = opt("end")) {  // as in Flink, the sequence's end ends the source
      if (auto end = int_option(*e, f.start, diags)) {
        const int64_t rows = (*end - f.start) / f.step + 1;
        t_rows = t_rows < 0 ? rows : std::min(t_rows, rows);
      }
    }
  } else if (type == DataType::kInt64 || type == DataType::kFloat64) {
    f.kind = DatagenField::Kind::kRandom;
    f.type = type;
    // Flink's defaults span the type; half the float64 range keeps max - min finite.
    f.min = type == DataType::kInt64 ? -9.2233720368547758e18 : -8.988465674311579e307;
    f.max = type == DataType::kInt64 ? 9.2233720368547758e18 : 8.988465674311579e307;
    if (const TableOption* s = opt("min")) f.min = number_option(*s, diags).value_or(0);
    if (const TableOption* s = opt("max")) f.max = number_option(*s, diags).value_or(0);
  } else {
    diags.push_back({c.type.loc, "datagen cannot generate " + c.type.name + " columns"});
  }
  return diags.size() == before;
}

/// The key Flink's current options use for a key of its legacy descriptor
/// options ('connector.type', 'connector.path', 'format.type'), which older
/// scripts (the Nexmark suite's q13) still use; other keys as they are.
std::string current_key(const std::string& key) {
  static const std::pair<const char*, const char*> kLegacy[] = {
      {"connector.type", "connector"}, {"connector.path", "path"}, {"format.type", "format"},
      {"format.ignore-parse-errors", "csv.ignore-parse-errors"}};
  for (const auto& [legacy, current] : kLegacy)
    if (key == legacy) return current;
  return key;
}

/// A filesystem table's 'path' and 'format' (csv, or json: JSON lines).
bool file_options(const TableDef& t, std::string& path, SourceLocation& path_loc, FileFormat& format,
                  std::vector<Diagnostic>& diags) {
  const TableOption* p = t.option("path");
  const TableOption* f = t.option("format");
  if (!p || !f) {
    diags.push_back({t.ddl.name.loc, "a filesystem table needs 'path' and 'format' ('csv' or 'json')"});
    return false;
  }
  path = p->value;
  if (path.rfind("file://", 0) == 0) path = path.substr(7);  // a URI, as Flink takes paths
  path_loc = p->value_loc;
  if (f->value == "csv") format = FileFormat::kCsv;
  else if (f->value == "json") format = FileFormat::kJsonl;
  else diags.push_back({f->value_loc, "'format' must be 'csv' or 'json', not '" + f->value + "'"});
  return f->value == "csv" || f->value == "json";
}

/// A jdbc table's options (Flink's JDBC connector names) and its PRIMARY KEY.
bool jdbc_options(const TableDef& t, SinkSpec& s, std::vector<Diagnostic>& diags) {
  const size_t before = diags.size();
  s.type = SinkType::kJdbc;
  JdbcSinkConfig& j = s.jdbc;
  const TableOption* url = t.option("url");
  const TableOption* table = t.option("table-name");
  if (!url || !table) {
    diags.push_back({t.ddl.name.loc, "a jdbc table needs 'url' (jdbc:postgresql://HOST:PORT/DATABASE) and "
                                     "'table-name'"});
    return false;
  }
  j.url = url->value;
  if (auto a = parse_jdbc_url(j.url); !a.ok()) diags.push_back({url->value_loc, a.status().message()});
  j.table = table->value;
  if (const TableOption* o = t.option("username")) j.username = o->value;
  if (const TableOption* o = t.option("password")) j.password = o->value;
  if (const TableOption* o = t.option("sink.buffer-flush.max-rows"))
    j.flush_max_rows = int_option(*o, 1, diags).value_or(j.flush_max_rows);
  if (const TableOption* o = t.option("sink.max-retries")) j.max_retries = int_option(*o, 0, diags).value_or(0);
  if (const TableOption* o = t.option("sink.buffer-flush.interval")) {
    auto us = parse_duration_us(o->value);
    if (us.ok()) j.flush_interval_ms = *us / 1000;
    else diags.push_back({o->value_loc, "'sink.buffer-flush.interval' must be a duration such as '1s', not '" +
                                            o->value + "'"});
  }
  for (const Ident& k : t.ddl.primary_key) {
    s.primary_key.push_back({k.name, k.loc});
    j.primary_key.push_back(k.name);
  }
  return diags.size() == before;
}

/// A redis table's options (docs/connectors.md) and its PRIMARY KEY (a hash's key).
bool redis_options(const TableDef& t, SinkSpec& s, std::vector<Diagnostic>& diags) {
  const size_t before = diags.size();
  s.type = SinkType::kRedis;
  RedisSinkConfig& c = s.redis;
  if (const TableOption* o = t.option("host")) c.endpoint.host = o->value;
  if (const TableOption* o = t.option("port"))
    c.endpoint.port = static_cast<int32_t>(int_option(*o, 1, diags).value_or(c.endpoint.port));
  if (const TableOption* o = t.option("password")) c.endpoint.password = o->value;
  if (const TableOption* o = t.option("database"))
    c.endpoint.database = static_cast<int32_t>(int_option(*o, 0, diags).value_or(0));
  if (const TableOption* o = t.option("data-type")) {
    if (o->value == "stream") c.data_type = RedisDataType::kStream;
    else if (o->value != "hash")
      diags.push_back({o->value_loc, "'data-type' must be 'hash' or 'stream', not '" + o->value + "'"});
  }
  if (const TableOption* o = t.option("stream-key")) c.stream_key = o->value;
  if (c.data_type == RedisDataType::kStream && c.stream_key.empty())
    diags.push_back({t.ddl.name.loc, "a redis table with 'data-type' = 'stream' needs 'stream-key', the stream "
                                     "written to"});
  if (const TableOption* o = t.option("key-prefix")) c.key_prefix = o->value;
  if (const TableOption* o = t.option("key-delimiter")) c.key_delimiter = o->value;
  if (const TableOption* o = t.option("sink.buffer-flush.max-rows"))
    c.flush_max_rows = int_option(*o, 1, diags).value_or(c.flush_max_rows);
  if (const TableOption* o = t.option("sink.buffer-flush.interval")) {
    auto us = parse_duration_us(o->value);
    if (us.ok()) c.flush_interval_ms = *us / 1000;
    else diags.push_back({o->value_loc, "'sink.buffer-flush.interval' must be a duration such as '1s', not '" +
                                            o->value + "'"});
  }
  if (const TableOption* o = t.option("sink.delivery-guarantee")) {
    if (o->value == "none") c.guarantee = DeliveryGuarantee::kNone;
    else if (o->value == "exactly-once") c.guarantee = DeliveryGuarantee::kExactlyOnce;
    else if (o->value != "at-least-once")
      diags.push_back({o->value_loc, "'sink.delivery-guarantee' must be 'none', 'at-least-once' or 'exactly-once', "
                                     "not '" + o->value + "'"});
  }
  for (const Ident& k : t.ddl.primary_key) {
    s.primary_key.push_back({k.name, k.loc});
    c.primary_key.push_back(k.name);
  }
  return diags.size() == before;
}

/// A kafka table's options for reading (`sink` false) or writing: the other
/// end's own options are left out, so one table can be read and written.
bool kafka_options(const TableDef& t, bool sink, KafkaSourceConfig* source, KafkaSinkConfig* out,
                   std::vector<Diagnostic>& diags) {
  std::vector<KafkaOptionText> texts;
  std::vector<const TableOption*> at;
  for (const auto& [key, o] : t.options) {
    if (key == "connector") continue;
    const bool sink_only = key.rfind("sink.", 0) == 0 || key == "key.fields" || key == "key.format";
    const bool source_only = key.rfind("scan.", 0) == 0 || key == "topic-pattern" || key == "properties.group.id" ||
                             key == "json.ignore-parse-errors" || key == "csv.ignore-parse-errors";
    if (sink ? source_only : sink_only) continue;
    texts.push_back({key, o.value});
    at.push_back(&o);
  }
  const auto problems = sink ? read_kafka_sink_options(texts, *out) : read_kafka_source_options(texts, *source);
  for (const auto& p : problems)
    diags.push_back({p.option < at.size() ? at[p.option]->value_loc : t.ddl.name.loc, p.message});
  return problems.empty();
}

}  // namespace

std::optional<DataType> column_type(const TypeText& type, std::vector<Diagnostic>& diags) {
  const std::string& n = type.name;
  if (n == "BIGINT" || n == "INT" || n == "INTEGER" || n == "SMALLINT" || n == "TINYINT") return DataType::kInt64;
  if (n == "DOUBLE" || n == "FLOAT" || n == "REAL" || n == "DECIMAL" || n == "NUMERIC" || n == "DEC")
    return DataType::kFloat64;  // DECIMAL computes as float64 (docs/sql.md)
  if (n == "BOOLEAN" || n == "BOOL") return DataType::kBool;
  if (n == "STRING" || n == "VARCHAR" || n == "CHAR" || n == "CHARACTER") return DataType::kString;
  if (n == "TIMESTAMP" || n == "TIMESTAMP_LTZ") return DataType::kTimestamp;
  diags.push_back({type.loc, "the type " + n + " is not supported by eddy; columns are BIGINT, INT, SMALLINT, "
                             "TINYINT, DOUBLE, FLOAT, DECIMAL, BOOLEAN, STRING, VARCHAR, TIMESTAMP(3), "
                             "TIMESTAMP_LTZ(3) or ROW<...> (nexmark)"});
  return std::nullopt;
}

std::optional<TableDef> check_table(const CreateTable& ddl, std::vector<Diagnostic>& diags) {
  TableDef t;
  t.ddl = ddl;
  const size_t before = diags.size();
  for (TableOption o : ddl.options) {
    o.key = current_key(o.key);
    if (t.options.count(o.key)) diags.push_back({o.key_loc, "the option '" + o.key + "' is set twice"});
    t.options[o.key] = o;
  }
  const TableOption* connector = t.option("connector");
  if (!connector) {
    diags.push_back({ddl.name.loc, "table '" + ddl.name.name + "' has no 'connector' in WITH (...): one of "
                                   "'nexmark', 'datagen', 'filesystem', 'print', 'blackhole', 'jdbc', 'redis', 'kafka'"});
    return std::nullopt;
  }
  const ConnectorKeys* known = nullptr;
  for (const auto& c : connectors())
    if (connector->value == c.name) known = &c;
  if (!known) {
    diags.push_back({connector->value_loc, "unknown connector '" + connector->value + "'; eddy has 'nexmark', "
                                           "'datagen', 'filesystem', 'print', 'blackhole', 'jdbc', 'redis' and 'kafka'"});
    return std::nullopt;
  }
  t.connector = known->name;
  for (const auto& [key, o] : t.options) {
    if (key == "connector") continue;
    bool ok = false;
    for (const auto& pattern : known->keys) ok = ok || key_matches(pattern, key);
    if (!ok)
      diags.push_back({o.key_loc, "unknown option '" + key + "' of the " + t.connector + " connector; " +
                                      (known->keys.empty() ? std::string("it takes none")
                                                           : "it takes " + join(known->keys) +
                                                                 " ('#' stands for a column name)")});
  }
  for (const ColumnDef& c : ddl.columns)
    if (c.computed.empty() && c.type.name != "ROW") column_type(c.type, diags);
  if (diags.size() != before) return std::nullopt;
  return t;
}

/// A jdbc table in FROM: a bounded scan, with the table's lookup options
/// (url, table-name, credentials) and Flink's `scan.*` options.
static bool jdbc_scan_source(const TableDef& t, SourceSpec& s, std::vector<Diagnostic>& diags) {
  const size_t before = diags.size();
  if (!make_lookup_table(t, s, diags)) return false;
  s.jdbc_scan = jdbc_scan_of(s.lookup);
  JdbcScanConfig& c = s.jdbc_scan;
  std::map<std::string, std::string> options;
  for (const std::string& key : jdbc_scan_option_keys())
    if (const TableOption* o = t.option(key)) options[key] = o->value;
  parse_jdbc_scan_options(options, c, [&](const std::string& key, const std::string& message) {
    const TableOption* o = key.empty() ? nullptr : t.option(key);
    diags.push_back({o ? o->value_loc : t.ddl.name.loc, "table '" + t.ddl.name.name + "': " + message});
  });
  return diags.size() == before;
}

bool make_source(const TableDef& t, int nexmark_kind, SourceSpec& s, std::vector<Diagnostic>& diags) {
  const size_t before = diags.size();
  s.loc = t.ddl.name.loc;
  if (t.connector == "nexmark") {
    s.type = SourceType::kNexmark;
    s.nexmark.table = nexmark_kind == 0 ? NexmarkTable::kPerson : nexmark_kind == 1 ? NexmarkTable::kAuction
                                                                                    : NexmarkTable::kBid;
    if (const TableOption* o = t.option("events.num")) s.nexmark.events = int_option(*o, 0, diags).value_or(-1);
    if (const TableOption* o = t.option("first-event.rate"))
      s.nexmark.first_event_rate = int_option(*o, 1, diags).value_or(s.nexmark.first_event_rate);
    if (const TableOption* o = t.option("next-event.rate")) {
      auto next = int_option(*o, 1, diags);
      if (next && *next != s.nexmark.first_event_rate)
        diags.push_back({o->value_loc, "eddy's nexmark generator keeps one event rate: 'next-event.rate' must "
                                       "equal 'first-event.rate'"});
    }
    static const std::pair<const char*, int64_t> kProportions[] = {
        {"person.proportion", 1}, {"auction.proportion", 3}, {"bid.proportion", 46}};
    for (const auto& [key, value] : kProportions)
      if (const TableOption* o = t.option(key)) {
        auto v = int_option(*o, 0, diags);
        if (v && *v != value)
          diags.push_back({o->value_loc, std::string("eddy's nexmark generator uses Nexmark's proportions 1:3:46; '") +
                                             key + "' must be " + std::to_string(value)});
      }
    if (const TableOption* o = t.option("seed")) s.nexmark.seed = static_cast<uint64_t>(int_option(*o, 0, diags).value_or(0));
    if (const TableOption* o = t.option("rate-limit")) s.nexmark.events_per_second = int_option(*o, 0, diags).value_or(0);
    return diags.size() == before;
  }
  if (t.connector == "jdbc") return jdbc_scan_source(t, s, diags);
  std::vector<Field> fields;
  for (const ColumnDef& c : t.ddl.columns) {
    if (!c.computed.empty()) continue;
    if (c.type.name == "ROW") {
      diags.push_back({c.type.loc, "ROW columns are read only from the nexmark connector"});
      continue;
    }
    auto type = column_type(c.type, diags);
    if (type) fields.push_back({c.name.name, *type});
  }
  if (t.connector == "datagen") {
    s.type = SourceType::kDatagen;
    s.datagen.rows_per_second = 10000;  // Flink's default
    if (const TableOption* o = t.option("rows-per-second")) s.datagen.rows_per_second = int_option(*o, 0, diags).value_or(0);
    if (const TableOption* o = t.option("number-of-rows")) s.datagen.rows = int_option(*o, 0, diags).value_or(-1);
    if (const TableOption* o = t.option("seed")) s.datagen.seed = static_cast<uint64_t>(int_option(*o, 0, diags).value_or(0));
    size_t i = 0;
    for (const ColumnDef& c : t.ddl.columns) {
      if (!c.computed.empty() || i >= fields.size()) continue;
      DatagenField f;
      if (datagen_field(t, c, fields[i++].type, f, s.datagen.rows, diags)) s.datagen.fields.push_back(std::move(f));
    }
    return diags.size() == before;
  }
  if (t.connector == "kafka") {
    s.type = SourceType::kKafka;
    kafka_options(t, false, &s.kafka, nullptr, diags);
    if (s.kafka.format == KafkaFormat::kRaw && (fields.size() != 1 || fields[0].type != DataType::kString))
      diags.push_back({t.ddl.name.loc, "format 'raw' reads each message into one STRING column: table '" +
                                           t.ddl.name.name + "' must declare exactly one"});
    s.kafka.schema = std::make_shared<Schema>(std::move(fields));
    return diags.size() == before;
  }
  s.type = SourceType::kFile;
  if (!file_options(t, s.file.path, s.path_loc, s.file.format, diags)) return false;
  for (const char* key : {"csv.ignore-parse-errors", "json.ignore-parse-errors"})
    if (const TableOption* o = t.option(key); o && o->value == "true") s.file.on_error = OnError::kSkip;
  if (const TableOption* o = t.option("csv.header"); o && o->value == "true") s.file.header = true;
  s.file.schema = std::make_shared<Schema>(std::move(fields));
  return diags.size() == before;
}

bool make_lookup_table(const TableDef& t, SourceSpec& s, std::vector<Diagnostic>& diags) {
  const size_t before = diags.size();
  s.loc = t.ddl.name.loc;
  s.type = t.connector == "redis" ? SourceType::kRedis : SourceType::kJdbc;
  LookupTableConfig& c = s.lookup;
  c.connector = s.type == SourceType::kRedis ? LookupConnector::kRedis : LookupConnector::kJdbc;
  c.name = t.ddl.name.name;
  std::vector<Field> fields;
  for (const ColumnDef& col : t.ddl.columns) {
    if (!col.computed.empty()) continue;  // refused by the caller
    if (auto type = column_type(col.type, diags)) fields.push_back({col.name.name, *type});
  }
  c.schema = std::make_shared<Schema>(std::move(fields));
  std::map<std::string, std::string> options;
  for (const std::string& key : lookup_option_keys(c.connector))
    if (const TableOption* o = t.option(key)) options[key] = o->value;
  parse_lookup_options(options, c, [&](const std::string& key, const std::string& message) {
    const TableOption* o = key.empty() ? nullptr : t.option(key);
    diags.push_back({o ? o->value_loc : t.ddl.name.loc, "table '" + t.ddl.name.name + "': " + message});
  });
  return diags.size() == before;
}

bool make_sink(const TableDef& t, SinkSpec& s, std::vector<Diagnostic>& diags) {
  s.loc = t.ddl.name.loc;
  if (t.connector == "print") {
    s.type = SinkType::kPrint;
    return true;
  }
  if (t.connector == "blackhole") {
    s.type = SinkType::kBlackhole;
    return true;
  }
  if (t.connector == "jdbc") return jdbc_options(t, s, diags);
  if (t.connector == "redis") return redis_options(t, s, diags);
  if (t.connector == "kafka") {
    s.type = SinkType::kKafka;
    return kafka_options(t, true, nullptr, &s.kafka, diags);
  }
  if (t.connector != "filesystem") {
    diags.push_back({t.ddl.name.loc, "the " + t.connector + " connector only reads; write to a 'print', "
                                     "'blackhole', 'filesystem', 'jdbc', 'redis' or 'kafka' table"});
    return false;
  }
  s.type = SinkType::kFile;
  return file_options(t, s.file.path, s.path_loc, s.file.format, diags);
}

std::string nexmark_column(const std::string& flink_name) {
  std::string out;
  for (char c : flink_name) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace eddy::sql
