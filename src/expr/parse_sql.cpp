// PostgreSQL parse tree (JSON, libpg_query 15) -> our AST. Locations in the
// tree are byte offsets into "SELECT <expr>"; we report them relative to <expr>.
#include "expr/parse_sql.h"

#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/stack_guard.h"
#include "expr/expression.h"
#include "expr/interval.h"
#include "expr/sql_depth.h"
#include "expr/sql_names.h"
#include "expr/udf.h"

namespace eddy::expr {
namespace {

using json = nlohmann::json;

constexpr std::string_view kPrefix = "SELECT ";
constexpr int kPrefixLen = static_cast<int>(kPrefix.size());

/// The scanner's bound (sql_depth.h) counts every operator and parenthesis,
/// which nests at most a few times deeper than the tree eddy builds: past
/// this, the expression is surely too deep, and PostgreSQL's parser needs
/// at most about 200 KiB of stack for anything below it.
constexpr int kMaxScanDepth = 4 * kMaxExpressionDepth;
/// Stack PostgreSQL's parser may need per level of the scanner's bound
/// (measured: 64 to 200 bytes).
constexpr size_t kParserStackPerLevel = 256;
/// Simple CASE repeats its subject in every WHEN: at most this many nodes.
constexpr size_t kMaxCaseCopies = 100000;

/// `object[key]` or nullptr; never inserts (the tree is const).
const json* get(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

/// A node is {"NodeName": {fields}}.
std::string_view node_name(const json& node) {
  if (!node.is_object() || node.empty()) return {};
  return node.begin().key();
}
const json& node_body(const json& node) { return node.begin().value(); }

/// The `sval` of a {"String": {"sval": ...}} node ("" when absent).
std::string string_value(const json& node) {
  const json* s = get(node, "String");
  if (!s) return {};
  const json* v = get(*s, "sval");
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::string too_deep_message() {
  return "expression is nested too deeply (the limit is " + std::to_string(kMaxExpressionDepth) +
         " levels of operators, calls and parentheses)";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class Converter {
 public:
  Converter(std::string_view text, ExprError* error) : text_(text), error_(error) {}

  Result<NodePtr> convert(const json& node);
  /// Checks that the statement is one plain SELECT of one expression.
  Result<NodePtr> convert_statement(const json& tree);

 private:
  Status fail(int offset, std::string message) {
    return report(StatusCode::kParseError, offset, std::move(message), error_);
  }
  /// Offset into the expression of a tree location, -1 when unknown.
  int offset_of(int location) const { return location < kPrefixLen ? -1 : location - kPrefixLen; }
  int loc(const json& body) const {
    const json* l = get(body, "location");
    return l && l->is_number_integer() ? offset_of(l->get<int>()) : -1;
  }
  /// The first location found anywhere under `node`, for constructs we refuse.
  int first_loc(const json& node) const;

  /// convert() without the depth bookkeeping: dispatches on the node kind.
  Result<NodePtr> convert_node(std::string_view kind, const json& node, const json& body);
  Result<NodePtr> convert_const(const json& body);
  Result<NodePtr> convert_column_ref(const json& body);
  Result<NodePtr> convert_a_expr(const json& body);
  Result<NodePtr> convert_op(const json& body);
  Result<NodePtr> convert_like(const json& body, const std::string& op);
  Result<NodePtr> convert_bool_expr(const json& body);
  Result<NodePtr> convert_case(const json& body);
  Result<NodePtr> convert_type_cast(const json& body);
  /// INTERVAL '20' MINUTE: an int64 literal of milliseconds (interval.h).
  Result<NodePtr> interval_literal(const json& type_name, const json& arg, int offset);
  Result<NodePtr> convert_func_call(const json& body);
  /// EXTRACT(unit FROM ts), as year(ts), month(ts), ...
  Result<NodePtr> convert_extract(const json& body, int offset);
  /// IF(c, a, b), as a CASE.
  Result<NodePtr> convert_if(const json& body, int offset);
  /// Turns the first argument of TIMESTAMPADD/TIMESTAMPDIFF, a bare unit
  /// name, into a string literal.
  void unit_argument(NodePtr& arg);
  Result<NodePtr> convert_keyword(const json& body);
  /// IS [NOT] NULL and IS [NOT] TRUE/FALSE/UNKNOWN.
  Result<NodePtr> convert_test(std::string_view kind, const json& body);
  /// COALESCE, GREATEST and LEAST, which the parser gives nodes of their own.
  Result<NodePtr> convert_list_call(std::string_view kind, const json& body);
  /// Converts the nodes of a JSON array into `out`.
  Status convert_all(const json* items, std::vector<NodePtr>& out);
  Result<NodePtr> number_literal(const std::string& text, int offset);
  /// An integer literal whose value the JSON left out (pg_query writes 0 and
  /// negative constants as an empty object): read it back from the text.
  Result<NodePtr> int_literal_from_text(int offset);


  std::string_view text_;  // the expression without the SELECT prefix
  ExprError* error_;
  int depth_ = 0;  // nesting of convert() calls
};

int Converter::first_loc(const json& node) const {
  // Depth first, in document order, with a stack of its own: the tree under
  // a node refused for its depth is as deep as the text allowed.
  std::vector<const json*> todo{&node};
  while (!todo.empty()) {
    const json& at = *todo.back();
    todo.pop_back();
    if (at.is_object()) {
      if (const json* l = get(at, "location"); l && l->is_number_integer()) {
        const int o = offset_of(l->get<int>());
        if (o >= 0) return o;
      }
      std::vector<const json*> children;
      for (const auto& item : at.items()) children.push_back(&item.value());
      todo.insert(todo.end(), children.rbegin(), children.rend());
    } else if (at.is_array()) {
      for (auto it = at.rbegin(); it != at.rend(); ++it) todo.push_back(&*it);
    }
  }
  return -1;
}

Result<NodePtr> Converter::convert_statement(const json& tree) {
  const json* stmts = get(tree, "stmts");
  if (!stmts || !stmts->is_array() || stmts->empty()) return fail(0, "empty expression");
  if (stmts->size() > 1) {
    const json* l = get((*stmts)[1], "stmt_location");
    int at = l ? offset_of(l->get<int>()) : -1;
    if (at > 0) --at;  // point at the ';' that ended the first statement
    return fail(at, "expected one expression, found several statements");
  }
  const json* stmt = get((*stmts)[0], "stmt");
  const json* select = stmt ? get(*stmt, "SelectStmt") : nullptr;
  if (!select) return fail(0, "expected an expression, not a statement");
  static const std::pair<const char*, const char*> kClauses[] = {
      {"fromClause", "FROM"},      {"whereClause", "WHERE"},     {"groupClause", "GROUP BY"},
      {"havingClause", "HAVING"},  {"sortClause", "ORDER BY"},   {"limitCount", "LIMIT"},
      {"limitOffset", "OFFSET"},   {"distinctClause", "DISTINCT"}, {"intoClause", "INTO"},
      {"windowClause", "WINDOW"},  {"withClause", "WITH"},       {"lockingClause", "FOR UPDATE"},
      {"valuesLists", "VALUES"},   {"larg", "UNION"}};
  for (const auto& [key, clause] : kClauses)
    if (const json* c = get(*select, key))
      return fail(first_loc(*c), std::string("an expression cannot have a ") + clause + " clause");
  const json* targets = get(*select, "targetList");
  if (!targets || !targets->is_array() || targets->empty()) return fail(0, "empty expression");
  if (targets->size() > 1) {
    int at = first_loc((*targets)[1]);
    return fail(at, "expected one expression, found " + std::to_string(targets->size()) +
                        " separated by commas");
  }
  const json* target = get((*targets)[0], "ResTarget");
  if (!target) return fail(0, "expected an expression");
  if (get(*target, "name"))
    return fail(first_loc(*target), "an expression cannot have an alias (AS ...)");
  const json* val = get(*target, "val");
  if (!val) return fail(0, "expected an expression");
  return convert(*val);
}

Status Converter::convert_all(const json* items, std::vector<NodePtr>& out) {
  if (!items) return Status::ok();
  for (const auto& item : *items) {
    EDDY_ASSIGN_OR_RETURN(NodePtr n, convert(item));
    out.push_back(std::move(n));
  }
  return Status::ok();
}

Result<NodePtr> Converter::convert(const json& node) {
  std::string_view kind = node_name(node);
  if (kind.empty()) return fail(-1, "malformed parse tree");
  const json& body = node_body(node);
  // Conversion, type checking and evaluation all recurse over the tree; a
  // bound on its depth keeps them well inside a thread's stack.
  if (depth_ >= kMaxExpressionDepth) return fail(first_loc(node), too_deep_message());
  if (stack_space_left() < kStackReserve) return fail(first_loc(node), short_stack_message("expression"));
  ++depth_;
  Result<NodePtr> result = convert_node(kind, node, body);
  --depth_;
  return result;
}

Result<NodePtr> Converter::convert_node(std::string_view kind, const json& node, const json& body) {
  if (kind == "A_Const") return convert_const(body);
  if (kind == "ColumnRef") return convert_column_ref(body);
  if (kind == "A_Expr") return convert_a_expr(body);
  if (kind == "BoolExpr") return convert_bool_expr(body);
  if (kind == "CaseExpr") return convert_case(body);
  if (kind == "TypeCast") return convert_type_cast(body);
  if (kind == "FuncCall") return convert_func_call(body);
  if (kind == "SQLValueFunction") return convert_keyword(body);
  if (kind == "NullTest" || kind == "BooleanTest") return convert_test(kind, body);
  if (kind == "CoalesceExpr" || kind == "MinMaxExpr") return convert_list_call(kind, body);
  if (kind == "SubLink") return fail(loc(body), "subqueries are not allowed in an expression");
  if (kind == "ParamRef") return fail(loc(body), "parameters ($1) are not supported");
  if (kind == "A_ArrayExpr") return fail(loc(body), "arrays are not supported");
  if (kind == "RowExpr") return fail(loc(body), "row constructors are not supported");
  if (kind == "CollateClause") return fail(loc(body), "COLLATE is not supported");
  if (kind == "A_Indirection") return fail(first_loc(body), "subscripts and field selection are not supported");
  return fail(first_loc(node), "unsupported SQL syntax (" + std::string(kind) + ")");
}

Result<NodePtr> Converter::convert_test(std::string_view kind, const json& body) {
  const bool null_test = kind == "NullTest";
  auto n = make_node(null_test ? NodeKind::kIsNull : NodeKind::kBoolTest, loc(body));
  const json* t = get(body, null_test ? "nulltesttype" : "booltesttype");
  const std::string test = t ? t->get<std::string>() : "";
  if (null_test) {
    n->negated = test == "IS_NOT_NULL";
  } else {
    static const std::pair<const char*, BoolTest> kTests[] = {
        {"IS_TRUE", BoolTest::kIsTrue},       {"IS_NOT_TRUE", BoolTest::kIsNotTrue},
        {"IS_FALSE", BoolTest::kIsFalse},     {"IS_NOT_FALSE", BoolTest::kIsNotFalse},
        {"IS_UNKNOWN", BoolTest::kIsUnknown}, {"IS_NOT_UNKNOWN", BoolTest::kIsNotUnknown}};
    for (const auto& [k, v] : kTests)
      if (test == k) n->test = v;
  }
  const json* arg = get(body, "arg");
  if (!arg) return fail(n->offset, "IS test without an operand");
  EDDY_ASSIGN_OR_RETURN(NodePtr child, convert(*arg));
  n->children.push_back(std::move(child));
  return n;
}

Result<NodePtr> Converter::convert_list_call(std::string_view kind, const json& body) {
  auto n = make_node(NodeKind::kCall, loc(body));
  if (kind == "CoalesceExpr") {
    n->func = Func::kCoalesce;
  } else {
    const json* op = get(body, "op");
    n->func = op && op->get<std::string>() == "IS_LEAST" ? Func::kLeast : Func::kGreatest;
  }
  n->name = func_name(n->func);
  EDDY_RETURN_IF_ERROR(convert_all(get(body, "args"), n->children));
  return n;
}

Result<NodePtr> Converter::number_literal(const std::string& text, int offset) {
  const bool integral = !text.empty() &&
      std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(),
                  [](char c) { return c >= '0' && c <= '9'; });
  Scalar v;
  const char* end = text.data() + text.size();
  if (integral) {
    auto [p, ec] = std::from_chars(text.data(), end, v.i);
    if (ec != std::errc() || p != end) return fail(offset, "integer " + text + " is out of range for int64");
    return make_literal(DataType::kInt64, v, offset);
  }
  auto [p, ec] = std::from_chars(text.data(), end, v.d);
  if (ec != std::errc() || p != end) return fail(offset, "cannot read number " + text);
  return make_literal(DataType::kFloat64, v, offset);
}

Result<NodePtr> Converter::int_literal_from_text(int offset) {
  if (offset < 0) return make_literal(DataType::kInt64, Scalar{}, offset);
  size_t i = static_cast<size_t>(offset);
  bool negative = false;
  while (i < text_.size()) {
    char c = text_[i];
    if (c == '-' && i + 1 < text_.size() && text_[i + 1] == '-') {  // -- comment
      while (i < text_.size() && text_[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < text_.size() && text_[i + 1] == '*') {  // /* comment */
      size_t close = text_.find("*/", i + 2);
      i = close == std::string_view::npos ? text_.size() : close + 2;
    } else if (c == '-') {
      negative = !negative;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else {
      break;
    }
  }
  Scalar v;
  const auto read = std::from_chars(text_.data() + i, text_.data() + text_.size(), v.i);
  if (read.ec != std::errc()) return fail(offset, "cannot read integer literal");
  if (negative) v.i = -v.i;  // |v| < 2^31 here: larger constants arrive as text
  return make_literal(DataType::kInt64, v, offset);
}

Result<NodePtr> Converter::convert_const(const json& body) {
  const int offset = loc(body);
  Scalar v;
  if (const json* n = get(body, "isnull"); n && n->is_boolean() && n->get<bool>()) {
    v.is_null = true;
    auto node = make_literal(DataType::kString, v, offset);
    node->untyped_null = true;
    return node;
  }
  if (const json* i = get(body, "ival")) {
    const json* value = get(*i, "ival");
    if (!value) return int_literal_from_text(offset);
    v.i = value->get<int64_t>();
    return make_literal(DataType::kInt64, v, offset);
  }
  if (const json* f = get(body, "fval")) {
    const json* value = get(*f, "fval");
    return number_literal(value ? value->get<std::string>() : "0", offset);
  }
  if (const json* s = get(body, "sval")) {
    const json* value = get(*s, "sval");
    v.s = value ? value->get<std::string>() : "";
    return make_literal(DataType::kString, v, offset);
  }
  if (const json* b = get(body, "boolval")) {
    const json* value = get(*b, "boolval");
    v.i = value && value->get<bool>() ? 1 : 0;
    return make_literal(DataType::kBool, v, offset);
  }
  if (get(body, "bsval")) return fail(offset, "bit string literals are not supported");
  return fail(offset, "unsupported constant");
}

Result<NodePtr> Converter::convert_column_ref(const json& body) {
  const int offset = loc(body);
  const json* fields = get(body, "fields");
  if (!fields || fields->empty()) return fail(offset, "malformed column reference");
  for (const auto& f : *fields)
    if (get(f, "A_Star")) return fail(offset, "'*' is not allowed in an expression");
  if (fields->size() > 2)
    return fail(offset, "names like '" + string_value((*fields)[0]) + "." + string_value((*fields)[1]) + "." +
                            string_value((*fields)[2]) + "' are not supported; write input.column or the column alone");
  // `auction.id`: the qualifier names a join's input; type_check resolves it.
  auto n = make_node(NodeKind::kColumn, offset);
  n->name = string_value(fields->back());
  if (fields->size() == 2) n->qualifier = string_value((*fields)[0]);
  return n;
}

Result<NodePtr> Converter::convert_keyword(const json& body) {
  // USER, CURRENT_TIMESTAMP and friends are keywords to the SQL parser. An
  // input column may be called "user", so they resolve as column names.
  const json* op = get(body, "op");
  std::string name = op ? op->get<std::string>() : "";
  auto n = make_node(NodeKind::kColumn, loc(body));
  n->from_keyword = true;
  n->name = keyword_column_name(name);
  if (n->name.empty()) return fail(n->offset, "unsupported SQL keyword");
  return n;
}

Result<NodePtr> Converter::convert_op(const json& body) {
  const int offset = loc(body);
  const json* names = get(body, "name");
  std::string op = names && !names->empty() ? string_value(names->back()) : "";
  const json* l = get(body, "lexpr");
  const json* r = get(body, "rexpr");
  if (op == "~~" || op == "!~~" || op == "~~*" || op == "!~~*") return convert_like(body, op);
  NodePtr left, right;
  if (l) {
    EDDY_ASSIGN_OR_RETURN(left, convert(*l));
  }
  if (r) {
    EDDY_ASSIGN_OR_RETURN(right, convert(*r));
  }
  if (!right) return fail(offset, "postfix operators are not supported");
  if (!left) {  // prefix operator
    if (op == "+") return right;
    if (op == "-") {
      auto n = make_node(NodeKind::kNegate, offset);
      n->children.push_back(std::move(right));
      return n;
    }
    return fail(offset, "prefix operator " + op + " is not supported");
  }
  static const std::pair<const char*, ArithOp> kArith[] = {
      {"+", ArithOp::kAdd}, {"-", ArithOp::kSub}, {"*", ArithOp::kMul},
      {"/", ArithOp::kDiv}, {"%", ArithOp::kMod}};
  static const std::pair<const char*, CmpOp> kCmp[] = {
      {"=", CmpOp::kEq}, {"<>", CmpOp::kNe}, {"!=", CmpOp::kNe}, {"<", CmpOp::kLt},
      {"<=", CmpOp::kLe}, {">", CmpOp::kGt}, {">=", CmpOp::kGe}};
  NodePtr n;
  for (const auto& [sym, a] : kArith)
    if (op == sym) {
      n = make_node(NodeKind::kArith, offset);
      n->arith = a;
    }
  for (const auto& [sym, c] : kCmp)
    if (op == sym) {
      n = make_node(NodeKind::kCompare, offset);
      n->cmp = c;
    }
  if (op == "||") n = make_node(NodeKind::kConcat, offset);
  if (!n) return fail(offset, "operator " + op + " is not supported");
  n->children.push_back(std::move(left));
  n->children.push_back(std::move(right));
  return n;
}

Result<NodePtr> Converter::convert_like(const json& body, const std::string& op) {
  auto n = make_node(NodeKind::kLike, loc(body));
  n->negated = op[0] == '!';
  n->case_insensitive = op.back() == '*';
  const json* l = get(body, "lexpr");
  const json* r = get(body, "rexpr");
  if (!l || !r) return fail(n->offset, "LIKE needs two operands");
  EDDY_ASSIGN_OR_RETURN(NodePtr subject, convert(*l));
  const json* pattern = r;
  // `x LIKE p ESCAPE e` arrives as x ~~ like_escape(p, e).
  if (const json* call = get(*r, "FuncCall")) {
    const json* names = get(*call, "funcname");
    const json* args = get(*call, "args");
    if (names && !names->empty() && string_value(names->back()) == "like_escape" && args &&
        args->size() == 2) {
      EDDY_ASSIGN_OR_RETURN(NodePtr esc, convert((*args)[1]));
      if (esc->kind != NodeKind::kLiteral || esc->type != DataType::kString || esc->value.s.size() > 1)
        return fail(esc->offset, "ESCAPE needs a string of one character (or '')");
      n->like_escape = esc->value.s.empty() ? '\0' : esc->value.s[0];
      pattern = &(*args)[0];
    }
  }
  EDDY_ASSIGN_OR_RETURN(NodePtr pat, convert(*pattern));
  n->children.push_back(std::move(subject));
  n->children.push_back(std::move(pat));
  return n;
}

Result<NodePtr> Converter::convert_a_expr(const json& body) {
  const int offset = loc(body);
  const json* k = get(body, "kind");
  std::string kind = k ? k->get<std::string>() : "";
  const json* names = get(body, "name");
  std::string op = names && !names->empty() ? string_value(names->back()) : "";
  if (kind == "AEXPR_OP") return convert_op(body);
  if (kind == "AEXPR_LIKE" || kind == "AEXPR_ILIKE") return convert_like(body, op);
  const json* l = get(body, "lexpr");
  const json* r = get(body, "rexpr");
  if (kind == "AEXPR_IN" || kind == "AEXPR_BETWEEN" || kind == "AEXPR_NOT_BETWEEN") {
    const bool in = kind == "AEXPR_IN";
    auto n = make_node(in ? NodeKind::kIn : NodeKind::kBetween, offset);
    n->negated = in ? op == "<>" : kind == "AEXPR_NOT_BETWEEN";
    const json* items = r ? get(*r, "List") : nullptr;
    if (!l || !items) return fail(offset, in ? "IN needs a list of values" : "malformed BETWEEN");
    EDDY_ASSIGN_OR_RETURN(NodePtr subject, convert(*l));
    n->children.push_back(std::move(subject));
    EDDY_RETURN_IF_ERROR(convert_all(get(*items, "items"), n->children));
    if (n->children.size() < 2 || (!in && n->children.size() != 3))
      return fail(offset, in ? "IN needs a list of values" : "malformed BETWEEN");
    return n;
  }
  if (kind == "AEXPR_NULLIF" || kind == "AEXPR_DISTINCT" || kind == "AEXPR_NOT_DISTINCT") {
    NodePtr n;
    if (kind == "AEXPR_NULLIF") {
      n = make_node(NodeKind::kCall, offset);
      n->func = Func::kNullIf;
      n->name = "nullif";
    } else {
      n = make_node(NodeKind::kDistinct, offset);
      n->negated = kind == "AEXPR_NOT_DISTINCT";
    }
    if (!l || !r) return fail(offset, "missing operand");
    EDDY_ASSIGN_OR_RETURN(NodePtr left, convert(*l));
    EDDY_ASSIGN_OR_RETURN(NodePtr right, convert(*r));
    n->children.push_back(std::move(left));
    n->children.push_back(std::move(right));
    return n;
  }
  if (kind == "AEXPR_BETWEEN_SYM" || kind == "AEXPR_NOT_BETWEEN_SYM")
    return fail(offset, "BETWEEN SYMMETRIC is not supported");
  if (kind == "AEXPR_SIMILAR") return fail(offset, "SIMILAR TO is not supported; use LIKE");
  if (kind == "AEXPR_OP_ANY" || kind == "AEXPR_OP_ALL")
    return fail(offset, "ANY/ALL are not supported; use IN (...)");
  return fail(offset, "unsupported operator " + op);
}

Result<NodePtr> Converter::convert_bool_expr(const json& body) {
  const json* op = get(body, "boolop");
  std::string name = op ? op->get<std::string>() : "";
  NodeKind kind = name == "AND_EXPR" ? NodeKind::kAnd : name == "OR_EXPR" ? NodeKind::kOr : NodeKind::kNot;
  auto n = make_node(kind, loc(body));
  EDDY_RETURN_IF_ERROR(convert_all(get(body, "args"), n->children));
  if (n->children.empty() || (kind == NodeKind::kNot && n->children.size() != 1))
    return fail(n->offset, "malformed boolean expression");
  return n;
}

Result<NodePtr> Converter::convert_case(const json& body) {
  auto n = make_node(NodeKind::kCase, loc(body));
  NodePtr subject;
  if (const json* arg = get(body, "arg")) {
    EDDY_ASSIGN_OR_RETURN(subject, convert(*arg));
  }
  const json* whens = get(body, "args");
  if (!whens || whens->empty()) return fail(n->offset, "CASE needs at least one WHEN");
  if (subject && count_nodes(*subject) * whens->size() > kMaxCaseCopies)
    return fail(subject->offset, "the subject of CASE x WHEN ... is repeated in each of its " +
                                     std::to_string(whens->size()) + " WHENs, which makes the expression "
                                     "too large; compute it as a column in a select first");
  for (const auto& w : *whens) {
    const json* when = get(w, "CaseWhen");
    const json* cond = when ? get(*when, "expr") : nullptr;
    const json* result = when ? get(*when, "result") : nullptr;
    if (!cond || !result) return fail(n->offset, "malformed WHEN");
    EDDY_ASSIGN_OR_RETURN(NodePtr c, convert(*cond));
    if (subject) {  // CASE x WHEN v THEN ... compares x = v
      auto eq = make_node(NodeKind::kCompare, c->offset);
      eq->cmp = CmpOp::kEq;
      eq->children.push_back(clone_node(*subject));
      eq->children.push_back(std::move(c));
      c = std::move(eq);
    }
    EDDY_ASSIGN_OR_RETURN(NodePtr res, convert(*result));
    n->children.push_back(std::move(c));
    n->children.push_back(std::move(res));
  }
  if (const json* def = get(body, "defresult")) {
    EDDY_ASSIGN_OR_RETURN(NodePtr d, convert(*def));
    n->children.push_back(std::move(d));
    n->has_else = true;
  }
  return n;
}

Result<NodePtr> Converter::convert_type_cast(const json& body) {
  const json* type_name = get(body, "typeName");
  const json* arg = get(body, "arg");
  if (!type_name || !arg) return fail(loc(body), "malformed CAST");
  const int type_offset = loc(*type_name);
  const int offset = loc(body) >= 0 ? loc(body) : type_offset;
  if (get(*type_name, "arrayBounds")) return fail(type_offset, "array types are not supported");
  const json* names = get(*type_name, "names");
  std::string name = names && !names->empty() ? lower(string_value(names->back())) : "";
  if (name == "interval") return interval_literal(*type_name, *arg, type_offset);
  DataType to;
  if (!lookup_type(name, to)) return fail(type_offset, "unknown type '" + name + "'");
  EDDY_ASSIGN_OR_RETURN(NodePtr child, convert(*arg));
  auto n = make_node(NodeKind::kCast, offset);
  n->type = to;
  n->children.push_back(std::move(child));
  return n;
}

Result<NodePtr> Converter::interval_literal(const json& type_name, const json& arg, int offset) {
  const json* c = get(arg, "A_Const");
  const json* sval = c ? get(*c, "sval") : nullptr;
  const json* text = sval ? get(*sval, "sval") : nullptr;
  if (!text || !text->is_string())
    return fail(offset, "an interval is a quoted literal such as INTERVAL '20' MINUTE; CAST(... AS interval) "
                        "is not supported: add or subtract milliseconds as int64 (ts + 1000)");
  int mask = 0;
  if (const json* mods = get(type_name, "typmods"); mods && mods->is_array() && !mods->empty()) {
    const json* m = get((*mods)[0], "A_Const");
    const json* ival = m ? get(*m, "ival") : nullptr;
    const json* v = ival ? get(*ival, "ival") : nullptr;
    mask = v && v->is_number_integer() ? v->get<int>() : -1;
  }
  constexpr int kFullRange = 0x7FFF;  // PostgreSQL's INTERVAL_FULL_RANGE: no unit written
  Result<int64_t> ms = interval_ms(text->get<std::string>(), mask == kFullRange ? 0 : mask);
  if (!ms.ok()) return fail(offset, ms.status().message());
  Scalar v;
  v.i = *ms;
  return make_literal(DataType::kInt64, v, offset);
}

Result<NodePtr> Converter::convert_func_call(const json& body) {
  const int offset = loc(body);
  const json* names = get(body, "funcname");
  if (!names || names->empty()) return fail(offset, "malformed function call");
  std::string name = lower(string_value(names->back()));
  if (names->size() > 1) {
    std::string schema = lower(string_value((*names)[0]));
    if (schema != "pg_catalog")
      return report(StatusCode::kTypeError, offset, "unknown function '" + schema + "." + name + "'", error_);
  }
  if (get(body, "over")) return fail(offset, "window functions are not allowed here");
  if (is_aggregate_name(name) || get(body, "agg_star") || get(body, "agg_distinct") ||
      get(body, "agg_filter") || get(body, "agg_order") || get(body, "agg_within_group"))
    return fail(offset, "aggregate functions are not allowed here");
  if (get(body, "func_variadic")) return fail(offset, "VARIADIC is not supported");
  if (name == "if") return convert_if(body, offset);
  const json* format = get(body, "funcformat");
  const bool sql_syntax = format && format->is_string() && format->get<std::string>() == "COERCE_SQL_SYNTAX";
  auto n = make_node(NodeKind::kCall, offset);
  n->name = name;
  if (name == "extract" && sql_syntax) return convert_extract(body, offset);
  if (name == "position" && sql_syntax) {
    n->func = Func::kLocate;  // POSITION(needle IN s) arrives as position(s, needle)
  } else if (const Udf* udf = find_udf(name)) {
    n->func = Func::kUdf;
    n->udf = udf;
  } else if (!lookup_function(name, n->func)) {
    const std::string near = nearest_function(name);
    return report(StatusCode::kTypeError, offset,
                  "unknown function '" + name + "'" + (near.empty() ? "" : "; did you mean " + near + "()?") +
                      " (docs/pipelines.md lists the functions; CREATE FUNCTION loads your own)",
                  error_);
  }
  const json* args = get(body, "args");
  EDDY_RETURN_IF_ERROR(convert_all(args, n->children));
  if (n->func == Func::kLocate && sql_syntax && n->children.size() == 2) std::swap(n->children[0], n->children[1]);
  if ((n->func == Func::kTimestampAdd || n->func == Func::kTimestampDiff) && !n->children.empty())
    unit_argument(n->children[0]);
  return n;
}

void Converter::unit_argument(NodePtr& arg) {
  // TIMESTAMPADD(HOUR, ...): PostgreSQL reads the unit as a column name. The
  // unit is never a column: the type checker names the units a bad one misses.
  if (arg->kind != NodeKind::kColumn || !arg->qualifier.empty() || arg->from_keyword) return;
  Scalar v;
  v.s = arg->name;
  arg = make_literal(DataType::kString, std::move(v), arg->offset);
}

Result<NodePtr> Converter::convert_extract(const json& body, int offset) {
  // EXTRACT(HOUR FROM ts) arrives as extract('hour', ts): the field functions.
  static const std::pair<const char*, Func> kFields[] = {
      {"year", Func::kYear},     {"month", Func::kMonth},   {"day", Func::kDayOfMonth},
      {"hour", Func::kHour},     {"minute", Func::kMinute}, {"second", Func::kSecond}};
  const json* args = get(body, "args");
  const json* c = args && args->size() == 2 ? get((*args)[0], "A_Const") : nullptr;
  const json* sval = c ? get(*c, "sval") : nullptr;
  const json* field = sval ? get(*sval, "sval") : nullptr;
  const std::string unit = field && field->is_string() ? lower(field->get<std::string>()) : "";
  auto n = make_node(NodeKind::kCall, offset);
  bool known = false;
  for (const auto& [word, func] : kFields)
    if (unit == word) {
      n->func = func;
      known = true;
    }
  if (!known)
    return fail(offset, "EXTRACT supports YEAR, MONTH, DAY, HOUR, MINUTE and SECOND, not '" + unit + "'");
  n->name = func_name(n->func);
  EDDY_ASSIGN_OR_RETURN(NodePtr ts, convert((*args)[1]));
  n->children.push_back(std::move(ts));
  return n;
}

Result<NodePtr> Converter::convert_if(const json& body, int offset) {
  // IF(c, a, b) is CASE WHEN c THEN a ELSE b END: b is evaluated only on the
  // rows that need it, and a NULL condition picks b, as Flink's IF.
  auto n = make_node(NodeKind::kCase, offset);
  n->name = "if";
  EDDY_RETURN_IF_ERROR(convert_all(get(body, "args"), n->children));
  if (n->children.size() != 3)
    return report(StatusCode::kTypeError, offset,
                  "function if takes 3 arguments, got " + std::to_string(n->children.size()), error_);
  n->has_else = true;
  return n;
}

/// Frees a pg_query result on every path out of parse_sql_expression().
struct ParseResultGuard {
  PgQueryParseResult& result;
  ~ParseResultGuard() { pg_query_free_parse_result(result); }
};

}  // namespace

Result<NodePtr> parse_sql_expression(std::string_view sql, ExprError* error) {
  if (size_t nul = sql.find('\0'); nul != std::string_view::npos)
    return report(StatusCode::kParseError, static_cast<int>(nul), "NUL character in expression", error);
  // No pipeline needs an expression this long; it also bounds what the
  // scanner and the depth bound below go through.
  constexpr size_t kMaxLength = 65536;
  if (sql.size() > kMaxLength)
    return report(StatusCode::kParseError, static_cast<int>(kMaxLength),
                  "expression is too long (" + std::to_string(sql.size()) + " bytes; the limit is " +
                      std::to_string(kMaxLength) + ")",
                  error);
  if (sql.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return report(StatusCode::kParseError, 0, "empty expression", error);
  std::string text(kPrefix);
  text.append(sql.data(), sql.size());
  // PostgreSQL's parser writes its tree out recursively and checks no depth:
  // bound the depth from the tokens first, and check the stack can take it.
  const DepthBound bound = sql_depth_bound(text, kMaxScanDepth);
  const int at = bound.offset >= kPrefixLen ? bound.offset - kPrefixLen : -1;
  if (bound.depth > kMaxScanDepth) return report(StatusCode::kParseError, at, too_deep_message(), error);
  if (stack_space_left() < kStackReserve + static_cast<size_t>(bound.depth) * kParserStackPerLevel)
    return report(StatusCode::kParseError, at, short_stack_message("expression"), error);
  PgQueryParseResult result = pg_query_parse(text.c_str());
  ParseResultGuard guard{result};
  if (result.error) {
    // cursorpos is 1-based into the text we handed over, 0 when unknown.
    int offset = -1;
    if (result.error->cursorpos > 0)
      offset = std::clamp(result.error->cursorpos - 1 - kPrefixLen, 0, static_cast<int>(sql.size()));
    std::string message = result.error->message ? result.error->message : "syntax error";
    return report(StatusCode::kParseError, offset, std::move(message), error);
  }
  json tree = json::parse(result.parse_tree ? result.parse_tree : "", nullptr, false);
  if (tree.is_discarded())
    return report(StatusCode::kParseError, -1, "unreadable parse tree from the SQL parser", error);
  Converter converter(sql, error);
  return converter.convert_statement(tree);
}

}  // namespace eddy::expr
