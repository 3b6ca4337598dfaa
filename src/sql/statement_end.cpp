#include "sql/statement_end.h"

#include <cctype>

namespace eddy::sql {

size_t statement_end(std::string_view text) {
  char quote = 0;  // ' or ` while inside one
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: the same
      continue;
    }
    if (c == '\'' || c == '`') {
      quote = c;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      const size_t eol = text.find('\n', i);
      if (eol == std::string_view::npos) return std::string::npos;
      i = eol;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const size_t close = text.find("*/", i + 2);
      if (close == std::string_view::npos) return std::string::npos;
      i = close + 1;
    } else if (c == ';') {
      return i + 1;
    }
  }
  return std::string::npos;
}

std::string first_word(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c) || c == '(') {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      const size_t eol = s.find('\n', i);
      i = eol == std::string_view::npos ? s.size() : eol + 1;
    } else if (s.compare(i, 2, "/*") == 0) {
      const size_t close = s.find("*/", i + 2);
      i = close == std::string_view::npos ? s.size() : close + 2;
    } else {
      break;
    }
  }
  std::string word;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_'))
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(s[i++])));
  return word;
}

}  // namespace eddy::sql
