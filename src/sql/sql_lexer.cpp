#include "sql/sql_lexer.h"

#include <cctype>

namespace eddy::sql {
namespace {

bool ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool ident_part(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  LexResult run() {
    while (out_.ok) {
      skip_space_and_comments();
      if (!out_.ok) break;
      if (pos_ >= text_.size()) break;
      next_token();
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.begin = end.end = text_.size();
    end.loc = at(text_.size());
    out_.tokens.push_back(end);
    return std::move(out_);
  }

 private:
  void fail(size_t at, std::string message) {
    if (!out_.ok) return;
    out_.ok = false;
    out_.error = std::move(message);
    out_.error_loc = location_of(text_, at);
  }

  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (text_.compare(pos_, 2, "--") == 0) {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.compare(pos_, 2, "/*") == 0) {
        const size_t close = text_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) return fail(pos_, "this /* comment is never closed with */");
        pos_ = close + 2;
      } else {
        return;
      }
    }
  }

  void push(TokenKind kind, size_t begin, std::string text) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.begin = begin;
    t.end = pos_;
    t.loc = at(begin);
    out_.tokens.push_back(std::move(t));
  }

  /// location_of(text_, offset), walking on from the last token (offsets only grow).
  SourceLocation at(size_t offset) {
    for (; seen_ < offset; ++seen_) {
      const auto c = static_cast<unsigned char>(text_[seen_]);
      if (c == '\n') {
        ++seen_loc_.line;
        seen_loc_.column = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++seen_loc_.column;
      }
    }
    return seen_loc_;
  }

  /// Text up to the closing `quote`, a doubled quote standing for one.
  bool quoted(char quote, std::string& value) {
    const size_t open = pos_++;
    while (pos_ < text_.size()) {
      if (text_[pos_] == quote) {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == quote) {
          value += quote;
          pos_ += 2;
          continue;
        }
        ++pos_;
        return true;
      }
      value += text_[pos_++];
    }
    fail(open, std::string("this ") + quote + " is never closed");
    return false;
  }

  void number() {
    const size_t begin = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && std::isdigit(static_cast<unsigned char>(text_[p]))) {
        pos_ = p;
        while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      }
    }
    push(TokenKind::kNumber, begin, std::string(text_.substr(begin, pos_ - begin)));
  }

  void next_token() {
    const size_t begin = pos_;
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (ident_start(c)) {
      while (pos_ < text_.size() && ident_part(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      return push(TokenKind::kIdent, begin, std::string(text_.substr(begin, pos_ - begin)));
    }
    if (std::isdigit(c) || (c == '.' && pos_ + 1 < text_.size() &&
                            std::isdigit(static_cast<unsigned char>(text_[pos_ + 1]))))
      return number();
    std::string value;
    if (c == '\'') {
      if (quoted('\'', value)) push(TokenKind::kString, begin, std::move(value));
      return;
    }
    if (c == '`') {
      if (!quoted('`', value)) return;
      if (value.empty()) return fail(begin, "an empty `` is no identifier");
      return push(TokenKind::kQuotedIdent, begin, std::move(value));
    }
    if (c == '"')
      return fail(begin, "Flink SQL quotes identifiers with backquotes (`name`) and strings with "
                         "single quotes ('text'), not with \"");
    static const char* const kTwo[] = {"<>", "!=", "<=", ">=", "||"};
    for (const char* two : kTwo)
      if (text_.compare(pos_, 2, two) == 0) {
        pos_ += 2;
        return push(TokenKind::kSymbol, begin, two);
      }
    if (std::string_view("(),;.=<>+-*/%[]:").find(static_cast<char>(c)) != std::string_view::npos) {
      ++pos_;
      return push(TokenKind::kSymbol, begin, std::string(1, static_cast<char>(c)));
    }
    fail(begin, std::string("unexpected character '") + static_cast<char>(c) + "'");
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t seen_ = 0;
  SourceLocation seen_loc_{1, 1};
  LexResult out_;
};

}  // namespace

bool Token::is_word(std::string_view word) const {
  if (kind != TokenKind::kIdent || text.size() != word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(text[i])) != std::toupper(static_cast<unsigned char>(word[i])))
      return false;
  return true;
}

std::string Token::describe() const {
  switch (kind) {
    case TokenKind::kEnd: return "the end of the script";
    case TokenKind::kString: return "the string '" + text + "'";
    case TokenKind::kQuotedIdent: return "`" + text + "`";
    default: return "'" + text + "'";
  }
}

LexResult lex_sql(std::string_view text) { return Lexer(text).run(); }

SourceLocation location_of(std::string_view text, size_t offset) {
  SourceLocation loc{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++loc.line;
      loc.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++loc.column;  // a UTF-8 continuation byte is part of the character before
    }
  }
  return loc;
}

}  // namespace eddy::sql
