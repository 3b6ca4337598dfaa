// The evaluator: dispatches once per node and batch to a kernel, and handles
// the constructs that decide which rows a child is evaluated for (CASE, AND,
// OR, COALESCE).
#include "expr/evaluate.h"

#include <algorithm>
#include <string>

#include "core/stack_guard.h"
#include "expr/kernels.h"
#include "expr/like.h"

namespace eddy::expr {
namespace {

/// A child as a kernel operand: literals stay scalars (no constant column is
/// built), everything else is evaluated into `storage`.
Result<Operand> operand(const ExprNode& child, const RecordBatch& batch, Vec& storage) {
  if (child.kind == NodeKind::kLiteral) return Operand{nullptr, &child.value, child.type};
  EDDY_ASSIGN_OR_RETURN(storage, evaluate_node(child, batch));
  return Operand{&storage.col(), nullptr, child.type};
}

void collect_columns(const ExprNode& root, std::vector<uint8_t>& used) {
  for_each_node(root, [&](const ExprNode& node) {
    if (node.kind == NodeKind::kColumn) used[static_cast<size_t>(node.column)] = 1;
  });
}

/// Row i takes its value from sources[pick[i]], or is NULL when pick[i] < 0.
Column gather(DataType type, const std::vector<Vec>& sources, const std::vector<int>& pick, size_t n) {
  Column out(type);
  auto src = [&](size_t i) -> const Column* {
    return pick[i] < 0 ? nullptr : &sources[static_cast<size_t>(pick[i])].col();
  };
  bool any_null = false;
  for (size_t i = 0; i < n && !any_null; ++i) any_null = !src(i) || src(i)->is_null(i);
  if (any_null) out.valid.assign(n, 1);
  for (size_t i = 0; i < n; ++i)
    if (any_null && (!src(i) || src(i)->is_null(i))) out.valid[i] = 0;
  switch (type) {
    case DataType::kInt64:
    case DataType::kTimestamp:
      out.ints.resize(n);
      for (size_t i = 0; i < n; ++i) out.ints[i] = src(i) ? src(i)->ints[i] : 0;
      break;
    case DataType::kFloat64:
      out.doubles.resize(n);
      for (size_t i = 0; i < n; ++i) out.doubles[i] = src(i) ? src(i)->doubles[i] : 0;
      break;
    case DataType::kBool:
      out.bools.resize(n);
      for (size_t i = 0; i < n; ++i) out.bools[i] = src(i) ? src(i)->bools[i] : 0;
      break;
    case DataType::kString:
      out.offsets.resize(n + 1);
      for (size_t i = 0; i < n; ++i) {
        if (src(i)) out.chars += src(i)->string_at(i);
        out.offsets[i + 1] = static_cast<uint32_t>(out.chars.size());
      }
      break;
  }
  return out;
}

bool is_true(const Column& c, size_t i) { return c.bools[i] && !c.is_null(i); }

[[gnu::noinline]] Result<Vec> eval_logic(const ExprNode& node, const RecordBatch& batch) {
  const bool is_and = node.kind == NodeKind::kAnd;
  const size_t n = batch.num_rows;
  EDDY_ASSIGN_OR_RETURN(Vec acc, evaluate_node(*node.children[0], batch));
  std::vector<uint8_t> need;
  for (size_t k = 1; k < node.children.size(); ++k) {
    const ExprNode& child = *node.children[k];
    if (child.may_fail) {  // only rows the result does not yet decide
      const Column& a = acc.col();
      need.resize(n);
      for (size_t i = 0; i < n; ++i) need[i] = a.is_null(i) || (a.bools[i] != 0) == is_and;
    }
    EDDY_ASSIGN_OR_RETURN(Vec next, child.may_fail ? evaluate_where(child, batch, need)
                                                   : evaluate_node(child, batch));
    Column out;
    if (is_and) and_kernel(acc.col(), next.col(), n, out);
    else or_kernel(acc.col(), next.col(), n, out);
    acc = Vec::own(std::move(out));
  }
  return acc;
}

[[gnu::noinline]] Result<Vec> eval_case(const ExprNode& node, const RecordBatch& batch) {
  const size_t n = batch.num_rows;
  const size_t whens = (node.children.size() - (node.has_else ? 1 : 0)) / 2;
  std::vector<uint8_t> remaining(n, 1), take(n);
  std::vector<int> pick(n, -1);
  std::vector<Vec> results;
  size_t left = n;
  for (size_t w = 0; w < whens && left > 0; ++w) {
    EDDY_ASSIGN_OR_RETURN(Vec cond, evaluate_where(*node.children[2 * w], batch, remaining));
    size_t hits = 0;
    for (size_t i = 0; i < n; ++i) {
      take[i] = remaining[i] && is_true(cond.col(), i);
      hits += take[i];
    }
    if (hits == 0) continue;
    EDDY_ASSIGN_OR_RETURN(Vec res, evaluate_where(*node.children[2 * w + 1], batch, take));
    for (size_t i = 0; i < n; ++i)
      if (take[i]) {
        pick[i] = static_cast<int>(results.size());
        remaining[i] = 0;
      }
    results.push_back(std::move(res));
    left -= hits;
  }
  if (node.has_else && left > 0) {
    EDDY_ASSIGN_OR_RETURN(Vec res, evaluate_where(*node.children.back(), batch, remaining));
    for (size_t i = 0; i < n; ++i)
      if (remaining[i]) pick[i] = static_cast<int>(results.size());
    results.push_back(std::move(res));
  }
  const bool single = results.size() == 1 &&
                      std::all_of(pick.begin(), pick.end(), [](int p) { return p == 0; });
  if (single) return std::move(results[0]);
  return Vec::own(gather(node.type, results, pick, n));
}

[[gnu::noinline]] Result<Vec> eval_coalesce(const ExprNode& node, const RecordBatch& batch) {
  const size_t n = batch.num_rows;
  std::vector<uint8_t> remaining(n, 1);
  std::vector<int> pick(n, -1);
  std::vector<Vec> results;
  size_t left = n;
  for (const auto& arg : node.children) {
    if (left == 0) break;
    EDDY_ASSIGN_OR_RETURN(Vec v, evaluate_where(*arg, batch, remaining));
    if (results.empty() && !v.col().has_nulls()) return v;  // the first argument decides every row
    for (size_t i = 0; i < n; ++i)
      if (remaining[i] && !v.col().is_null(i)) {
        pick[i] = static_cast<int>(results.size());
        remaining[i] = 0;
        --left;
      }
    results.push_back(std::move(v));
  }
  return Vec::own(gather(node.type, results, pick, n));
}

[[gnu::noinline]] Result<Vec> eval_compare(CmpOp op, const ExprNode& l, const ExprNode& r,
                                           const RecordBatch& batch) {
  Vec ls, rs;
  EDDY_ASSIGN_OR_RETURN(Operand a, operand(l, batch, ls));
  EDDY_ASSIGN_OR_RETURN(Operand b, operand(r, batch, rs));
  Column out;
  compare_kernel(op, a, b, batch.num_rows, out);
  return Vec::own(std::move(out));
}

[[gnu::noinline]] Result<Vec> eval_in_between(const ExprNode& node, const RecordBatch& batch) {
  const size_t n = batch.num_rows;
  Vec xs;
  EDDY_ASSIGN_OR_RETURN(Operand x, operand(*node.children[0], batch, xs));
  Column acc;
  for (size_t k = 1; k < node.children.size(); ++k) {
    Vec ys;
    EDDY_ASSIGN_OR_RETURN(Operand y, operand(*node.children[k], batch, ys));
    Column cmp;
    if (node.kind == NodeKind::kIn) compare_kernel(CmpOp::kEq, x, y, n, cmp);
    else compare_kernel(k == 1 ? CmpOp::kGe : CmpOp::kLe, x, y, n, cmp);
    if (k == 1) {
      acc = std::move(cmp);
      continue;
    }
    Column next;
    if (node.kind == NodeKind::kIn) or_kernel(acc, cmp, n, next);
    else and_kernel(acc, cmp, n, next);
    acc = std::move(next);
  }
  if (!node.negated) return Vec::own(std::move(acc));
  Column out;
  not_kernel(acc, n, out);
  return Vec::own(std::move(out));
}

[[gnu::noinline]] Result<Vec> eval_like(const ExprNode& node, const RecordBatch& batch) {
  const size_t n = batch.num_rows;
  EDDY_ASSIGN_OR_RETURN(Vec subject, evaluate_node(*node.children[0], batch));
  const Column& s = subject.col();
  Vec patterns;
  if (!node.like) {
    EDDY_ASSIGN_OR_RETURN(patterns, evaluate_node(*node.children[1], batch));
  }
  Column out(DataType::kBool);
  if (node.like) {
    out.valid = s.valid;
  } else {
    combine_validity(Operand{&s, nullptr, DataType::kString},
                     Operand{&patterns.col(), nullptr, DataType::kString}, n, out.valid);
  }
  out.bools.resize(n);
  std::string scratch;
  std::shared_ptr<const LikeMatcher> matcher = node.like;
  std::string last_pattern;
  const uint8_t hit = node.negated ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    if (out.is_null(i)) continue;
    if (!node.like) {  // a pattern per row: recompile only when it changes
      const std::string_view p = patterns.col().string_at(i);
      if (!matcher || p != last_pattern) {
        auto m = LikeMatcher::compile(p, node.like_escape, node.case_insensitive);
        if (!m.ok()) return m.status();
        matcher = *m;
        last_pattern.assign(p.data(), p.size());
      }
    }
    out.bools[i] = matcher->matches(s.string_at(i), scratch) ? hit : !hit;
  }
  return Vec::own(std::move(out));
}

[[gnu::noinline]] Result<Vec> eval_tests(const ExprNode& node, const RecordBatch& batch) {
  const size_t n = batch.num_rows;
  Column out(DataType::kBool);
  out.bools.resize(n);
  if (node.kind == NodeKind::kDistinct) {
    Vec ls, rs;
    EDDY_ASSIGN_OR_RETURN(Operand a, operand(*node.children[0], batch, ls));
    EDDY_ASSIGN_OR_RETURN(Operand b, operand(*node.children[1], batch, rs));
    Column ne;
    compare_kernel(CmpOp::kNe, a, b, n, ne);
    for (size_t i = 0; i < n; ++i) {
      const bool na = operand_null(a, i), nb = operand_null(b, i);
      const bool distinct = na != nb || (!na && ne.bools[i]);
      out.bools[i] = distinct != node.negated;
    }
    return Vec::own(std::move(out));
  }
  EDDY_ASSIGN_OR_RETURN(Vec arg, evaluate_node(*node.children[0], batch));
  const Column& c = arg.col();
  for (size_t i = 0; i < n; ++i) {
    const bool null = c.is_null(i);
    bool r;
    if (node.kind == NodeKind::kIsNull) {
      r = null != node.negated;
    } else {
      const bool t = !null && c.bools[i], f = !null && !c.bools[i];
      switch (node.test) {
        case BoolTest::kIsTrue: r = t; break;
        case BoolTest::kIsNotTrue: r = !t; break;
        case BoolTest::kIsFalse: r = f; break;
        case BoolTest::kIsNotFalse: r = !f; break;
        case BoolTest::kIsUnknown: r = null; break;
        default: r = !null; break;
      }
    }
    out.bools[i] = r;
  }
  return Vec::own(std::move(out));
}

[[gnu::noinline]] Result<Vec> eval_concat(const ExprNode& node, const RecordBatch& batch) {
  const size_t n = batch.num_rows;
  EDDY_ASSIGN_OR_RETURN(Vec a, evaluate_node(*node.children[0], batch));
  EDDY_ASSIGN_OR_RETURN(Vec b, evaluate_node(*node.children[1], batch));
  Column out(DataType::kString);
  combine_validity(Operand{&a.col(), nullptr, DataType::kString},
                   Operand{&b.col(), nullptr, DataType::kString}, n, out.valid);
  out.offsets.resize(n + 1);
  out.chars.reserve(a.col().chars.size() + b.col().chars.size());
  for (size_t i = 0; i < n; ++i) {
    if (!out.is_null(i)) {
      out.chars += a.col().string_at(i);
      out.chars += b.col().string_at(i);
    }
    out.offsets[i + 1] = static_cast<uint32_t>(out.chars.size());
  }
  return Vec::own(std::move(out));
}

[[gnu::noinline]] Result<Vec> eval_call(const ExprNode& node, const RecordBatch& batch) {
  if (node.func == Func::kCoalesce) return eval_coalesce(node, batch);
  std::vector<Vec> values(node.children.size());
  std::vector<const Column*> args;
  for (size_t k = 0; k < node.children.size(); ++k) {
    EDDY_ASSIGN_OR_RETURN(values[k], evaluate_node(*node.children[k], batch));
    args.push_back(&values[k].col());
  }
  Column out;
  EDDY_RETURN_IF_ERROR(function_kernel(node, args, batch.num_rows, out));
  return Vec::own(std::move(out));
}

/// The node kinds evaluate_node handles itself, each out of line: the frame
/// of evaluate_node is on the stack once per level of the tree, so it holds
/// no Column of its own.
[[gnu::noinline]] Result<Vec> eval_arith(const ExprNode& node, const RecordBatch& batch) {
  Vec ls, rs;
  EDDY_ASSIGN_OR_RETURN(Operand a, operand(*node.children[0], batch, ls));
  EDDY_ASSIGN_OR_RETURN(Operand b, operand(*node.children[1], batch, rs));
  Column out;
  EDDY_RETURN_IF_ERROR(arith_kernel(node.arith, node.type, a, b, batch.num_rows, out));
  return Vec::own(std::move(out));
}

[[gnu::noinline]] Result<Vec> eval_unary(const ExprNode& node, const RecordBatch& batch) {
  EDDY_ASSIGN_OR_RETURN(Vec a, evaluate_node(*node.children[0], batch));
  const size_t n = batch.num_rows;
  if (node.kind == NodeKind::kCast && a.col().type() == node.type) return a;
  Column out;
  if (node.kind == NodeKind::kNegate) EDDY_RETURN_IF_ERROR(negate_kernel(a.col(), n, out));
  else if (node.kind == NodeKind::kNot) not_kernel(a.col(), n, out);
  else EDDY_RETURN_IF_ERROR(cast_kernel(a.col(), node.type, n, out));
  return Vec::own(std::move(out));
}

/// evaluate_where for a node that may fail on some rows: evaluates it on a
/// batch of the needed rows, gathering only the columns it reads.
[[gnu::noinline]] Result<Vec> evaluate_needed_rows(const ExprNode& node, const RecordBatch& batch,
                                                   const std::vector<uint8_t>& need) {
  const size_t n = batch.num_rows;
  std::vector<uint32_t> rows;
  for (size_t i = 0; i < n; ++i)
    if (need[i]) rows.push_back(static_cast<uint32_t>(i));
  if (rows.size() == n) return evaluate_node(node, batch);
  if (rows.empty()) return Vec::own(null_column(node.type, n));
  std::vector<uint8_t> used(batch.columns.size(), 0);
  collect_columns(node, used);
  RecordBatch part;
  part.schema = batch.schema;
  part.num_rows = rows.size();
  part.columns.reserve(batch.columns.size());
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    part.columns.emplace_back(batch.columns[c].type());
    if (used[c]) part.columns.back().append_selected(batch.columns[c], rows.data(), rows.size());
  }
  EDDY_ASSIGN_OR_RETURN(Vec computed, evaluate_node(node, part));
  const Column& src = computed.col();
  Column out(node.type);
  out.reserve(n);
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    if (need[i]) out.append_from(src, j++);
    else out.append_null();
  }
  return Vec::own(std::move(out));
}

}  // namespace

