// JoinOutput: decodes row bytes into joined columns, evaluates the residual
// and select vectorized, and adds the op, event-time and window columns.
#include "operators/join_output.h"

#include "state/key_encoding.h"

namespace eddy {

JoinOutput::JoinOutput(std::shared_ptr<const JoinConfig> config, const JoinSide& left,
                       const JoinSide& right)
    : config_(std::move(config)) {
  size_t first = 0;
  for (const JoinSide* side : {&left, &right}) {
    const int s = side == &left ? 0 : 1;
    std::vector<bool> kept(side->payload.size(), false);
    for (int i : side->stored) kept[static_cast<size_t>(i)] = true;
    for (size_t i = 0; i < kept.size(); ++i) (kept[i] ? stored_[s] : unread_[s]).push_back(first + i);
    first += side->payload.size();
  }
}

Status JoinOutput::check() const {
  const JoinConfig& c = *config_;
  std::vector<Field> produced;
  if (c.output_updating) produced.push_back({"op", DataType::kString});
  if (c.select.empty()) {
    for (size_t i = 0; i < c.joined_schema->size(); ++i) produced.push_back(c.joined_schema->field(i));
  } else {
    for (const auto& e : c.select) {
      if (!e) return Status::invalid("join: a select expression is missing");
      produced.push_back({"", e->type()});
    }
  }
  if (c.kind == JoinKind::kWindow) {
    produced.push_back({"window_start", DataType::kTimestamp});
    produced.push_back({"window_end", DataType::kTimestamp});
  }
  if (c.residual && c.residual->type() != DataType::kBool)
    return Status::type_error("join: the residual condition is not boolean");
  bool same = c.output_schema && c.output_schema->size() == produced.size();
  for (size_t i = 0; same && i < produced.size(); ++i)
    same = c.output_schema->field(i).type == produced[i].type;
  if (!same)
    return Status::invalid("join: output_schema (" + (c.output_schema ? c.output_schema->to_string() : "none") +
                           ") does not have the types of what the join makes (" +
                           Schema(produced).to_string() + ")");
  if (c.output_time_column >= 0) {
    const auto t = static_cast<size_t>(c.output_time_column);
    if (c.kind != JoinKind::kInterval || t >= produced.size() ||
        (produced[t].type != DataType::kTimestamp && produced[t].type != DataType::kInt64))
      return Status::invalid("join: output_time_column " + std::to_string(t) +
                             " is not a time column of an interval join's output");
  }
  return Status::ok();
}

Result<std::shared_ptr<RecordBatch>> JoinOutput::joined(const RowArena& rows,
                                                        const std::vector<JoinPair>& pairs) const {
  BatchBuilder b(config_->joined_schema);
  const size_t width = config_->joined_schema->size();
  for (size_t c = 0; c < width; ++c) b.column(c).reserve(pairs.size());
  std::vector<Column*> stored[2], unread[2];
  for (int s : {0, 1}) {
    for (size_t c : stored_[s]) stored[s].push_back(&b.column(c));
    for (size_t c : unread_[s]) unread[s].push_back(&b.column(c));
  }
  for (const JoinPair& p : pairs) {
    for (int s : {0, 1}) {
      const uint32_t id = s == 0 ? p.left : p.right;
      if (id == RowArena::kNull) {
        for (Column* col : stored[s]) col->append_null();
      } else {
        EDDY_RETURN_IF_ERROR(decode_key(rows.get(id), stored[s]));
      }
    }
  }
  for (int s : {0, 1})  // nobody reads them: NULL throughout
    for (Column* col : unread[s])
      for (size_t i = 0; i < pairs.size(); ++i) col->append_null();
  b.commit_rows(pairs.size());
  return b.finish();
}

Status JoinOutput::residual(const RowArena& rows, const std::vector<JoinPair>& pairs,
                            std::vector<uint8_t>& pass) const {
  pass.assign(pairs.size(), 1);
  if (!config_->residual || pairs.empty()) return Status::ok();
  EDDY_ASSIGN_OR_RETURN(std::shared_ptr<RecordBatch> batch, joined(rows, pairs));
  std::vector<uint32_t> hold;
  EDDY_RETURN_IF_ERROR(config_->residual->select_true(*batch, hold));
  pass.assign(pairs.size(), 0);
  for (uint32_t r : hold) pass[r] = 1;
  return Status::ok();
}

Status JoinOutput::emit(const RowArena& rows, const std::vector<JoinPair>& pairs,
                        Collector& out) const {
  if (pairs.empty()) return Status::ok();
  const JoinConfig& c = *config_;
  EDDY_ASSIGN_OR_RETURN(std::shared_ptr<RecordBatch> joined_rows, joined(rows, pairs));
  auto result = std::make_shared<RecordBatch>();
  result->schema = c.output_schema;
  result->num_rows = pairs.size();
  if (c.output_updating) {
    Column op(DataType::kString);
    for (const JoinPair& p : pairs) op.append_string(p.retract ? "-D" : "+I");
    result->columns.push_back(std::move(op));
  }
  if (c.select.empty()) {
    for (Column& col : joined_rows->columns) result->columns.push_back(std::move(col));
  } else {
    EDDY_ASSIGN_OR_RETURN(std::vector<Column> selected, select(*joined_rows));
    for (Column& col : selected) result->columns.push_back(std::move(col));
  }
  if (c.output_time_column >= 0) {  // the larger of the pair's times
    Column& t = result->columns[static_cast<size_t>(c.output_time_column)];
    Column times(t.type());
    for (const JoinPair& p : pairs) times.append_int(p.time);
    t = std::move(times);
  }
  if (c.kind == JoinKind::kWindow) {
    Column start(DataType::kTimestamp), end(DataType::kTimestamp);
    for (const JoinPair& p : pairs) {
      start.append_int(p.window_end - c.window.size_ms);
      end.append_int(p.window_end);
    }
    result->columns.push_back(std::move(start));
    result->columns.push_back(std::move(end));
  }
  return out.emit(std::move(result));
}

/// The select expressions over `joined`. Bare column references take their
/// column (moved on its last use, copied before) once every computed
/// expression has read `joined`: copying whole string columns showed in profiles.
Result<std::vector<Column>> JoinOutput::select(RecordBatch& joined) const {
  const auto& exprs = config_->select;
  std::vector<Column> cols(exprs.size());
  std::vector<int> uses(joined.columns.size(), 0);
  auto ref_of = [&](size_t i) {
    const int ref = exprs[i]->column_ref_index();
    return ref >= 0 && static_cast<size_t>(ref) < joined.columns.size() ? ref : -1;
  };
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (const int ref = ref_of(i); ref >= 0) {
      ++uses[static_cast<size_t>(ref)];
    } else {
      EDDY_ASSIGN_OR_RETURN(cols[i], exprs[i]->evaluate(joined));
    }
  }
  for (size_t i = 0; i < exprs.size(); ++i) {
    const int ref = ref_of(i);
    if (ref < 0) continue;
    Column& from = joined.columns[static_cast<size_t>(ref)];
    if (--uses[static_cast<size_t>(ref)] == 0) {
      cols[i] = std::move(from);
    } else {
      cols[i] = from;
    }
  }
  return cols;
}

}  // namespace eddy
