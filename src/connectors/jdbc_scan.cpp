// The jdbc source (jdbc_scan.h).
#include "connectors/jdbc_scan.h"

#include <charconv>
#include <cstdlib>

#include "connectors/jdbc_options.h"
#include "connectors/jdbc_statements.h"
#include "connectors/pg_connection.h"
#include "connectors/secrets.h"

namespace eddy {
namespace {

constexpr int32_t kConnectTimeoutS = 10;
constexpr const char* kWho = "jdbc source";
constexpr const char* kUndefinedTable = "42P01";
constexpr const char* kCursor = "eddy_scan";

// How a column is selected so that its text reads back as eddy's type.
std::string select_item(const Field& f) {
  const std::string c = quote_identifier(f.name);
  switch (f.type) {
    case DataType::kInt64: return c + "::int8";
    case DataType::kFloat64: return c + "::float8";
    case DataType::kBool: return c + "::bool";
    case DataType::kString: return c + "::text";
    case DataType::kTimestamp: return "(extract(epoch from " + c + ") * 1000)::int8";
  }
  return c;
}

class JdbcScanEnumerator : public SplitEnumerator {
 public:
  explicit JdbcScanEnumerator(JdbcScanConfig config) : config_(std::move(config)) {}
  Result<std::vector<Split>> enumerate(int32_t) override { return jdbc_scan_splits(config_); }

 private:
  JdbcScanConfig config_;
};

class JdbcScanReader : public SourceReader {
 public:
  explicit JdbcScanReader(JdbcScanConfig config) : config_(std::move(config)), builder_(config_.schema) {}

  Status open_split(const Split& split) override {
    split_ = split;
    if (!conn_) EDDY_RETURN_IF_ERROR(connect());
    EDDY_RETURN_IF_ERROR(conn_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    std::string state;
    Status declared = conn_->exec(std::string("DECLARE ") + kCursor + " NO SCROLL CURSOR FOR " +
                                  jdbc_scan_query(config_, split), &state);
    if (!declared.is_ok() && state == kUndefinedTable)
      return Status::not_found(std::string(kWho) + ": table '" + config_.table + "' does not exist in database '" +
                               address_.database + "' at " + address_.endpoint());
    EDDY_RETURN_IF_ERROR(declared);
    if (split.position > 0)  // resumed: the rows before were emitted already
      EDDY_RETURN_IF_ERROR(conn_->exec("MOVE FORWARD " + std::to_string(split.position) + " IN " + kCursor));
    return Status::ok();
  }

  Result<SourcePoll> poll(size_t max_rows) override {
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(max_rows), config_.fetch_size);
    EDDY_ASSIGN_OR_RETURN(size_t rows, conn_->query_rows(
        "FETCH FORWARD " + std::to_string(n) + " FROM " + kCursor,
        [&](const PgRowView& row) { return append_row(row); }));
    if (rows == 0) {
      EDDY_RETURN_IF_ERROR(conn_->exec("COMMIT"));
      return SourcePoll::end();
    }
    split_.position += static_cast<int64_t>(rows);
    return SourcePoll::of(builder_.finish());
  }

  SchemaPtr schema() const override { return config_.schema; }
  Split resume_split() const override { return split_; }
  bool blocking_io() const override { return true; }

 private:
  Status connect() {
    EDDY_ASSIGN_OR_RETURN(address_, parse_jdbc_url(config_.url));
    EDDY_ASSIGN_OR_RETURN(std::string user, expand_env(config_.username, "username", process_env, kWho));
    EDDY_ASSIGN_OR_RETURN(std::string password, expand_env(config_.password, "password", process_env, kWho));
    EDDY_ASSIGN_OR_RETURN(conn_, PgConnection::connect(address_, user, password, kConnectTimeoutS, kWho));
    return Status::ok();
  }

  // One row's values, each column's text as jdbc_scan_query selects it.
  Status append_row(const PgRowView& row) {
    for (size_t c = 0; c < config_.schema->size(); ++c) {
      Column& col = builder_.column(c);
      if (row.is_null(static_cast<int>(c))) {
        col.append_null();
        continue;
      }
      const std::string_view v = row.value(static_cast<int>(c));
      switch (col.type()) {
        case DataType::kInt64:
        case DataType::kTimestamp: {
          int64_t i = 0;
          std::from_chars(v.data(), v.data() + v.size(), i);
          col.append_int(i);
          break;
        }
        case DataType::kFloat64:  // libpq ends every value with a NUL; "Infinity" and "NaN" read too
          col.append_double(std::strtod(v.data(), nullptr));
          break;
        case DataType::kBool: col.append_bool(v == "t"); break;
        case DataType::kString: col.append_string(v); break;
      }
    }
    builder_.commit_rows(1);
    return Status::ok();
  }

