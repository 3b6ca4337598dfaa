// Lookup table options (lookup_options.h): Flink's defaults, every option
// read, bad values named by key, redis URLs, and the timeout policy's decisions.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "connectors/lookup_options.h"

using namespace eddy;

namespace {

struct Parsed {
  LookupTableConfig cfg;
  std::vector<std::string> errors;  // "key: message"
  bool ok = false;
};

Parsed parse(LookupConnector connector, const std::map<std::string, std::string>& options) {
  Parsed p;
  p.cfg.connector = connector;
  p.cfg.name = "dim";
  p.ok = parse_lookup_options(options, p.cfg, [&](const std::string& key, const std::string& message) {
    p.errors.push_back(key + ": " + message);
  });
  return p;
}

const std::map<std::string, std::string> kJdbc = {{"url", "jdbc:postgresql://db.example:5433/shop"},
                                                  {"table-name", "customers"}};

}  // namespace

TEST_CASE("a jdbc lookup table takes Flink's defaults") {
  Parsed p = parse(LookupConnector::kJdbc, kJdbc);
  REQUIRE(p.ok);
  CHECK(p.cfg.cache.mode == LookupCacheMode::kNone);
  CHECK(p.cfg.cache.cache_missing_key);
  CHECK(p.cfg.max_retries == 3);
  CHECK(p.cfg.timeout_ms == 180000);
  CHECK(p.cfg.timeout_policy == LookupTimeoutPolicy::kRetry);
  CHECK_FALSE(p.cfg.async);
  CHECK(p.cfg.buffer_capacity == 100);
  CHECK(p.cfg.output_mode == LookupOutputMode::kOrdered);
  CHECK(p.cfg.endpoint() == "db.example:5433");
}

TEST_CASE("every lookup option is read") {
  auto o = kJdbc;
  o["username"] = "eddy";
  o["password"] = "${env:PGPASS}";
  o["lookup.cache"] = "partial";
  o["lookup.partial-cache.max-rows"] = "500";
  o["lookup.partial-cache.expire-after-write"] = "10min";
  o["lookup.partial-cache.expire-after-access"] = "30 s";
  o["lookup.partial-cache.cache-missing-key"] = "false";
  o["lookup.max-retries"] = "5";
  o["lookup.timeout"] = "250ms";
  o["lookup.timeout-policy"] = "null";
  o["lookup.async"] = "true";
  o["table.exec.async-lookup.buffer-capacity"] = "2048";
  o["table.exec.async-lookup.output-mode"] = "ALLOW_UNORDERED";
  o["lookup.batch-size"] = "64";
  o["lookup.io-threads"] = "4";
  Parsed p = parse(LookupConnector::kJdbc, o);
  REQUIRE(p.ok);
  CHECK(p.cfg.password == "${env:PGPASS}");  // expanded only when the join opens
  CHECK(p.cfg.cache.mode == LookupCacheMode::kPartial);
  CHECK(p.cfg.cache.max_rows == 500);
  CHECK(p.cfg.cache.expire_after_write_ms == 600000);
  CHECK(p.cfg.cache.expire_after_access_ms == 30000);
  CHECK_FALSE(p.cfg.cache.cache_missing_key);
  CHECK(p.cfg.max_retries == 5);
  CHECK(p.cfg.timeout_ms == 250);
  CHECK(p.cfg.timeout_policy == LookupTimeoutPolicy::kNull);
  CHECK(p.cfg.async);
  CHECK(p.cfg.buffer_capacity == 2048);
  CHECK(p.cfg.output_mode == LookupOutputMode::kUnordered);
  CHECK(p.cfg.batch_size == 64);
  CHECK(p.cfg.io_threads == 4);
}

TEST_CASE("bad lookup option values are reported by key") {
  auto o = kJdbc;
  o["lookup.cache"] = "FULL";
  o["lookup.max-retries"] = "-1";
  o["lookup.timeout-policy"] = "ignore";
  o["table.exec.async-lookup.timeout"] = "soon";
  Parsed p = parse(LookupConnector::kJdbc, o);
  CHECK_FALSE(p.ok);
  REQUIRE(p.errors.size() == 4);
  CHECK(p.errors[0].rfind("lookup.cache: ", 0) == 0);
  CHECK(p.errors[1].rfind("lookup.max-retries: ", 0) == 0);
  CHECK(p.errors[2].rfind("table.exec.async-lookup.timeout: ", 0) == 0);
  CHECK(p.errors[3].find("retry, fail, null") != std::string::npos);
}

