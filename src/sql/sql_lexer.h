// Flink SQL's lexical rules (docs/sql.md): identifiers plain or in backquotes
// (case kept, as Flink does), 'strings' with '' inside, numbers, `--` and
// `/* */` comments, operators. Every token knows its byte offset, line and
// column, so the parser and the planner can point at it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plan/pipeline_spec.h"

namespace eddy::sql {

enum class TokenKind {
  kIdent,        // plain identifier or keyword: text as written
  kQuotedIdent,  // `name`: text without the backquotes, `` as `
  kString,       // 'text': text without the quotes, '' as '
  kNumber,       // 12, 1.5, 2e3
  kSymbol,       // ( ) , ; . = <> != < <= > >= + - * / % || [ ]
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  size_t begin = 0, end = 0;  // byte offsets into the script: [begin, end)
  SourceLocation loc;

  /// A plain identifier spelled `word` in any case (keywords are not reserved
  /// by the lexer; the parser decides).
  bool is_word(std::string_view word) const;
  bool is_symbol(std::string_view s) const { return kind == TokenKind::kSymbol && text == s; }
  /// How the token reads in a message: 'FROM', end of input, ...
  std::string describe() const;
};

struct LexResult {
  std::vector<Token> tokens;  // ends with a kEnd token
  bool ok = true;
  std::string error;          // when !ok
  SourceLocation error_loc;
};

/// Splits a whole script into tokens.
LexResult lex_sql(std::string_view text);

/// Line and column (1-based, columns in characters) of byte `offset` of `text`.
SourceLocation location_of(std::string_view text, size_t offset);

}  // namespace eddy::sql
