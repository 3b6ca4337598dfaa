// LookupJoinOperator (lookup_join_operator.h).
#include "operators/lookup_join_operator.h"

#include <algorithm>

#include "connectors/bounded_table.h"
#include "state/key_encoding.h"

namespace eddy {

LookupJoinOperator::LookupJoinOperator(std::shared_ptr<const JoinConfig> config) : config_(std::move(config)) {}

Status LookupJoinOperator::open(const OperatorContext& ctx) {
  if (!config_ || config_->kind != JoinKind::kLookup) return Status::invalid("lookup join: config is not a lookup join");
  if (config_->type != JoinType::kInner && config_->type != JoinType::kLeft)
    return Status::invalid("lookup join: only inner and left lookup joins exist");
  EDDY_ASSIGN_OR_RETURN(auto sides, join_sides(*config_));
  left_ = std::move(sides.first);
  right_ = std::move(sides.second);
  output_ = std::make_unique<JoinOutput>(config_, left_, right_);
  EDDY_RETURN_IF_ERROR(output_->check());
  return load_table();
}

Status LookupJoinOperator::load_table() {
  EDDY_ASSIGN_OR_RETURN(std::vector<RecordBatchPtr> batches, read_bounded_table(config_->lookup_table, &skipped_));
  std::string key;
  for (const RecordBatchPtr& b : batches) {
    if (b->schema->to_string() != right_.schema->to_string())
      return Status::invalid("lookup join: the table '" + config_->lookup_table.path + "' reads (" +
                             b->schema->to_string() + "), not (" + right_.schema->to_string() + ")");
    for (size_t r = 0; r < b->num_rows; ++r) {
      join_key_bytes(right_, *b, r, key);
      if (join_key_has_null(key)) continue;  // matches nothing
      bytes_.clear();
      join_row_bytes(right_, *b, r, bytes_);
      index_[key].push_back(table_.add(bytes_));
    }
  }
  return Status::ok();
}

Status LookupJoinOperator::left_keys(const RecordBatch& batch) {
  keys_.resize(batch.num_rows);
  if (config_->left_key_exprs.empty() ||
      std::all_of(config_->left_key_exprs.begin(), config_->left_key_exprs.end(), [](const auto& e) { return !e; })) {
    for (size_t r = 0; r < batch.num_rows; ++r) join_key_bytes(left_, batch, r, keys_[r]);
    return Status::ok();
  }
  // The key columns, computed or taken, as a batch of their own.
  RecordBatch keys;
  keys.num_rows = batch.num_rows;
  std::vector<int> all;
  for (size_t i = 0; i < left_.keys.size(); ++i) {
    const auto& e = config_->left_key_exprs[i];
    if (e) {
      EDDY_ASSIGN_OR_RETURN(Column c, e->evaluate(batch));
      keys.columns.push_back(std::move(c));
    } else {
      keys.columns.push_back(batch.columns[static_cast<size_t>(left_.keys[i])]);
    }
    all.push_back(static_cast<int>(i));
  }
  for (size_t r = 0; r < batch.num_rows; ++r) {
    bool has_null = false;
    for (const Column& c : keys.columns) has_null = has_null || c.is_null(r);
    keys_[r].assign(1, has_null ? '\1' : '\0');
    encode_key(keys, all, r, keys_[r]);
  }
  return Status::ok();
}

Status LookupJoinOperator::process(const RecordBatchPtr& batch, Collector& out) {
  if (batch->num_rows == 0) return Status::ok();
  EDDY_RETURN_IF_ERROR(left_keys(*batch));
  arena_.clear();
  candidates_.clear();
  owner_.clear();
  std::vector<uint32_t> probe(batch->num_rows);
  std::vector<bool> retract(batch->num_rows);
  for (size_t r = 0; r < batch->num_rows; ++r) {
    EDDY_ASSIGN_OR_RETURN(RowChange change, row_change(left_, *batch, r));
    retract[r] = change == RowChange::kRetract;
    bytes_.clear();
    join_row_bytes(left_, *batch, r, bytes_);
    probe[r] = arena_.add(bytes_);
    if (join_key_has_null(keys_[r])) continue;
    auto hit = index_.find(keys_[r]);
    if (hit == index_.end()) continue;
    for (uint32_t id : hit->second) {
      candidates_.push_back({probe[r], arena_.refer(table_.get(id)), retract[r], 0, 0});
      owner_.push_back(static_cast<uint32_t>(r));
    }
  }
  EDDY_RETURN_IF_ERROR(output_->residual(arena_, candidates_, pass_));
  // In input order: each row's passing pairs, or its NULL-padded row (left join).
  out_.clear();
  const bool pad = config_->type == JoinType::kLeft;
  size_t c = 0;
  for (size_t r = 0; r < batch->num_rows; ++r) {
    bool matched = false;
    for (; c < candidates_.size() && owner_[c] == r; ++c)
      if (pass_[c]) {
        out_.push_back(candidates_[c]);
        matched = true;
      }
    if (!matched && pad) out_.push_back({probe[r], RowArena::kNull, retract[r], 0, 0});
  }
  return output_->emit(arena_, out_, out);
}

OperatorCounters LookupJoinOperator::counters() const {
  OperatorCounters c;
  c.skipped_records = skipped_;
  return c;
}

}  // namespace eddy
