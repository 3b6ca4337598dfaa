// Splitting a join's `on` into key, time bounds and residual.
#include "plan/join_condition.h"

#include <algorithm>
#include <cctype>

#include "expr/ast.h"
#include "expr/parse_sql.h"
#include "expr/type_check.h"
#include "operators/join_config.h"

namespace eddy {
namespace {

using expr::ExprNode;
using expr::NodeKind;
using expr::NodePtr;

void flatten_and(const ExprNode& n, std::vector<const ExprNode*>& out) {
  if (n.kind == NodeKind::kAnd) {
    for (const auto& c : n.children) flatten_and(*c, out);
  } else {
    out.push_back(&n);
  }
}

int first_offset(const ExprNode& n) {
  int at = -1;
  expr::for_each_node(n, [&](const ExprNode& x) {
    if (x.offset >= 0 && (at < 0 || x.offset < at)) at = x.offset;
  });
  return at;
}

/// The text of a conjunct: from its first token to the next conjunct's,
/// without the AND between them and without parentheses left unbalanced.
std::string conjunct_text(const std::string& on, int begin, int end) {
  if (begin < 0) return "?";
  std::string t = on.substr(static_cast<size_t>(begin), static_cast<size_t>(std::max(end, begin) - begin));
  auto trim = [&]() { while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back(); };
  trim();
  if (t.size() > 3) {
    std::string tail = t.substr(t.size() - 3);
    for (char& c : tail) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const char before = t[t.size() - 4];
    if (tail == "AND" && (std::isspace(static_cast<unsigned char>(before)) || before == ')')) t.resize(t.size() - 3);
  }
  trim();
  auto count = [&](char c) { return std::count(t.begin(), t.end(), c); };
  while (!t.empty() && t.back() == ')' && count(')') > count('(')) {
    t.pop_back();
    trim();
  }
  return t;
}

/// How a CAST names `t`.
const char* sql_type(DataType t) {
  switch (t) {
    case DataType::kInt64: return "bigint";
    case DataType::kFloat64: return "double precision";
    case DataType::kString: return "text";
    case DataType::kBool: return "boolean";
    case DataType::kTimestamp: return "timestamp";
  }
  return "text";
}

/// An int64 constant (a literal, INTERVAL '5' SECOND, 20 * 60000), if `n` is one.
std::optional<int64_t> constant_ms(const ExprNode& n) {
  NodePtr copy = expr::clone_node(n);
  const Schema none;
  if (!expr::type_check(copy, none, nullptr).is_ok()) return std::nullopt;
  if (copy->kind != NodeKind::kLiteral || copy->value.is_null || copy->type != DataType::kInt64) return std::nullopt;
  return copy->value.i;
}

/// `side.time + offset`: an input's event-time column, plus or minus a constant.
struct TimeTerm {
  int side = -1;
  int column = -1;  // index into the side's schema
  int64_t offset = 0;
};

}  // namespace

SourceLocation expression_location(const LocatedText& text, int offset) { return locate(text, offset); }

namespace {

class ConditionAnalyzer {
 public:
  ConditionAnalyzer(const LocatedText& on, const JoinScope& scope, const std::string& where,
                    std::vector<Diagnostic>& diags, bool computed_left_keys)
      : on_(on), scope_(scope), where_(where), diags_(diags), computed_left_keys_(computed_left_keys) {}

  std::optional<JoinCondition> run(bool time_bounds);

 private:
  void error(int offset, const std::string& message) {
    diags_.push_back({expression_location(on_, offset), where_ + ": " + message});
  }
  bool check_whole(const ExprNode& root);
  bool take_key(const ExprNode& c, const std::string& text, JoinCondition& out);
  bool take_computed_key(const ExprNode& e, const ExprNode& column, const std::string& text, JoinCondition& out);
  /// Whether every column `n` reads is one of side `s` (and it reads one).
  bool reads_only(const ExprNode& n, int s) const;
  bool key_types_match(const ExprNode& c, const std::string& text, DataType left, int right_index);
  TimeTerm time_column(const ExprNode& n) const;
  std::optional<TimeTerm> time_term(const ExprNode& n) const;
  bool take_bound(const ExprNode& c);
  bool same_columns(const TimeTerm& x, const TimeTerm& y);
  bool add_bound(const TimeTerm& x, expr::CmpOp op, const TimeTerm& y);
  bool compile_residual(const std::vector<const ExprNode*>& rest, JoinCondition& out);

