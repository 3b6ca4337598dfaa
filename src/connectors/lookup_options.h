// The options of a lookup table served by an external system (a `jdbc`
// PostgreSQL table or a `redis` table, docs/connectors.md): where it is, how
// its lookups run (async buffer, output mode, timeout and its policy) and how
// they are cached. Parsed from Flink-style option names, the same for a SQL
// table's WITH (...) and a pipeline file's source keys. No I/O: unit-tested.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "connectors/connector_config.h"  // RedisDataType
#include "core/schema.h"
#include "core/status.h"

namespace eddy {

enum class LookupConnector { kJdbc, kRedis };
/// `lookup.cache`: NONE, or PARTIAL (an LRU of looked-up keys, Flink's partial cache).
enum class LookupCacheMode { kNone, kPartial };
/// `lookup.timeout-policy`: what a lookup that timed out leads to.
enum class LookupTimeoutPolicy {
  kRetry,  // try again, up to lookup.max-retries times, then fail the job
  kFail,   // fail the job at once
  kNull,   // emit the row with NULLs in the table's columns, and count it
};
/// `table.exec.async-lookup.output-mode`.
enum class LookupOutputMode { kOrdered, kUnordered };

struct LookupCacheOptions {
  LookupCacheMode mode = LookupCacheMode::kNone;
  int64_t max_rows = 10000;           // lookup.partial-cache.max-rows: keys held (LRU beyond)
  int64_t expire_after_write_ms = 0;  // lookup.partial-cache.expire-after-write; 0: never
  int64_t expire_after_access_ms = 0; // lookup.partial-cache.expire-after-access; 0: never
  bool cache_missing_key = true;      // lookup.partial-cache.cache-missing-key
};

/// Everything a lookup join needs to reach and query its table.
struct LookupTableConfig {
  LookupConnector connector = LookupConnector::kJdbc;
  std::string name;  // the table's name in the pipeline, for messages
  SchemaPtr schema;  // the table's columns as declared

  // jdbc
  std::string url;         // jdbc:postgresql://HOST[:PORT]/DB
  std::string table_name;  // table-name, optionally schema.table
  std::string username;
  std::string password;  // may be ${env:NAME}, expanded when the join opens

  // redis
  std::string host = "localhost";
  int32_t port = 6379;
  int32_t database = 0;
  RedisDataType data_type = RedisDataType::kHash;
  std::string key_prefix;  // the Redis key is key_prefix + the key columns' text, as the redis sink writes it
  std::string key_delimiter = ":";  // between the key columns' values (in table column order)

  LookupCacheOptions cache;
  int64_t max_retries = 3;           // lookup.max-retries
  int64_t timeout_ms = 180000;       // lookup.timeout (table.exec.async-lookup.timeout), Flink's 3 min
  LookupTimeoutPolicy timeout_policy = LookupTimeoutPolicy::kRetry;
  bool async = false;                // lookup.async (Flink's default: synchronous)
  int64_t buffer_capacity = 100;     // table.exec.async-lookup.buffer-capacity: input rows in flight
  LookupOutputMode output_mode = LookupOutputMode::kOrdered;
  int64_t batch_size = 512;          // lookup.batch-size: keys per query (ANY($1) / pipeline)
  int64_t io_threads = 2;            // lookup.io-threads: connections, each on its own I/O thread
  int64_t connect_timeout_s = 10;    // lookup.connect-timeout

  /// "HOST:PORT" of the server, for messages.
  std::string endpoint() const;
};

/// Reports a problem with option `key` (empty: the table as a whole).
using LookupOptionError = std::function<void(const std::string& key, const std::string& message)>;

/// The option names each connector's lookup table takes (for unknown-key messages).
const std::vector<std::string>& lookup_option_keys(LookupConnector connector);

/// Fills `cfg` (connector, name and schema set by the caller) from `options`
/// (key -> value; keys other than those of lookup_option_keys are left to the
/// caller). Reports each bad value through `error`; returns false if any.
bool parse_lookup_options(const std::map<std::string, std::string>& options, LookupTableConfig& cfg,
                          const LookupOptionError& error);

/// Parses `redis://[:PASSWORD@]HOST[:PORT][/DB]` into cfg's host, port,
/// password and database.
Status parse_redis_url(const std::string& url, LookupTableConfig& cfg);

/// Checks what holds only with the join's key in hand: a string-typed redis
/// table has exactly one column besides its key columns.
Status check_lookup_keys(const LookupTableConfig& cfg, const std::vector<int>& key_columns);

/// How a lookup that failed (timed out, or another error) goes on.
enum class LookupRetryDecision { kRetry, kFail, kEmitNull };

/// The decision for a lookup that failed on its `attempt`-th try (1 = first).
/// A timeout follows the policy; any other error is retried like kRetry.
LookupRetryDecision decide_lookup_failure(LookupTimeoutPolicy policy, bool timed_out, int64_t attempt,
                                          int64_t max_retries);

const char* lookup_timeout_policy_name(LookupTimeoutPolicy policy);

}  // namespace eddy
