// compile_expression() and CompiledExpr: the public face of src/expr/.
#include "expr/expression.h"

#include <algorithm>

#include "expr/ast.h"
#include "expr/evaluate.h"
#include "expr/kernels.h"
#include "expr/parse_sql.h"
#include "expr/type_check.h"

namespace eddy {

using expr::ExprNode;
using expr::NodeKind;

namespace {

/// The operator that gives the same answer with its operands swapped.
expr::CmpOp flipped(expr::CmpOp op) {
  switch (op) {
    case expr::CmpOp::kLt: return expr::CmpOp::kGt;
    case expr::CmpOp::kLe: return expr::CmpOp::kGe;
    case expr::CmpOp::kGt: return expr::CmpOp::kLt;
    case expr::CmpOp::kGe: return expr::CmpOp::kLe;
    default: return op;
  }
}

void collect_columns(const ExprNode& root, std::vector<int>& out) {
  expr::for_each_node(root, [&](const ExprNode& node) {
    if (node.kind == NodeKind::kColumn && std::find(out.begin(), out.end(), node.column) == out.end())
      out.push_back(node.column);
  });
}

}  // namespace

CompiledExpr::CompiledExpr(std::unique_ptr<ExprNode> root, Schema input)
    : root_(std::move(root)), input_(std::move(input)) {
  collect_columns(*root_, used_columns_);
}

CompiledExpr::~CompiledExpr() = default;

DataType CompiledExpr::type() const { return root_->type; }

int CompiledExpr::column_ref_index() const {
  return root_->kind == NodeKind::kColumn ? root_->column : -1;
}

bool CompiledExpr::is_constant() const { return root_->kind == NodeKind::kLiteral; }

Status CompiledExpr::check_batch(const RecordBatch& batch) const {
  // A full schema comparison per batch would compare names; the columns the
  // expression reads having the compiled types is what evaluation relies on.
  for (int c : used_columns_) {
    const size_t i = static_cast<size_t>(c);
    if (i >= batch.columns.size() || batch.columns[i].type() != input_.field(i).type ||
        batch.columns[i].size() != batch.num_rows)
      return Status::internal("expression compiled for (" + input_.to_string() +
                              ") got a batch of another schema");
  }
  return Status::ok();
}

Result<Column> CompiledExpr::evaluate(const RecordBatch& batch) const {
  EDDY_RETURN_IF_ERROR(check_batch(batch));
  EDDY_ASSIGN_OR_RETURN(expr::Vec v, expr::evaluate_node(*root_, batch));
  return std::move(v).release();
}

Status CompiledExpr::select_true(const RecordBatch& batch, std::vector<uint32_t>& rows) const {
  rows.clear();
  if (root_->kind == NodeKind::kLiteral && root_->value.is_null) return Status::ok();
  if (root_->type != DataType::kBool)
    return Status::type_error(std::string("a filter needs a boolean expression, got ") +
                              type_name(root_->type));
  EDDY_RETURN_IF_ERROR(check_batch(batch));
  const size_t n = batch.num_rows;
  if (root_->kind == NodeKind::kLiteral) {
    if (root_->value.i) {
      rows.resize(n);
      for (size_t i = 0; i < n; ++i) rows[i] = static_cast<uint32_t>(i);
    }
    return Status::ok();
  }
  // `x op constant` (the usual filter) selects straight from x, without a
  // column of booleans in between.
  if (root_->kind == NodeKind::kCompare) {
    const ExprNode* l = root_->children[0].get();
    const ExprNode* r = root_->children[1].get();
    if (l->kind == NodeKind::kLiteral || r->kind == NodeKind::kLiteral) {
      const bool flip = l->kind == NodeKind::kLiteral;
      const ExprNode& side = flip ? *r : *l;
      const ExprNode& constant = flip ? *l : *r;
      EDDY_ASSIGN_OR_RETURN(expr::Vec x, expr::evaluate_node(side, batch));
      expr::select_compare(flip ? flipped(root_->cmp) : root_->cmp, x.col(), constant.value, n, rows);
      return Status::ok();
    }
  }
  EDDY_ASSIGN_OR_RETURN(expr::Vec v, expr::evaluate_node(*root_, batch));
  expr::select_true_rows(v.col(), n, rows);
  return Status::ok();
}

Result<std::shared_ptr<const CompiledExpr>> compile_expression(std::string_view sql,
                                                               const Schema& input,
                                                               ExprError* error) {
  EDDY_ASSIGN_OR_RETURN(expr::NodePtr root, expr::parse_sql_expression(sql, error));
  EDDY_RETURN_IF_ERROR(expr::type_check(root, input, error));
  return std::shared_ptr<const CompiledExpr>(std::make_shared<CompiledExpr>(std::move(root), input));
}

Result<std::shared_ptr<const CompiledExpr>> compile_expression(std::string_view sql, const Schema& input,
                                                               ExprError* error, const ColumnResolver& resolver) {
  EDDY_ASSIGN_OR_RETURN(expr::NodePtr root, expr::parse_sql_expression(sql, error));
  EDDY_RETURN_IF_ERROR(expr::type_check(root, input, error, &resolver));
  return std::shared_ptr<const CompiledExpr>(std::make_shared<CompiledExpr>(std::move(root), input));
}

std::string format_expr_error(std::string_view sql, const ExprError& error) {
  std::string out = error.message;
  if (error.offset < 0 || static_cast<size_t>(error.offset) > sql.size()) {
    out += "\n  ";
    out.append(sql.data(), sql.size());
    return out;
  }
  // Show the line holding the offset, with a caret under it.
  const size_t at = static_cast<size_t>(error.offset);
  const size_t begin = at == 0 ? 0 : sql.rfind('\n', at - 1) + 1;  // npos + 1 == 0
  const size_t end = std::min(sql.find('\n', at), sql.size());
  out += "\n  ";
  out.append(sql.data() + begin, end - begin);
  out += "\n  ";
  for (size_t i = begin; i < at; ++i) out += sql[i] == '\t' ? '\t' : ' ';  // keep tabs aligned
  out += '^';
  return out;
}

}  // namespace eddy