Result<Vec> evaluate_node(const ExprNode& node, const RecordBatch& batch) {
  // Trees are at most kMaxExpressionDepth deep, which an 8 MiB stack holds
  // many times over; a thread with a small stack gets an error, not a crash.
  if (stack_space_left() < kStackReserve) return Status::invalid(short_stack_message("expression"));
  switch (node.kind) {
    case NodeKind::kLiteral: return Vec::own(broadcast(node.type, node.value, batch.num_rows));
    case NodeKind::kColumn: return Vec::borrow(batch.columns[static_cast<size_t>(node.column)]);
    case NodeKind::kArith: return eval_arith(node, batch);
    case NodeKind::kNegate:
    case NodeKind::kNot:
    case NodeKind::kCast: return eval_unary(node, batch);
    case NodeKind::kCompare:
      return eval_compare(node.cmp, *node.children[0], *node.children[1], batch);
    case NodeKind::kAnd:
    case NodeKind::kOr: return eval_logic(node, batch);
    case NodeKind::kIsNull:
    case NodeKind::kBoolTest:
    case NodeKind::kDistinct: return eval_tests(node, batch);
    case NodeKind::kIn:
    case NodeKind::kBetween: return eval_in_between(node, batch);
    case NodeKind::kLike: return eval_like(node, batch);
    case NodeKind::kCase: return eval_case(node, batch);
    case NodeKind::kConcat: return eval_concat(node, batch);
    case NodeKind::kCall: return eval_call(node, batch);
  }
  return Status::internal("unknown expression node");
}

Result<Vec> evaluate_where(const ExprNode& node, const RecordBatch& batch,
                           const std::vector<uint8_t>& need) {
  if (!node.may_fail) return evaluate_node(node, batch);
  return evaluate_needed_rows(node, batch, need);
}

}  // namespace eddy::expr
