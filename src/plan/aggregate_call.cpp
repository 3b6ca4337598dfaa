// A small hand parser: the calls allowed in `aggregate:` are few and fixed.
#include "plan/aggregate_call.h"

#include <cctype>

namespace eddy {
namespace {

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Cursor {
  std::string_view text;
  size_t pos = 0;
  void skip_space() {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  }
  std::string_view ident() {
    skip_space();
    const size_t start = pos;
    while (pos < text.size() && is_ident_char(text[pos])) ++pos;
    return text.substr(start, pos - start);
  }
  bool eat(char c) {
    skip_space();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
};

/// The message for an argument that is an expression, not a column, such as
/// sum(price * 2): aggregates read a column, so the expression goes into a select.
/// `call` is the call up to its argument: "sum(", "count(distinct ".
std::string expression_argument(std::string_view text, size_t at, const std::string& call) {
  const size_t close = text.rfind(')');
  const std::string expr(text.substr(at, close == std::string_view::npos || close < at ? std::string_view::npos
                                                                                        : close - at));
  return "an aggregate's argument must be a column, not an expression ('" + expr +
         "'): compute it in a select before this operator (say, v: " + expr + ") and aggregate that column: " +
         call + "v)";
}

/// The offset of the ')' that closes the '(' just before `from`, skipping
/// nested parentheses and quoted text; npos when there is none.
size_t matching_close(std::string_view text, size_t from) {
  int depth = 1;
  char quote = 0;
  for (size_t i = from; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same effect
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

const char* aggregate_function_name(AggregateFunction f) {
  switch (f) {
    case AggregateFunction::kCountStar:
    case AggregateFunction::kCount:
    case AggregateFunction::kCountDistinct: return "count";
    case AggregateFunction::kSum: return "sum";
    case AggregateFunction::kMin: return "min";
    case AggregateFunction::kMax: return "max";
    case AggregateFunction::kAvg: return "avg";
  }
  return "?";
}

Result<AggregateCall> parse_aggregate_call(std::string_view text, int* error_offset) {
  Cursor c{text};
  auto fail = [&](size_t at, const std::string& what) -> Result<AggregateCall> {
    if (error_offset) *error_offset = static_cast<int>(at);
    return Status::parse_error(what);
  };
  const size_t name_at = (c.skip_space(), c.pos);
  const std::string name = lower(c.ident());
  AggregateCall call;
  if (name == "count") call.function = AggregateFunction::kCount;
  else if (name == "sum") call.function = AggregateFunction::kSum;
  else if (name == "min") call.function = AggregateFunction::kMin;
  else if (name == "max") call.function = AggregateFunction::kMax;
  else if (name == "avg") call.function = AggregateFunction::kAvg;
  else
    return fail(name_at, "expected an aggregate call: count(*), count(col), count(distinct col), "
                         "sum(col), min(col), max(col) or avg(col), got '" + std::string(text) + "'");
  if (!c.eat('(')) return fail(c.pos, "expected '(' after " + name);
  if (call.function == AggregateFunction::kCount && c.eat('*')) {
    call.function = AggregateFunction::kCountStar;
  } else {
    size_t arg_at = (c.skip_space(), c.pos);
    std::string_view arg = c.ident();
    if (lower(arg) == "distinct") {
      if (call.function != AggregateFunction::kCount)
        return fail(arg_at, "distinct is supported in count(distinct col) only");
      call.function = AggregateFunction::kCountDistinct;
      arg_at = (c.skip_space(), c.pos);
      arg = c.ident();
    }
    c.skip_space();
    const bool at_close = c.pos < text.size() && text[c.pos] == ')';
    if (!at_close && c.pos < text.size()) {
      const bool distinct = call.function == AggregateFunction::kCountDistinct;
      return fail(arg_at, expression_argument(text, arg_at, name + (distinct ? "(distinct " : "(")));
    }
    if (arg.empty()) return fail(arg_at, "expected a column name as the argument of " + name);
    call.column = std::string(arg);
    call.column_offset = static_cast<int>(arg_at);
  }
  if (!c.eat(')')) return fail(c.pos, "expected ')' to close " + name + "(...)");
  c.skip_space();
  if (c.pos == text.size()) return call;
  const size_t filter_at = c.pos;
  if (lower(c.ident()) != "filter")
    return fail(filter_at, "unexpected text after the aggregate call (only FILTER (WHERE condition) may follow it)");
  if (!c.eat('(')) return fail(c.pos, "expected '(' after FILTER: FILTER (WHERE condition)");
  const size_t where_at = (c.skip_space(), c.pos);
  if (lower(c.ident()) != "where") return fail(where_at, "expected WHERE after FILTER (: FILTER (WHERE condition)");
  const size_t cond_at = (c.skip_space(), c.pos);
  const size_t close = matching_close(text, cond_at);
  if (close == std::string_view::npos) return fail(text.size(), "expected ')' to close FILTER (WHERE ...)");
  std::string_view cond = text.substr(cond_at, close - cond_at);
  while (!cond.empty() && std::isspace(static_cast<unsigned char>(cond.back()))) cond.remove_suffix(1);
  if (cond.empty()) return fail(cond_at, "expected a condition after FILTER (WHERE");
  call.filter = std::string(cond);
  call.filter_offset = static_cast<int>(cond_at);
  c.pos = close + 1;
  c.skip_space();
  if (c.pos != text.size()) return fail(c.pos, "unexpected text after FILTER (WHERE ...)");
  return call;
}

}  // namespace eddy
