// The expression AST: what parse_sql.cpp builds from PostgreSQL's parse tree,
// type_check.cpp resolves against a schema (types, column indices, implicit
// casts, constant folding) and evaluate.cpp runs. Internal to src/expr/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "core/status.h"

namespace eddy {
struct ExprError;
}

namespace eddy::expr {

enum class NodeKind : uint8_t {
  kLiteral,   // value
  kColumn,    // name -> column
  kArith,     // children[0] arith children[1]
  kNegate,    // -children[0]
  kCompare,   // children[0] cmp children[1]
  kAnd,       // children[0] AND children[1] AND ...
  kOr,        // children[0] OR children[1] OR ...
  kNot,       // NOT children[0]
  kIsNull,    // children[0] IS [NOT] NULL (negated)
  kBoolTest,  // children[0] IS [NOT] TRUE/FALSE/UNKNOWN
  kDistinct,  // children[0] IS [NOT] DISTINCT FROM children[1] (negated = NOT DISTINCT)
  kIn,        // children[0] [NOT] IN (children[1..])
  kBetween,   // children[0] [NOT] BETWEEN children[1] AND children[2]
  kLike,      // children[0] [NOT] [I]LIKE children[1]
  kCase,      // WHEN children[2i] THEN children[2i+1] ... [ELSE children.back()]
  kCast,      // CAST(children[0] AS type)
  kConcat,    // children[0] || children[1]
  kCall,      // func(children...)
};

enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kMod };
enum class CmpOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
enum class BoolTest : uint8_t { kIsTrue, kIsNotTrue, kIsFalse, kIsNotFalse, kIsUnknown, kIsNotUnknown };

/// Built-in scalar functions. Those after kNullIf are Flink's and have their
/// type rules in function_signatures.cpp.
enum class Func : uint8_t {
  kAbs, kFloor, kCeil, kRound, kMod,
  kLower, kUpper, kLength, kSubstring, kBtrim, kLtrim, kRtrim, kConcat,
  kCoalesce, kGreatest, kLeast, kNullIf,
  // math (math_functions.cpp)
  kPower, kSqrt, kExp, kLn, kLog, kLog10, kLog2, kSign, kPi, kTruncate,
  // strings (string_functions.cpp)
  kConcatWs, kLpad, kRpad, kReplace, kInitcap, kReverse, kRepeat, kLocate, kInstr,
  kLeft, kRight, kSplitIndex, kMd5, kSha1, kSha256,
  // regular expressions (regex_functions.cpp)
  kRegexp, kRegexpExtract, kRegexpReplace,
  // time (time_functions.cpp)
  kDateFormat, kYear, kMonth, kDayOfMonth, kHour, kMinute, kSecond, kToTimestamp,
  kUnixTimestamp, kFromUnixtime, kTimestampAdd, kTimestampDiff,
  // a user-defined function (udf.h): ExprNode::udf
  kUdf,
};

/// What a call compiles once from its literal arguments (a regular
/// expression, a date pattern) when it is type checked; the kernel of the
/// call's function knows the concrete type.
struct CallState {
  virtual ~CallState() = default;
};

/// A constant. Which member holds the value follows the node's type:
/// int64/timestamp -> i, float64 -> d, bool -> i (0/1), string -> s.
struct Scalar {
  bool is_null = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

/// A LIKE pattern compiled once (like.cpp); shared by copies of the node.
class LikeMatcher;

struct Udf;

struct ExprNode {
  ExprNode() = default;
  /// Frees the subtree with a stack of its own: a recursive destructor would
  /// recurse once per level.
  ~ExprNode();
  ExprNode(ExprNode&&) = default;
  ExprNode& operator=(ExprNode&&) = default;

  NodeKind kind = NodeKind::kLiteral;
  /// Byte offset of the node's token (operator, name, literal) in the expression text, or -1.
  int offset = -1;
  /// Result type; set by the parser for literals and casts, by the type checker for the rest.
  DataType type = DataType::kInt64;
  /// A NULL literal whose type is still to be taken from its context.
  bool untyped_null = false;
  /// True when evaluation can fail on some input (division by zero, overflow,
  /// unparsable cast). CASE, AND, OR and COALESCE evaluate such children only
  /// on the rows that need them, so that `b <> 0 AND a / b > 1` never fails.
  bool may_fail = false;
  /// NOT IN, NOT BETWEEN, NOT LIKE, IS NOT NULL, IS NOT DISTINCT FROM.
  bool negated = false;
  /// ILIKE.
  bool case_insensitive = false;
  /// CASE with an ELSE branch (the last child).
  bool has_else = false;
  /// A column reference written as a SQL keyword (USER, CURRENT_TIMESTAMP, ...).
  bool from_keyword = false;
  /// LIKE ... ESCAPE character (default backslash; 0 = no escape character).
  char like_escape = '\\';

  ArithOp arith = ArithOp::kAdd;
  CmpOp cmp = CmpOp::kEq;
  BoolTest test = BoolTest::kIsTrue;
  Func func = Func::kAbs;

  /// Column name (kColumn) or function name as written (kCall).
  std::string name;
  /// kColumn: the join input (name or alias) before the dot of `auction.id`;
  /// empty for a bare name. Only a ColumnResolver (expression.h) accepts one.
  std::string qualifier;
  /// Input column index (kColumn), set by the type checker.
  int column = -1;
  /// The constant of a kLiteral.
  Scalar value;
  std::vector<std::unique_ptr<ExprNode>> children;
  /// The compiled pattern of a kLike whose pattern is a literal.
  std::shared_ptr<const LikeMatcher> like;
  /// kCall: state compiled from literal arguments, or null (see CallState).
  std::shared_ptr<const CallState> state;
  /// kCall of Func::kUdf: the loaded function (it stays loaded).
  const Udf* udf = nullptr;
};

using NodePtr = std::unique_ptr<ExprNode>;

/// A deep copy (simple CASE repeats its subject in every WHEN comparison).
/// Recursive: trees are at most kMaxExpressionDepth deep.
NodePtr clone_node(const ExprNode& node);

/// Calls fn(node) for `root` and every node below it, without recursion.
template <typename Fn>
void for_each_node(const ExprNode& root, Fn&& fn) {
  std::vector<const ExprNode*> todo{&root};
  while (!todo.empty()) {
    const ExprNode* n = todo.back();
    todo.pop_back();
    fn(*n);
    for (const auto& c : n->children) todo.push_back(c.get());
  }
}

/// The number of nodes of the tree under `root`, root included.
size_t count_nodes(const ExprNode& root);

NodePtr make_node(NodeKind kind, int offset);
/// A typed literal; `type` picks the Scalar member that holds the value.
NodePtr make_literal(DataType type, Scalar value, int offset);
NodePtr make_cast(NodePtr child, DataType to);

/// A Status of `code` carrying `message`; also fills `*error` (when given)
/// with the message and `offset`. How every compile-time refusal is made.
Status report(StatusCode code, int offset, std::string message, ExprError* error);

/// "+", "-", "*", "/", "%".
const char* arith_symbol(ArithOp op);
/// "=", "<>", "<", "<=", ">", ">=".
const char* cmp_symbol(CmpOp op);
/// The SQL spelling of a function ("abs", "substring", ...).
const char* func_name(Func f);

}  // namespace eddy::expr
