// Lowering of Flink's Top-N and deduplication: a subquery that numbers rows
// with ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...), filtered outside to
// `rownum <= N` (or `< N`, `= 1`), becomes a top_n operator (sql_lowering.h).
#include "sql/sql_lowering.h"

namespace eddy::sql {
namespace {

/// The select item that is `ROW_NUMBER() OVER (...)`, or npos.
size_t row_number_item(const Script& script, const SelectBlock& b) {
  for (size_t i = 0; i < b.items.size(); ++i) {
    const SelectItem& item = b.items[i];
    if (item.star || item.expr.last - item.expr.first < 5) continue;
    const auto& t = script.tokens;
    if (t[item.expr.first].is_word("ROW_NUMBER") && t[item.expr.first + 1].is_symbol("(") &&
        t[item.expr.first + 2].is_symbol(")") && t[item.expr.first + 3].is_word("OVER"))
      return i;
  }
  return std::string::npos;
}

}  // namespace

std::optional<Rel> Lowering::top_n(const SelectBlock& outer, std::vector<ExprSpan>& where, const std::string& hint) {
  const Relation& from = *outer.from;
  const SelectBlock& inner = from.query->blocks.front();
  const size_t at = row_number_item(script_, inner);
  const SelectItem& numbered = inner.items[at];
  const auto& t = script_.tokens;
  const std::string rownum = numbered.alias.empty() ? "EXPR$" + std::to_string(at) : numbered.alias.name;

  const int64_t n = row_limit(where, rownum);
  if (n < 1) {
    error(numbered.loc, "ROW_NUMBER() runs as a Top-N in eddy: filter it outside the subquery with " + rownum +
                            " <= N (N at least 1)");
    return std::nullopt;
  }
  std::vector<ExprSpan> partition;
  std::vector<std::pair<ExprSpan, bool>> orders;  // column, descending
  if (!over_clause(numbered.expr, partition, orders)) return std::nullopt;

  // The subquery without its row number, as columns of a stream, plus hidden
  // columns for what it partitions and orders by (names of its FROM, as in Flink).
  SelectBlock rest = inner;
  rest.items.erase(rest.items.begin() + static_cast<std::ptrdiff_t>(at));
  auto hide = [&](ExprSpan span, const std::string& name) {
    SelectItem item;
    item.expr = span;
    item.alias = Ident{name, t[span.first].loc};
    item.loc = t[span.first].loc;
    rest.items.push_back(item);
  };
  for (size_t k = 0; k < partition.size(); ++k) hide(partition[k], "$partition" + std::to_string(k));
  for (size_t k = 0; k < orders.size(); ++k) hide(orders[k].first, "$order" + std::to_string(k));
  std::optional<Rel> in = block(rest, hint);
  if (!in) return std::nullopt;
  const size_t visible = in->columns.size() - partition.size() - orders.size();
  // A hidden column the subquery selects anyway is that column, not a copy.
  std::vector<Binding> kept(in->columns.begin(), in->columns.begin() + static_cast<std::ptrdiff_t>(visible));
  std::vector<size_t> hidden_at;  // index into `kept` of each hidden column
  for (size_t h = visible; h < in->columns.size(); ++h) {
    size_t at = kept.size();
    for (size_t j = 0; j < visible; ++j)
      if (in->columns[j].text == in->columns[h].text) at = j;
    if (at == kept.size()) kept.push_back(in->columns[h]);
    hidden_at.push_back(at);
  }
  in->columns = kept;
  std::vector<std::string> names;
  for (const Binding& b : in->columns) {
    std::string name = b.name;
    for (int k = 2; std::find(names.begin(), names.end(), name) != names.end(); ++k) name = b.name + "_" + std::to_string(k);
    names.push_back(name);
  }
  in->stream = materialize(*in, names, hint);
  in->physical = names;
  for (size_t k = 0; k < in->columns.size(); ++k) {
    in->columns[k].text = quote_name(names[k]);
    in->columns[k].column = names[k];
  }
  // The hidden columns, partitions first.
  auto column_of = [&](size_t hidden) { return in->physical[hidden_at[hidden]]; };
  OperatorSpec op;
  op.kind = OperatorKind::kTopN;
  op.name = located(unique_name(hint + "_top_n"), numbered.loc);
  op.input = located(in->stream, numbered.loc);
  op.loc = numbered.loc;
  op.top_n.present = true;
  op.top_n.n = n;
  op.top_n.loc = numbered.loc;
  for (size_t k = 0; k < partition.size(); ++k)
    op.top_n.partition_by.push_back(located(column_of(k), t[partition[k].first].loc));
  std::string order_by;
  for (size_t k = 0; k < orders.size(); ++k)
    order_by += (order_by.empty() ? "" : ", ") + column_of(partition.size() + k) + (orders[k].second ? " DESC" : " ASC");
  op.top_n.order_by = located(order_by, t[orders.front().first.first].loc);

  // The row number is computed only when the query selects it (every change
  // of a row's rank is then an update), as Flink's optimizer does.
  bool selects_number = false;
  for (const SelectItem& item : outer.items) {
    selects_number = selects_number || (item.star && (item.star_qualifier.empty() || item.star_qualifier.name == from.alias.name));
    for (size_t k = item.expr.first; k < item.expr.last; ++k) selects_number = selects_number || t[k].text == rownum;
  }
  for (const ExprSpan& c : where)
    for (size_t k = c.first; k < c.last; ++k) selects_number = selects_number || t[k].text == rownum;
  if (selects_number) op.top_n.rank_column = rownum;
  Rel out = *in;
  out.columns.resize(visible);  // the hidden columns stay in the stream, out of sight
  out.stream = op.name.text;
  out.updating = true;
  spec_.operators.push_back(std::move(op));
  for (Binding& b : out.columns) b.qualifier = from.alias.name;
  if (selects_number) {
    out.columns.push_back(Binding{from.alias.name, rownum, quote_name(rownum), rownum, false, false});
    out.physical.push_back(rownum);
  }
  return out;
}

int64_t Lowering::row_limit(std::vector<ExprSpan>& where, const std::string& rownum) {
  // The outer filter on the row number gives N: rn <= N, rn < N + 1, rn = 1.
  const auto& t = script_.tokens;
  for (auto it = where.begin(); it != where.end(); ++it) {
    if (it->last - it->first != 3 || t[it->first].text != rownum || t[it->first + 2].kind != TokenKind::kNumber) continue;
    const Token& op = t[it->first + 1];
    const int64_t v = std::stoll(t[it->first + 2].text);
    int64_t n = 0;
    if (op.is_symbol("<=")) n = v;
    else if (op.is_symbol("<")) n = v - 1;
    else if (op.is_symbol("=") && v == 1) n = 1;
    else continue;
    where.erase(it);
    return n;
  }
  return 0;
}

bool Lowering::over_clause(ExprSpan numbered, std::vector<ExprSpan>& partition,
                           std::vector<std::pair<ExprSpan, bool>>& orders) {
  // ROW_NUMBER() OVER (PARTITION BY p, ... ORDER BY o [ASC | DESC], ...)
  const auto& t = script_.tokens;
  const size_t open = numbered.first + 4;
  const size_t close = closing_paren(script_, open, numbered.last);
  if (open >= numbered.last || !t[open].is_symbol("(") || close >= numbered.last) {
    error(t[numbered.first + 3].loc, "expected OVER (PARTITION BY ... ORDER BY ...)");
    return false;
  }
  size_t i = open + 1;
  if (t[i].is_word("PARTITION") && t[i + 1].is_word("BY")) {
    i += 2;
    size_t start = i;
    for (; i < close && !t[i].is_word("ORDER"); ++i)
      if (t[i].is_symbol(",")) {
        partition.push_back({start, i});
        start = i + 1;
      }
    partition.push_back({start, i});
  }
  if (i + 1 < close && t[i].is_word("ORDER") && t[i + 1].is_word("BY")) {
    size_t start = i + 2;
    for (size_t k = start; k <= close; ++k) {
      if (k < close && !t[k].is_symbol(",")) continue;
      ExprSpan one{start, k};
      bool desc = false;
      if (one.last - one.first > 1 && (t[one.last - 1].is_word("DESC") || t[one.last - 1].is_word("ASC"))) {
        desc = t[one.last - 1].is_word("DESC");
        --one.last;
      }
      if (one.empty()) {
        error(t[k].loc, "expected a column to ORDER BY");
        return false;
      }
      orders.emplace_back(one, desc);
      start = k + 1;
    }
  }
  if (orders.empty()) {
    error(t[open].loc, "ROW_NUMBER() needs OVER (... ORDER BY column [ASC | DESC])");
    return false;
  }
  return true;
}

bool Lowering::is_top_n(const SelectBlock& b) const {
  return b.from && b.from->kind == RelationKind::kSubquery && b.from->query->blocks.size() == 1 &&
         row_number_item(script_, b.from->query->blocks.front()) != std::string::npos;
}

}  // namespace eddy::sql
