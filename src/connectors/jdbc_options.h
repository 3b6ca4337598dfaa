// The jdbc sink's option values: the URL taken apart and the libpq connection
// string built (secrets.h expands `${env:NAME}` and masks secrets).
// No I/O and no libpq here, so all of it is unit-tested without a server.
#pragma once

#include <cstdint>
#include <string>

#include "connectors/secrets.h"
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

/// The libpq keyword/value connection string, each value quoted.
std::string pq_conninfo(const JdbcAddress& address, const std::string& user, const std::string& password,
                        int32_t connect_timeout_s);

}  // namespace eddy
