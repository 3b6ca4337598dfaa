// Window joins, as Flink recognizes them: both inputs are window TVFs or
// window aggregates over them, and ON equates both sides' window_start and
// window_end. They lower into a join with `window:`, which pairs rows of the
// same window and fires when the watermark passes its end (sql_lowering.h).
#include <string>
#include <tuple>
#include <utility>

#include "sql/sql_lowering.h"

namespace eddy::sql {
namespace {

/// Whether a side's window columns are window properties a window join equates.
bool has_window(const Rel& rel) { return rel.windowed || rel.window_results; }

/// `x = y` with x naming a column of one side and y one of the other: the
/// left side's column in `l`, the right's in `r`.
bool equality(const Script& script, ExprSpan c, const Rel& left, const Rel& right, const Binding*& l,
              const Binding*& r) {
  size_t eq = c.last;
  for (size_t i = c.first; i < c.last; ++i)
    if (script.tokens[i].is_symbol("=")) {
      if (eq != c.last) return false;
      eq = i;
    }
  if (eq == c.last) return false;
  const ExprSpan a{c.first, eq}, b{eq + 1, c.last};
  const Binding *al = named_binding(script, a, left.columns), *ar = named_binding(script, a, right.columns);
  const Binding *bl = named_binding(script, b, left.columns), *br = named_binding(script, b, right.columns);
  if (al && !ar && br && !bl) std::tie(l, r) = std::make_pair(al, br);
  else if (ar && !al && bl && !br) std::tie(l, r) = std::make_pair(bl, ar);
  else return false;
  return true;
}

/// A window's SQL, for messages: TUMBLE(5 s), HOP(2 s, 10 s), SESSION(30 s), CUMULATE(1 s, 4 s).
std::string describe(const WindowText& w) {
  auto ms = [](int64_t v) {
    if (v % 60000 == 0) return std::to_string(v / 60000) + " min";
    if (v % 1000 == 0) return std::to_string(v / 1000) + " s";
    return std::to_string(v) + " ms";
  };
  std::string s = w.type == "tumbling" ? "TUMBLE(" + ms(w.size_ms)
                  : w.type == "sliding" ? "HOP(" + ms(w.slide_ms) + ", " + ms(w.size_ms)
                  : w.type == "session" ? "SESSION(" + ms(w.gap_ms)
                                        : "CUMULATE(" + ms(w.step_ms) + ", " + ms(w.size_ms);
  return s + (w.processing_time ? ") on processing time" : ")");
}

bool same_window(const WindowText& a, const WindowText& b) {
  return a.type == b.type && a.size_ms == b.size_ms && a.slide_ms == b.slide_ms && a.gap_ms == b.gap_ms &&
         a.step_ms == b.step_ms && a.processing_time == b.processing_time;
}

}  // namespace

const Binding* named_binding(const Script& script, ExprSpan span, const std::vector<Binding>& scope) {
  const auto& t = script.tokens;
  auto name = [&](size_t i) { return t[i].kind == TokenKind::kIdent || t[i].kind == TokenKind::kQuotedIdent; };
  const size_t n = span.last - span.first;
  std::string qualifier, column;
  if (n == 1 && name(span.first)) {
    column = t[span.first].text;
  } else if (n == 3 && name(span.first) && t[span.first + 1].is_symbol(".") && name(span.first + 2)) {
    qualifier = t[span.first].text;
    column = t[span.first + 2].text;
  } else {
    return nullptr;
  }
  const Binding* found = nullptr;
  for (const Binding& b : scope)
    if (b.name == column && (qualifier.empty() || b.qualifier == qualifier)) {
      if (found) return nullptr;
      found = &b;
    }
  return found;
}

bool Lowering::window_join(const Relation& r, std::vector<ExprSpan>& condition, const Rel& left, const Rel& right,
                           WindowJoinPlan& plan) {
  const Binding* end[2] = {nullptr, nullptr};
  bool start = false, found = false;
  SourceLocation at = r.loc;  // the first window equality
  std::vector<ExprSpan> rest;
  for (const ExprSpan& c : condition) {
    const Binding *l = nullptr, *rb = nullptr;
    if (!equality(script_, c, left, right, l, rb)) {
      rest.push_back(c);
      continue;
    }
    const WindowColumn w = l->window_column;
    const bool bound = has_window(left) && has_window(right) && w == rb->window_column;
    if (bound && (w == WindowColumn::kStart || w == WindowColumn::kEnd)) {
      if (w == WindowColumn::kStart) start = true;
      else end[0] = l, end[1] = rb;
      if (!found) at = script_.tokens[c.first].loc;
      found = true;
      continue;
    }
    if (plan.key[0].name.empty() && w == WindowColumn::kNone && rb->window_column == WindowColumn::kNone)
      plan.key[0] = *l, plan.key[1] = *rb;
    rest.push_back(c);
  }
  const bool tvf = left.windowed || right.windowed;
  if (!start || !end[0]) {
    if (!tvf) return true;  // a regular join, as Flink plans it
    error(start || end[0] ? at : r.loc,
          "a join of window TVFs is a window join, which needs ON to equate both window_start and window_end of "
          "the two sides" + std::string(start ? " (this ON equates only window_start)" : end[0] ? " (this ON "
          "equates only window_end)" : "") + "; eddy runs window TVFs only in window aggregates and window joins");
    return false;
  }
  if (!same_window(left.window, right.window)) {
    error(at, "a window join needs the same window on both sides, but the left's is " + describe(left.window) +
                  " and the right's " + describe(right.window));
    return false;
  }
  const WindowText& w = left.window;
  const bool results = left.window_results || right.window_results;
  // Window results lie 1 ms before their window_end: in their own window
  // alone when windows tumble; a sliding window's would fall in several.
  const bool runnable = !w.processing_time && (w.type == "tumbling" || (w.type == "sliding" && !results));
  if (!runnable && !tvf) return true;  // a regular join on the window columns gives the same rows
  if (!runnable) {
    error(at, "eddy runs window joins on event time over TUMBLE or HOP windows (and window aggregates over TUMBLE "
              "windows); this one is over " + describe(w));
    return false;
  }
  plan.present = true;
  plan.window = w;
  condition = rest;
  const Rel* sides[2] = {&left, &right};
  for (int s = 0; s < 2; ++s) {
    plan.time[s] = sides[s]->windowed ? sides[s]->time : *end[s];
    for (const Binding& b : sides[s]->columns)
      if (b.window_column != WindowColumn::kNone) plan.bounds[s].push_back(b);
  }
  return true;
}

void Lowering::carry_window_time(const WindowJoinPlan& plan, Rel& left, Rel& right) {
  // Columns the query does not name were dropped; the window join's time stays.
  Rel* sides[2] = {&left, &right};
  for (int s = 0; s < 2; ++s) {
    bool kept = false;
    for (const Binding& b : sides[s]->columns) kept = kept || b.text == plan.time[s].text;
    if (kept) continue;
    Binding time = plan.time[s];
    if (time.window_column == WindowColumn::kNone) time.window_column = WindowColumn::kCarried;
    if (!sides[s]->columns.empty()) time.qualifier = sides[s]->columns.front().qualifier;
    sides[s]->columns.push_back(time);
  }
}

void Lowering::bind_window_columns(const WindowJoinPlan& plan, const std::string& type, Rel& out) {
  for (int s = 0; s < 2; ++s) {
    // A NULL-padded side's window columns are NULL, as Flink's: its key column tells.
    const bool padded = type == "full" || type == (s == 0 ? "right" : "left");
    std::string marker;
    for (const Binding& b : out.columns)
      if (padded && !plan.key[s].name.empty() && b.qualifier == plan.key[s].qualifier && b.name == plan.key[s].name)
        marker = b.column;
    for (Binding b : plan.bounds[s]) {
      if (b.window_column == WindowColumn::kTime) continue;  // window_time: not in the output
      b.column = b.window_column == WindowColumn::kStart ? "window_start" : "window_end";
      b.text = quote_name(b.column);
      b.window_column = WindowColumn::kNone;
      b.rowtime = false;
      if (!marker.empty()) {
        b.text = "CASE WHEN " + quote_name(marker) + " IS NULL THEN NULL ELSE " + b.text + " END";
        b.column = "";
      }
      out.columns.push_back(std::move(b));
    }
  }
}

}  // namespace eddy::sql
