// Lookup table options (lookup_options.h).
#include "connectors/lookup_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "connectors/jdbc_options.h"
#include "core/time_util.h"

namespace eddy {
namespace {

const std::vector<std::string> kCommonKeys = {
    "lookup.cache", "lookup.partial-cache.max-rows", "lookup.partial-cache.expire-after-write",
    "lookup.partial-cache.expire-after-access", "lookup.partial-cache.cache-missing-key", "lookup.max-retries",
    "lookup.timeout", "lookup.timeout-policy", "lookup.async", "lookup.batch-size", "lookup.io-threads",
    "lookup.connect-timeout", "table.exec.async-lookup.buffer-capacity", "table.exec.async-lookup.output-mode",
    "table.exec.async-lookup.timeout"};

std::vector<std::string> with_common(std::vector<std::string> keys) {
  keys.insert(keys.end(), kCommonKeys.begin(), kCommonKeys.end());
  return keys;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int64_t> to_int(const std::string& v) {
  int64_t out = 0;
  const char* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, out);
  if (ec != std::errc() || p != end || v.empty()) return std::nullopt;
  return out;
}

/// A duration in Flink's or eddy's spelling ("10s", "500ms", "10min", "1 h"), in ms.
std::optional<int64_t> to_ms(std::string v) {
  std::string compact;
  for (char c : v)
    if (c != ' ') compact += c;
  for (const char* unit : {"min", "mins", "minute", "minutes"})
    if (compact.size() > std::string(unit).size() &&
        compact.compare(compact.size() - std::string(unit).size(), std::string::npos, unit) == 0) {
      compact = compact.substr(0, compact.size() - std::string(unit).size()) + "m";
      break;
    }
  auto us = parse_duration_us(compact);
  if (!us.ok()) return std::nullopt;
  return *us / 1000;
}

}  // namespace

std::string LookupTableConfig::endpoint() const {
  if (connector == LookupConnector::kRedis) return host + ":" + std::to_string(port);
  auto a = parse_jdbc_url(url);
  return a.ok() ? a->endpoint() : url;
}

const std::vector<std::string>& lookup_option_keys(LookupConnector connector) {
  static const std::vector<std::string> kJdbc = with_common({"url", "table-name", "username", "password"});
  static const std::vector<std::string> kRedis =
      with_common({"url", "host", "port", "database", "password", "data-type", "key-prefix", "key-delimiter"});
  return connector == LookupConnector::kJdbc ? kJdbc : kRedis;
}

bool parse_lookup_options(const std::map<std::string, std::string>& options, LookupTableConfig& cfg,
                          const LookupOptionError& error) {
  bool ok = true;
  auto fail = [&](const std::string& key, const std::string& message) {
    ok = false;
    error(key, message);
  };
  auto get = [&](const std::string& key) -> const std::string* {
    auto it = options.find(key);
    return it == options.end() ? nullptr : &it->second;
  };
  auto integer = [&](const std::string& key, int64_t min, int64_t max, int64_t& out) {
    if (const std::string* v = get(key)) {
      auto n = to_int(*v);
      if (!n || *n < min || *n > max)
        fail(key, "'" + key + "' must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                      ", not '" + *v + "'");
      else
        out = *n;
    }
  };
  auto duration = [&](const std::string& key, int64_t& out) {
    if (const std::string* v = get(key)) {
      auto ms = to_ms(*v);
      if (!ms) fail(key, "'" + key + "' must be a duration such as '10s', '500ms' or '10min', not '" + *v + "'");
      else out = *ms;
    }
  };
  auto boolean = [&](const std::string& key, bool& out) {
    if (const std::string* v = get(key)) {
      if (*v == "true") out = true;
      else if (*v == "false") out = false;
      else fail(key, "'" + key + "' must be true or false, not '" + *v + "'");
    }
  };
  auto choice = [&](const std::string& key, const std::vector<std::string>& choices) -> std::string {
    const std::string* v = get(key);
    if (!v) return "";
    const std::string u = upper(*v);
    std::string list;
    for (const auto& c : choices) {
      if (u == upper(c)) return c;
      list += (list.empty() ? "" : ", ") + c;
    }
    fail(key, "'" + key + "' must be one of " + list + ", not '" + *v + "'");
    return "";
  };

  if (cfg.connector == LookupConnector::kJdbc) {
    const std::string* url = get("url");
    const std::string* table = get("table-name");
    if (!url || !table) {
      fail("", "a jdbc lookup table needs 'url' (jdbc:postgresql://HOST:PORT/DATABASE) and 'table-name'");
    } else {
      cfg.url = *url;
      cfg.table_name = *table;
      if (auto a = parse_jdbc_url(cfg.url); !a.ok()) fail("url", a.status().message());
    }
    if (const std::string* v = get("username")) cfg.username = *v;
    if (const std::string* v = get("password")) cfg.password = *v;
  } else {
    if (const std::string* v = get("url")) {
      if (get("host") || get("port") || get("database"))
        fail("url", "a redis table takes 'url' or 'host'/'port'/'database', not both");
      else if (Status st = parse_redis_url(*v, cfg); !st.is_ok())
        fail("url", st.message());
    }
    if (const std::string* v = get("host")) cfg.host = *v;
    int64_t port = cfg.port, db = cfg.database;
    integer("port", 1, 65535, port);
    integer("database", 0, 1 << 20, db);
    cfg.port = static_cast<int32_t>(port);
    cfg.database = static_cast<int32_t>(db);
    if (const std::string* v = get("password")) cfg.password = *v;
    const std::string type = choice("data-type", {"hash", "string"});
    if (type == "string") cfg.data_type = RedisDataType::kString;
    if (const std::string* v = get("key-prefix")) cfg.key_prefix = *v;
    if (const std::string* v = get("key-delimiter")) cfg.key_delimiter = *v;
  }

  const std::string cache = choice("lookup.cache", {"NONE", "PARTIAL", "FULL"});
  if (cache == "FULL")
    fail("lookup.cache", "'lookup.cache' = 'FULL' is not supported by eddy; use 'PARTIAL' (or a filesystem table, "
                         "which a lookup join reads whole)");
  if (cache == "PARTIAL") cfg.cache.mode = LookupCacheMode::kPartial;
  for (const char* key : {"lookup.partial-cache.max-rows", "lookup.partial-cache.expire-after-write",
                          "lookup.partial-cache.expire-after-access", "lookup.partial-cache.cache-missing-key"})
    if (get(key) && cfg.cache.mode != LookupCacheMode::kPartial)
      fail(key, std::string("'") + key + "' needs 'lookup.cache' = 'PARTIAL'");
  integer("lookup.partial-cache.max-rows", 1, int64_t{1} << 40, cfg.cache.max_rows);
  duration("lookup.partial-cache.expire-after-write", cfg.cache.expire_after_write_ms);
  duration("lookup.partial-cache.expire-after-access", cfg.cache.expire_after_access_ms);
  boolean("lookup.partial-cache.cache-missing-key", cfg.cache.cache_missing_key);

  integer("lookup.max-retries", 0, 1000, cfg.max_retries);
  if (get("lookup.timeout") && get("table.exec.async-lookup.timeout"))
    fail("lookup.timeout", "set 'lookup.timeout' or 'table.exec.async-lookup.timeout', not both");
  duration("lookup.timeout", cfg.timeout_ms);
  duration("table.exec.async-lookup.timeout", cfg.timeout_ms);
  if (cfg.timeout_ms <= 0) fail("lookup.timeout", "the lookup timeout must be at least 1ms");
  const std::string policy = choice("lookup.timeout-policy", {"retry", "fail", "null"});
  if (policy == "fail") cfg.timeout_policy = LookupTimeoutPolicy::kFail;
  if (policy == "null") cfg.timeout_policy = LookupTimeoutPolicy::kNull;
  boolean("lookup.async", cfg.async);
  integer("table.exec.async-lookup.buffer-capacity", 1, 1 << 24, cfg.buffer_capacity);
  const std::string mode = choice("table.exec.async-lookup.output-mode", {"ORDERED", "ALLOW_UNORDERED"});
  if (mode == "ALLOW_UNORDERED") cfg.output_mode = LookupOutputMode::kUnordered;
  integer("lookup.batch-size", 1, 100000, cfg.batch_size);
  integer("lookup.io-threads", 1, 64, cfg.io_threads);
  int64_t connect_ms = cfg.connect_timeout_s * 1000;
  duration("lookup.connect-timeout", connect_ms);
  cfg.connect_timeout_s = std::max<int64_t>(1, (connect_ms + 999) / 1000);
  return ok;
}

Status parse_redis_url(const std::string& url, LookupTableConfig& cfg) {
  const std::string scheme = "redis://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    return Status::invalid("a redis url reads redis://[:PASSWORD@]HOST[:PORT][/DB]; it must start with redis://");
  std::string rest = url.substr(scheme.size());
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string auth = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = auth.find(':'); colon != std::string::npos) auth = auth.substr(colon + 1);
    cfg.password = auth;
  }
  std::string db;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string port;
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    port = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return Status::invalid("the redis url names no host (redis://[:PASSWORD@]HOST[:PORT][/DB])");
  cfg.host = rest;
  if (!port.empty()) {
    auto p = to_int(port);
    if (!p || *p < 1 || *p > 65535) return Status::invalid("the redis url's port must be 1 to 65535, not '" + port + "'");
    cfg.port = static_cast<int32_t>(*p);
  }
  if (!db.empty()) {
    auto d = to_int(db);
    if (!d || *d < 0) return Status::invalid("the redis url's database must be a number, not '" + db + "'");
    cfg.database = static_cast<int32_t>(*d);
  }
  return Status::ok();
}

