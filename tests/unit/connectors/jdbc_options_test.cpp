// Unit tests for the jdbc sink's option values (src/connectors/jdbc_options.h):
// URLs and the libpq connection string.
#include <doctest/doctest.h>

#include <string>

#include "connectors/jdbc_options.h"

using namespace eddy;

TEST_CASE("a PostgreSQL JDBC URL gives host, port and database") {
  auto a = parse_jdbc_url("jdbc:postgresql://db.example:6543/shop");
  REQUIRE(a.ok());
  CHECK(a->host == "db.example");
  CHECK(a->port == 6543);
  CHECK(a->database == "shop");
  CHECK(a->endpoint() == "db.example:6543");
  auto d = parse_jdbc_url("jdbc:postgresql://127.0.0.1/x");
  REQUIRE(d.ok());
  CHECK(d->port == 5432);
}

TEST_CASE("bad JDBC URLs are refused with the reason") {
  for (const char* url : {"jdbc:mysql://h:1/db", "postgresql://h/db", "jdbc:postgresql://h:1/",
                          "jdbc:postgresql://h:99999/db", "jdbc:postgresql://h:x/db", "jdbc:postgresql://:5/db",
                          "jdbc:postgresql://h/db?ssl=true"}) {
    auto a = parse_jdbc_url(url);
    CHECK_MESSAGE(!a.ok(), url);
    if (!a.ok()) CHECK(a.status().message().find("jdbc:postgresql://HOST:PORT/DATABASE") != std::string::npos);
  }
}

TEST_CASE("the libpq connection string quotes every value") {
  JdbcAddress a{"h", 5433, "d b"};
  CHECK(pq_conninfo(a, "u", "p'w\\", 7) ==
        "host='h' port='5433' dbname='d b' user='u' password='p\\'w\\\\' connect_timeout='7' "
        "application_name='eddy'");
  CHECK(pq_conninfo(a, "", "", 7).find("password") == std::string::npos);
}

