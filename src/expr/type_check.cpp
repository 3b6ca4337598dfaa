// Bottom-up type checking: children first, then the node's own rule, then
// constant folding. Errors point at the node's token (an operator, a name, a
// literal) so the user sees where the expression went wrong.
#include "expr/type_check.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "core/stack_guard.h"
#include "core/time_util.h"
#include "expr/evaluate.h"
#include "expr/function_signatures.h"
#include "expr/kernels.h"
#include "expr/udf.h"
#include "expr/like.h"

namespace eddy::expr {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* shown_type(const ExprNode& n) { return n.untyped_null ? "NULL" : type_name(n.type); }

/// Message for two types that do not go together.
using MismatchMessage = std::function<std::string(DataType, DataType)>;

class Checker {
 public:
  Checker(const Schema& schema, ExprError* error, const ColumnResolver* resolver)
      : schema_(schema), error_(error), resolver_(resolver) {}

  Status check(NodePtr& node);

 private:
  Status fail(int offset, std::string message) {
    return report(StatusCode::kTypeError, offset, std::move(message), error_);
  }
  Status check_node(NodePtr& node);
  Status resolve_column(ExprNode& n);
  Status check_arith(ExprNode& n, ArithOp op, const char* symbol);
  Status check_negate(ExprNode& n);
  Status check_bool_operand(NodePtr& child, const std::string& what, int offset);
  Status check_like(ExprNode& n);
  Status check_case(ExprNode& n);
  Status check_cast(NodePtr& node);
  Status check_call(ExprNode& n);
  Status check_math_call(ExprNode& n);
  Status check_arity(const ExprNode& n, size_t lo, size_t hi);
  Status check_numeric_arg(ExprNode& call, NodePtr& arg);
  Status check_string_arg(ExprNode& call, NodePtr& arg);
  Status check_int_arg(ExprNode& call, NodePtr& arg, const char* what);
  /// Gives `child` type `to`: types a NULL literal, reads a string literal as
  /// a timestamp, or wraps the child in a cast.
  Status coerce(NodePtr& child, DataType to);
  /// Brings `items` to one type: their common type if all are the same, float64
  /// for a numeric mix, timestamp for timestamps beside string literals;
  /// `if_all_null` when every item is an untyped NULL. Errors at `offset`, or
  /// at the offending item when `offset` < 0.
  Result<DataType> unify(const std::vector<NodePtr*>& items, DataType if_all_null,
                         const MismatchMessage& message, int offset);
  /// Replaces a node whose children are all literals by its value.
  Status fold(NodePtr& node);