Status check_lookup_keys(const LookupTableConfig& cfg, const std::vector<int>& key_columns) {
  if (key_columns.empty()) return Status::invalid("the lookup join needs an equality on a column of '" + cfg.name + "'");
  if (cfg.connector != LookupConnector::kRedis) return Status::ok();
  if (cfg.data_type == RedisDataType::kString && cfg.schema && cfg.schema->size() != key_columns.size() + 1)
    return Status::invalid("a redis table of data-type 'string' has one column besides the key the join looks up "
                           "by (its value); '" + cfg.name + "' has " + std::to_string(cfg.schema->size()) +
                           " columns and a key of " + std::to_string(key_columns.size()));
  if (cfg.schema && key_columns.size() >= cfg.schema->size())
    return Status::invalid("the join looks '" + cfg.name + "' up by every column; a redis table needs a value column");
  return Status::ok();
}

LookupRetryDecision decide_lookup_failure(LookupTimeoutPolicy policy, bool timed_out, int64_t attempt,
                                          int64_t max_retries) {
  if (timed_out && policy == LookupTimeoutPolicy::kFail) return LookupRetryDecision::kFail;
  if (timed_out && policy == LookupTimeoutPolicy::kNull) return LookupRetryDecision::kEmitNull;
  return attempt <= max_retries ? LookupRetryDecision::kRetry : LookupRetryDecision::kFail;
}

const char* lookup_timeout_policy_name(LookupTimeoutPolicy policy) {
  switch (policy) {
    case LookupTimeoutPolicy::kRetry: return "retry";
    case LookupTimeoutPolicy::kFail: return "fail";
    case LookupTimeoutPolicy::kNull: return "null";
  }
  return "?";
}

}  // namespace eddy
