// The PostgreSQL lookup client (lookup_client.h): libpq in nonblocking mode,
// a batch of keys per query (`WHERE "k" = ANY($1)` prepared once; a composite
// key as an OR of equalities), results read as text. A query that outlives
// lookup.timeout is cancelled on the server, and the connection dropped if the
// cancel does not settle it; the next lookup reconnects.
#include <libpq-fe.h>
#include <poll.h>

#include <chrono>

#include "connectors/jdbc_options.h"
#include "connectors/lookup_client.h"
#include "connectors/secrets.h"

namespace eddy {
namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string quote_ident(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// A PostgreSQL array literal of texts: {"a","b\"c"}.
void append_array_element(std::string& out, const std::string& v) {
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

class PgLookupClient final : public LookupClient {
 public:
  PgLookupClient(LookupTableConfig cfg, std::vector<int> keys, JdbcAddress address, std::string password)
      : cfg_(std::move(cfg)), keys_(std::move(keys)), address_(std::move(address)), password_(std::move(password)) {}
  ~PgLookupClient() override { drop(); }

  Status connect() {
    drop();
    conn_ = PQconnectdb(pq_conninfo(address_, cfg_.username, password_, static_cast<int32_t>(cfg_.connect_timeout_s))
                            .c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      const std::string why = conn_ ? mask_secret(trimmed(PQerrorMessage(conn_)), password_) : "out of memory";
      drop();
      return Status::io_error(where() + ": cannot connect to PostgreSQL at " + address_.endpoint() + " (database '" +
                              address_.database + "'): " + why);
    }
    EDDY_RETURN_IF_ERROR(exec("SET TIME ZONE 'UTC'", "setting the time zone"));
    // Names the missing table or column before any row arrives.
    EDDY_RETURN_IF_ERROR(exec(select_list() + " WHERE false", "reading table-name '" + cfg_.table_name + "'"));
    if (keys_.size() == 1) {
      const std::string sql = select_list() + " WHERE " + quote_ident(column(keys_[0])) + " = ANY($1)";
      PGresult* r = PQprepare(conn_, "eddy_lookup", sql.c_str(), 1, nullptr);
      Status st = PQresultStatus(r) == PGRES_COMMAND_OK ? Status::ok() : failure("preparing '" + sql + "'", r);
      PQclear(r);
      EDDY_RETURN_IF_ERROR(st);
    }
    if (PQsetnonblocking(conn_, 1) != 0) return failure("switching to nonblocking mode", nullptr);
    return Status::ok();
  }

  LookupReply lookup(const std::vector<LookupKeyText>& keys, int64_t timeout_ms) override {
    LookupReply reply;
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      reply.status = connect();
      if (!reply.status.is_ok()) return reply;
    }
    const int64_t deadline = steady_ms() + timeout_ms;
    if (!send(keys)) {
      reply.status = failure("sending a lookup", nullptr);
      drop();
      return reply;
    }
    PGresult* result = nullptr;
    Status st = Status::ok();
    for (;;) {
      if (PQflush(conn_) < 0 || !PQconsumeInput(conn_)) {
        st = failure("reading a lookup's rows", nullptr);
        break;
      }
      if (!PQisBusy(conn_)) {
        PGresult* r = PQgetResult(conn_);
        if (!r) break;  // the query's results are all in
        if (PQresultStatus(r) == PGRES_TUPLES_OK && !result) {
          result = r;
        } else {
          if (PQresultStatus(r) != PGRES_TUPLES_OK && st.is_ok()) st = failure("a lookup query", r);
          PQclear(r);
        }
        continue;
      }
      const int64_t left = deadline - steady_ms();
      if (left <= 0) {
        reply.timed_out = true;
        st = Status::io_error(where() + ": a lookup of " + std::to_string(keys.size()) + " keys at " +
                              address_.endpoint() + " timed out after " + std::to_string(timeout_ms) +
                              " ms (lookup.timeout)");
        cancel();
        break;
      }
      pollfd p{PQsocket(conn_), POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    }
    if (!st.is_ok()) {
      if (result) PQclear(result);
      reply.status = st;
      if (!reply.timed_out && PQstatus(conn_) != CONNECTION_OK) drop();
      return reply;
    }
    reply.status = rows(result, reply.rows);
    PQclear(result);
    return reply;
  }

 private:
  std::string where() const { return "jdbc lookup table '" + cfg_.name + "'"; }
  const std::string& column(int i) const { return cfg_.schema->field(static_cast<size_t>(i)).name; }

  std::string select_list() const {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < cfg_.schema->size(); ++i)
      sql += (i ? ", " : "") + quote_ident(cfg_.schema->field(i).name);
    // Each part of schema.table quoted, as the jdbc sink does: the name matches exactly.
    std::string table;
    size_t start = 0;
    for (size_t dot; (dot = cfg_.table_name.find('.', start)) != std::string::npos; start = dot + 1)
      table += quote_ident(cfg_.table_name.substr(start, dot - start)) + ".";
    return sql + " FROM " + table + quote_ident(cfg_.table_name.substr(start));
  }

  Status exec(const std::string& sql, const std::string& what) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const ExecStatusType s = PQresultStatus(r);
    Status st = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? Status::ok() : failure(what, r);
    PQclear(r);
    return st;
  }

  Status failure(const std::string& what, const PGresult* r) const {
    const char* m = r ? PQresultErrorMessage(r) : nullptr;
    if (!m || !*m) m = conn_ ? PQerrorMessage(conn_) : "no connection";
    return Status::io_error(where() + ": " + what + " at " + address_.endpoint() + " failed: " +
                            mask_secret(trimmed(m), password_));
  }

  bool send(const std::vector<LookupKeyText>& keys) {
    if (keys_.size() == 1) {
      std::string array = "{";
      for (size_t i = 0; i < keys.size(); ++i) {
        if (i) array += ',';
        append_array_element(array, keys[i][0]);
      }
      array += '}';
      const char* values[1] = {array.c_str()};
      return PQsendQueryPrepared(conn_, "eddy_lookup", 1, values, nullptr, nullptr, 0) == 1;
    }
    std::string sql = select_list() + " WHERE ";
    std::vector<const char*> values;
    int n = 0;
    for (size_t k = 0; k < keys.size(); ++k) {
      sql += k ? " OR (" : "(";
      for (size_t c = 0; c < keys_.size(); ++c) {
        sql += (c ? " AND " : "") + quote_ident(column(keys_[c])) + " = $" + std::to_string(++n);
        values.push_back(keys[k][c].c_str());
      }
      sql += ")";
    }
    return PQsendQueryParams(conn_, sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0) == 1;
  }

  /// Asks the server to cancel the running query and waits briefly for it to
  /// end; a connection still busy after that is dropped.
  void cancel() {
    if (PGcancel* c = PQgetCancel(conn_)) {
      char err[256];
      PQcancel(c, err, sizeof err);
      PQfreeCancel(c);
    }
    const int64_t until = steady_ms() + 1000;
    while (steady_ms() < until) {
      if (!PQconsumeInput(conn_)) break;
      if (!PQisBusy(conn_)) {
        PGresult* r = PQgetResult(conn_);
        if (!r) return;  // settled: the connection is usable again
        PQclear(r);
        continue;
      }
      pollfd p{PQsocket(conn_), POLLIN, 0};
      ::poll(&p, 1, 100);
    }
    drop();
  }

  Status rows(const PGresult* r, RecordBatchPtr& out) {
    BatchBuilder b(cfg_.schema);
    const int n = PQntuples(r);
    if (PQnfields(r) != static_cast<int>(cfg_.schema->size()))
      return Status::internal(where() + ": the lookup query returned " + std::to_string(PQnfields(r)) + " columns");
    for (int row = 0; row < n; ++row) {
      for (size_t c = 0; c < cfg_.schema->size(); ++c) {
        Column& col = b.column(c);
        if (PQgetisnull(r, row, static_cast<int>(c))) {
          col.append_null();
          continue;
        }
        const char* v = PQgetvalue(r, row, static_cast<int>(c));
        if (!append_lookup_text(col, std::string_view(v, static_cast<size_t>(PQgetlength(r, row, static_cast<int>(c))))))
          return Status::parse_error(where() + ": column '" + cfg_.schema->field(c).name + "' holds '" + v +
                                     "', which is not a " + type_name(cfg_.schema->field(c).type));
      }
      b.commit_rows(1);
    }
    out = b.finish();
    return Status::ok();
  }

  void drop() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
  }

  LookupTableConfig cfg_;
  std::vector<int> keys_;
  JdbcAddress address_;
  std::string password_;  // expanded; masked out of every message
  PGconn* conn_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<LookupClient>> connect_pg_lookup_client(const LookupTableConfig& cfg,
                                                               const std::vector<int>& key_columns) {
  EDDY_ASSIGN_OR_RETURN(JdbcAddress address, parse_jdbc_url(cfg.url));
  EDDY_ASSIGN_OR_RETURN(std::string password,
                        expand_env(cfg.password, "password", process_env, "jdbc lookup table '" + cfg.name + "'"));
  auto client = std::make_unique<PgLookupClient>(cfg, key_columns, address, password);
  EDDY_RETURN_IF_ERROR(client->connect());
  return std::unique_ptr<LookupClient>(std::move(client));
}

}  // namespace eddy
