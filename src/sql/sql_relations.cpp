// Lowering of FROM: tables (with filters pushed into the nexmark generator),
// views, subqueries, joins and window TVFs (sql_lowering.h).
#include <algorithm>
#include <set>

#include "connectors/nexmark_generator.h"
#include "sql/sql_lowering.h"

namespace eddy::sql {
namespace {

const char* const kNexmarkKinds[] = {"person", "auction", "bid"};

/// `event_type = N` (either way round): N, else -1.
int event_type_filter(const Script& script, ExprSpan c) {
  if (c.last - c.first != 3) return -1;
  const Token* a = &script.tokens[c.first];
  const Token* b = &script.tokens[c.first + 2];
  if (!script.tokens[c.first + 1].is_symbol("=")) return -1;
  if (a->kind == TokenKind::kNumber) std::swap(a, b);
  if (a->text != "event_type" || b->kind != TokenKind::kNumber) return -1;
  if (b->text == "0" || b->text == "1" || b->text == "2") return b->text[0] - '0';
  return -1;
}

void requalify(Rel& rel, const std::string& qualifier) {
  for (Binding& b : rel.columns) b.qualifier = qualifier;
}

}  // namespace

std::optional<Rel> Lowering::relation(const Relation& r, std::vector<ExprSpan>& where, const std::string& hint) {
  switch (r.kind) {
    case RelationKind::kTable: {
      if (!r.system_time.empty()) {
        error(r.loc, "FOR SYSTEM_TIME AS OF makes a temporal join: it goes on the table on the right of a JOIN "
                     "(... JOIN t FOR SYSTEM_TIME AS OF s.proc_time AS x ON ...)");
        return std::nullopt;
      }
      std::optional<Rel> rel = views_.count(r.name.name) ? view(r) : table(r, where);
      if (rel) requalify(*rel, r.alias.empty() ? r.name.name : r.alias.name);
      return rel;
    }
    case RelationKind::kSubquery: {
      // The same subquery text twice is one plan, as Flink reuses sub-plans.
      const std::string key = tokens_text(script_, r.query->first_token, r.query->last_token);
      std::optional<Rel> rel;
      if (auto done = subquery_rels_.find(key); done != subquery_rels_.end()) rel = done->second;
      else if ((rel = query(*r.query, hint))) subquery_rels_[key] = *rel;
      if (rel) requalify(*rel, r.alias.name);
      return rel;
    }
    case RelationKind::kJoin: return join(r, where, hint);
    case RelationKind::kWindowTvf: return window_tvf(r, hint);
  }
  return std::nullopt;
}

std::optional<Rel> Lowering::view(const Relation& r) {
  const std::string& name = r.name.name;
  if (auto done = view_rels_.find(name); done != view_rels_.end()) return done->second;
  if (views_in_progress_.count(name)) {
    error(r.loc, "view '" + name + "' refers to itself");
    return std::nullopt;
  }
  views_in_progress_.insert(name);
  std::optional<Rel> rel = query(*views_.at(name).query, name);
  views_in_progress_.erase(name);
  if (rel) {
    rel->loc = r.loc;
    view_rels_[name] = *rel;
  }
  return rel;
}

std::optional<Rel> Lowering::table(const Relation& r, std::vector<ExprSpan>& where) {
  auto found = tables_.find(r.name.name);
  if (found == tables_.end()) {
    std::vector<std::string> known;
    for (const auto& [name, t] : tables_) known.push_back(name);
    for (const auto& [name, v] : views_) known.push_back(name);
    const std::string near = nearest_name(r.name.name, known);
    error(r.name.loc, "unknown table or view '" + r.name.name + "'" +
                          (near.empty() ? std::string("; define it with CREATE TABLE or CREATE VIEW first")
                                        : "; did you mean '" + near + "'?"));
    return std::nullopt;
  }
  const TableDef& t = found->second;
  if (!t.readable()) {
    error(r.name.loc, "table '" + r.name.name + "' uses the " + t.connector + " connector, which only writes");
    return std::nullopt;
  }
  // The nexmark generator makes one event kind per source: WHERE event_type = N picks it.
  int kind = -1;
  if (t.connector == "nexmark") {
    for (auto it = where.begin(); it != where.end(); ++it)
      if ((kind = event_type_filter(script_, *it)) >= 0) {
        where.erase(it);
        break;
      }
    if (kind < 0) {
      error(r.loc, "reading the nexmark table '" + r.name.name + "' needs WHERE event_type = 0, 1 or 2 (person, "
                   "auction or bid): eddy generates one kind of event per source");
      return std::nullopt;
    }
  }
  const std::string key = r.name.name + "#" + std::to_string(kind);
  if (auto done = source_rels_.find(key); done != source_rels_.end()) return done->second;

  SourceSpec s;
  if (!make_source(t, kind, s, diags_)) return std::nullopt;
  Rel rel;
  rel.loc = r.loc;
  const std::string q = r.name.name;
  if (kind >= 0) {
    SchemaPtr schema = nexmark_schema(s.nexmark.table);
    for (const Field& f : schema->fields()) rel.physical.push_back(f.name);
    rel.columns.push_back({q, "event_type", std::to_string(kind), "", false, true});
    for (const ColumnDef& c : t.ddl.columns) {
      if (!c.computed.empty() || c.type.name != "ROW") continue;
      const bool mine = c.name.name == kNexmarkKinds[kind];
      for (const TypeText::Field& f : c.type.fields) {
        Binding b{q, c.name.name + "." + f.name.name, "", "", false, false};
        const std::string col = nexmark_column(f.name.name);
        if (mine && schema->index_of(col) < 0) {
          error(f.name.loc, "the nexmark generator's " + c.name.name + " has no field '" + f.name.name + "' (" +
                                "it has " + schema->to_string() + ")");
          return std::nullopt;
        }
        b.text = mine ? quote_name(col) : "NULL";
        b.column = mine ? col : "";
        b.constant = !mine;
        rel.columns.push_back(std::move(b));
      }
    }
  } else {
    for (const ColumnDef& c : t.ddl.columns) {
      if (!c.computed.empty()) continue;
      rel.physical.push_back(c.name.name);
      rel.columns.push_back({q, c.name.name, quote_name(c.name.name), c.name.name, false, false});
    }
  }
  // Computed columns, in order, each over the columns before it.
  for (const ColumnDef& c : t.ddl.columns) {
    if (c.computed.empty()) continue;
    if (is_proctime_call(c.computed)) {
      Binding b = proctime_binding(c.name.name);
      b.qualifier = q;
      rel.columns.push_back(b);
      continue;
    }
    const std::vector<Binding> scope = rel.columns;
    std::optional<LocatedText> text = rewrite(c.computed, scope, "in a computed column");
    if (!text) return std::nullopt;
    Binding b{q, c.name.name, text->text, "", false, false};
    for (const std::string& p : rel.physical)
      if (b.text == quote_name(p)) b.column = p;
    rel.columns.push_back(std::move(b));
  }
  if (!watermark(t, rel.columns, s)) return std::nullopt;
  for (Binding& b : rel.columns)
    if (!t.ddl.watermark_column.empty() && b.name == t.ddl.watermark_column.name) b.rowtime = true;
  s.name = located(unique_name(kind >= 0 ? kNexmarkKinds[kind] : r.name.name), r.loc);
  if (s.event_time.enabled) s.event_time.idle_timeout_us = idle_timeout_us_;
  rel.stream = s.name.text;
  spec_.sources.push_back(std::move(s));
  source_rels_[key] = rel;
  return rel;
}

bool Lowering::watermark(const TableDef& t, const std::vector<Binding>& scope, SourceSpec& s) {
  const CreateTable& ddl = t.ddl;
  if (ddl.watermark_column.empty()) return true;
  const Binding* col = nullptr;
  for (const Binding& b : scope)
    if (b.name == ddl.watermark_column.name) col = &b;
  if (!col) {
    error(ddl.watermark_column.loc, "WATERMARK FOR names '" + ddl.watermark_column.name + "', which is no column of '" +
                                        ddl.name.name + "'");
    return false;
  }
  if (col->column.empty()) {
    error(ddl.watermark_column.loc, "eddy takes event time from a column the source reads; '" +
                                        ddl.watermark_column.name + "' is computed as " + col->text);
    return false;
  }
  // WATERMARK FOR c AS c [- INTERVAL 'n' UNIT]
  const ExprSpan w = ddl.watermark;
  const Token& first = script_.tokens[w.first];
  const bool names_column = first.text == ddl.watermark_column.name;
  int64_t delay = 0;
  if (names_column && w.last - w.first > 1) {
    if (!script_.tokens[w.first + 1].is_symbol("-")) {
      error(script_.tokens[w.first + 1].loc, "eddy takes watermarks as `column - INTERVAL 'n' UNIT`");
      return false;
    }
    std::optional<int64_t> ms = interval_ms({w.first + 2, w.last}, "the watermark's delay");
    if (!ms) return false;
    delay = *ms;
  } else if (!names_column) {
    error(first.loc, "eddy takes watermarks as `" + ddl.watermark_column.name + " - INTERVAL 'n' UNIT` (or `" +
                         ddl.watermark_column.name + "` alone)");
    return false;
  }
  s.event_time.enabled = true;
  s.event_time.column = located(col->column, ddl.watermark_column.loc);
  s.event_time.max_out_of_orderness_ms = delay;
  s.event_time.max_out_of_orderness_loc = first.loc;
  return true;
}

std::optional<int64_t> Lowering::interval_ms(ExprSpan span, const std::string& what) {
  const auto& toks = script_.tokens;
  const size_t n = span.last - span.first;
  if (n == 3 && toks[span.first].is_word("INTERVAL") && toks[span.first + 1].kind == TokenKind::kString) {
    const std::string& value = toks[span.first + 1].text;
    std::string unit = upper(toks[span.first + 2].text);
    if (unit.size() > 1 && unit.back() == 'S') unit.pop_back();
    static const std::pair<const char*, int64_t> kUnits[] = {
        {"MILLISECOND", 1}, {"SECOND", 1000}, {"MINUTE", 60000}, {"HOUR", 3600000}, {"DAY", 86400000}};
    for (const auto& [name, ms] : kUnits) {
      if (unit != name) continue;
      try {
        size_t used = 0;
        const double v = std::stod(value, &used);
        if (used == value.size() && v >= 0) return static_cast<int64_t>(v * static_cast<double>(ms) + 0.5);
      } catch (...) {
      }
    }
  }
  error(toks[span.first].loc, what + " must be an interval such as INTERVAL '10' SECOND (units MILLISECOND, "
                                     "SECOND, MINUTE, HOUR, DAY)");
  return std::nullopt;
}

std::optional<Rel> Lowering::join(const Relation& r, std::vector<ExprSpan>& where, const std::string& hint) {
  if (r.right->kind == RelationKind::kTable && !r.right->system_time.empty()) return lookup_join(r, where, hint);
  std::vector<ExprSpan> none;
  // The joins below pass on what this one's condition reads too.
  const std::set<std::string> after = needed_after_;
  add_names(r.on, needed_after_);
  for (const ExprSpan& w : where) add_names(w, needed_after_);
  std::optional<Rel> left = relation(*r.left, none, hint);
  std::optional<Rel> right = relation(*r.right, none, hint);
  needed_after_ = after;
  if (!left || !right) return std::nullopt;
  std::vector<ExprSpan> condition;
  if (!r.on.empty()) condition = conjuncts(script_, r.on);
  const bool inner = r.join_type == "inner" || r.join_type == "cross";
  if (inner) {  // WHERE over an inner join is part of its condition (interval bounds included)
    condition.insert(condition.end(), where.begin(), where.end());
    where.clear();
  }
  WindowJoinPlan window;
  if (!window_join(r, condition, *left, *right, window)) return std::nullopt;
  if (inner) condition = push_down(condition, *left, *right, hint);
  if (condition.empty()) {
    error(r.loc, "a join needs ON with an equality between both inputs (eddy runs no cross joins)");
    return std::nullopt;
  }
  keep_needed(r, condition, *left, *right);
  if (window.present) carry_window_time(window, *left, *right);
  std::string la = join_side(*left, "l", hint), ra = join_side(*right, "r", hint);
  if (la == ra) ra = ra + "_2";
  std::optional<LocatedText> on = conjunction(condition, join_scope(*left, la, *right, ra));
  if (!on) return std::nullopt;
  OperatorSpec op = join_operator(OperatorKind::kJoin, unique_name(hint + "_join"), r, *left, la, *right, ra);
  op.join.type = located(r.join_type == "cross" ? "inner" : r.join_type, r.loc);
  op.join.on = *on;
  op.join.state_ttl_ms = state_ttl_ms_;
  op.join.window = window.window;
  Rel out = joined_output(op, *left, la, *right, ra, window);
  if (!window.present) drop_unread(op, out, where);
  out.updating = left->updating || right->updating || (!inner && !window.present);
  spec_.operators.push_back(std::move(op));
  return out;
}

std::vector<Binding> join_scope(const Rel& left, const std::string& la, const Rel& right, const std::string& ra) {
  std::vector<Binding> scope;
  for (const auto& [side, alias] : {std::pair<const Rel*, const std::string*>{&left, &la}, {&right, &ra}})
    for (size_t i = 0; i < side->columns.size(); ++i) {
      Binding b = side->columns[i];
      b.text = quote_name(*alias) + "." + quote_name(side->physical[i]);
      b.column = "";
      scope.push_back(b);
    }
  return scope;
}

OperatorSpec Lowering::join_operator(OperatorKind kind, const std::string& name, const Relation& r, const Rel& left,
                                     const std::string& la, const Rel& right, const std::string& ra) const {
  OperatorSpec op;
  op.kind = kind;
  op.name = located(name, r.loc);
  op.loc = r.loc;
  op.join.present = true;
  op.join.loc = r.loc;
  op.join.left.input = located(left.stream, r.loc);
  op.join.left.alias = located(la, r.loc);
  op.join.right.input = located(right.stream, r.loc);
  op.join.right.alias = located(ra, r.loc);
  op.join.type = located(r.join_type, r.loc);
  return op;
}

void Lowering::drop_unread(OperatorSpec& op, Rel& out, const std::vector<ExprSpan>& where) const {
  std::set<std::string> read = needed_after_;
  for (const ExprSpan& w : where) add_names(w, read);
  if (read.count("*")) return;
  for (size_t i = op.select.size(); i-- > 0 && op.select.size() > 1;) {
    const Binding& b = out.columns[i];
    if (read.count(b.name) || read.count(b.qualifier + ".*")) continue;
    op.select.erase(op.select.begin() + static_cast<std::ptrdiff_t>(i));
    out.columns.erase(out.columns.begin() + static_cast<std::ptrdiff_t>(i));
    out.physical.erase(out.physical.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

Rel Lowering::joined_output(OperatorSpec& op, const Rel& left, const std::string& la, const Rel& right,
                            const std::string& ra, const WindowJoinPlan& window) {
  // Every column of both sides, named uniquely, selected by the join; a window
  // join's window columns are its own window_start and window_end, added last.
  Rel out;
  out.loc = op.loc;
  std::vector<std::string> taken;
  if (window.present) taken = {"window_start", "window_end"};
  auto add = [&](const Rel& from, const std::string& alias) {
    for (size_t i = 0; i < from.columns.size(); ++i) {
      if (window.present && from.columns[i].window_column != WindowColumn::kNone) continue;
      std::string n = from.columns[i].name;
      for (int k = 2; std::find(taken.begin(), taken.end(), n) != taken.end(); ++k)
        n = from.columns[i].name + "_" + std::to_string(k);
      taken.push_back(n);
      eddy::SelectItem item;
      item.column = located(n, op.loc);
      item.expression = located(quote_name(alias) + "." + quote_name(from.physical[i]), op.loc);
      op.select.push_back(std::move(item));
      Binding b = from.columns[i];
      b.text = quote_name(n);
      b.column = n;
      out.columns.push_back(b);
      out.physical.push_back(n);
    }
  };
  add(left, la);
  add(right, ra);
  if (window.present) {
    bind_window_columns(window, op.join.type.text, out);
    out.physical.insert(out.physical.end(), {"window_start", "window_end"});
  }
  out.stream = op.name.text;
  return out;
}

std::string Lowering::join_side(Rel& rel, const char* fallback, const std::string& hint) {
  // The side as a stream of its own, named in the join by one alias.
  // Afterwards rel.physical[i] is the stream's column holding rel.columns[i].
  std::vector<Binding> kept;
  for (const Binding& b : rel.columns)
    if (!b.text.empty() && b.name.find('.') == std::string::npos) kept.push_back(b);
  rel.columns = kept;
  // Columns that are the stream's own, each once: the join reads them as they
  // are, with no select to rename them first.
  std::vector<std::string> columns;
  for (const Binding& b : kept)
    if (!b.column.empty() && std::find(columns.begin(), columns.end(), b.column) == columns.end())
      columns.push_back(b.column);
  if (columns.size() == kept.size()) {
    rel.physical = columns;
  } else {
    std::vector<std::string> names;
    for (const Binding& b : kept) {
      std::string n = b.name;
      for (int k = 2; std::find(names.begin(), names.end(), n) != names.end(); ++k) n = b.name + "_" + std::to_string(k);
      names.push_back(n);
    }
    rel.stream = materialize(rel, names, hint);
    rel.physical = names;
  }
  std::string alias = rel.columns.empty() ? fallback : rel.columns.front().qualifier;
  for (const Binding& b : rel.columns)
    if (b.qualifier != alias) alias = fallback;
  if (alias.empty()) alias = fallback;
  return alias;
}

void Lowering::keep_needed(const Relation& r, const std::vector<ExprSpan>& condition, Rel& left, Rel& right) {
  // Only the columns the query names travel through the join (and its state).
  std::set<std::string> needed = needed_;
  for (size_t i = r.on.first; i < r.on.last; ++i) needed.insert(script_.tokens[i].text);
  for (const ExprSpan& c : condition)
    for (size_t i = c.first; i < c.last; ++i) needed.insert(script_.tokens[i].text);
  // A name this side does not have (q.unknown) keeps all its columns, so the
  // error that follows suggests from all of them.
  auto names_unknown = [&](const Rel& side) {
    for (const Binding& b : side.columns) {
      const std::string prefix = b.qualifier + ".";
      for (auto it = needed.lower_bound(prefix); it != needed.end() && it->compare(0, prefix.size(), prefix) == 0; ++it) {
        const std::string column = it->substr(prefix.size());
        if (column != "*" && std::none_of(side.columns.begin(), side.columns.end(),
                                          [&](const Binding& c) { return c.name == column; }))
          return true;
      }
    }
    return false;
  };
  if (!needed.count("*"))
    for (Rel* side_rel : {&left, &right}) {
      if (names_unknown(*side_rel)) continue;
      std::vector<Binding> kept;
      for (const Binding& b : side_rel->columns)
        if (needed.count(b.name) || needed.count(b.qualifier + ".*")) kept.push_back(b);
      if (kept.empty() && !side_rel->columns.empty()) kept.push_back(side_rel->columns.front());
      side_rel->columns = kept;
    }
}

std::vector<ExprSpan> Lowering::push_down(const std::vector<ExprSpan>& condition, Rel& left, Rel& right,
                                          const std::string& hint) {
  // A conjunct over one side only filters that side before the join, as
  // Flink's optimizer does: less state, fewer pairs to test.
  std::vector<Binding> both = left.columns;
  both.insert(both.end(), right.columns.begin(), right.columns.end());
  std::vector<ExprSpan> keep, to_left, to_right;
  for (const ExprSpan& c : condition) {
    std::vector<Diagnostic> scratch;
    Rewriter rw(script_, both, scratch);
    if (!rw.rewrite(c) || rw.used().empty()) {
      keep.push_back(c);
      continue;
    }
    bool any_left = false, any_right = false;
    for (size_t i : rw.used()) (i < left.columns.size() ? any_left : any_right) = true;
    if (any_left && any_right) keep.push_back(c);
    else (any_left ? to_left : to_right).push_back(c);
  }
  auto apply = [&](Rel& side, const std::vector<ExprSpan>& parts) {
    if (parts.empty()) return;
    if (std::optional<LocatedText> p = conjunction(parts, side.columns)) side.stream = add_filter(side.stream, *p, hint);
  };
  apply(left, to_left);
  apply(right, to_right);
  return keep;
}

std::optional<Rel> Lowering::window_tvf(const Relation& r, const std::string& hint) {
  std::vector<ExprSpan> none;
  std::optional<Rel> in = relation(*r.input, none, hint);
  if (!in) return std::nullopt;
  const Binding* time = nullptr;
  for (const Binding& b : in->columns)
    if (b.name == r.descriptor.name) time = &b;
  if (!time) {
    error(r.descriptor.loc, "DESCRIPTOR(" + r.descriptor.name + "): no such column");
    return std::nullopt;
  }
  if (!time->rowtime && !time->proctime) {
    error(r.descriptor.loc, "DESCRIPTOR(" + r.descriptor.name + "): '" + r.descriptor.name + "' is neither the "
                                "event-time column (WATERMARK FOR) of its table nor a PROCTIME() column");
    return std::nullopt;
  }
  const bool processing_time = time->proctime;
  const std::string& f = r.function.name;
  const size_t want = f == "TUMBLE" || f == "SESSION" ? 1 : 2;
  if (r.arguments.size() != want) {
    error(r.function.loc, f + " takes " + (want == 1 ? "one interval" : "two intervals") + " after DESCRIPTOR(...): " +
                              (f == "TUMBLE"  ? "the size"
                               : f == "HOP"   ? "the slide, then the size"
                               : f == "SESSION" ? "the gap"
                                                : "the step, then the size"));
    return std::nullopt;
  }
  Rel out = *in;
  out.time = *time;
  out.windowed = true;
  out.window.present = true;
  out.window.processing_time = processing_time;
  out.window.loc = r.function.loc;
  const std::string first = f == "HOP" ? "slide" : f == "CUMULATE" ? "step" : f == "SESSION" ? "gap" : "size";
  std::optional<int64_t> a = interval_ms(r.arguments[0], f + "'s " + first);
  if (!a) return std::nullopt;
  out.window.size_loc = out.window.slide_loc = out.window.gap_loc = out.window.step_loc =
      script_.tokens[r.arguments[0].first].loc;
  if (f == "TUMBLE") {
    out.window.type = "tumbling";
    out.window.size_ms = *a;
  } else if (f == "SESSION") {
    out.window.type = "session";
    out.window.gap_ms = *a;
  } else {  // HOP and CUMULATE: the slide or step, then the size
    std::optional<int64_t> size = interval_ms(r.arguments[1], f + "'s size");
    if (!size) return std::nullopt;
    out.window.type = f == "HOP" ? "sliding" : "cumulate";
    (f == "HOP" ? out.window.slide_ms : out.window.step_ms) = *a;
    out.window.size_ms = *size;
    if (f == "CUMULATE") out.window.size_loc = script_.tokens[r.arguments[1].first].loc;
  }
  const std::string q = r.alias.empty() ? (in->columns.empty() ? "" : in->columns.front().qualifier) : r.alias.name;
  requalify(out, q);
  for (const auto& [name, w] : {std::pair{"window_start", WindowColumn::kStart},
                                std::pair{"window_end", WindowColumn::kEnd}, std::pair{"window_time", WindowColumn::kTime}}) {
    out.columns.push_back({q, name, "", "", false, false});
    out.columns.back().window_column = w;
  }
  return out;
}

}  // namespace eddy::sql
