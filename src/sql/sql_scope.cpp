#include "sql/sql_scope.h"

#include <algorithm>

#include "core/nearest_name.h"

namespace eddy::sql {
namespace {

/// Words that keep their meaning in an expression when no column has the name.
bool is_keyword(const Token& t) {
  static const char* const kWords[] = {
      "AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "UNKNOWN", "LIKE", "IN", "BETWEEN", "SYMMETRIC",
      "ASYMMETRIC", "CASE", "WHEN", "THEN", "ELSE", "END", "INTERVAL", "TIMESTAMP", "DATE", "TIME", "ESCAPE",
      "SIMILAR", "TO", "DISTINCT", "AS", "FROM", "FOR", "BOTH", "LEADING", "TRAILING", "YEAR", "MONTH", "DAY",
      "HOUR", "MINUTE", "SECOND", "MILLISECOND", "EPOCH", "DOW", "DOY", "WEEK", "QUARTER", "WITH", "LOCAL",
      "ZONE", "WITHOUT", "ALL", "ANY", "SOME", "FILTER", "WHERE", "ASC", "DESC", "NULLS", "FIRST", "LAST",
      "CURRENT_TIMESTAMP", "CURRENT_DATE", "LOCALTIMESTAMP", "ROW", "ARRAY"};
  if (t.kind != TokenKind::kIdent) return false;
  for (const char* w : kWords)
    if (t.is_word(w)) return true;
  return false;
}

/// Flink's plural units, which PostgreSQL would read as an alias.
const char* singular_unit(const Token& t) {
  static const std::pair<const char*, const char*> kUnits[] = {
      {"YEARS", "YEAR"}, {"MONTHS", "MONTH"}, {"DAYS", "DAY"}, {"HOURS", "HOUR"},
      {"MINUTES", "MINUTE"}, {"SECONDS", "SECOND"}, {"MILLISECONDS", "MILLISECOND"}};
  for (const auto& [plural, one] : kUnits)
    if (t.is_word(plural)) return one;
  return nullptr;
}

/// Flink's type names that PostgreSQL's grammar spells otherwise.
std::string cast_type(const Token& t) {
  if (t.is_word("STRING")) return "VARCHAR";
  if (t.is_word("TINYINT")) return "SMALLINT";
  if (t.is_word("TIMESTAMP_LTZ")) return "TIMESTAMP";
  if (t.is_word("DOUBLE")) return "DOUBLE PRECISION";
  return t.text;
}

/// "name" or "qualifier"."name": text that needs no parentheses.
bool is_reference(const std::string& text) {
  size_t i = 0;
  for (int part = 0; part < 2; ++part) {
    if (i >= text.size() || text[i] != '"') return false;
    for (++i; i < text.size(); ++i) {
      if (text[i] != '"') continue;
      if (i + 1 < text.size() && text[i + 1] == '"') {
        ++i;
        continue;
      }
      break;
    }
    if (++i >= text.size()) return true;
    if (text[i] != '.') return false;
    ++i;
  }
  return false;
}

bool is_name(const Token& t) { return t.kind == TokenKind::kIdent || t.kind == TokenKind::kQuotedIdent; }

}  // namespace

std::string quote_name(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

struct Rewriter::Out {
  std::string text;
  std::vector<std::pair<int, SourceLocation>> origins;
  size_t prev_end = 0;
  bool any = false;
  void piece(const std::string& s, const Token& from) {
    if (any && from.begin > prev_end) text += ' ';
    origins.emplace_back(static_cast<int>(text.size()), from.loc);
    text += s;
    prev_end = from.end;
    any = true;
  }
};

std::optional<LocatedText> Rewriter::rewrite(ExprSpan span) {
  Out out;
  failed_ = false;
  if (!emit_span(span.first, span.last, out) || failed_) return std::nullopt;
  LocatedText t;
  t.text = std::move(out.text);
  t.loc = script_.tokens[span.first].loc;
  t.origins = std::make_shared<const std::vector<std::pair<int, SourceLocation>>>(std::move(out.origins));
  return t;
}

bool Rewriter::emit_span(size_t first, size_t last, Out& out) {
  const auto& toks = script_.tokens;
  for (size_t i = first; i < last && !failed_;) {
    const Token& t = toks[i];
    const bool call = t.kind == TokenKind::kIdent && i + 1 < last && toks[i + 1].is_symbol("(");
    if (call && is_aggregate_function(t)) {
      size_t close = closing_paren(script_, i + 1, last);
      size_t end = close + 1;
      // FILTER (WHERE ...) belongs to the call.
      if (end + 1 < last && toks[end].is_word("FILTER") && toks[end + 1].is_symbol("("))
        end = closing_paren(script_, end + 1, last) + 1;
      if (!aggregate_) {
        diags_.push_back({t.loc, "the aggregate " + upper(t.text) + "(...) is not allowed " +
                                     (aggregate_where_.empty() ? std::string("here") : aggregate_where_)});
        return false;
      }
      std::optional<std::string> replaced = aggregate_(i, std::min(end, last));
      if (!replaced) return false;
      out.piece(*replaced, t);
      out.prev_end = toks[std::min(end, last) - 1].end;
      i = std::min(end, last);
      continue;
    }
    if (call && call_claims_ && call_claims_(t)) {
      const size_t end = std::min(closing_paren(script_, i + 1, last) + 1, last);
      std::optional<std::string> replaced = call_hook_(i, end);
      if (!replaced) return false;
      out.piece(*replaced, t);
      out.prev_end = toks[end - 1].end;
      i = end;
      continue;
    }
    if (call) {  // a function: its name as written; its arguments go on through the loop
      out.piece(t.text, t);
      ++i;
      continue;
    }
    if (t.is_word("AS") && i + 1 < last && toks[i + 1].kind == TokenKind::kIdent) {  // CAST(x AS type)
      out.piece("AS", t);
      out.piece(cast_type(toks[i + 1]), toks[i + 1]);
      i += 2;
      continue;
    }
    if (t.is_word("CASE") && try_fold_case(i, last, out)) continue;
    if (is_name(t)) {
      if (!emit_name(i, last, out)) return false;
      continue;
    }
    std::string text = script_.text.substr(t.begin, t.end - t.begin);
    if (t.is_symbol("!=")) text = "<>";
    out.piece(text, t);
    ++i;
  }
  return !failed_;
}

bool Rewriter::emit_name(size_t& i, size_t last, Out& out) {
  const auto& toks = script_.tokens;
  const Token& t = toks[i];
  if (t.kind == TokenKind::kIdent) {
    if (const char* one = singular_unit(t)) {
      out.piece(one, t);
      ++i;
      return true;
    }
    // A keyword stays one unless a column has exactly its name.
    bool bound = false;
    for (const Binding& b : scope_) bound = bound || b.name == t.text;
    if (!bound && is_keyword(t)) {
      out.piece(t.text, t);
      ++i;
      return true;
    }
  }
  std::vector<std::string> parts{t.text};
  size_t j = i + 1;
  while (j + 1 < last && toks[j].is_symbol(".") && is_name(toks[j + 1])) {
    parts.push_back(toks[j + 1].text);
    j += 2;
  }
  const Binding* b = resolve(parts, t);
  if (!b) return false;
  if (b->text.empty()) {  // window_start and window_end before the window aggregate
    diags_.push_back({t.loc, b->unavailable.empty()
                                 ? "'" + b->name + "' has a value only in a window aggregate's GROUP BY and select list"
                                 : b->unavailable});
    failed_ = true;
    return false;
  }
  used_.push_back(static_cast<size_t>(b - scope_.data()));
  const bool simple = !b->column.empty() || b->constant || is_reference(b->text);
  out.piece(simple ? b->text : "(" + b->text + ")", t);
  out.prev_end = toks[j - 1].end;
  i = j;
  return true;
}

const Binding* Rewriter::resolve(const std::vector<std::string>& parts, const Token& at) {
  std::vector<const Binding*> found;
  auto match = [&](const std::string& qualifier, const std::string& name) {
    for (const Binding& b : scope_)
      if (b.name == name && (qualifier.empty() || b.qualifier == qualifier)) found.push_back(&b);
  };
  std::string written = parts[0];
  for (size_t k = 1; k < parts.size(); ++k) written += "." + parts[k];
  if (parts.size() == 1) match("", parts[0]);
  if (parts.size() == 2) {
    match(parts[0], parts[1]);
    if (found.empty()) match("", parts[0] + "." + parts[1]);
  }
  if (parts.size() == 3) match(parts[0], parts[1] + "." + parts[2]);
  if (found.size() == 1) return found[0];
  if (found.size() > 1) {
    std::string names;
    for (const Binding* b : found) names += (names.empty() ? "" : ", ") + b->qualifier + "." + b->name;
    diags_.push_back({at.loc, "the column '" + written + "' is ambiguous: it could be " + names +
                                  "; qualify it with the table's name or alias"});
    failed_ = true;
    return nullptr;
  }
  std::vector<std::string> names;
  for (const Binding& b : scope_) {
    const std::string full = b.qualifier.empty() ? b.name : b.qualifier + "." + b.name;
    if (std::find(names.begin(), names.end(), full) == names.end()) names.push_back(full);
  }
  std::string message = "unknown column '" + written + "'";
  std::vector<std::string> plain;
  for (const Binding& b : scope_) plain.push_back(b.name);
  const std::string near = nearest_name(parts.back(), plain);
  if (!near.empty()) message += "; did you mean '" + near + "'?";
  std::string list;
  for (size_t k = 0; k < names.size() && k < 40; ++k) list += (k ? ", " : "") + names[k];
  message += names.empty() ? " (nothing is in scope here)" : " (in scope: " + list + ")";
  if (upper(written) == written && !near.empty() && upper(near) == written)
    message += "; Flink SQL names are case-sensitive";
  diags_.push_back({at.loc, message});
  failed_ = true;
  return nullptr;
}

/// CASE WHEN c = literal THEN ... where c is a constant binding: the branch that
/// holds, so a computed column over a pushed-down filter becomes plain
/// (Nexmark's dateTime, with event_type fixed, is the generator's date_time).
bool Rewriter::try_fold_case(size_t& i, size_t last, Out& out) {
  const auto& toks = script_.tokens;
  size_t k = i + 1;
  int depth = 0;
  // Finds the end of a branch: the next WHEN, ELSE or END at this CASE's level.
  auto branch_end = [&](size_t from) {
    int cases = 0;
    for (size_t p = from; p < last; ++p) {
      if (toks[p].is_symbol("(")) ++depth;
      if (toks[p].is_symbol(")")) --depth;
      if (depth == 0 && cases == 0 && (toks[p].is_word("WHEN") || toks[p].is_word("ELSE") || toks[p].is_word("END")))
        return p;
      if (toks[p].is_word("CASE")) ++cases;
      if (toks[p].is_word("END") && cases > 0) --cases;
    }
    return last;
  };
  while (k < last && toks[k].is_word("WHEN")) {
    if (k + 4 >= last || !toks[k + 2].is_symbol("=") || !toks[k + 4].is_word("THEN")) return false;
    const Token* name = &toks[k + 1];
    const Token* value = &toks[k + 3];
    if (!is_name(*name)) std::swap(name, value);
    if (!is_name(*name) || (value->kind != TokenKind::kNumber && value->kind != TokenKind::kString)) return false;
    const Binding* b = nullptr;
    for (const Binding& c : scope_)
      if (c.name == name->text && c.constant) b = &c;
    if (!b) return false;
    const std::string literal = script_.text.substr(value->begin, value->end - value->begin);
    const size_t end = branch_end(k + 5);
    if (b->text == literal) {
      size_t close = end;
      while (close < last && !toks[close].is_word("END")) close = branch_end(close + 1);
      if (!emit_span(k + 5, end, out)) return false;
      i = close + 1;
      return true;
    }
    k = end;
  }
  if (k < last && toks[k].is_word("ELSE")) {
    const size_t end = branch_end(k + 1);
    if (end >= last || !toks[end].is_word("END")) return false;
    if (!emit_span(k + 1, end, out)) return false;
    i = end + 1;
    return true;
  }
  return false;
}

std::vector<ExprSpan> conjuncts(const Script& script, ExprSpan span) {
  std::vector<ExprSpan> out;
  int depth = 0, cases = 0;
  bool between = false;
  size_t start = span.first;
  for (size_t i = span.first; i < span.last; ++i) {
    const Token& t = script.tokens[i];
    if (t.is_symbol("(")) ++depth;
    if (t.is_symbol(")")) --depth;
    if (t.is_word("CASE")) ++cases;
    if (t.is_word("END") && cases > 0) --cases;
    if (depth == 0 && t.is_word("BETWEEN")) between = true;
    if (depth == 0 && cases == 0 && t.is_word("AND")) {
      if (between) {  // x BETWEEN a AND b: its AND
        between = false;
        continue;
      }
      out.push_back({start, i});
      start = i + 1;
    }
  }
  out.push_back({start, span.last});
  return out;
}

size_t closing_paren(const Script& script, size_t open, size_t last) {
  int depth = 0;
  for (size_t i = open; i < last; ++i) {
    if (script.tokens[i].is_symbol("(")) ++depth;
    if (script.tokens[i].is_symbol(")") && --depth == 0) return i;
  }
  return last;
}

bool is_aggregate_function(const Token& t) {
  return t.is_word("COUNT") || t.is_word("SUM") || t.is_word("MIN") || t.is_word("MAX") || t.is_word("AVG");
}

std::string tokens_text(const Script& script, size_t first, size_t last) {
  std::string out;
  for (size_t i = first; i < last; ++i) {
    const Token& t = script.tokens[i];
    out += static_cast<char>('0' + static_cast<int>(t.kind));
    out += t.kind == TokenKind::kIdent && is_keyword(t) ? upper(t.text) : t.text;
    out += '\x1f';
  }
  return out;
}

std::string span_text(const Script& script, ExprSpan span) {
  if (span.empty()) return "";
  const size_t b = script.tokens[span.first].begin, e = script.tokens[span.last - 1].end;
  return script.text.substr(b, e - b);
}

bool same_tokens(const Script& script, ExprSpan a, ExprSpan b) {
  if (a.last - a.first != b.last - b.first) return false;
  for (size_t k = 0; k < a.last - a.first; ++k) {
    const Token& x = script.tokens[a.first + k];
    const Token& y = script.tokens[b.first + k];
    if (x.kind != y.kind) return false;
    // Keywords and function names in any case; names exactly, as Flink compares them.
    const bool any_case = x.kind == TokenKind::kIdent &&
                          (is_keyword(x) || script.tokens[a.first + k + 1].is_symbol("("));
    if (any_case ? upper(x.text) != upper(y.text) : x.text != y.text) return false;
  }
  return true;
}

std::string nearest_name(const std::string& name, const std::vector<std::string>& names) {
  return eddy::nearest_name(name, names, std::max<size_t>(2, name.size() / 3) + 1);
}

}  // namespace eddy::sql
