// Lowering of GROUP BY, HAVING and aggregate calls: a keyed aggregate (an
// updating stream, as Flink's group aggregate) or, over a window TVF, a window
// aggregate (sql_lowering.h).
#include <algorithm>
#include <cctype>

#include "sql/sql_lowering.h"

namespace eddy::sql {
namespace {

bool plain_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool is_window_property(const Token& t) {
  const std::string n = upper(t.text);
  for (const char* f : {"TUMBLE_", "HOP_", "SESSION_"})
    if (n.rfind(f, 0) == 0) return true;
  return false;
}

std::string legacy_function(const WindowText& w) {
  return w.type == "tumbling" ? "TUMBLE" : w.type == "sliding" ? "HOP" : "SESSION";
}

std::string lower_word(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<Rel> Lowering::aggregate(const SelectBlock& b, const Rel& in, const std::string& hint) {
  const size_t errors_before = diags_.size();
  AggregatePlan plan;
  if (!group_keys(b, in, plan)) return std::nullopt;
  // The scope after aggregating: keys, window bounds, and the aggregates themselves.
  for (const AggregatePlan::Key& k : plan.keys) plan.post.push_back(k.binding);
  if (plan.windowed) {
    const std::string q = in.columns.empty() ? "" : in.columns.front().qualifier;
    plan.post.push_back({q, "window_start", quote_name("window_start"), "window_start", false, false});
    plan.post.push_back({q, "window_end", quote_name("window_end"), "window_end", false, false});
  }
  Rel out;
  out.loc = b.loc;
  for (size_t i = 0; i < b.items.size(); ++i) {
    const SelectItem& item = b.items[i];
    if (item.star) {
      error(item.loc, "SELECT * cannot be aggregated: name the grouped columns and the aggregates");
      return std::nullopt;
    }
    std::optional<LocatedText> text = rewrite_aggregated(item.expr, in, plan);
    if (!text) {
      if (diags_.size() > errors_before && diags_.back().message.rfind("unknown column", 0) == 0)
        diags_.back().message += " (with GROUP BY, a column must be grouped or inside an aggregate)";
      return std::nullopt;
    }
    Binding c;
    c.name = derived_name(item, i);
    c.text = text->text;
    out.columns.push_back(std::move(c));
  }
  std::optional<LocatedText> having;
  if (!b.having.empty() && !(having = rewrite_aggregated(b.having, in, plan))) return std::nullopt;
  if (plan.aggs.empty() && !plan.windowed && plan.keys.empty()) {
    error(b.loc, "nothing to aggregate");
    return std::nullopt;
  }
  if (diags_.size() != errors_before) return std::nullopt;
  emit_aggregate(b, in, plan, out, hint);
  if (having) out.stream = add_filter(out.stream, *having, hint + "_having");
  for (Binding& c : out.columns)
    for (const std::string& p : out.physical)
      if (c.text == quote_name(p)) c.column = p;
  if (plan.windowed && !plan.legacy) {  // Flink's window properties: a window join may equate them
    out.window_results = true;
    out.window = plan.window;
    for (Binding& c : out.columns)
      c.window_column = c.text == quote_name("window_start") ? WindowColumn::kStart
                        : c.text == quote_name("window_end") ? WindowColumn::kEnd
                                                             : WindowColumn::kNone;
  }
  return out;
}

bool Lowering::group_keys(const SelectBlock& b, const Rel& in, AggregatePlan& plan) {
  bool window_start = false, window_end = false;
  WindowText legacy;  // GROUP BY TUMBLE(time, size), HOP(...), SESSION(...)
  for (const ExprSpan& g : b.group_by) {
    const Token& first = script_.tokens[g.first];
    if (g.last - g.first == 1 && (first.text == "window_start" || first.text == "window_end")) {
      (first.text == "window_start" ? window_start : window_end) = true;
      continue;
    }
    if ((first.is_word("TUMBLE") || first.is_word("HOP") || first.is_word("SESSION")) &&
        g.last - g.first > 1 && script_.tokens[g.first + 1].is_symbol("(")) {
      if (in.windowed || legacy.present) {
        error(first.loc, "a query has one window: this GROUP BY names a second");
        return false;
      }
      if (!legacy_window(g, in, legacy)) return false;
      continue;
    }
    Rewriter rw(script_, in.columns, diags_);
    std::optional<LocatedText> text = rw.rewrite(g);
    if (!text) return false;
    AggregatePlan::Key k;
    k.span = g;
    for (const std::string& p : in.physical)
      if (text->text == quote_name(p)) k.column = p;
    if (!k.column.empty() && rw.used().size() == 1) {
      k.binding = in.columns[rw.used().front()];
    } else {
      k.column = "EXPR$" + std::to_string(plan.keys.size());
      plan.computed.emplace_back(k.column, *text);
      k.binding.name = k.column;
    }
    k.binding.text = quote_name(k.column);
    k.binding.column = k.column;
    k.binding.rowtime = false;
    plan.keys.push_back(std::move(k));
  }
  plan.legacy = legacy.present;
  plan.windowed = in.windowed || legacy.present;
  plan.window = legacy.present ? legacy : in.window;
  if (in.windowed && !(window_start && window_end)) {
    error(b.group_by.empty() ? b.loc : b.group_by_loc,
          "a window TVF's aggregate must GROUP BY window_start, window_end (and any keys)");
    return false;
  }
  return true;
}

std::optional<LocatedText> Lowering::rewrite_aggregated(ExprSpan span, const Rel& in, AggregatePlan& plan) {
  for (const AggregatePlan::Key& k : plan.keys)
    if (same_tokens(script_, span, k.span)) return located(k.binding.text, script_.tokens[span.first].loc);
  Rewriter rw(script_, plan.post, diags_);
  rw.on_aggregate([&](size_t first, size_t last) { return aggregate_call(first, last, in, plan); }, "");
  if (plan.legacy)
    rw.on_call(is_window_property, [&](size_t first, size_t) { return window_property(first, plan.window); });
  return rw.rewrite(span);
}

std::optional<std::string> Lowering::aggregate_call(size_t first, size_t last, const Rel& in, AggregatePlan& plan) {
  const auto& toks = script_.tokens;
  const std::string fn = lower_word(toks[first].text);
  const size_t close = closing_paren(script_, first + 1, last);
  size_t arg = first + 2;
  const bool distinct = arg < close && toks[arg].is_word("DISTINCT");
  if (distinct) ++arg;
  std::string column;
  if (arg + 1 == close && toks[arg].is_symbol("*")) {
    if (fn != "count") {
      error(toks[arg].loc, upper(fn) + "(*) is not an aggregate; only COUNT(*) is");
      return std::nullopt;
    }
    column = "*";
  } else {
    if (arg >= close) {
      error(toks[close].loc, upper(fn) + "() needs an argument");
      return std::nullopt;
    }
    std::optional<LocatedText> text = rewrite({arg, close}, in.columns, "inside another aggregate");
    if (!text) return std::nullopt;
    for (const std::string& p : in.physical)
      if (text->text == quote_name(p) && plain_identifier(p)) column = p;
    for (const auto& [name, t] : plan.computed)
      if (column.empty() && t.text == text->text) column = name;
    if (column.empty()) {
      column = "agg_arg_" + std::to_string(plan.computed.size());
      plan.computed.emplace_back(column, *text);
    }
  }
  std::string filter;
  if (close + 1 < last) {  // FILTER (WHERE cond)
    const size_t open = close + 2, where = open + 1;
    const size_t end = closing_paren(script_, open, last);
    if (where >= end || !toks[where].is_word("WHERE")) {
      error(toks[std::min(where, end)].loc, "expected FILTER (WHERE condition)");
      return std::nullopt;
    }
    std::optional<LocatedText> cond = rewrite({where + 1, end}, in.columns, "inside FILTER");
    if (!cond) return std::nullopt;
    filter = " FILTER (WHERE " + cond->text + ")";
  }
  auto add = [&](const std::string& f) {
    const std::string call = f + "(" + (distinct ? "distinct " : "") + column + ")" + filter;
    for (const AggregatePlan::Agg& a : plan.aggs)
      if (a.call == call) return quote_name(a.column);
    plan.aggs.push_back({call, "agg_" + std::to_string(plan.aggs.size())});
    return quote_name(plan.aggs.back().column);
  };
  // Flink's AVG has its argument's type (the average of BIGINTs is a
  // BIGINT, truncated): the sum divided by the count does just that.
  if (fn == "avg" && !distinct) {
    const std::string sum = add("sum");
    return "(" + sum + " / " + add("count") + ")";
  }
  return add(fn);
}

std::optional<std::string> Lowering::window_property(size_t first, const WindowText& window) {
  // TUMBLE_START(time, size) and friends: the window's bounds.
  const std::string name = upper(script_.tokens[first].text);
  const std::string f = legacy_function(window);
  if (name.rfind(f + "_", 0) != 0) {
    error(script_.tokens[first].loc, name + "(...) does not match the GROUP BY's " + f + "(...)");
    return std::nullopt;
  }
  if (name.size() > 6 && name.compare(name.size() - 6, 6, "_START") == 0) return quote_name("window_start");
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "_END") == 0) return quote_name("window_end");
  error(script_.tokens[first].loc, name + "(...) is not supported by eddy: use " + f + "_START or " + f + "_END");
  return std::nullopt;
}

void Lowering::emit_aggregate(const SelectBlock& b, const Rel& in, const AggregatePlan& plan, Rel& out,
                              const std::string& hint) {
  // Columns computed before aggregating: a select that passes the rest through.
  std::string input = in.stream;
  if (!plan.computed.empty()) {
    OperatorSpec pre;
    pre.kind = OperatorKind::kSelect;
    pre.name = located(unique_name(hint + "_keys"), b.loc);
    pre.input = located(in.stream, b.loc);
    pre.loc = b.loc;
    for (const std::string& p : in.physical) pre.select.push_back({located(p, b.loc), located(quote_name(p), b.loc)});
    for (const auto& [name, text] : plan.computed) pre.select.push_back({located(name, text.loc), text});
    input = pre.name.text;
    spec_.operators.push_back(std::move(pre));
  }
  OperatorSpec op;
  op.kind = plan.windowed ? OperatorKind::kWindowAggregate : OperatorKind::kKeyedAggregate;
  op.name = located(unique_name(hint + (plan.windowed ? "_window" : "_aggregate")), b.loc);
  op.input = located(input, b.loc);
  op.loc = b.loc;
  op.aggregate_loc = b.loc;
  if (plan.windowed) op.window = plan.window;
  for (const AggregatePlan::Key& k : plan.keys) {
    op.key_by.push_back(located(k.column, script_.tokens[k.span.first].loc));
    out.physical.push_back(k.column);
  }
  if (plan.windowed) {
    out.physical.push_back("window_start");
    out.physical.push_back("window_end");
  }
  for (const AggregatePlan::Agg& a : plan.aggs) {
    op.aggregate.push_back({located(a.column, b.loc), located(a.call, b.loc)});
    out.physical.push_back(a.column);
  }
  out.stream = op.name.text;
  out.updating = !plan.windowed || in.updating;
  spec_.operators.push_back(std::move(op));
}

bool Lowering::legacy_window(ExprSpan g, const Rel& in, WindowText& window) {
  const auto& t = script_.tokens;
  const Token& f = t[g.first];
  const size_t close = closing_paren(script_, g.first + 1, g.last);
  std::vector<ExprSpan> args;
  size_t start = g.first + 2;
  int depth = 0;
  for (size_t i = start; i < close; ++i) {
    depth += t[i].is_symbol("(") ? 1 : t[i].is_symbol(")") ? -1 : 0;
    if (depth == 0 && t[i].is_symbol(",")) {
      args.push_back({start, i});
      start = i + 1;
    }
  }
  args.push_back({start, close});
  const std::string name = upper(f.text);
  const size_t want = name == "HOP" ? 3 : 2;
  if (args.size() != want || args[0].empty()) {
    error(f.loc, name + (name == "HOP" ? "(time, slide, size)" : name == "TUMBLE" ? "(time, size)" : "(time, gap)") +
                     " takes " + std::to_string(want) + " arguments");
    return false;
  }
  // The time column by name (a PROCTIME() column has no value to rewrite).
  const Binding* time = nullptr;
  const size_t n = args[0].last - args[0].first;
  for (const Binding& b : in.columns) {
    const bool plain = n == 1 && b.name == t[args[0].first].text;
    const bool qualified = n == 3 && t[args[0].first + 1].is_symbol(".") && b.qualifier == t[args[0].first].text &&
                           b.name == t[args[0].first + 2].text;
    if (plain || qualified) time = &b;
  }
  if (!time || !(time->rowtime || time->proctime)) {
    error(t[args[0].first].loc, name + "(...): the first argument must be the event-time column (WATERMARK FOR) "
                                       "of the input or a PROCTIME() column");
    return false;
  }
  window.processing_time = time->proctime;
  std::optional<int64_t> a = interval_ms(args[1], name + "'s " + (name == "HOP" ? "slide" : name == "SESSION" ? "gap" : "size"));
  if (!a) return false;
  window.present = true;
  window.loc = f.loc;
  window.size_loc = window.slide_loc = window.gap_loc = t[args[1].first].loc;
  if (name == "TUMBLE") {
    window.type = "tumbling";
    window.size_ms = *a;
  } else if (name == "SESSION") {
    window.type = "session";
    window.gap_ms = *a;
  } else {
    std::optional<int64_t> size = interval_ms(args[2], "HOP's size");
    if (!size) return false;
    window.type = "sliding";
    window.slide_ms = *a;
    window.size_ms = *size;
  }
  return true;
}

}  // namespace eddy::sql
