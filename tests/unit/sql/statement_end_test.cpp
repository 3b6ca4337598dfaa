// The shell's statement reader: a ';' ends a statement only outside strings,
// backquoted names and comments.
#include <doctest/doctest.h>

#include "sql/statement_end.h"

using namespace eddy::sql;

TEST_CASE("a statement ends at the first ';' outside quotes and comments") {
  CHECK(statement_end("SELECT 1;") == 9);
  CHECK(statement_end("SELECT 'a;b'") == std::string::npos);
  CHECK(statement_end("SELECT 'it''s;'; x") == 16);
  CHECK(statement_end("SELECT `a;` FROM t -- ;\n;") == 25);
  CHECK(statement_end("SELECT /* ; */ 1") == std::string::npos);
  CHECK(statement_end("SELECT 1 -- no end yet;") == std::string::npos);
}

TEST_CASE("the first word, past comments and parentheses") {
  CHECK(first_word("  -- note\n  select 1") == "SELECT");
  CHECK(first_word("/* x */ (SELECT 1)") == "SELECT");
  CHECK(first_word("quit") == "QUIT");
  CHECK(first_word("  ") == "");
}
