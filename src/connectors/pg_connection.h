// One libpq connection, blocking, with errors as Status: every message names
// the server as HOST:PORT and has the password masked out.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <string>
#include <vector>

#include "connectors/jdbc_options.h"
#include "core/status.h"

struct pg_conn;

namespace eddy {

/// One row of a query's result, valid while PgConnection::query_rows calls back.
class PgRowView {
 public:
  virtual ~PgRowView() = default;
  virtual bool is_null(int column) const = 0;
  /// The value's text (libpq's text format), followed by a NUL byte.
  virtual std::string_view value(int column) const = 0;
};

class PgConnection {
 public:
  /// Connects (at most `timeout_s` seconds); the error names address.endpoint().
  /// `who` starts every message ("jdbc sink").
  static Result<std::unique_ptr<PgConnection>> connect(const JdbcAddress& address, const std::string& user,
                                                       const std::string& password, int32_t timeout_s,
                                                       const std::string& who = "jdbc sink");
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Runs one statement (or several, ';'-separated) expecting no rows back.
  /// On an error, `sqlstate` (when given) receives its SQLSTATE code.
  Status exec(const std::string& sql, std::string* sqlstate = nullptr);
  /// Calls `row` for every row a query returns; the number of rows.
  Result<size_t> query_rows(const std::string& sql, const std::function<Status(const PgRowView&)>& row);
  /// The first column of every row a query returns.
  Result<std::vector<std::string>> column(const std::string& sql);
  /// A string literal for `value`, quoted by the server's rules.
  std::string literal(const std::string& value);
  bool alive() const;

 private:
  PgConnection(pg_conn* conn, std::string where, std::string password, std::string who)
      : conn_(conn), where_(std::move(where)), password_(std::move(password)), who_(std::move(who)) {}
  Status failure(const std::string& what, const std::string& message) const;

  pg_conn* conn_;
  std::string where_;     // "HOST:PORT/DB" for messages
  std::string password_;  // masked out of messages
  std::string who_;
};

}  // namespace eddy
