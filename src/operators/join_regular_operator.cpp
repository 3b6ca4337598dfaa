// RegularJoinOperator: a batch is processed in two passes. The first finds
// every row's candidate partners (same join key, other input) and evaluates
// the residual over all candidates at once; the second applies the rows in
// order, emitting joined, retracted and NULL-padded rows as Flink does.
#include "operators/join_regular_operator.h"

#include "operators/join_operators.h"
#include "state/key_encoding.h"

namespace eddy {

RegularJoinOperator::RegularJoinOperator(std::shared_ptr<const JoinConfig> config)
    : config_(std::move(config)) {}

Status RegularJoinOperator::open(const OperatorContext& ctx) {
  ctx_ = ctx;
  EDDY_ASSIGN_OR_RETURN(auto sides, join_sides(*config_));
  left_ = std::move(sides.first);
  right_ = std::move(sides.second);
  output_ = std::make_unique<JoinOutput>(config_, left_, right_);
  EDDY_RETURN_IF_ERROR(output_->check());
  const bool appends_only = config_->type == JoinType::kInner && !left_.updating && !right_.updating;
  if (!appends_only && !config_->output_updating)
    return Status::invalid("join: an outer join or an updating input makes an updating output");
  if (config_->state_ttl_ms < 0) return Status::invalid("join: state_ttl must not be negative");
  EDDY_ASSIGN_OR_RETURN(backend_, join_keyed_state(ctx, owned_backend_));
  left_rows_ = &backend_->map_state<std::string, JoinRowEntry>(kLeftState, Namespaces::kZeroOnly);
  right_rows_ = &backend_->map_state<std::string, JoinRowEntry>(kRightState, Namespaces::kZeroOnly);
  return Status::ok();
}

Status RegularJoinOperator::process(const RecordBatchPtr& batch, Collector& out) {
  return Status::internal("a join reads two inputs: process_input, not process");
}

JoinPair RegularJoinOperator::pair(bool own_left, uint32_t own, uint32_t other, bool retract) const {
  JoinPair p;
  p.left = own_left ? own : other;
  p.right = own_left ? other : own;
  p.retract = retract;
  return p;
}

Status RegularJoinOperator::collect(const JoinSide& own, const RecordBatch& batch, Rows& other_rows) {
  const bool own_left = own.input == kLeftInput;
  for (size_t r = 0; r < batch.num_rows; ++r) {
    Probe p;
    EDDY_ASSIGN_OR_RETURN(p.change, row_change(own, batch, r));
    bytes_.clear();
    join_row_bytes(own, batch, r, bytes_);
    p.row = arena_.add(bytes_);
    p.first = static_cast<uint32_t>(candidates_.size());
    join_key_bytes(own, batch, r, keys_[r]);
    if (!join_key_has_null(keys_[r])) {
      p.key_group = key_group_of_row(batch, own.keys, r, backend_->max_parallelism());
      backend_->set_current_key(keys_[r], p.key_group);
      const bool stays = other_rows.values_stay_put();  // this batch changes only own_rows
      other_rows.for_each_entry([&](const std::string& row, JoinRowEntry&) {
        candidates_.push_back(pair(own_left, p.row, stays ? arena_.refer(row) : arena_.add(row), false));
      });
    }
    p.end = static_cast<uint32_t>(candidates_.size());
    probes_.push_back(p);
  }
  return output_->residual(arena_, candidates_, pass_);
}

Status RegularJoinOperator::process_input(int input, const RecordBatchPtr& batch, Collector& out) {
  if (backend_ == nullptr) return Status::internal("join: process_input() before open()");
  if (input != kLeftInput && input != kRightInput)
    return Status::internal("join: no input " + std::to_string(input));
  const bool own_left = input == kLeftInput;
  Rows& own_rows = own_left ? *left_rows_ : *right_rows_;
  Rows& other_rows = own_left ? *right_rows_ : *left_rows_;
  arena_.clear();
  probes_.clear();
  candidates_.clear();
  out_.clear();
  keys_.resize(std::max(keys_.size(), batch->num_rows));
  EDDY_RETURN_IF_ERROR(collect(own_left ? left_ : right_, *batch, other_rows));
  for (size_t i = 0; i < probes_.size(); ++i) {
    if (probes_[i].key_group >= 0) backend_->set_current_key(keys_[i], probes_[i].key_group);
    apply(probes_[i], own_left, own_rows, other_rows);
  }
  EDDY_RETURN_IF_ERROR(backend_->io_status());
  if (config_->state_ttl_ms > 0) schedule_cleanup(ctx_.timers->now_ms() + config_->state_ttl_ms);
  return output_->emit(arena_, out_, out);
}

/// One row's effect, with the current key set to its join key (unless NULL).
void RegularJoinOperator::apply(const Probe& p, bool own_left, Rows& own_rows, Rows& other_rows) {
  const JoinSide& own = own_left ? left_ : right_;
  const JoinSide& other = own_left ? right_ : left_;
  const bool retract = p.change == RowChange::kRetract;
  if (p.key_group < 0) {  // a NULL key joins nothing, but an outer side still shows it
    if (own.outer) out_.push_back(pair(own_left, p.row, RowArena::kNull, retract));
    return;
  }
  const int64_t now = config_->state_ttl_ms > 0 ? ctx_.timers->now_ms() : 0;
  int64_t total = 0;  // partners, with multiplicity
  if (own.outer) {  // its padded row comes before its pairs, so count them first
    for (uint32_t c = p.first; c < p.end; ++c)
      if (pass_[c])
        if (const JoinRowEntry* e = find(other_rows, own_left ? candidates_[c].right : candidates_[c].left))
          total += e->count;
    if (total == 0) out_.push_back(pair(own_left, p.row, RowArena::kNull, retract));
  }
  for (uint32_t c = p.first; c < p.end; ++c) {
    if (!pass_[c]) continue;
    const uint32_t other_id = own_left ? candidates_[c].right : candidates_[c].left;
    JoinRowEntry* e = find(other_rows, other_id);
    if (e == nullptr) continue;
    if (!own.outer) total += e->count;
    // e->matches counts the partners of each copy: every copy of a row that
    // gets its first partner retracts its padded row, and gets it back with its last.
    if (!retract && other.outer && e->matches++ == 0)
      for (int64_t k = 0; k < e->count; ++k) out_.push_back(pair(own_left, RowArena::kNull, other_id, true));
    for (int64_t k = 0; k < e->count; ++k) out_.push_back(pair(own_left, p.row, other_id, retract));
    if (retract && other.outer && e->matches > 0 && --e->matches == 0)
      for (int64_t k = 0; k < e->count; ++k) out_.push_back(pair(own_left, RowArena::kNull, other_id, false));
    if (config_->state_ttl_ms > 0) e->touched_ms = now;
  }
  JoinRowEntry* mine = find(own_rows, p.row);
  if (!retract) {
    if (mine == nullptr) {
      own_rows.put(lookup_, JoinRowEntry{1, total, now});
    } else {
      ++mine->count;
      mine->matches = total;
      mine->touched_ms = now;
    }
  } else if (mine != nullptr && --mine->count <= 0) {
    own_rows.remove(lookup_);
  }
}

/// The entry of arena row `id` in `rows` under the current key; lookup_ then
/// holds the row's bytes (a buffer reused, so a probe allocates nothing).
JoinRowEntry* RegularJoinOperator::find(Rows& rows, uint32_t id) {
  lookup_.assign(arena_.get(id));
  return rows.get(lookup_);
}

void RegularJoinOperator::schedule_cleanup(int64_t at) {
  if (cleanup_at_ <= at && cleanup_at_ != INT64_MAX) return;  // an earlier timer will look
  cleanup_at_ = at;
  ctx_.timers->register_processing_timer(at);
}

Status RegularJoinOperator::on_processing_time(int64_t now_ms, Collector& out) {
  if (config_->state_ttl_ms <= 0 || backend_ == nullptr || now_ms < cleanup_at_) return Status::ok();
  cleanup_at_ = INT64_MAX;
  const int64_t ttl = config_->state_ttl_ms;
  int64_t oldest = INT64_MAX;  // of the rows that stay
  auto expire = [&](int32_t, const std::string&, int64_t, Rows::Map& rows) {
    for (auto it = rows.begin(); it != rows.end();) {
      if (it->second.touched_ms + ttl <= now_ms) {
        it = rows.erase(it);
      } else {
        oldest = std::min(oldest, it->second.touched_ms);
        ++it;
      }
    }
    return rows.empty();
  };
  left_rows_->remove_if(expire);
  right_rows_->remove_if(expire);
  if (oldest != INT64_MAX) schedule_cleanup(oldest + ttl);
  return backend_->io_status();
}

OperatorCounters RegularJoinOperator::counters() const {
  OperatorCounters c;
  if (backend_ != nullptr) c.keys_in_state = backend_->key_count();
  return c;
}

}  // namespace eddy
