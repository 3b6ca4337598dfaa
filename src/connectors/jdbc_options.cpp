// The jdbc sink's option values (jdbc_options.h).
#include "connectors/jdbc_options.h"

#include <charconv>

namespace eddy {

Result<JdbcAddress> parse_jdbc_url(const std::string& url) {
  static const std::string kPrefix = "jdbc:postgresql://";
  auto bad = [&](const std::string& why) {
    return Status::invalid("jdbc sink: 'url' " + why + "; expected jdbc:postgresql://HOST:PORT/DATABASE, got '" +
                           url + "'");
  };
  if (url.compare(0, kPrefix.size(), kPrefix) != 0) return bad("is not a PostgreSQL JDBC URL");
  const std::string rest = url.substr(kPrefix.size());
  if (rest.find('?') != std::string::npos) return bad("has parameters ('?...'), which eddy does not take");
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 == rest.size()) return bad("names no database");
  JdbcAddress a;
  a.database = rest.substr(slash + 1);
  std::string hostport = rest.substr(0, slash);
  const size_t colon = hostport.rfind(':');
  if (colon != std::string::npos) {
    const char* b = hostport.data() + colon + 1;
    const char* e = hostport.data() + hostport.size();
    auto [p, ec] = std::from_chars(b, e, a.port);
    if (ec != std::errc() || p != e || a.port <= 0 || a.port > 65535) return bad("has a bad port");
    hostport.resize(colon);
  }
  if (hostport.empty()) return bad("names no host");
  a.host = hostport;
  return a;
}

namespace {

// libpq's quoting: single quotes around the value, ' and \ escaped by '\'.
void append_pq_value(std::string& out, const char* key, const std::string& value) {
  out.append(out.empty() ? "" : " ").append(key).append("='");
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

std::string pq_conninfo(const JdbcAddress& address, const std::string& user, const std::string& password,
                        int32_t connect_timeout_s) {
  std::string out;
  append_pq_value(out, "host", address.host);
  append_pq_value(out, "port", std::to_string(address.port));
  append_pq_value(out, "dbname", address.database);
  if (!user.empty()) append_pq_value(out, "user", user);
  if (!password.empty()) append_pq_value(out, "password", password);
  append_pq_value(out, "connect_timeout", std::to_string(connect_timeout_s));
  append_pq_value(out, "application_name", "eddy");
  return out;
}

}  // namespace eddy
