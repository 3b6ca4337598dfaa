// The join operators' row plumbing (join_rows.h).
#include "operators/join_rows.h"

#include "state/key_encoding.h"

namespace eddy {
namespace {

Status side_error(const JoinSide& side, const std::string& what) {
  return Status::invalid(std::string("join ") + (side.input == kLeftInput ? "left" : "right") +
                         " input: " + what);
}

Result<JoinSide> make_side(int input, const SchemaPtr& schema, bool updating,
                           const std::vector<int>& keys, int time_column) {
  JoinSide side;
  side.input = input;
  side.schema = schema;
  side.updating = updating;
  side.keys = keys;
  side.time_column = time_column;
  if (!schema) return side_error(side, "no schema");
  if (updating && (schema->size() == 0 || schema->field(0).name != "op" ||
                   schema->field(0).type != DataType::kString))
    return side_error(side, "an updating input must start with a string column \"op\" (" +
                                schema->to_string() + ")");
  for (size_t c = updating ? 1 : 0; c < schema->size(); ++c) side.payload.push_back(static_cast<int>(c));
  for (int k : keys) {
    if (k == kComputedKey && input == kLeftInput) continue;  // a lookup join's key expression
    if (k < (updating ? 1 : 0) || static_cast<size_t>(k) >= schema->size())
      return side_error(side, "key column " + std::to_string(k) + " is not a column of (" +
                                  schema->to_string() + ")");
  }
  if (time_column >= 0) {
    if (static_cast<size_t>(time_column) >= schema->size() ||
        (schema->field(static_cast<size_t>(time_column)).type != DataType::kTimestamp &&
         schema->field(static_cast<size_t>(time_column)).type != DataType::kInt64))
      return side_error(side, "time column " + std::to_string(time_column) +
                                  " is not a timestamp column of (" + schema->to_string() + ")");
  }
  return side;
}

/// Sets each side's stored columns: what select and the residual read.
void mark_stored(const JoinConfig& config, JoinSide& left, JoinSide& right) {
  const size_t width = left.payload.size() + right.payload.size();
  std::vector<bool> read(width, config.select.empty());
  auto reads = [&](const std::shared_ptr<const CompiledExpr>& e) {
    if (e)
      for (int c : e->used_columns())
        if (c >= 0 && static_cast<size_t>(c) < width) read[static_cast<size_t>(c)] = true;
  };
  for (const auto& e : config.select) reads(e);
  reads(config.residual);
  size_t at = 0;
  for (JoinSide* side : {&left, &right}) {
    side->stored.clear();
    side->stored_columns.clear();
    for (size_t i = 0; i < side->payload.size(); ++i, ++at) {
      if (!read[at]) continue;
      side->stored.push_back(static_cast<int>(i));
      side->stored_columns.push_back(side->payload[i]);
    }
  }
}

}  // namespace

Result<std::pair<JoinSide, JoinSide>> join_sides(const JoinConfig& config) {
  const bool timed = config.kind == JoinKind::kInterval || config.kind == JoinKind::kWindow;
  EDDY_ASSIGN_OR_RETURN(JoinSide left, make_side(kLeftInput, config.left_schema, config.left_updating,
                                                 config.left_keys, timed ? config.left_time_column : -1));
  EDDY_ASSIGN_OR_RETURN(JoinSide right, make_side(kRightInput, config.right_schema, config.right_updating,
                                                  config.right_keys, timed ? config.right_time_column : -1));
  if (timed && (left.time_column < 0 || right.time_column < 0))
    return Status::invalid(std::string("a ") + join_kind_name(config.kind) +
                           " join needs a time column on both inputs");
  if (left.keys.empty() || left.keys.size() != right.keys.size())
    return Status::invalid("a join needs as many left as right key columns, at least one");
  const bool lookup = config.kind == JoinKind::kLookup;
  if (lookup && (config.left_key_exprs.size() != left.keys.size() || config.right_updating))
    return Status::invalid("lookup join: one left key expression (or null) per key, and a table that is no changelog");
  for (size_t i = 0; i < left.keys.size(); ++i) {
    const bool computed = left.keys[i] == kComputedKey;
    if (computed != (lookup && config.left_key_exprs[i] != nullptr))
      return Status::invalid("join: left key " + std::to_string(i) + " must be a column or, in a lookup join, an expression");
    const DataType l = computed ? config.left_key_exprs[i]->type()
                                : left.schema->field(static_cast<size_t>(left.keys[i])).type;
    const DataType r = right.schema->field(static_cast<size_t>(right.keys[i])).type;
    if (l != r)
      return Status::type_error("join key " + std::to_string(i) + " has type " + type_name(l) +
                                " on the left and " + type_name(r) +
                                " on the right; the planner must cast one side");
  }
  left.outer = config.type == JoinType::kLeft || config.type == JoinType::kFull;
  right.outer = config.type == JoinType::kRight || config.type == JoinType::kFull;
  const size_t joined = left.payload.size() + right.payload.size();
  if (!config.joined_schema || config.joined_schema->size() != joined)
    return Status::invalid("join: joined_schema must hold every left then every right column");
  size_t at = 0;
  for (const JoinSide* side : {&left, &right})
    for (int c : side->payload)
      if (config.joined_schema->field(at++).type != side->schema->field(static_cast<size_t>(c)).type)
        return Status::invalid("join: joined_schema (" + config.joined_schema->to_string() +
                               ") does not have the types of the inputs' columns");
  mark_stored(config, left, right);
  return std::make_pair(std::move(left), std::move(right));
}

void join_row_bytes(const JoinSide& side, const RecordBatch& batch, size_t row, std::string& out) {
  encode_key(batch, side.stored_columns, row, out);
}

void join_key_bytes(const JoinSide& side, const RecordBatch& batch, size_t row, std::string& out) {
  bool has_null = false;
  for (int k : side.keys) has_null = has_null || batch.columns[static_cast<size_t>(k)].is_null(row);
  out.assign(1, has_null ? '\1' : '\0');
  encode_key(batch, side.keys, row, out);
}

Result<RowChange> row_change(const JoinSide& side, const RecordBatch& batch, size_t row) {
  if (!side.updating) return RowChange::kAdd;
  const Column& op = batch.columns[0];
  const std::string_view v = op.is_null(row) ? std::string_view() : op.string_at(row);
  if (v == "+I" || v == "+U") return RowChange::kAdd;
  if (v == "-U" || v == "-D") return RowChange::kRetract;
  return Status::invalid("join input row has op '" + std::string(v) + "', not +I, -U, +U or -D");
}

}  // namespace eddy
