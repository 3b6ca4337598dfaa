// The jdbc sink's option values: the URL taken apart, `${env:NAME}` expanded,
// the libpq connection string built, and secrets masked out of messages.
// No I/O and no libpq here, so all of it is unit-tested without a server.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"

namespace eddy {

/// Where `jdbc:postgresql://HOST[:PORT]/DB[?...]` points (PORT defaults to 5432).
struct JdbcAddress {
  std::string host;
  int32_t port = 5432;
  std::string database;
  /// "HOST:PORT", for messages.
  std::string endpoint() const { return host + ":" + std::to_string(port); }
};

/// Parses a PostgreSQL JDBC URL; only the postgresql subprotocol is known.
/// Query parameters (`?ssl=...`) are refused: eddy does not pass them on.
Result<JdbcAddress> parse_jdbc_url(const std::string& url);

/// Looks up an environment variable: the value, or nullptr when unset.
using EnvLookup = std::function<const char*(const std::string&)>;

/// `value` with every `${env:NAME}` replaced by NAME's value; an unset NAME
/// is an error naming NAME and `option` (never the value).
Result<std::string> expand_env(const std::string& value, const std::string& option, const EnvLookup& env);

/// The libpq keyword/value connection string, each value quoted.
std::string pq_conninfo(const JdbcAddress& address, const std::string& user, const std::string& password,
                        int32_t connect_timeout_s);

/// `text` with every occurrence of `secret` (when not empty) replaced by "***".
std::string mask_secret(std::string text, const std::string& secret);

}  // namespace eddy
