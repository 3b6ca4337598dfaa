// One libpq connection, blocking, with errors as Status: every message names
// the server as HOST:PORT and has the password masked out.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/jdbc_options.h"
#include "core/status.h"

struct pg_conn;

namespace eddy {

class PgConnection {
 public:
  /// Connects (at most `timeout_s` seconds); the error names address.endpoint().
  static Result<std::unique_ptr<PgConnection>> connect(const JdbcAddress& address, const std::string& user,
                                                       const std::string& password, int32_t timeout_s);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Runs one statement (or several, ';'-separated) expecting no rows back.
  /// On an error, `sqlstate` (when given) receives its SQLSTATE code.
  Status exec(const std::string& sql, std::string* sqlstate = nullptr);
  /// The first column of every row a query returns.
  Result<std::vector<std::string>> column(const std::string& sql);
  /// A string literal for `value`, quoted by the server's rules.
  std::string literal(const std::string& value);
  bool alive() const;

 private:
  PgConnection(pg_conn* conn, std::string where, std::string password)
      : conn_(conn), where_(std::move(where)), password_(std::move(password)) {}
  Status failure(const std::string& what, const std::string& message) const;

  pg_conn* conn_;
  std::string where_;     // "HOST:PORT/DB" for messages
  std::string password_;  // masked out of messages
};

}  // namespace eddy