  const LocatedText& on_;
  const JoinScope& scope_;
  const std::string& where_;
  std::vector<Diagnostic>& diags_;
  // Bounds on right.time - left.time found so far.
  std::optional<int64_t> lower_, upper_;
  std::pair<int, int> bound_columns_{-1, -1};  // (left, right) columns the bounds relate
  bool failed_ = false;
  const bool computed_left_keys_;
};

/// Type-checks all of `on` over the joined schema: unknown and ambiguous
/// columns and type errors are reported here, at their position.
bool ConditionAnalyzer::check_whole(const ExprNode& root) {
  NodePtr copy = expr::clone_node(root);
  ExprError err;
  const ColumnResolver resolve = scope_.resolver();
  if (!expr::type_check(copy, *scope_.joined_schema(), &err, &resolve).is_ok()) {
    error(err.offset, err.message);
    return false;
  }
  if (copy->type != DataType::kBool) {
    error(0, std::string("'on' must be a condition (true or false), but it is of type ") + type_name(copy->type));
    return false;
  }
  return true;
}

/// Both columns of a key equality must have the same type (their key bytes
/// are compared); false, reported, when they do not.
bool ConditionAnalyzer::key_types_match(const ExprNode& c, const std::string& text, DataType tl, int right_index) {
  const DataType tr = scope_.side(1).schema->field(static_cast<size_t>(right_index)).type;
  if (tl == tr) return true;
  const std::string right = scope_.side(1).schema->field(static_cast<size_t>(right_index)).name;
  error(c.offset, "the join key " + text + " compares " + type_name(tl) + " with " + type_name(tr) +
                      "; both columns of a key equality must have the same type: convert one in a select "
                      "before the join (e.g. " + right + ": CAST(" + right + " AS " + sql_type(tl) +
                      ")), or compare them in a condition next to another key equality");
  failed_ = true;
  return false;
}

/// `left.col = right.col` (either way round): a key pair of matching types.
/// In a lookup join the left side may be an expression over left columns.
bool ConditionAnalyzer::take_key(const ExprNode& c, const std::string& conjunct, JoinCondition& out) {
  if (c.kind != NodeKind::kCompare || c.cmp != expr::CmpOp::kEq) return false;
  const ExprNode& a = *c.children[0];
  const ExprNode& b = *c.children[1];
  if (a.kind != NodeKind::kColumn || b.kind != NodeKind::kColumn) {
    if (!computed_left_keys_) return false;
    return take_computed_key(a, b, conjunct, out) || take_computed_key(b, a, conjunct, out);
  }
  std::string ignored;
  JoinColumn ca = scope_.resolve(a.qualifier, a.name, ignored);
  JoinColumn cb = scope_.resolve(b.qualifier, b.name, ignored);
  if (ca.side < 0 || cb.side < 0 || ca.side == cb.side) return false;
  if (ca.side == 1) std::swap(ca, cb);
  const std::string text = scope_.qualified_name(0, ca.index) + " = " + scope_.qualified_name(1, cb.index);
  if (key_types_match(c, text, scope_.side(0).schema->field(static_cast<size_t>(ca.index)).type, cb.index)) {
    out.keys.push_back({ca.index, cb.index});
    out.left_key_exprs.push_back(nullptr);
    out.key_text += (out.key_text.empty() ? "" : " AND ") + text;
  }
  return true;
}

bool ConditionAnalyzer::reads_only(const ExprNode& n, int s) const {
  bool any = false, only = true;
  expr::for_each_node(n, [&](const ExprNode& x) {
    if (x.kind != NodeKind::kColumn) return;
    std::string ignored;
    const JoinColumn c = scope_.resolve(x.qualifier, x.name, ignored);
    any = true;
    only = only && c.side == s;
  });
  return any && only;
}

/// `expression over left columns = right.col`: the key is computed from each
/// left row (lookup joins), compiled over the left input's own schema.
bool ConditionAnalyzer::take_computed_key(const ExprNode& e, const ExprNode& column, const std::string& text,
                                          JoinCondition& out) {
  if (column.kind != NodeKind::kColumn || !reads_only(e, 0)) return false;
  std::string ignored;
  const JoinColumn right = scope_.resolve(column.qualifier, column.name, ignored);
  if (right.side != 1) return false;
  const ColumnResolver left_only = [this](const std::string& q, const std::string& name, std::string& message) {
    const JoinColumn c = scope_.resolve(q, name, message);
    return c.side == 0 ? c.index : -1;
  };
  NodePtr root = expr::clone_node(e);
  ExprError err;
  if (!expr::type_check(root, *scope_.side(0).schema, &err, &left_only).is_ok()) {
    error(err.offset, err.message);
    failed_ = true;
    return true;
  }
  if (!key_types_match(e, text, root->type, right.index)) return true;
  out.keys.push_back({kComputedKey, right.index});
  out.left_key_exprs.push_back(std::make_shared<CompiledExpr>(std::move(root), *scope_.side(0).schema));
  out.key_text += (out.key_text.empty() ? "" : " AND ") + text;
  return true;
}

/// `n` as a time column: a side's event-time column, or on a side without
/// event time any timestamp column (bounds on it are recognized, to be refused
/// or kept as a condition). side -1: neither.
TimeTerm ConditionAnalyzer::time_column(const ExprNode& n) const {
  if (n.kind != NodeKind::kColumn) return {};
  std::string ignored;
  const JoinColumn c = scope_.resolve(n.qualifier, n.name, ignored);
  if (c.side < 0) return {};
  const JoinScopeInput& s = scope_.side(c.side);
  const Field& f = s.schema->field(static_cast<size_t>(c.index));
  const bool is_time = s.time_column.empty() ? f.type == DataType::kTimestamp : f.name == s.time_column;
  return is_time ? TimeTerm{c.side, c.index, 0} : TimeTerm{};
}

std::optional<TimeTerm> ConditionAnalyzer::time_term(const ExprNode& n) const {
  if (TimeTerm t = time_column(n); t.side >= 0) return t;
  if (n.kind != NodeKind::kArith || n.children.size() != 2) return std::nullopt;
  const bool add = n.arith == expr::ArithOp::kAdd;
  if (!add && n.arith != expr::ArithOp::kSub) return std::nullopt;
  TimeTerm t = time_column(*n.children[0]);
  auto k = t.side >= 0 ? constant_ms(*n.children[1]) : std::nullopt;
  if (t.side < 0 && add) {  // constant + column
    t = time_column(*n.children[1]);
    k = t.side >= 0 ? constant_ms(*n.children[0]) : std::nullopt;
  }
  if (t.side < 0 || !k || *k == INT64_MIN) return std::nullopt;
  t.offset = add ? *k : -*k;
  return t;
}

/// Records x.time + x.offset `op` y.time + y.offset as a bound on right.time - left.time.
bool ConditionAnalyzer::add_bound(const TimeTerm& x, expr::CmpOp op, const TimeTerm& y) {
  int64_t k = 0;  // x.time - y.time `op` k
  if (__builtin_sub_overflow(y.offset, x.offset, &k)) return false;
  if (x.side == 0) {  // left - right `op` k  <=>  right - left `flipped op` -k
    if (k == INT64_MIN) return false;
    k = -k;
    if (op == expr::CmpOp::kLt) op = expr::CmpOp::kGt;
    else if (op == expr::CmpOp::kLe) op = expr::CmpOp::kGe;
    else if (op == expr::CmpOp::kGt) op = expr::CmpOp::kLt;
    else if (op == expr::CmpOp::kGe) op = expr::CmpOp::kLe;
  }
  auto lower = [&](int64_t v) { lower_ = lower_ ? std::max(*lower_, v) : v; };
  auto upper = [&](int64_t v) { upper_ = upper_ ? std::min(*upper_, v) : v; };
  switch (op) {  // event time is in whole milliseconds: a < b is a <= b - 1
    case expr::CmpOp::kLe: upper(k); return true;
    case expr::CmpOp::kLt: if (k == INT64_MIN) return false; upper(k - 1); return true;
    case expr::CmpOp::kGe: lower(k); return true;
    case expr::CmpOp::kGt: if (k == INT64_MAX) return false; lower(k + 1); return true;
    case expr::CmpOp::kEq: lower(k); upper(k); return true;
    case expr::CmpOp::kNe: return false;
  }
  return false;
}

std::string term_text(const JoinScope& scope, const TimeTerm& t) {
  std::string s = scope.qualified_name(t.side, t.column);
  if (t.offset > 0) s += " + " + std::to_string(t.offset);
  if (t.offset < 0) s += " - " + std::to_string(t.offset).substr(1);
  return s;
}

/// Bounds must all relate the same two columns, one of each input.
bool ConditionAnalyzer::same_columns(const TimeTerm& x, const TimeTerm& y) {
  const int l = x.side == 0 ? x.column : y.column, r = x.side == 0 ? y.column : x.column;
  if (bound_columns_.first < 0) bound_columns_ = {l, r};
  return bound_columns_ == std::make_pair(l, r);
}

/// A comparison or BETWEEN of the two inputs' time columns; true when `c` is one.
bool ConditionAnalyzer::take_bound(const ExprNode& c) {
  if (c.kind == NodeKind::kCompare && c.cmp != expr::CmpOp::kNe) {
    auto x = time_term(*c.children[0]), y = time_term(*c.children[1]);
    return x && y && x->side != y->side && same_columns(*x, *y) && add_bound(*x, c.cmp, *y);
  }
  if (c.kind != NodeKind::kBetween || c.negated || c.children.size() != 3) return false;
  auto t = time_term(*c.children[0]), lo = time_term(*c.children[1]), hi = time_term(*c.children[2]);
  if (!t || !lo || !hi || lo->side != hi->side || lo->side == t->side || lo->column != hi->column ||
      !same_columns(*t, *lo))
    return false;
  if (lo->offset > hi->offset) {
    error(c.offset, "the bounds of BETWEEN are in the wrong order, so no pair can match: the lower bound "
                    "comes first; write " + term_text(scope_, *t) + " BETWEEN " + term_text(scope_, *hi) +
                    " AND " + term_text(scope_, *lo) + " (milliseconds)");
    failed_ = true;
    return true;
  }
  return add_bound(*lo, expr::CmpOp::kLe, *t) && add_bound(*t, expr::CmpOp::kLe, *hi);
}

bool ConditionAnalyzer::compile_residual(const std::vector<const ExprNode*>& rest, JoinCondition& out) {
  if (rest.empty()) return true;
  NodePtr root;
  if (rest.size() == 1) {
    root = expr::clone_node(*rest[0]);
  } else {
    root = expr::make_node(NodeKind::kAnd, rest[0]->offset);
    for (const ExprNode* c : rest) root->children.push_back(expr::clone_node(*c));
  }
  ExprError err;
  const ColumnResolver resolve = scope_.resolver();
  if (!expr::type_check(root, *scope_.joined_schema(), &err, &resolve).is_ok()) {
    error(err.offset, err.message);
    return false;
  }
  out.residual = std::make_shared<CompiledExpr>(std::move(root), *scope_.joined_schema());
  return true;
}

std::optional<JoinCondition> ConditionAnalyzer::run(bool time_bounds) {
  ExprError err;
  auto parsed = expr::parse_sql_expression(on_.text, &err);
  if (!parsed.ok()) {
    error(err.offset, err.message.empty() ? parsed.status().message() : err.message);
    return std::nullopt;
  }
  std::vector<const ExprNode*> conjuncts, rest, bounds;
  flatten_and(**parsed, conjuncts);
  auto text_of = [&](size_t i) {  // conjunct i as written
    const int end = i + 1 < conjuncts.size() ? first_offset(*conjuncts[i + 1]) : static_cast<int>(on_.text.size());
    return conjunct_text(on_.text, first_offset(*conjuncts[i]), end);
  };
  JoinCondition out;
  for (size_t i = 0; i < conjuncts.size(); ++i) {
    const ExprNode* c = conjuncts[i];
    if (take_key(*c, text_of(i), out)) continue;
    (take_bound(*c) ? bounds : rest).push_back(c);
  }
  if (failed_ || !check_whole(**parsed)) return std::nullopt;
  if (out.keys.empty()) {
    error(-1, "'on' needs an equality between a column of " + scope_.side(0).qualifier + " and a column of " +
                  scope_.side(1).qualifier + " (the join key, by which both inputs are partitioned), e.g. " +
                  scope_.side(0).qualifier + ".id = " + scope_.side(1).qualifier + ".id; the inputs have columns " +
                  scope_.both_columns());
    return std::nullopt;
  }
  out.bounded = lower_ && upper_;
  out.interval = time_bounds && out.bounded;
  if (out.interval && *lower_ > *upper_) {
    error(bounds.front()->offset, "the time bounds of 'on' leave no pair that can match: they ask for " +
                                      scope_.side(1).qualifier + "." + scope_.side(1).time_column + " - " +
                                      scope_.side(0).qualifier + "." + scope_.side(0).time_column + " >= " +
                                      std::to_string(*lower_) + "ms and <= " + std::to_string(*upper_) + "ms");
    return std::nullopt;
  }
  if (out.interval) {
    out.lower_ms = *lower_;
    out.upper_ms = *upper_;
  } else {
    rest.insert(rest.end(), bounds.begin(), bounds.end());
  }
  // Residual conjuncts in the order written, each with its text for `eddy validate`.
  std::vector<std::pair<int, const ExprNode*>> ordered;
  for (size_t i = 0; i < conjuncts.size(); ++i)
    if (std::find(rest.begin(), rest.end(), conjuncts[i]) != rest.end()) ordered.push_back({static_cast<int>(i), conjuncts[i]});
  rest.clear();
  for (const auto& [i, c] : ordered) {
    std::string text = text_of(static_cast<size_t>(i));
    if (c->kind == NodeKind::kOr && ordered.size() > 1) text = "(" + text + ")";  // AND binds tighter
    out.residual_text += (out.residual_text.empty() ? "" : " AND ") + text;
    rest.push_back(c);
  }
  if (!compile_residual(rest, out)) return std::nullopt;
  return out;
}

}  // namespace

std::optional<JoinCondition> analyze_join_condition(const LocatedText& on, const JoinScope& scope, bool time_bounds,
                                                    const std::string& where, std::vector<Diagnostic>& diags,
                                                    bool computed_left_keys) {
  return ConditionAnalyzer(on, scope, where, diags, computed_left_keys).run(time_bounds);
}

}  // namespace eddy
