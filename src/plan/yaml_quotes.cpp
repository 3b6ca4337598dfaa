// The quote scanner of yaml_quotes.h: one pass over the text, line and
// column counted as yaml-cpp counts them (1-based, bytes).
#include "plan/yaml_quotes.h"

namespace eddy {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::vector<QuotedScalar> run() {
    while (pos_ < text_.size()) {
      if (line_start_) {
        start_line();
        continue;
      }
      step(text_[pos_]);
    }
    if (in_quote_) out_.push_back(current_);  // never closed
    return out_;
  }

 private:
  char at(size_t i) const { return i < text_.size() ? text_[i] : '\n'; }
  bool blank(char c) const { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
      line_start_ = true;
    } else {
      ++column_;
    }
    ++pos_;
  }

  /// At a line's first byte: measures its indentation, skips the lines of a
  /// block scalar (more indented than the line that opened it) and blank ones.
  void start_line() {
    line_start_ = false;
    if (in_quote_) return;
    size_t indent = 0;
    while (at(pos_ + indent) == ' ') ++indent;
    const bool empty = at(pos_ + indent) == '\n' || at(pos_ + indent) == '\r';
    if (block_indent_ >= 0 && (empty || static_cast<int>(indent) > block_indent_)) {
      while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      if (pos_ < text_.size()) advance();
      return;
    }
    block_indent_ = -1;
    indent_ = static_cast<int>(indent);
    for (size_t i = 0; i < indent; ++i) advance();
    value_start_ = true;
  }

  void step(char c) {
    if (in_quote_) return quoted(c);
    if (c == '#' && (column_ == 1 || blank(at(pos_ - 1)))) {
      while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      return;
    }
    if (value_start_ && (c == '"' || c == '\'')) {
      in_quote_ = true;
      current_ = QuotedScalar{c, SourceLocation{line_, column_}, SourceLocation{}};
      return advance();
    }
    if (value_start_ && (c == '|' || c == '>') && flow_depth_ == 0) {
      block_indent_ = indent_;  // the lines after this one that are more indented are its text
      while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      return;
    }
    // "- " and "? " open an item only where a line's content (or another item) starts:
    // in "price - 1" the dash is arithmetic.
    const bool item = (c == '-' || c == '?') && value_start_ && flow_depth_ == 0;
    if (!blank(c)) value_start_ = false;
    if ((item || c == ':') && blank(at(pos_ + 1))) value_start_ = true;
    if (c == '[' || c == '{') ++flow_depth_;
    if ((c == ']' || c == '}') && flow_depth_ > 0) --flow_depth_;
    if (flow_depth_ > 0 && (c == '[' || c == '{' || c == ',')) value_start_ = true;
    advance();
  }

  void quoted(char c) {
    if (c == '\\' && current_.quote == '"' && pos_ + 1 < text_.size()) {
      advance();
      return advance();
    }
    if (c == current_.quote && current_.quote == '\'' && at(pos_ + 1) == '\'') {
      advance();
      return advance();
    }
    if (c == current_.quote) {
      current_.close = SourceLocation{line_, column_};
      out_.push_back(current_);
      in_quote_ = false;
    }
    advance();
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  bool line_start_ = true;
  bool value_start_ = true;
  bool in_quote_ = false;
  int indent_ = 0;
  int block_indent_ = -1;  // >= 0: inside a block scalar opened on a line of this indentation
  int flow_depth_ = 0;
  QuotedScalar current_;
  std::vector<QuotedScalar> out_;
};

}  // namespace

std::vector<QuotedScalar> find_quoted_scalars(std::string_view text) { return Scanner(text).run(); }

}  // namespace eddy
