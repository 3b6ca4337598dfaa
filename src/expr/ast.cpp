// AST helpers: construction, deep copy and operator names for messages.
#include "expr/ast.h"

#include "expr/expression.h"

namespace eddy::expr {

Status report(StatusCode code, int offset, std::string message, ExprError* error) {
  if (error) {
    error->offset = offset;
    error->message = message;
  }
  return Status(code, std::move(message));
}

ExprNode::~ExprNode() {
  // Children are moved out before they die, so each destructor below finds
  // no children of its own: the subtree is freed one level at a time.
  std::vector<NodePtr> todo = std::move(children);
  while (!todo.empty()) {
    NodePtr n = std::move(todo.back());
    todo.pop_back();
    if (!n) continue;  // a child moved out (a no-op cast keeps its child)
    for (auto& c : n->children) todo.push_back(std::move(c));
    n->children.clear();
  }
}

size_t count_nodes(const ExprNode& root) {
  size_t n = 0;
  for_each_node(root, [&](const ExprNode&) { ++n; });
  return n;
}

NodePtr clone_node(const ExprNode& node) {
  auto copy = std::make_unique<ExprNode>();
  copy->kind = node.kind;
  copy->offset = node.offset;
  copy->type = node.type;
  copy->untyped_null = node.untyped_null;
  copy->may_fail = node.may_fail;
  copy->negated = node.negated;
  copy->case_insensitive = node.case_insensitive;
  copy->has_else = node.has_else;
  copy->from_keyword = node.from_keyword;
  copy->like_escape = node.like_escape;
  copy->arith = node.arith;
  copy->cmp = node.cmp;
  copy->test = node.test;
  copy->func = node.func;
  copy->name = node.name;
  copy->qualifier = node.qualifier;
  copy->column = node.column;
  copy->value = node.value;
  copy->like = node.like;
  copy->state = node.state;
  copy->children.reserve(node.children.size());
  for (const auto& c : node.children) copy->children.push_back(clone_node(*c));
  return copy;
}

NodePtr make_node(NodeKind kind, int offset) {
  auto n = std::make_unique<ExprNode>();
  n->kind = kind;
  n->offset = offset;
  return n;
}

NodePtr make_literal(DataType type, Scalar value, int offset) {
  auto n = make_node(NodeKind::kLiteral, offset);
  n->type = type;
  n->value = std::move(value);
  return n;
}

NodePtr make_cast(NodePtr child, DataType to) {
  const int offset = child->offset;
  auto n = make_node(NodeKind::kCast, offset);
  n->type = to;
  n->children.push_back(std::move(child));
  return n;
}

const char* arith_symbol(ArithOp op) {
  switch (op) {
    case ArithOp::kAdd: return "+";
    case ArithOp::kSub: return "-";
    case ArithOp::kMul: return "*";
    case ArithOp::kDiv: return "/";
    case ArithOp::kMod: return "%";
  }
  return "?";
}

const char* cmp_symbol(CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return "=";
    case CmpOp::kNe: return "<>";
    case CmpOp::kLt: return "<";
    case CmpOp::kLe: return "<=";
    case CmpOp::kGt: return ">";
    case CmpOp::kGe: return ">=";
  }
  return "?";
}

const char* func_name(Func f) {
  switch (f) {
    case Func::kAbs: return "abs";
    case Func::kFloor: return "floor";
    case Func::kCeil: return "ceil";
    case Func::kRound: return "round";
    case Func::kMod: return "mod";
    case Func::kLower: return "lower";
    case Func::kUpper: return "upper";
    case Func::kLength: return "length";
    case Func::kSubstring: return "substring";
    case Func::kBtrim: return "trim";
    case Func::kLtrim: return "ltrim";
    case Func::kRtrim: return "rtrim";
    case Func::kConcat: return "concat";
    case Func::kCoalesce: return "coalesce";
    case Func::kGreatest: return "greatest";
    case Func::kLeast: return "least";
    case Func::kNullIf: return "nullif";
    case Func::kUdf: return "a user-defined function";
    case Func::kPower: return "power";
    case Func::kSqrt: return "sqrt";
    case Func::kExp: return "exp";
    case Func::kLn: return "ln";
    case Func::kLog: return "log";
    case Func::kLog10: return "log10";
    case Func::kLog2: return "log2";
    case Func::kSign: return "sign";
    case Func::kPi: return "pi";
    case Func::kTruncate: return "truncate";
    case Func::kConcatWs: return "concat_ws";
    case Func::kLpad: return "lpad";
    case Func::kRpad: return "rpad";
    case Func::kReplace: return "replace";
    case Func::kInitcap: return "initcap";
    case Func::kReverse: return "reverse";
    case Func::kRepeat: return "repeat";
    case Func::kLocate: return "locate";
    case Func::kInstr: return "instr";
    case Func::kLeft: return "left";
    case Func::kRight: return "right";
    case Func::kSplitIndex: return "split_index";
    case Func::kMd5: return "md5";
    case Func::kSha1: return "sha1";
    case Func::kSha256: return "sha256";
    case Func::kRegexp: return "regexp";
    case Func::kRegexpExtract: return "regexp_extract";
    case Func::kRegexpReplace: return "regexp_replace";
    case Func::kDateFormat: return "date_format";
    case Func::kYear: return "year";
    case Func::kMonth: return "month";
    case Func::kDayOfMonth: return "dayofmonth";
    case Func::kHour: return "hour";
    case Func::kMinute: return "minute";
    case Func::kSecond: return "second";
    case Func::kToTimestamp: return "to_timestamp";
    case Func::kUnixTimestamp: return "unix_timestamp";
    case Func::kFromUnixtime: return "from_unixtime";
    case Func::kTimestampAdd: return "timestampadd";
    case Func::kTimestampDiff: return "timestampdiff";
  }
  return "?";
}

}  // namespace eddy::expr