TEST_CASE("partial-cache options need lookup.cache PARTIAL, and a jdbc table needs url and table-name") {
  auto o = kJdbc;
  o["lookup.partial-cache.max-rows"] = "10";
  CHECK_FALSE(parse(LookupConnector::kJdbc, o).ok);
  Parsed p = parse(LookupConnector::kJdbc, {{"url", "jdbc:postgresql://h/db"}});
  CHECK_FALSE(p.ok);
  CHECK(p.errors.at(0).find("'table-name'") != std::string::npos);
}

TEST_CASE("a redis lookup table reads host and port, or a redis:// url") {
  Parsed p = parse(LookupConnector::kRedis, {{"host", "cache.local"}, {"port", "7000"}, {"data-type", "string"},
                                            {"key-prefix", "user:"}});
  REQUIRE(p.ok);
  CHECK(p.cfg.endpoint() == "cache.local:7000");
  CHECK(p.cfg.data_type == RedisDataType::kString);
  CHECK(p.cfg.key_prefix == "user:");
  Parsed u = parse(LookupConnector::kRedis, {{"url", "redis://:s3cret@10.0.0.5:6380/2"}});
  REQUIRE(u.ok);
  CHECK(u.cfg.host == "10.0.0.5");
  CHECK(u.cfg.port == 6380);
  CHECK(u.cfg.database == 2);
  CHECK(u.cfg.password == "s3cret");
  CHECK(u.cfg.data_type == RedisDataType::kHash);
  Parsed bad = parse(LookupConnector::kRedis, {{"url", "http://x"}});
  CHECK_FALSE(bad.ok);
  Parsed both = parse(LookupConnector::kRedis, {{"url", "redis://x"}, {"port", "1"}});
  CHECK_FALSE(both.ok);
}

TEST_CASE("a redis table needs a value column, and a string one has exactly one") {
  LookupTableConfig t;
  t.connector = LookupConnector::kRedis;
  t.name = "dim";
  t.schema = std::make_shared<Schema>(std::vector<Field>{{"id", DataType::kInt64}, {"a", DataType::kString},
                                                         {"b", DataType::kString}});
  CHECK(check_lookup_keys(t, {0}).is_ok());
  CHECK(check_lookup_keys(t, {0, 1}).is_ok());  // key-prefix + id + key-delimiter + a
  CHECK_FALSE(check_lookup_keys(t, {0, 1, 2}).is_ok());
  t.data_type = RedisDataType::kString;
  CHECK_FALSE(check_lookup_keys(t, {0}).is_ok());
  CHECK(check_lookup_keys(t, {0, 1}).is_ok());
}

TEST_CASE("the timeout policy decides: retry up to max-retries, fail, or emit NULLs") {
  using D = LookupRetryDecision;
  CHECK(decide_lookup_failure(LookupTimeoutPolicy::kRetry, true, 1, 3) == D::kRetry);
  CHECK(decide_lookup_failure(LookupTimeoutPolicy::kRetry, true, 3, 3) == D::kRetry);
  CHECK(decide_lookup_failure(LookupTimeoutPolicy::kRetry, true, 4, 3) == D::kFail);
  CHECK(decide_lookup_failure(LookupTimeoutPolicy::kRetry, true, 1, 0) == D::kFail);
  CHECK(decide_lookup_failure(LookupTimeoutPolicy::kFail, true, 1, 3) == D::kFail);
  CHECK(decide_lookup_failure(LookupTimeoutPolicy::kNull, true, 1, 3) == D::kEmitNull);
  // Errors other than timeouts are retried whatever the policy.
  CHECK(decide_lookup_failure(LookupTimeoutPolicy::kNull, false, 1, 3) == D::kRetry);
  CHECK(decide_lookup_failure(LookupTimeoutPolicy::kFail, false, 2, 3) == D::kRetry);
  CHECK(decide_lookup_failure(LookupTimeoutPolicy::kFail, false, 4, 3) == D::kFail);
}
