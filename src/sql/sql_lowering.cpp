#include "sql/sql_lowering.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

#include "sql/sql_planner.h"
#include "sql/sql_reuse.h"

namespace eddy::sql {

void Lowering::run() {
  for (const Statement* s : statements_) {
    const size_t before = diags_.size();
    statement(*s);
    if (diags_.size() != before && s->kind == Statement::Kind::kCreateTable) break;  // later statements need it
  }
  reuse_sub_plans(spec_);
}

void Lowering::explain(const Statement& s) {
  // The statement planned alone, after the SETs, tables, views and functions before it.
  std::vector<const Statement*> prefix;
  for (const Statement& before : script_.statements) {
    if (&before == &s) break;
    const auto k = before.kind;
    if (k == Statement::Kind::kSet || k == Statement::Kind::kCreateTable || k == Statement::Kind::kCreateView ||
        k == Statement::Kind::kCreateFunction)
      prefix.push_back(&before);
  }
  if (s.explained->kind == Statement::Kind::kExplain || s.explained->kind == Statement::Kind::kSet ||
      s.explained->kind == Statement::Kind::kCreateTable || s.explained->kind == Statement::Kind::kCreateView)
    return error(s.loc, "EXPLAIN takes a query: SELECT, INSERT INTO or a statement set");
  prefix.push_back(s.explained.get());
  PipelineSpec plan;
  plan.file_name = spec_.file_name;
  plan.name = spec_.name;
  Lowering(script_, prefix, plan, diags_).run();
  spec_.explained.push_back(std::move(plan));
}

void Lowering::statement(const Statement& s) {
  switch (s.kind) {
    case Statement::Kind::kSet: return set_option(s.set);
    case Statement::Kind::kCreateTable: {
      const std::string& name = s.table.name.name;
      if (tables_.count(name) || views_.count(name))
        return error(s.table.name.loc, "'" + name + "' is already defined by an earlier CREATE statement");
      if (auto t = check_table(s.table, diags_)) tables_.emplace(name, std::move(*t));
      return;
    }
    case Statement::Kind::kCreateView: {
      const std::string& name = s.view.name.name;
      if (tables_.count(name) || views_.count(name))
        return error(s.view.name.loc, "'" + name + "' is already defined by an earlier CREATE statement");
      views_.emplace(name, s.view);
      return;
    }
    case Statement::Kind::kInsert: return insert(s.insert);
    case Statement::Kind::kStatementSet:
      for (const Insert& in : s.inserts) insert(in);
      return;
    case Statement::Kind::kSelect: return select_to_print(s);
    case Statement::Kind::kExplain: return explain(s);
    case Statement::Kind::kCreateFunction: {
      std::string name = s.function.name.name;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      spec_.functions.push_back({name, s.function.target, s.function.target_loc});
      return;
    }
  }
}

void Lowering::insert(const Insert& in) {
  auto t = tables_.find(in.table.name);
  if (t == tables_.end()) {
    std::vector<std::string> known;
    for (const auto& [name, def] : tables_) known.push_back(name);
    const std::string near = nearest_name(in.table.name, known);
    return error(in.table.loc, "unknown table '" + in.table.name + "'" +
                                   (near.empty() ? "; create it first with CREATE TABLE ... WITH ('connector' = ...)"
                                                 : "; did you mean '" + near + "'?"));
  }
  const TableDef& table = t->second;
  if (!table.writable())
    return error(in.table.loc, "table '" + in.table.name + "' uses the " + table.connector +
                                   " connector, which only reads; insert into a print, blackhole, filesystem, jdbc, redis or kafka table");
  std::optional<Rel> rel = query(*in.query, in.table.name);
  if (!rel) return;
  std::vector<std::string> names;
  for (const ColumnDef& c : table.ddl.columns)
    if (c.computed.empty()) names.push_back(c.name.name);
  if (rel->windowed) return (void)materialize(*rel, names, in.table.name);  // refused there, with the reason
  if (names.size() != rel->columns.size())
    return error(in.query->loc, "the query gives " + std::to_string(rel->columns.size()) + " columns, but table '" +
                                    in.table.name + "' has " + std::to_string(names.size()));
  SinkSpec sink;
  if (!make_sink(table, sink, diags_)) return;
  // An updating query into a keyless jdbc (or redis hash) table is refused at the INSERT.
  if (sink.type == SinkType::kJdbc || sink.type == SinkType::kRedis) sink.loc = in.table.loc;
  sink.name = located(unique_name(in.table.name), in.table.loc);
  sink.input = located(materialize(*rel, names, in.table.name), in.table.loc);
  spec_.sinks.push_back(std::move(sink));
}

void Lowering::select_to_print(const Statement& s) {
  std::optional<Rel> rel = query(*s.query, "select");
  if (!rel) return;
  // A changelog, as Flink's SQL client shows results: an append-only
  // stream's rows are inserts (+I). An updating stream has op already.
  const bool named_op = std::any_of(rel->columns.begin(), rel->columns.end(),
                                    [](const Binding& b) { return b.name == "op"; });
  if (!rel->updating && !named_op) {
    Binding op;
    op.name = "op";
    op.text = "'+I'";
    op.constant = true;
    rel->columns.insert(rel->columns.begin(), op);
  }
  std::vector<std::string> names;
  for (const Binding& b : rel->columns) names.push_back(b.name);
  SinkSpec sink;
  sink.type = SinkType::kPrint;
  sink.loc = s.loc;
  sink.name = located(unique_name(selects_++ == 0 ? "select" : "select" + std::to_string(selects_)), s.loc);
  sink.input = located(materialize(*rel, names, "select"), s.loc);
  spec_.sinks.push_back(std::move(sink));
}

std::optional<Rel> Lowering::query(const Query& q, const std::string& hint) {
  // WITH's queries are views for this query alone, shadowing tables of their name.
  std::vector<std::pair<std::string, std::optional<CreateView>>> shadowed;
  for (const auto& w : q.with) {
    const std::string& name = w->name.name;
    auto old = views_.find(name);
    shadowed.emplace_back(name, old == views_.end() ? std::nullopt : std::optional<CreateView>(old->second));
    views_[name] = *w;
    view_rels_.erase(name);
  }
  std::optional<Rel> rel = query_blocks(q, hint);
  for (auto it = shadowed.rbegin(); it != shadowed.rend(); ++it) {
    view_rels_.erase(it->first);
    if (it->second) views_[it->first] = *it->second;
    else views_.erase(it->first);
  }
  return rel;
}

std::optional<Rel> Lowering::query_blocks(const Query& q, const std::string& hint) {
  std::optional<Rel> first = block(q.blocks.front(), hint);
  if (!first || q.blocks.size() == 1) return first;
  // UNION ALL: each SELECT as the first one's columns, merged two at a time.
  std::vector<std::string> names;
  for (const Binding& b : first->columns) {
    std::string name = b.name;
    for (int k = 2; std::find(names.begin(), names.end(), name) != names.end(); ++k) name = b.name + "_" + std::to_string(k);
    names.push_back(name);
  }
  Rel out;
  out.loc = q.loc;
  out.stream = materialize(*first, names, hint);
  out.updating = first->updating;
  std::vector<bool> rowtime;
  for (const Binding& b : first->columns) rowtime.push_back(b.rowtime);
  for (size_t i = 1; i < q.blocks.size(); ++i) {
    std::optional<Rel> next = block(q.blocks[i], hint);
    if (!next) return std::nullopt;
    if (next->columns.size() != names.size()) {
      error(q.blocks[i].loc, "this SELECT of the UNION ALL gives " + std::to_string(next->columns.size()) +
                                 " columns, the first gives " + std::to_string(names.size()));
      return std::nullopt;
    }
    for (size_t k = 0; k < rowtime.size(); ++k) rowtime[k] = rowtime[k] && next->columns[k].rowtime;
    OperatorSpec op;
    op.kind = OperatorKind::kUnion;
    op.name = located(unique_name(hint + "_union"), q.blocks[i].loc);
    op.loc = q.blocks[i].loc;
    op.input = located(out.stream, q.blocks[i].loc);
    op.right_input = located(materialize(*next, names, hint), q.blocks[i].loc);
    out.stream = op.name.text;
    out.updating = out.updating || next->updating;
    spec_.operators.push_back(std::move(op));
  }
  out.physical = names;
  for (size_t k = 0; k < names.size(); ++k) {
    Binding b;
    b.name = names[k];
    b.text = quote_name(names[k]);
    b.column = names[k];
    b.rowtime = rowtime[k];
    out.columns.push_back(b);
  }
  return out;
}

std::optional<Rel> Lowering::block(const SelectBlock& b, const std::string& hint) {
  if (!b.from) {
    error(b.loc, "SELECT without FROM is not supported: eddy runs queries over streams");
    return std::nullopt;
  }
  if (b.distinct) {  // as Flink plans it: a group aggregate over the selected columns
    SelectBlock grouped = b;
    grouped.distinct = false;
    for (const SelectItem& item : b.items) {
      if (item.star || has_aggregate(script_, item.expr)) {
        error(item.loc, "SELECT DISTINCT takes columns and expressions, not * or aggregates: name them");
        return std::nullopt;
      }
      grouped.group_by.push_back(item.expr);
    }
    return block(grouped, hint);
  }
  std::vector<ExprSpan> where;
  if (!b.where.empty()) where = conjuncts(script_, b.where);
  // Joins below take in only the columns this block names (and their own ON),
  // and pass on only those it names outside WHERE (which an inner join takes).
  const std::set<std::string> outer_needed = needed_, outer_after = needed_after_;
  needed_.clear();
  for (const SelectItem& item : b.items) {
    if (item.star) needed_.insert(item.star_qualifier.empty() ? "*" : item.star_qualifier.name + ".*");
    else add_names(item.expr, needed_);
  }
  add_names(b.having, needed_);
  for (const ExprSpan& g : b.group_by) add_names(g, needed_);
  needed_after_ = needed_;
  add_names(b.where, needed_);
  std::optional<Rel> in = is_top_n(b) ? top_n(b, where, hint) : relation(*b.from, where, hint);
  needed_ = outer_needed;
  needed_after_ = outer_after;
  if (!in) return std::nullopt;
  // What sources and joins did not take stays a filter on their output.
  if (!where.empty()) {
    std::optional<LocatedText> predicate = conjunction(where, in->columns);
    if (!predicate) return std::nullopt;
    in->stream = add_filter(in->stream, *predicate, hint);
  }
  bool aggregates = !b.group_by.empty() || !b.having.empty();
  for (const SelectItem& item : b.items) aggregates = aggregates || (!item.star && has_aggregate(script_, item.expr));
  if (aggregates) return aggregate(b, *in, hint);
  std::optional<Rel> out = project(b, *in);
  if (out && in->windowed) out->loc = b.loc;  // for materialize's message, if no window join takes it
  return out;
}

std::optional<Rel> Lowering::project(const SelectBlock& b, const Rel& in) {
  Rel out = in;
  out.columns.clear();
  for (size_t i = 0; i < b.items.size(); ++i) {
    const SelectItem& item = b.items[i];
    if (item.star) {
      bool any = false;
      for (const Binding& c : in.columns) {
        if (!item.star_qualifier.empty() && c.qualifier != item.star_qualifier.name) continue;
        if (c.text.empty() && !c.proctime && !c.unavailable.empty()) {  // a Top-N's row number
          error(item.loc, c.unavailable);
          return std::nullopt;
        }
        const bool window_column = c.window_column != WindowColumn::kNone;  // a window TVF's, passed on
        if (c.name.find('.') != std::string::npos || (c.text.empty() && !c.proctime && !window_column)) continue;
        out.columns.push_back(c);
        any = true;
      }
      if (!any) error(item.loc, "'" + item.star_qualifier.name + ".*' matches no input");
      continue;
    }
    if (is_proctime_call(item.expr)) {
      out.columns.push_back(proctime_binding(derived_name(item, i)));
      continue;
    }
    // A window TVF's window_start and window_end, named as they are: for a window join.
    const Binding* named = named_binding(script_, item.expr, in.columns);
    if (named && named->text.empty() && named->window_column != WindowColumn::kNone) {
      out.columns.push_back(*named);
      out.columns.back().name = derived_name(item, i);
      continue;
    }
    Rewriter rw(script_, in.columns, diags_);
    std::optional<LocatedText> text = rw.rewrite(item.expr);
    if (!text) return std::nullopt;
    Binding c;
    c.name = derived_name(item, i);
    c.text = text->text;
    c.loc = text->loc;
    c.origins = text->origins;
    for (const std::string& p : in.physical)
      if (c.text == quote_name(p)) c.column = p;
    if (rw.used().size() == 1) {
      const Binding& from = in.columns[rw.used().front()];
      c.rowtime = from.rowtime && !c.column.empty();
      if (c.text == from.text) c.window_column = from.window_column;
      c.proctime = from.proctime;
      c.constant = from.constant && c.text == from.text;
    }
    out.columns.push_back(std::move(c));
  }
  return out;
}

std::string Lowering::derived_name(const SelectItem& item, size_t index) const {
  if (!item.alias.empty()) return item.alias.name;
  // A name, or a chain a.b.c: Flink names the column after its last part.
  bool chain = true;
  for (size_t i = item.expr.first; i < item.expr.last; ++i) {
    const Token& t = script_.tokens[i];
    const bool want_name = (i - item.expr.first) % 2 == 0;
    chain = chain && (want_name ? (t.kind == TokenKind::kIdent || t.kind == TokenKind::kQuotedIdent) : t.is_symbol("."));
  }
  if (chain && (item.expr.last - item.expr.first) % 2 == 1) return script_.tokens[item.expr.last - 1].text;
  return "EXPR$" + std::to_string(index);
}

std::string Lowering::materialize(const Rel& rel, const std::vector<std::string>& names, const std::string& hint) {
  if (rel.windowed) {
    error(rel.loc, "a window TVF runs as a window aggregate or a window join in eddy: GROUP BY window_start, "
                   "window_end (and keys) with aggregates in the select list, or JOIN it with another window TVF "
                   "ON both window_start and window_end");
    return rel.stream;
  }
  bool same = rel.physical.size() == names.size() && rel.columns.size() == names.size();
  for (size_t i = 0; same && i < names.size(); ++i)
    same = rel.columns[i].column == rel.physical[i] && rel.physical[i] == names[i];
  if (same) return rel.stream;
  OperatorSpec op;
  op.kind = OperatorKind::kSelect;
  op.name = located(unique_name(hint + "_select"), rel.loc);
  op.input = located(rel.stream, rel.loc);
  op.loc = rel.loc;
  for (size_t i = 0; i < names.size() && i < rel.columns.size(); ++i) {
    if (rel.columns[i].text.empty()) {
      error(rel.loc, "'" + rel.columns[i].name + "' has no value outside a window aggregate");
      continue;
    }
    eddy::SelectItem item;
    item.column = located(names[i], rel.loc);
    item.expression = located(rel.columns[i].text, rel.columns[i].loc.line > 0 ? rel.columns[i].loc : rel.loc);
    item.expression.origins = rel.columns[i].origins;
    op.select.push_back(std::move(item));
  }
  spec_.operators.push_back(std::move(op));
  return spec_.operators.back().name.text;
}

std::string Lowering::add_filter(const std::string& input, const LocatedText& predicate, const std::string& hint) {
  OperatorSpec op;
  op.kind = OperatorKind::kFilter;
  op.name = located(unique_name(hint + "_filter"), predicate.loc);
  op.input = located(input, predicate.loc);
  op.filter = predicate;
  op.loc = predicate.loc;
  spec_.operators.push_back(std::move(op));
  return spec_.operators.back().name.text;
}

void Lowering::add_names(ExprSpan span, std::set<std::string>& into) const {
  const auto& t = script_.tokens;
  auto name = [&](size_t i) { return t[i].kind == TokenKind::kIdent || t[i].kind == TokenKind::kQuotedIdent; };
  for (size_t i = span.first; i < span.last; ++i) {
    if (!name(i)) continue;
    into.insert(t[i].text);
    if (i + 2 < span.last && t[i + 1].is_symbol(".") && name(i + 2))  // q.name, for keep_needed
      into.insert(t[i].text + "." + t[i + 2].text);
  }
}

std::string Lowering::unique_name(const std::string& hint) {
  std::string name = hint;
  for (int n = 2; names_.count(name); ++n) name = hint + "_" + std::to_string(n);
  names_.insert(name);
  return name;
}

LocatedText Lowering::located(const std::string& text, SourceLocation loc) const {
  LocatedText t;
  t.text = text;
  t.loc = loc;
  return t;
}

bool Lowering::has_top_level_or(ExprSpan span) const {
  int depth = 0;
  for (size_t i = span.first; i < span.last; ++i) {
    const Token& t = script_.tokens[i];
    depth += t.is_symbol("(") ? 1 : t.is_symbol(")") ? -1 : 0;
    if (depth == 0 && t.is_word("OR")) return true;
  }
  return false;
}

std::optional<LocatedText> Lowering::conjunction(const std::vector<ExprSpan>& parts,
                                                const std::vector<Binding>& scope) {
  if (parts.size() == 1) return rewrite(parts.front(), scope, "in WHERE");
  LocatedText all;
  auto origins = std::make_shared<std::vector<std::pair<int, SourceLocation>>>();
  for (const ExprSpan& c : parts) {
    std::optional<LocatedText> part = rewrite(c, scope, "in WHERE");
    if (!part) return std::nullopt;
    if (!all.text.empty()) all.text += " AND ";
    else all.loc = part->loc;
    // A conjunct holds no top-level AND; only a top-level OR needs parentheses.
    const bool wrap = has_top_level_or(c);
    for (const auto& [off, loc] : *part->origins)
      origins->emplace_back(off + static_cast<int>(all.text.size()) + (wrap ? 1 : 0), loc);
    all.text += wrap ? "(" + part->text + ")" : part->text;
  }
  all.origins = origins;
  return all;
}

std::optional<LocatedText> Lowering::rewrite(ExprSpan span, const std::vector<Binding>& scope, const std::string& where) {
  Rewriter rw(script_, scope, diags_);
  rw.on_aggregate(nullptr, where);
  return rw.rewrite(span);
}

bool Lowering::is_proctime_call(ExprSpan span) const {
  const auto& t = script_.tokens;
  return span.last - span.first == 3 && t[span.first].is_word("PROCTIME") && t[span.first + 1].is_symbol("(") &&
         t[span.first + 2].is_symbol(")");
}

Binding Lowering::proctime_binding(const std::string& name) const {
  Binding b;
  b.name = name;
  b.proctime = true;
  b.unavailable = "'" + name + "' is PROCTIME(): eddy uses it only as a window's time (DESCRIPTOR(" + name +
                  ") or GROUP BY TUMBLE(" + name + ", ...)), not as a value";
  return b;
}

bool has_aggregate(const Script& script, ExprSpan span) {
  for (size_t i = span.first; i + 1 < span.last; ++i)
    if (is_aggregate_function(script.tokens[i]) && script.tokens[i + 1].is_symbol("(")) return true;
  return false;
}

}  // namespace eddy::sql
