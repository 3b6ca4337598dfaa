// SQL scalar expressions (PIPELINES.md "Expressions"): compile once against an
// input schema, then evaluate vectorized over RecordBatches. Used by the filter
// and select operators and the planner, which compiles every expression of a
// pipeline up front so that errors surface before the job starts.
//
// Semantics chosen where SQL leaves room or PostgreSQL differs:
// - int64 op int64 is int64; `/` truncates toward zero and `%` takes the sign
//   of the dividend, as in PostgreSQL. Any float64 operand makes the result
//   float64. Comparing int64 with float64 compares numerically.
// - Division or modulo by zero (integer or float) is a runtime error Status
//   "division by zero" (code kInvalidArgument); so is int64 overflow in
//   + - * / abs and unary minus ("int64 overflow ..."). float64 follows IEEE
//   (overflow gives infinity). CASE, AND, OR and COALESCE evaluate a branch only
//   for the rows that need it, so `CASE WHEN b <> 0 THEN a / b END` and
//   `b <> 0 AND a / b > 1` never fail.
// - Casts: int64 <-> timestamp read/give epoch milliseconds; float64 -> int64
//   truncates toward zero as Flink does (beyond the range: its ends; NaN: 0); int64 <-> bool is
//   0/1; anything casts to string (float64 as the shortest text that reads
//   back to the same double, timestamps as "YYYY-MM-DD HH:MM:SS.fff"). A
//   string cast to int64, float64, bool or timestamp that does not parse is a
//   runtime error naming the value (kInvalidArgument), never a silent NULL.
// - A string literal compared with a timestamp is read as a timestamp
//   (`ts >= '2024-01-01 00:00:00'`).
// - round() rounds half away from zero, round(x, n) on the decimal text of x
//   (round(2.345, 2) = 2.35); lower/upper map Unicode case (ICU's root locale);
//   length and substring count UTF-8 characters.
// - Unquoted identifiers are folded to lower case by the SQL parser; a column
//   name that does not match exactly is matched case-insensitively when that
//   is unambiguous, so `Price` finds a column called "Price".
// - Constant subexpressions are evaluated at compile time; one that fails
//   (e.g. `CAST('x' AS bigint)`, `1 / 0`) is a compile error, as in PostgreSQL.
// - Length modifiers of CAST types are ignored (`varchar(3)` does not cut);
//   every integer type is int64 and every decimal type float64. There is no
//   interval type: timestamps take +/- int64 milliseconds, and an interval
//   literal (`INTERVAL '20' MINUTE`, `INTERVAL '1 hour 30 minutes'`) is that
//   int64 of milliseconds (expr/interval.h).
// - `input.column` names a column of one of a join's inputs; only compiling
//   with a ColumnResolver accepts it.
// - Beyond the PIPELINES.md list: ILIKE, LIKE ... ESCAPE, IS [NOT] DISTINCT
//   FROM, IS [NOT] TRUE/FALSE/UNKNOWN, NULLIF, btrim/ltrim/rtrim. Keywords
//   such as USER resolve to an input column of that name.
// - Expressions are at most 65536 bytes long and nest at most
//   kMaxExpressionDepth (256) levels: each operator of a chain such as
//   `a + b + c` is a level, and so is each call, CASE and cast around another.
//   AND and OR chains, IN lists, CASE branches and function arguments sit side
//   by side and do not nest. Deeper expressions are refused when compiled
//   (before PostgreSQL's parser runs, whose tree writer recurses without a
//   check). At the limit, compiling takes up to about 300 KiB of stack and
//   evaluating up to about 500 KiB (x86-64, without sanitizers). A thread
//   whose stack would run out anyway gets an error Status, never a crash.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_batch.h"
#include "core/schema.h"
#include "core/status.h"

namespace eddy {

namespace expr {
struct ExprNode;
}

/// How deeply an expression may nest (see above).
constexpr int kMaxExpressionDepth = 256;

/// Where and why an expression was refused. offset: 0-based byte offset into
/// the expression text of the offending token (-1 if unknown).
struct ExprError {
  int offset = -1;
  std::string message;
};

/// A type-checked expression, ready to evaluate. Immutable after compile;
/// evaluate() is const and thread-compatible (no shared mutable state), so one
/// instance may serve several subtasks.
class CompiledExpr {
 public:
  CompiledExpr(std::unique_ptr<expr::ExprNode> root, Schema input);
  ~CompiledExpr();
  CompiledExpr(const CompiledExpr&) = delete;
  CompiledExpr& operator=(const CompiledExpr&) = delete;

  /// The type of the values evaluate() returns.
  DataType type() const;
  /// The expression's value for every row of `batch` (whose schema must equal
  /// the schema it was compiled against). Returns a Column of type() with
  /// batch.num_rows rows; NULLs in the null mask.
  Result<Column> evaluate(const RecordBatch& batch) const;
  /// For filters: the row indices where the (bool) expression is TRUE (NULL
  /// and false drop the row). Appends to `rows` after clearing it. A type
  /// error Status when type() is not bool.
  Status select_true(const RecordBatch& batch, std::vector<uint32_t>& rows) const;
  /// If the expression is a bare column reference, its index, else -1 (lets
  /// select pass columns through).
  int column_ref_index() const;
  /// Indices of the input columns the expression reads, each once.
  const std::vector<int>& used_columns() const { return used_columns_; }
  /// True when the expression is a constant (no column is read).
  bool is_constant() const;
  /// The schema the expression was compiled against.
  const Schema& input_schema() const { return input_; }

 private:
  Status check_batch(const RecordBatch& batch) const;

  std::unique_ptr<expr::ExprNode> root_;
  Schema input_;
  /// Indices of the input columns the expression reads (checked per batch).
  std::vector<int> used_columns_;
};

/// Resolves the column names of an expression over a join's two inputs:
/// `qualifier` is the input's name or alias before the dot (`auction.id`), ""
/// for a bare name. Returns the index into the schema compiled against, or
/// -1 with `message` saying why (unknown, ambiguous) and what to write.
using ColumnResolver =
    std::function<int(const std::string& qualifier, const std::string& name, std::string& message)>;

/// Parses and type-checks `sql` against `input`. On failure returns a Status
/// (kParseError for text that is not a single supported expression, kTypeError
/// for unknown columns, unknown functions and type mismatches) and, if
/// error != nullptr, fills it with offset+message.
Result<std::shared_ptr<const CompiledExpr>> compile_expression(std::string_view sql,
                                                               const Schema& input,
                                                               ExprError* error = nullptr);
/// Same, with every column name resolved by `resolver` (qualified names allowed).
Result<std::shared_ptr<const CompiledExpr>> compile_expression(std::string_view sql, const Schema& input,
                                                               ExprError* error, const ColumnResolver& resolver);

/// Renders an error for people: the message, the expression, and a caret under
/// the offending offset (when known), e.g.
///   unknown column 'prise'; the input has columns auction, price
///     prise * 0.908
///     ^
std::string format_expr_error(std::string_view sql, const ExprError& error);

}  // namespace eddy