  JdbcScanConfig config_;
  BatchBuilder builder_;
  JdbcAddress address_;
  std::unique_ptr<PgConnection> conn_;
  Split split_;
};

}  // namespace

JdbcScanConfig jdbc_scan_of(const LookupTableConfig& table) {
  JdbcScanConfig c;
  c.url = table.url;
  c.table = table.table_name;
  c.username = table.username;
  c.password = table.password;
  c.schema = table.schema;
  return c;
}

const std::vector<std::string>& jdbc_scan_option_keys() {
  static const std::vector<std::string> kKeys = {"scan.partition.column", "scan.partition.num",
                                                 "scan.partition.lower-bound", "scan.partition.upper-bound",
                                                 "scan.fetch-size"};
  return kKeys;
}

void parse_jdbc_scan_options(const std::map<std::string, std::string>& options, JdbcScanConfig& config,
                             const std::function<void(const std::string&, const std::string&)>& error) {
  auto integer = [&](const std::string& key, int64_t min, int64_t& out) {
    auto it = options.find(key);
    if (it == options.end()) return false;
    const std::string& v = it->second;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < min) {
      error(key, "'" + key + "' must be an integer" + (min > INT64_MIN ? " of at least " + std::to_string(min) : "") +
                     ", not '" + v + "'");
      return false;
    }
    out = n;
    return true;
  };
  int given = 0;
  if (auto it = options.find("scan.partition.column"); it != options.end()) {
    config.partition_column = it->second;
    ++given;
  }
  given += integer("scan.partition.num", 1, config.partition_num);
  given += integer("scan.partition.lower-bound", INT64_MIN, config.lower_bound);
  given += integer("scan.partition.upper-bound", INT64_MIN, config.upper_bound);
  if (given > 0 && given < 4)
    error("", "a partitioned scan needs all of 'scan.partition.column', 'scan.partition.num', "
              "'scan.partition.lower-bound' and 'scan.partition.upper-bound'");
  else if (given == 4 && config.lower_bound > config.upper_bound)
    error("scan.partition.lower-bound", "'scan.partition.lower-bound' (" + std::to_string(config.lower_bound) +
                                            ") is above 'scan.partition.upper-bound' (" +
                                            std::to_string(config.upper_bound) + ")");
  int64_t fetch = 0;
  if (integer("scan.fetch-size", 0, fetch) && fetch > 0) config.fetch_size = fetch;  // 0: the default, as Flink
}

std::vector<Split> jdbc_scan_splits(const JdbcScanConfig& config) {
  std::vector<Split> out;
  if (config.partition_column.empty()) {
    Split s;
    s.id = config.table;
    out.push_back(s);
    return out;
  }
  // [lower, upper] in `parts` ranges; as in Flink, rows outside are not read.
  const __int128 width = static_cast<__int128>(config.upper_bound) - config.lower_bound + 1;
  const __int128 parts = std::min<__int128>(std::max<int64_t>(config.partition_num, 1), width);
  __int128 begin = config.lower_bound;
  for (int64_t i = 0; i < static_cast<int64_t>(parts); ++i) {
    const __int128 size = width / parts + (i < static_cast<int64_t>(width % parts) ? 1 : 0);
    Split s;
    s.begin = static_cast<int64_t>(begin);
    s.end = static_cast<int64_t>(begin + size - 1);
    s.index = static_cast<int32_t>(i);
    s.count = static_cast<int32_t>(parts);
    s.id = config.table + ":" + std::to_string(s.begin) + "-" + std::to_string(s.end);
    out.push_back(s);
    begin += size;
  }
  return out;
}

std::string jdbc_scan_query(const JdbcScanConfig& config, const Split& split) {
  std::string q = "SELECT ";
  for (size_t c = 0; c < config.schema->size(); ++c)
    q += (c ? ", " : "") + select_item(config.schema->field(c));
  q += " FROM " + quote_table_name(config.table);
  if (!config.partition_column.empty()) {
    const std::string p = quote_identifier(config.partition_column);
    q += " WHERE " + p + " BETWEEN " + std::to_string(split.begin) + " AND " + std::to_string(split.end) +
         " ORDER BY " + p + ", ctid";
  } else {
    q += " ORDER BY ctid";
  }
  return q;
}

std::unique_ptr<SplitEnumerator> make_jdbc_scan_enumerator(const JdbcScanConfig& config) {
  return std::make_unique<JdbcScanEnumerator>(config);
}

std::unique_ptr<SourceReader> make_jdbc_scan_reader(const JdbcScanConfig& config) {
  return std::make_unique<JdbcScanReader>(config);
}

}  // namespace eddy
