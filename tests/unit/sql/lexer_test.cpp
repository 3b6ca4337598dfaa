// The SQL lexer: Flink's lexical rules (backquoted names that keep their case,
// '' inside strings, both comment kinds) and exact positions.
#include <doctest/doctest.h>

#include "sql/sql_lexer.h"

using namespace eddy;
using namespace eddy::sql;

TEST_CASE("tokens carry their kind, text and line:column") {
  LexResult r = lex_sql("SELECT `dateTime`, 'it''s'\n  FROM t -- a comment\n/* another */ WHERE a <> 1.5e3;");
  REQUIRE(r.ok);
  const auto& t = r.tokens;
  REQUIRE(t.size() == 12);
  CHECK(t[0].is_word("select"));
  CHECK(t[1].kind == TokenKind::kQuotedIdent);
  CHECK(t[1].text == "dateTime");
  CHECK(t[3].kind == TokenKind::kString);
  CHECK(t[3].text == "it's");
  CHECK(t[4].is_word("FROM"));
  CHECK(t[4].loc.line == 2);
  CHECK(t[4].loc.column == 3);
  CHECK(t[6].is_word("WHERE"));
  CHECK(t[6].loc.line == 3);
  CHECK(t[6].loc.column == 15);
  CHECK(t[8].is_symbol("<>"));
  CHECK(t[9].kind == TokenKind::kNumber);
  CHECK(t[9].text == "1.5e3");
  CHECK(t[11].kind == TokenKind::kEnd);
}

TEST_CASE("columns count characters, not bytes") {
  LexResult r = lex_sql("'héé' x");
  REQUIRE(r.ok);
  CHECK(r.tokens[1].loc.column == 7);
}

TEST_CASE("lexical errors say where and what") {
  LexResult open = lex_sql("SELECT 'abc");
  CHECK_FALSE(open.ok);
  CHECK(open.error_loc.column == 8);
  CHECK(open.error.find("never closed") != std::string::npos);
  LexResult quotes = lex_sql("SELECT \"a\"");
  CHECK_FALSE(quotes.ok);
  CHECK(quotes.error.find("backquotes") != std::string::npos);
  LexResult comment = lex_sql("SELECT /* x");
  CHECK_FALSE(comment.ok);
  CHECK(comment.error.find("*/") != std::string::npos);
}
