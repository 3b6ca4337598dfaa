// libpq behind PgConnection (pg_connection.h).
#include "connectors/pg_connection.h"

#include <libpq-fe.h>

namespace eddy {
namespace {

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const JdbcAddress& address, const std::string& user,
                                                            const std::string& password, int32_t timeout_s,
                                                            const std::string& who) {
  PGconn* conn = PQconnectdb(pq_conninfo(address, user, password, timeout_s).c_str());
  if (conn == nullptr) return Status::io_error(who + ": out of memory connecting to " + address.endpoint());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string why = mask_secret(trimmed(PQerrorMessage(conn)), password);
    PQfinish(conn);
    return Status::io_error(who + ": cannot connect to PostgreSQL at " + address.endpoint() + " (database '" +
                            address.database + "'): " + why);
  }
  return std::unique_ptr<PgConnection>(
      new PgConnection(conn, address.endpoint() + "/" + address.database, password, who));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::alive() const { return PQstatus(conn_) == CONNECTION_OK; }

Status PgConnection::failure(const std::string& what, const std::string& message) const {
  return Status::io_error(who_ + ": " + what + " at " + where_ + " failed: " +
                          mask_secret(trimmed(message.c_str()), password_));
}

Status PgConnection::exec(const std::string& sql, std::string* sqlstate) {
  PGresult* r = PQexec(conn_, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  Status s = Status::ok();
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    if (sqlstate) *sqlstate = trimmed(PQresultErrorField(r, PG_DIAG_SQLSTATE));
    const std::string head = sql.size() > 60 ? sql.substr(0, 60) + "..." : sql;
    s = failure("'" + head + "'", r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
  }
  PQclear(r);
  return s;
}

namespace {

class ResultRow : public PgRowView {
 public:
  ResultRow(const PGresult* r, int row) : r_(r), row_(row) {}
  bool is_null(int c) const override { return PQgetisnull(r_, row_, c) != 0; }
  std::string_view value(int c) const override {
    return std::string_view(PQgetvalue(r_, row_, c), static_cast<size_t>(PQgetlength(r_, row_, c)));
  }

 private:
  const PGresult* r_;
  int row_;
};

}  // namespace

Result<size_t> PgConnection::query_rows(const std::string& sql, const std::function<Status(const PgRowView&)>& row) {
  PGresult* r = PQexec(conn_, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    Status s = failure("'" + sql.substr(0, 60) + "'", r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    PQclear(r);
    return s;
  }
  const int n = PQntuples(r);
  Status s = Status::ok();
  for (int i = 0; i < n && s.is_ok(); ++i) s = row(ResultRow(r, i));
  PQclear(r);
  if (!s.is_ok()) return s;
  return static_cast<size_t>(n);
}

Result<std::vector<std::string>> PgConnection::column(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    Status s = failure("'" + sql + "'", r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    PQclear(r);
    return s;
  }
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
  PQclear(r);
  return out;
}

std::string PgConnection::literal(const std::string& value) {
  char* q = PQescapeLiteral(conn_, value.data(), value.size());
  std::string out = q ? q : "''";
  PQfreemem(q);
  return out;
}

}  // namespace eddy