  const Schema& schema_;
  ExprError* error_;
  const ColumnResolver* resolver_;  // null: bare names against schema_ only
};

Status Checker::check(NodePtr& node) {
  if (stack_space_left() < kStackReserve) return fail(node->offset, short_stack_message("expression"));
  for (auto& child : node->children) EDDY_RETURN_IF_ERROR(check(child));
  EDDY_RETURN_IF_ERROR(check_node(node));
  ExprNode& n = *node;
  for (const auto& child : n.children) n.may_fail = n.may_fail || child->may_fail;
  return fold(node);
}

Status Checker::check_node(NodePtr& node) {
  ExprNode& n = *node;
  switch (n.kind) {
    case NodeKind::kLiteral: return Status::ok();
    case NodeKind::kColumn: return resolve_column(n);
    case NodeKind::kArith: return check_arith(n, n.arith, arith_symbol(n.arith));
    case NodeKind::kNegate: return check_negate(n);
    case NodeKind::kCompare:
    case NodeKind::kDistinct:
    case NodeKind::kIn:
    case NodeKind::kBetween: {
      std::vector<NodePtr*> items;
      for (auto& c : n.children) items.push_back(&c);
      std::string what = n.kind == NodeKind::kCompare ? std::string("operator ") + cmp_symbol(n.cmp)
                         : n.kind == NodeKind::kDistinct ? "IS DISTINCT FROM"
                         : n.kind == NodeKind::kIn       ? "IN"
                                                         : "BETWEEN";
      auto message = [&](DataType a, DataType b) {
        return what + " cannot compare " + type_name(a) + " and " + type_name(b);
      };
      EDDY_ASSIGN_OR_RETURN(DataType t, unify(items, DataType::kInt64, message, n.offset));
      (void)t;
      n.type = DataType::kBool;
      return Status::ok();
    }
    case NodeKind::kAnd:
    case NodeKind::kOr:
    case NodeKind::kNot: {
      const char* what = n.kind == NodeKind::kAnd ? "AND" : n.kind == NodeKind::kOr ? "OR" : "NOT";
      for (auto& c : n.children) EDDY_RETURN_IF_ERROR(check_bool_operand(c, what, n.offset));
      n.type = DataType::kBool;
      return Status::ok();
    }
    case NodeKind::kIsNull:
      if (n.children[0]->untyped_null) EDDY_RETURN_IF_ERROR(coerce(n.children[0], DataType::kBool));
      n.type = DataType::kBool;
      return Status::ok();
    case NodeKind::kBoolTest:
      n.type = DataType::kBool;
      return check_bool_operand(n.children[0], "IS TRUE/FALSE/UNKNOWN", n.offset);
    case NodeKind::kLike: return check_like(n);
    case NodeKind::kCase: return check_case(n);
    case NodeKind::kCast: return check_cast(node);
    case NodeKind::kConcat:
      for (auto& c : n.children) EDDY_RETURN_IF_ERROR(coerce(c, DataType::kString));
      n.type = DataType::kString;
      return Status::ok();
    case NodeKind::kCall: return check_call(n);
  }
  return fail(n.offset, "unknown expression node");
}

Status Checker::resolve_column(ExprNode& n) {
  if (resolver_ != nullptr) {
    std::string message;
    const int index = (*resolver_)(n.qualifier, n.name, message);
    if (index < 0 || static_cast<size_t>(index) >= schema_.size()) return fail(n.offset, message);
    n.column = index;
    n.type = schema_.field(static_cast<size_t>(index)).type;
    return Status::ok();
  }
  if (!n.qualifier.empty())
    return report(StatusCode::kParseError, n.offset, "qualified names like '" + n.qualifier + "." + n.name +
                  "' are not supported; write the column name alone", error_);
  int index = schema_.index_of(n.name);
  if (index < 0) {  // unquoted names arrive lower-cased: try ignoring case
    const std::string want = lower(n.name);
    int found = -1, matches = 0;
    for (size_t i = 0; i < schema_.size(); ++i)
      if (lower(schema_.field(i).name) == want) {
        found = static_cast<int>(i);
        ++matches;
      }
    if (matches == 1) index = found;
  }
  if (index < 0) {
    std::string names;
    for (const auto& f : schema_.fields()) names += (names.empty() ? "" : ", ") + f.name;
    return fail(n.offset, "unknown column '" + n.name + "'; " +
                              (names.empty() ? "the input has no columns" : "the input has columns " + names));
  }
  n.column = index;
  n.type = schema_.field(static_cast<size_t>(index)).type;
  return Status::ok();
}

Status Checker::check_arith(ExprNode& n, ArithOp op, const char* symbol) {
  NodePtr& a = n.children[0];
  NodePtr& b = n.children[1];
  auto mismatch = [&]() {
    const bool ts = a->type == DataType::kTimestamp || b->type == DataType::kTimestamp;
    return fail(n.offset, std::string("operator ") + symbol + " needs numeric operands" +
                              (ts ? " (or timestamp +/- int64 milliseconds)" : "") + ", got " +
                              shown_type(*a) + " and " + shown_type(*b));
  };
  // A NULL operand takes the other operand's type (int64 beside a timestamp).
  if (a->untyped_null && b->untyped_null) {
    EDDY_RETURN_IF_ERROR(coerce(a, DataType::kInt64));
    EDDY_RETURN_IF_ERROR(coerce(b, DataType::kInt64));
  }
  for (NodePtr* p : {&a, &b}) {
    NodePtr& other = p == &a ? b : a;
    if (!(*p)->untyped_null) continue;
    if (other->type == DataType::kTimestamp) EDDY_RETURN_IF_ERROR(coerce(*p, DataType::kInt64));
    else if (is_numeric(other->type)) EDDY_RETURN_IF_ERROR(coerce(*p, other->type));
    else return mismatch();
  }
  const DataType ta = a->type, tb = b->type;
  if (ta == DataType::kTimestamp || tb == DataType::kTimestamp) {
    if (op == ArithOp::kAdd && ta == DataType::kTimestamp && tb == DataType::kInt64) n.type = ta;
    else if (op == ArithOp::kAdd && ta == DataType::kInt64 && tb == DataType::kTimestamp) n.type = tb;
    else if (op == ArithOp::kSub && ta == DataType::kTimestamp && tb == DataType::kInt64) n.type = ta;
    else if (op == ArithOp::kSub && ta == DataType::kTimestamp && tb == DataType::kTimestamp) n.type = DataType::kInt64;
    else return mismatch();
  } else if (is_numeric(ta) && is_numeric(tb)) {
    n.type = (ta == DataType::kFloat64 || tb == DataType::kFloat64) ? DataType::kFloat64 : DataType::kInt64;
    EDDY_RETURN_IF_ERROR(coerce(a, n.type));
    EDDY_RETURN_IF_ERROR(coerce(b, n.type));
  } else {
    return mismatch();
  }
  n.may_fail = n.type != DataType::kFloat64 || op == ArithOp::kDiv || op == ArithOp::kMod;
  return Status::ok();
}

Status Checker::check_negate(ExprNode& n) {
  NodePtr& a = n.children[0];
  if (a->untyped_null) EDDY_RETURN_IF_ERROR(coerce(a, DataType::kInt64));
  if (!is_numeric(a->type))
    return fail(n.offset, std::string("operator - needs a numeric operand, got ") + type_name(a->type));
  n.type = a->type;
  n.may_fail = n.type == DataType::kInt64;
  return Status::ok();
}

Status Checker::check_bool_operand(NodePtr& child, const std::string& what, int offset) {
  if (child->untyped_null) return coerce(child, DataType::kBool);
  if (child->type != DataType::kBool)
    return fail(offset, what + " needs boolean operands, got " + type_name(child->type));
  return Status::ok();
}

Status Checker::check_like(ExprNode& n) {
  const char* what = n.case_insensitive ? "ILIKE" : "LIKE";
  for (auto& c : n.children)
    if (c->untyped_null) EDDY_RETURN_IF_ERROR(coerce(c, DataType::kString));
  const ExprNode& s = *n.children[0];
  const ExprNode& p = *n.children[1];
  if (s.type != DataType::kString || p.type != DataType::kString)
    return fail(n.offset, std::string(what) + " needs string operands, got " + type_name(s.type) +
                              " and " + type_name(p.type));
  n.type = DataType::kBool;
  if (p.kind == NodeKind::kLiteral && !p.value.is_null) {
    auto matcher = LikeMatcher::compile(p.value.s, n.like_escape, n.case_insensitive);
    if (!matcher.ok()) return fail(p.offset, matcher.status().message());
    n.like = *matcher;
  } else {
    n.may_fail = true;  // a pattern computed per row can be malformed
  }
  return Status::ok();
}

Status Checker::check_case(ExprNode& n) {
  const size_t whens = (n.children.size() - (n.has_else ? 1 : 0)) / 2;
  std::vector<NodePtr*> results;
  for (size_t w = 0; w < whens; ++w) {
    NodePtr& cond = n.children[2 * w];
    if (cond->untyped_null) EDDY_RETURN_IF_ERROR(coerce(cond, DataType::kBool));
    if (cond->type != DataType::kBool)
      return fail(cond->offset, (n.name == "if" ? std::string("IF needs a boolean condition, got ")
                                                : std::string("CASE WHEN needs a boolean condition, got ")) +
                                    type_name(cond->type));
    results.push_back(&n.children[2 * w + 1]);
  }
  if (n.has_else) results.push_back(&n.children.back());
  const std::string what = n.name == "if" ? "IF" : "CASE";  // IF(c, a, b) is parsed as a CASE
  auto message = [&](DataType a, DataType b) {
    return what + " branches have different types: " + type_name(a) + " and " + type_name(b);
  };
  EDDY_ASSIGN_OR_RETURN(n.type, unify(results, DataType::kString, message, -1));
  return Status::ok();
}

Status Checker::check_cast(NodePtr& node) {
  ExprNode& n = *node;
  NodePtr& child = n.children[0];
  if (child->untyped_null) return coerce(child, n.type);
  const DataType from = child->type, to = n.type;
  if (!cast_allowed(from, to))
    return fail(n.offset, std::string("cannot cast ") + type_name(from) + " to " + type_name(to));
  if (from == to) {  // a no-op cast: keep the child, with the cast's offset for messages
    NodePtr keep = std::move(child);
    node = std::move(keep);
    return Status::ok();
  }
  n.may_fail = (from == DataType::kString && to != DataType::kString) ||
               (from == DataType::kFloat64 && is_integer_backed(to));
  return Status::ok();
}

Result<DataType> Checker::unify(const std::vector<NodePtr*>& items, DataType if_all_null,
                                const MismatchMessage& message, int offset) {
  const ExprNode* first = nullptr;
  bool all_same = true, all_numeric = true, ts_or_string_literal = true, any_ts = false;
  for (NodePtr* p : items) {
    const ExprNode& e = **p;
    if (e.untyped_null) continue;
    if (!first) first = &e;
    all_same = all_same && e.type == first->type;
    all_numeric = all_numeric && is_numeric(e.type);
    any_ts = any_ts || e.type == DataType::kTimestamp;
    ts_or_string_literal = ts_or_string_literal && (e.type == DataType::kTimestamp ||
                                                    (e.type == DataType::kString && e.kind == NodeKind::kLiteral));
  }
  DataType target = if_all_null;
  if (first) {
    if (all_same) {
      target = first->type;
    } else if (all_numeric) {
      target = DataType::kFloat64;
    } else if (any_ts && ts_or_string_literal) {
      target = DataType::kTimestamp;
    } else {
      for (NodePtr* p : items) {
        const ExprNode& e = **p;
        if (e.untyped_null || e.type == first->type) continue;
        if (is_numeric(e.type) && is_numeric(first->type)) continue;
        return fail(offset >= 0 ? offset : e.offset, message(first->type, e.type));
      }
      return fail(offset, message(first->type, first->type));
    }
  }
  for (NodePtr* p : items) EDDY_RETURN_IF_ERROR(coerce(*p, target));
  return target;
}

Status Checker::coerce(NodePtr& child, DataType to) {
  ExprNode& c = *child;
  if (c.untyped_null) {
    c.untyped_null = false;
    c.type = to;
    return Status::ok();
  }
  if (c.type == to) return Status::ok();
  if (to == DataType::kTimestamp && c.type == DataType::kString && c.kind == NodeKind::kLiteral) {
    auto ts = parse_timestamp_ms(c.value.s);
    if (!ts.ok()) return fail(c.offset, "cannot read '" + c.value.s + "' as a timestamp");
    c.value.i = *ts;
    c.type = DataType::kTimestamp;
    return Status::ok();
  }
  if (!cast_allowed(c.type, to))
    return fail(c.offset, std::string("cannot convert ") + type_name(c.type) + " to " + type_name(to));
  child = make_cast(std::move(child), to);
  child->may_fail = child->children[0]->may_fail;
  return fold(child);
}

Status Checker::check_numeric_arg(ExprNode& call, NodePtr& arg) {
  if (arg->untyped_null) return coerce(arg, DataType::kFloat64);
  if (!is_numeric(arg->type))
    return fail(arg->offset, std::string(func_name(call.func)) + " needs a numeric argument, got " +
                                 type_name(arg->type));
  return Status::ok();
}

Status Checker::check_string_arg(ExprNode& call, NodePtr& arg) {
  if (arg->untyped_null) return coerce(arg, DataType::kString);
  if (arg->type != DataType::kString)
    return fail(arg->offset, std::string(func_name(call.func)) + " needs a string argument, got " +
                                 type_name(arg->type));
  return Status::ok();
}

Status Checker::check_int_arg(ExprNode& call, NodePtr& arg, const char* what) {
  if (arg->untyped_null) return coerce(arg, DataType::kInt64);
  if (arg->type != DataType::kInt64)
    return fail(arg->offset, std::string(func_name(call.func)) + " needs an int64 " + what + ", got " +
                                 type_name(arg->type));
  return Status::ok();
}

Status Checker::check_arity(const ExprNode& n, size_t lo, size_t hi) {
  const size_t count = n.children.size();
  if (count >= lo && count <= hi) return Status::ok();
  std::string expected = lo == hi ? std::to_string(lo)
                         : hi == SIZE_MAX ? "at least " + std::to_string(lo)
                                          : std::to_string(lo) + " or " + std::to_string(hi);
  return fail(n.offset, "function " + n.name + " takes " + expected + " argument" + (hi == 1 ? "" : "s") +
                            ", got " + std::to_string(count));
}

Status Checker::check_call(ExprNode& n) {
  auto& args = n.children;
  switch (n.func) {
    case Func::kAbs:
    case Func::kFloor:
    case Func::kCeil:
    case Func::kRound:
    case Func::kMod: return check_math_call(n);
    case Func::kLower:
    case Func::kUpper:
    case Func::kLength:
      EDDY_RETURN_IF_ERROR(check_arity(n, 1, 1));
      EDDY_RETURN_IF_ERROR(check_string_arg(n, args[0]));
      n.type = n.func == Func::kLength ? DataType::kInt64 : DataType::kString;
      return Status::ok();
    case Func::kSubstring:
      EDDY_RETURN_IF_ERROR(check_arity(n, 2, 3));
      EDDY_RETURN_IF_ERROR(check_string_arg(n, args[0]));
      EDDY_RETURN_IF_ERROR(check_int_arg(n, args[1], "start position"));
      if (args.size() == 3) EDDY_RETURN_IF_ERROR(check_int_arg(n, args[2], "length"));
      n.type = DataType::kString;
      n.may_fail = args.size() == 3;  // a negative length is an error
      return Status::ok();
    case Func::kBtrim:
    case Func::kLtrim:
    case Func::kRtrim:
      EDDY_RETURN_IF_ERROR(check_arity(n, 1, 2));
      for (auto& a : args) EDDY_RETURN_IF_ERROR(check_string_arg(n, a));
      n.type = DataType::kString;
      return Status::ok();
    case Func::kConcat:
      EDDY_RETURN_IF_ERROR(check_arity(n, 1, SIZE_MAX));
      for (auto& a : args)
        if (a->untyped_null) EDDY_RETURN_IF_ERROR(coerce(a, DataType::kString));
      n.type = DataType::kString;
      return Status::ok();
    case Func::kCoalesce:
    case Func::kGreatest:
    case Func::kLeast:
    case Func::kNullIf: {
      if (n.func == Func::kNullIf) EDDY_RETURN_IF_ERROR(check_arity(n, 2, 2));
      else EDDY_RETURN_IF_ERROR(check_arity(n, 1, SIZE_MAX));
      std::vector<NodePtr*> items;
      for (auto& a : args) items.push_back(&a);
      const std::string name = n.name;
      auto message = [&](DataType a, DataType b) {
        return name + " arguments have different types: " + type_name(a) + " and " + type_name(b);
      };
      EDDY_ASSIGN_OR_RETURN(n.type, unify(items, DataType::kString, message, -1));
      return Status::ok();
    }
    case Func::kUdf: {  // a user-defined function: arguments cast to its declared types
      EDDY_RETURN_IF_ERROR(check_arity(n, n.udf->arg_types.size(), n.udf->arg_types.size()));
      for (size_t i = 0; i < args.size(); ++i) EDDY_RETURN_IF_ERROR(coerce(args[i], n.udf->arg_types[i]));
      n.type = n.udf->result_type;
      n.may_fail = true;  // it may return an error
      return Status::ok();
    }
    default: {  // Flink's functions: a table of signatures
      CoerceFn coerce_fn = [this](NodePtr& child, DataType to) { return coerce(child, to); };
      return check_flink_call(n, coerce_fn, error_);
    }
  }
}

Status Checker::check_math_call(ExprNode& n) {
  auto& args = n.children;
  if (n.func == Func::kMod) {
    EDDY_RETURN_IF_ERROR(check_arity(n, 2, 2));
    return check_arith(n, ArithOp::kMod, "mod");
  }
  EDDY_RETURN_IF_ERROR(check_arity(n, 1, n.func == Func::kRound ? 2 : 1));
  EDDY_RETURN_IF_ERROR(check_numeric_arg(n, args[0]));
  n.type = args[0]->type;
  n.may_fail = n.func == Func::kAbs && n.type == DataType::kInt64;  // abs(INT64_MIN)
  if (args.size() == 2) {  // round(x, digits) works on float64
    EDDY_RETURN_IF_ERROR(check_int_arg(n, args[1], "number of digits"));
    EDDY_RETURN_IF_ERROR(coerce(args[0], DataType::kFloat64));
    n.type = DataType::kFloat64;
  }
  return Status::ok();
}

Status Checker::fold(NodePtr& node) {
  ExprNode& n = *node;
  if (n.kind == NodeKind::kLiteral || n.kind == NodeKind::kColumn || n.children.empty()) return Status::ok();
  for (const auto& c : n.children)
    if (c->kind != NodeKind::kLiteral || c->untyped_null) return Status::ok();
  RecordBatch one_row;
  one_row.num_rows = 1;
  auto value = evaluate_node(n, one_row);
  if (!value.ok()) return fail(n.offset, value.status().message());
  const Column& c = value->col();
  Scalar v;
  v.is_null = c.is_null(0);
  switch (n.type) {
    case DataType::kInt64:
    case DataType::kTimestamp: v.i = c.ints[0]; break;
    case DataType::kFloat64: v.d = c.doubles[0]; break;
    case DataType::kBool: v.i = c.bools[0]; break;
    case DataType::kString: v.s = std::string(c.string_at(0)); break;
  }
  node = make_literal(n.type, std::move(v), n.offset);
  return Status::ok();
}

}  // namespace

Status type_check(NodePtr& root, const Schema& input, ExprError* error, const ColumnResolver* resolver) {
  Checker checker(input, error, resolver);
  EDDY_RETURN_IF_ERROR(checker.check(root));
  if (root->untyped_null) {  // a bare NULL reads as text, as in PostgreSQL
    root->untyped_null = false;
    root->type = DataType::kString;
  }
  return Status::ok();
}

}  // namespace eddy::expr
