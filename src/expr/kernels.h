// Column-at-a-time kernels behind evaluate.cpp: arithmetic, comparisons,
// three-valued logic, casts and functions. Each kernel runs one tight loop per
// type and operand shape (column/column, column/constant, constant/column); the
// dispatch on type and operator happens once per batch, never per row.
#pragma once

#include <cstdint>
#include <vector>

#include "core/column.h"
#include "core/status.h"
#include "expr/ast.h"

// GCC vectorizes at -O2 only with its "very cheap" cost model, which leaves
// loops of unknown trip count scalar. The element loops ask for the dynamic
// model. GCC still inlines the small element functions into them; only the
// loops themselves stay out-of-line, which costs one call per batch.
#if defined(__GNUC__) && !defined(__clang__)
#define EDDY_VECTORIZE __attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic")))
#else
#define EDDY_VECTORIZE
#endif

namespace eddy::expr {

/// One input of a kernel: a column, or a literal standing for every row.
struct Operand {
  const Column* col = nullptr;
  const Scalar* scalar = nullptr;
  /// The operand's type (both kinds).
  DataType type = DataType::kInt64;

  bool is_scalar() const { return scalar != nullptr; }
  bool is_null_scalar() const { return scalar && scalar->is_null; }
  bool has_nulls() const { return col && col->has_nulls(); }
};

/// A column of `n` NULLs of `type`.
Column null_column(DataType type, size_t n);
/// A column repeating `value` (of `type`) `n` times.
Column broadcast(DataType type, const Scalar& value, size_t n);
/// Sets `out` to the AND of the operands' validity (empty when all are valid).
void combine_validity(const Operand& a, const Operand& b, size_t n, std::vector<uint8_t>& out);
/// Whether row `row` of the operand is NULL.
inline bool operand_null(const Operand& o, size_t row) {
  return o.scalar ? o.scalar->is_null : o.col->is_null(row);
}

/// a op b for int64/timestamp (both int-backed) or float64 (both float64)
/// operands; `out` gets `out_type`. Division by zero and int64 overflow on a
/// non-NULL row are errors.
Status arith_kernel(ArithOp op, DataType out_type, const Operand& a, const Operand& b, size_t n,
                    Column& out);
/// -a for int64 or float64.
Status negate_kernel(const Column& a, size_t n, Column& out);
/// a cmp b into a bool column; both operands have the same type class
/// (int-backed, float64, bool or string).
void compare_kernel(CmpOp op, const Operand& a, const Operand& b, size_t n, Column& out);

/// Sets `rows` to the indices where `x op c` is TRUE (NULL rows never are).
void select_compare(CmpOp op, const Column& x, const Scalar& c, size_t n, std::vector<uint32_t>& rows);
/// Sets `rows` to the indices where the bool column `c` is TRUE.
void select_true_rows(const Column& c, size_t n, std::vector<uint32_t>& rows);

/// Three-valued AND / OR of two bool columns, NOT of one.
void and_kernel(const Column& a, const Column& b, size_t n, Column& out);
void or_kernel(const Column& a, const Column& b, size_t n, Column& out);
void not_kernel(const Column& a, size_t n, Column& out);
/// A bool column (no NULLs) that is 1 where `a` is TRUE.
void is_true_kernel(const Column& a, size_t n, Column& out);

/// Whether CAST(from AS to) exists: everything to and from string; int64 to
/// everything; float64 and timestamp to all but bool; bool to int64.
bool cast_allowed(DataType from, DataType to);
/// CAST(in AS to); unparsable strings are errors. float64 to int64 truncates
/// toward zero, saturating at the ends of the range, NaN giving 0 (Flink's
/// CAST(DOUBLE AS BIGINT)); to timestamp it truncates too, but NaN and values
/// out of range are errors.
Status cast_kernel(const Column& in, DataType to, size_t n, Column& out);
/// The text of row `row` of `col` (not NULL) as CAST(... AS text) writes it.
void append_text(const Column& col, size_t row, std::string& out);

enum class CaseMapping { kUpper, kLower };
/// upper() / lower() of a string column: Unicode full case mapping with the
/// root locale, as Java's String.toUpperCase(Locale.ROOT), which Flink uses
/// (ß -> SS, final sigma). Bytes that are not UTF-8 are kept. A batch (or row)
/// of ASCII only is mapped in place of a copy, without ICU (case_map.cpp).
Status case_map_kernel(const Column& in, CaseMapping mapping, size_t n, Column& out);

/// Scalar functions other than COALESCE (evaluated lazily in evaluate.cpp).
/// `args` are the evaluated arguments, each with `n` rows.
Status function_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n,
                       Column& out);

}  // namespace eddy::expr
