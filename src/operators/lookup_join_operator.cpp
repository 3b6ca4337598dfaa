// LookupJoinOperator (lookup_join_operator.h).
#include "operators/lookup_join_operator.h"

#include <algorithm>

#include "connectors/bounded_table.h"
#include "operators/lookup_keys.h"
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
  return lookup_left_keys(*config_, left_, batch, keys_);
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
