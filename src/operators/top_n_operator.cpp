// TopNOperator: a batch is grouped by partition (one state lookup per
// partition and batch); each row is ranked against its group and encoded only
// when it can enter. Windowed mode fires windows in end order from an
// in-memory index; keyed-stream mode diffs each touched partition's top n
// before and after the batch by arrival number.
#include "operators/top_n_operator.h"

#include <algorithm>
#include <numeric>

#include "core/key_groups.h"
#include "operators/changelog_rows.h"
#include "operators/keyed_operator_support.h"
#include "state/key_encoding.h"

namespace eddy {
namespace {

/// Rows per batch when windows fire: the engine's default batch size.
constexpr size_t kOutputBatchRows = 1024;

Status check_column(const char* what, int column, const Schema& in) {
  if (column < 0 || static_cast<size_t>(column) >= in.size())
    return Status::invalid(std::string("top-n ") + what + " " + std::to_string(column) +
                           " is not in the input (" + in.to_string() + ")");
  return Status::ok();
}

int64_t saturating_sub(int64_t a, int64_t b) {  // b >= 0
  return a < INT64_MIN + b ? INT64_MIN : a - b;
}

/// How equal order values rank: by row bytes in windowed mode (the result must
/// not depend on arrival); on a keyed stream by arrival, the later first when
/// the operator dedups keeping the last row (n = 1, a timestamp DESC).
TopNTies ties_for(const TopNConfig& c) {
  if (c.window_end_column >= 0) return TopNTies::kByRowBytes;
  const bool timestamp = c.input_schema && c.order_column >= 0 &&
                         static_cast<size_t>(c.order_column) < c.input_schema->size() &&
                         c.input_schema->field(static_cast<size_t>(c.order_column)).type == DataType::kTimestamp;
  return c.n == 1 && c.descending && timestamp && c.then_columns.empty() ? TopNTies::kLatestFirst : TopNTies::kByArrival;
}

}  // namespace

SchemaPtr top_n_output_schema(const SchemaPtr& input, int window_end_column, bool input_updating,
                              const std::string& rank_column) {
  if (window_end_column >= 0 || (input_updating && rank_column.empty())) return input;
  std::vector<Field> fields;
  if (!input_updating) fields.push_back({kOpColumn, DataType::kString});
  for (const Field& f : input->fields()) fields.push_back(f);
  if (!rank_column.empty()) fields.push_back({rank_column, DataType::kInt64});
  return std::make_shared<Schema>(std::move(fields));
}

Status TopNOperator::validate(const TopNConfig& config) {
  if (!config.input_schema || !config.output_schema)
    return Status::invalid("top-n config lacks its input or output schema");
  const Schema& in = *config.input_schema;
  if (config.n < 1) return Status::invalid("top-n needs n >= 1, not " + std::to_string(config.n));
  EDDY_RETURN_IF_ERROR(check_column("order column", config.order_column, in));
  if (config.then_columns.size() != config.then_descending.size())
    return Status::invalid("top-n: then_columns and then_descending differ in length");
  for (int c : config.then_columns) EDDY_RETURN_IF_ERROR(check_column("order column", c, in));
  const DataType order = in.field(static_cast<size_t>(config.order_column)).type;
  if (order == DataType::kBool)
    return Status::type_error(
        "top-n orders by an int64, float64, timestamp or string column, not bool");
  for (int p : config.partition_columns)
    EDDY_RETURN_IF_ERROR(check_column("partition column", p, in));
  if (config.window_end_column != -1) {
    EDDY_RETURN_IF_ERROR(check_column("window end column", config.window_end_column, in));
    const DataType t = in.field(static_cast<size_t>(config.window_end_column)).type;
    if (!is_integer_backed(t))
      return Status::type_error(
          std::string("the top-n window end column must be a timestamp, not ") + type_name(t));
  }
  if (config.allowed_lateness_ms < 0)
    return Status::invalid("top-n allowed_lateness must not be negative");
  if (config.input_updating && (config.window_end_column >= 0 || in.size() == 0 || in.field(0).name != kOpColumn ||
                                in.field(0).type != DataType::kString || config.order_column == 0))
    return Status::invalid("a top-n over an updating stream runs on a keyed stream whose first column, op, "
                           "is a string, and does not order by op");
  const SchemaPtr expected =
      top_n_output_schema(config.input_schema, config.window_end_column, config.input_updating, config.rank_column);
  if (!config.rank_column.empty() && config.window_end_column >= 0)
    return Status::invalid("top-n: a rank column is for a keyed stream's top-n, not a window's");
  return check_output_types(*expected, *config.output_schema, "top-n");
}

/// A composite order key ranks ascending: its bytes carry each column's direction.
static bool ranks_descending(const TopNConfig& c) { return c.then_columns.empty() && c.descending; }

TopNOperator::TopNOperator(TopNConfig config)
    : config_(std::move(config)),
      ranker_(config_.n, ranks_descending(config_), ties_for(config_)),
      all_ranker_(INT64_MAX, ranks_descending(config_), ties_for(config_)) {
  if (!config_.then_columns.empty()) {
    order_columns_.push_back(config_.order_column);
    order_descending_.push_back(config_.descending);
    order_columns_.insert(order_columns_.end(), config_.then_columns.begin(), config_.then_columns.end());
    order_descending_.insert(order_descending_.end(), config_.then_descending.begin(), config_.then_descending.end());
  }
}

void TopNOperator::read_order(const RecordBatch& batch, size_t row, TopNEntry& e) const {
  if (order_columns_.empty())
    TopNRanker::read_order(batch.columns[static_cast<size_t>(config_.order_column)], row, e);
  else
    TopNRanker::read_composite_order(batch, row, order_columns_, order_descending_, e);
}

Status TopNOperator::open(const OperatorContext& ctx) {
  EDDY_RETURN_IF_ERROR(validate(config_));
  EDDY_ASSIGN_OR_RETURN(const KeyGroupRange range, owned_key_groups(ctx));
  ctx_ = ctx;
  // Without partition columns the planner runs one subtask, which owns every
  // key group; the one partition lives in the first.
  global_key_group_ = range.start;
  EDDY_ASSIGN_OR_RETURN(backend_, host_keyed_state(ctx, range));
  groups_ = &backend_->value_state<TopNGroup>(kStateName);
  // An updating input's op is not part of a kept row: its rows are told apart by their values.
  const int first = config_.input_updating ? 1 : 0;
  all_columns_.resize(config_.input_schema->size() - static_cast<size_t>(first));
  std::iota(all_columns_.begin(), all_columns_.end(), first);
  builder_.emplace(config_.output_schema);
  out_columns_.resize(all_columns_.size());
  return Status::ok();
}

Status TopNOperator::check_key_group(int32_t kg) const {
  const KeyGroupRange range = backend_->key_groups();
  if (range.contains(kg)) return Status::ok();
  return Status::internal("a record of key group " + std::to_string(kg) + " reached subtask " +
                          std::to_string(ctx_.subtask_index) + ", which owns key groups " +
                          std::to_string(range.start) + ".." + std::to_string(range.end) +
                          ": the input is not partitioned by the top-n partition columns");
}

Status TopNOperator::append_row(const std::string& row, const char* op, int64_t rank) {
  // The builder's columns move out on finish(): bind them per row (cheap).
  // A changelog's op comes first, the row's columns after it, the rank last.
  const size_t first = op != nullptr ? 1 : 0;
  for (size_t c = 0; c < out_columns_.size(); ++c) out_columns_[c] = &builder_->column(first + c);
  EDDY_RETURN_IF_ERROR(decode_key(row, out_columns_));  // appends nothing on failure
  if (op != nullptr) builder_->column(0).append_string(op);
  if (!config_.rank_column.empty()) builder_->column(builder_->schema()->size() - 1).append_int(rank);
  builder_->commit_rows(1);
  return Status::ok();
}

Status TopNOperator::append_ranked_changes(const std::vector<TopNEntry>& before, const std::vector<TopNEntry>& after,
                                           size_t after_count) {
  auto position = [](const auto& rows, size_t count, uint64_t seq) -> size_t {
    for (size_t i = 0; i < count; ++i)
      if (rows[i].seq == seq) return i;
    return SIZE_MAX;
  };
  // A row that left, or whose rank changed, is taken back with its old rank;
  // then each row that came, or moved, is told with its new one.
  for (size_t i = 0; i < before.size(); ++i) {
    const size_t j = position(after, after_count, before[i].seq);
    if (j != i) EDDY_RETURN_IF_ERROR(append_row(before[i].row, j == SIZE_MAX ? kOpDelete : kOpUpdateBefore,
                                                static_cast<int64_t>(i) + 1));
  }
  for (size_t j = 0; j < after_count; ++j) {
    const size_t i = position(before, before.size(), after[j].seq);
    if (i != j) EDDY_RETURN_IF_ERROR(append_row(after[j].row, i == SIZE_MAX ? kOpInsert : kOpUpdateAfter,
                                                static_cast<int64_t>(j) + 1));
  }
  return Status::ok();
}

Status TopNOperator::process(const RecordBatchPtr& batch, Collector& out) {
  if (!backend_) return Status::internal("top-n: process() before open()");
  if (batch->num_rows == 0) return Status::ok();
  return windowed() ? process_windowed(*batch) : process_keyed(*batch, out);
}

Status TopNOperator::process_windowed(const RecordBatch& batch) {
  const Column& ends = batch.columns[static_cast<size_t>(config_.window_end_column)];
  const bool watermark_seen = watermark_ != kNoWatermark;
  accepted_.clear();
  for (size_t r = 0; r < batch.num_rows; ++r) {
    if (ends.is_null(r)) {
      ++skipped_records_;
    } else if (watermark_seen && ends.ints[r] <= fired_through_) {
      ++late_records_;  // its window fired already: a second result would contradict the first
    } else {
      accepted_.push_back(static_cast<uint32_t>(r));
    }
  }
  if (accepted_.empty()) return Status::ok();
  grouper_.group(batch, config_.partition_columns, ctx_.max_parallelism, global_key_group_,
                 accepted_.data(), accepted_.size());
  TopNEntry pushed_out;
  for (size_t g = 0; g < grouper_.num_groups(); ++g) {
    const int32_t kg = grouper_.key_group(g);
    EDDY_RETURN_IF_ERROR(check_key_group(kg));
    backend_->set_current_key(grouper_.key(g), kg);
    const uint32_t* rows = grouper_.rows(g);
    for (size_t k = 0; k < grouper_.row_count(g); ++k) {
      const uint32_t r = rows[k];
      const int64_t end = ends.ints[r];
      TopNGroup* group = groups_->get(end);
      if (group == nullptr) {
        group = &groups_->get_or_create(end);
        pending_[end].push_back(PartitionKey{kg, std::string(grouper_.key(g))});
        ++indexed_groups_;
      }
      read_order(batch, r, candidate_);
      if (!ranker_.may_enter(*group, candidate_)) continue;
      candidate_.row.clear();
      encode_key(batch, all_columns_, r, candidate_.row);
      // A row pushed out of a window's group can never return: it is dropped.
      (void)ranker_.offer(*group, std::move(candidate_), &pushed_out);
    }
  }
  return Status::ok();
}

Status TopNOperator::process_keyed(const RecordBatch& batch, Collector& out) {
  accepted_.resize(batch.num_rows);
  std::iota(accepted_.begin(), accepted_.end(), 0u);
  grouper_.group(batch, config_.partition_columns, ctx_.max_parallelism, global_key_group_,
                 accepted_.data(), accepted_.size());
  for (size_t g = 0; g < grouper_.num_groups(); ++g) {
    const int32_t kg = grouper_.key_group(g);
    EDDY_RETURN_IF_ERROR(check_key_group(kg));
    backend_->set_current_key(grouper_.key(g), kg);
    EDDY_RETURN_IF_ERROR(config_.input_updating ? retract_partition(batch, g) : update_partition(batch, g));
  }
  if (builder_->empty()) return Status::ok();
  return out.emit(builder_->finish());
}

Status TopNOperator::update_partition(const RecordBatch& batch, size_t g) {
  TopNGroup& group = groups_->get_or_create();
  const bool ranked = !config_.rank_column.empty();
  if (ranked) top_before_ = group.rows;
  // Rows from this batch get seq >= first_new: that is how the diff below
  // tells entering rows from those already reported.
  const uint64_t first_new = group.next_seq;
  pushed_out_.clear();
  TopNEntry pushed_out;
  const uint32_t* rows = grouper_.rows(g);
  for (size_t k = 0; k < grouper_.row_count(g); ++k) {
    const uint32_t r = rows[k];
    read_order(batch, r, candidate_);
    candidate_.seq = group.next_seq++;
    if (!ranker_.may_enter(group, candidate_)) continue;
    candidate_.row.clear();
    encode_key(batch, all_columns_, r, candidate_.row);
    if (ranker_.offer(group, std::move(candidate_), &pushed_out) ==
            TopNRanker::Offer::kEnteredPushingOut &&
        pushed_out.seq < first_new)  // reported before: retract it
      pushed_out_.push_back(std::move(pushed_out));
  }
  if (ranked) return append_ranked_changes(top_before_, group.rows, group.rows.size());
  gone_.clear();
  came_.clear();
  for (const TopNEntry& e : pushed_out_) gone_.push_back(&e);
  for (const TopNEntry& e : group.rows)
    if (e.seq >= first_new) came_.push_back(&e);
  return append_changes(gone_, came_);
}

Status TopNOperator::retract_partition(const RecordBatch& batch, size_t g) {
  const Column& ops = batch.columns[0];
  TopNGroup& group = groups_->get_or_create();
  const size_t n = static_cast<size_t>(config_.n);
  top_before_.assign(group.rows.begin(), group.rows.begin() + static_cast<std::ptrdiff_t>(std::min(n, group.rows.size())));
  TopNEntry unused;
  const uint32_t* rows = grouper_.rows(g);
  for (size_t k = 0; k < grouper_.row_count(g); ++k) {
    const uint32_t r = rows[k];
    candidate_.row.clear();
    encode_key(batch, all_columns_, r, candidate_.row);
    if (is_retraction(ops.string_at(r))) {
      // Takes back one live row with these values; one never seen is ignored, as in Flink.
      auto it = std::find_if(group.rows.begin(), group.rows.end(),
                             [&](const TopNEntry& e) { return e.row == candidate_.row; });
      if (it != group.rows.end()) group.rows.erase(it);
      continue;
    }
    read_order(batch, r, candidate_);
    candidate_.seq = group.next_seq++;
    (void)all_ranker_.offer(group, std::move(candidate_), &unused);
  }
  // The top n before and after, told apart by arrival number.
  const size_t top_after = std::min(n, group.rows.size());
  if (!config_.rank_column.empty()) {
    EDDY_RETURN_IF_ERROR(append_ranked_changes(top_before_, group.rows, top_after));
    if (group.rows.empty()) groups_->clear();
    return Status::ok();
  }
  auto in_after = [&](uint64_t seq) {
    for (size_t i = 0; i < top_after; ++i)
      if (group.rows[i].seq == seq) return true;
    return false;
  };
  auto in_before = [&](uint64_t seq) {
    for (const TopNEntry& e : top_before_)
      if (e.seq == seq) return true;
    return false;
  };
  gone_.clear();
  came_.clear();
  for (const TopNEntry& e : top_before_)
    if (!in_after(e.seq)) gone_.push_back(&e);
  for (size_t i = 0; i < top_after; ++i)
    if (!in_before(group.rows[i].seq)) came_.push_back(&group.rows[i]);
  EDDY_RETURN_IF_ERROR(append_changes(gone_, came_));
  if (group.rows.empty()) groups_->clear();  // a partition without rows costs no state
  return Status::ok();
}

Status TopNOperator::append_changes(const std::vector<const TopNEntry*>& gone,
                                    const std::vector<const TopNEntry*>& came) {
  if (config_.n == 1 && gone.size() == 1 && came.size() == 1) {
    EDDY_RETURN_IF_ERROR(append_row(gone[0]->row, kOpUpdateBefore));
    return append_row(came[0]->row, kOpUpdateAfter);
  }
  // Retractions first, as a changelog consumer expects, then the new rows in rank order.
  for (const TopNEntry* e : gone) EDDY_RETURN_IF_ERROR(append_row(e->row, kOpDelete));
  for (const TopNEntry* e : came) EDDY_RETURN_IF_ERROR(append_row(e->row, kOpInsert));
  return Status::ok();
}

Status TopNOperator::fire_through(int64_t through, Collector& out) {
  // Groups are created and dropped together with their index entries; only a
  // restore of key groups changes state behind the index's back.
  if (groups_->size() != indexed_groups_) rebuild_window_index();
  while (!pending_.empty() && pending_.begin()->first <= through) {
    const int64_t end = pending_.begin()->first;
    const std::vector<PartitionKey> keys = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    indexed_groups_ -= keys.size();
    for (const PartitionKey& p : keys) {
      backend_->set_current_key(p.key, p.key_group);
      const TopNGroup* group = groups_->get(end);
      if (group == nullptr) continue;
      for (const TopNEntry& e : group->rows) EDDY_RETURN_IF_ERROR(append_row(e.row, nullptr));
      ++windows_fired_;
      groups_->clear(end);
      if (builder_->num_rows() >= kOutputBatchRows)
        EDDY_RETURN_IF_ERROR(out.emit(builder_->finish()));
    }
  }
  if (builder_->empty()) return Status::ok();
  return out.emit(builder_->finish());
}

Status TopNOperator::on_watermark(int64_t watermark_ms, Collector& out) {
  if (!backend_) return Status::internal("top-n: on_watermark() before open()");
  if (!windowed() || watermark_ms <= watermark_) return Status::ok();
  watermark_ = watermark_ms;
  fired_through_ = watermark_ms == kEndOfTimeWatermark
                       ? INT64_MAX
                       : saturating_sub(watermark_ms, config_.allowed_lateness_ms);
  return fire_through(fired_through_, out);
}

Status TopNOperator::finish(Collector& out) {
  if (!backend_) return Status::internal("top-n: finish() before open()");
  if (!windowed()) return Status::ok();
  watermark_ = kEndOfTimeWatermark;
  fired_through_ = INT64_MAX;
  return fire_through(INT64_MAX, out);
}

void TopNOperator::rebuild_window_index() {
  pending_.clear();
  indexed_groups_ = 0;
  if (!backend_ || !windowed()) return;
  groups_->for_each([this](int32_t kg, const std::string& key, int64_t end, TopNGroup&) {
    pending_[end].push_back(PartitionKey{kg, key});
    ++indexed_groups_;
  });
}

Status TopNOperator::on_state_restored() {
  if (!backend_) return Status::internal("top-n: on_state_restored() before open()");
  rebuild_window_index();
  // On the heap the restored groups are in memory: check them now. (Rows of
  // another schema fail to decode when emitted, with an error, on either backend.)
  if (backend_->is_rocksdb()) return Status::ok();
  Status shape;
  groups_->for_each([&](int32_t, const std::string&, int64_t, TopNGroup& g) {
    if (shape.is_ok()) shape = check_restored(g);
  });
  if (shape.is_ok()) return shape;
  return Status::invalid("operator '" + ctx_.operator_name + "' cannot use the state it restored: " + shape.message());
}

Status TopNOperator::check_restored(const TopNGroup& g) const {
  // Over an updating input a partition keeps every live row, not n.
  if (!config_.input_updating && static_cast<int64_t>(g.rows.size()) > config_.n)
    return Status::invalid("a group holds " + std::to_string(g.rows.size()) + " rows, more than n = " +
                           std::to_string(config_.n) + ": it was taken by a top_n with a larger n");
  const DataType t = config_.input_schema->field(static_cast<size_t>(config_.order_column)).type;
  const TopNOrderKind want = !order_columns_.empty()   ? TopNOrderKind::kString
                             : t == DataType::kFloat64  ? TopNOrderKind::kDouble
                             : t == DataType::kString ? TopNOrderKind::kString
                                                      : TopNOrderKind::kInt;
  for (const TopNEntry& e : g.rows)
    if (e.order_kind != static_cast<uint8_t>(TopNOrderKind::kNull) && e.order_kind != static_cast<uint8_t>(want))
      return Status::invalid("a kept row is ordered by a value of another type than the order_by column (" +
                             std::string(type_name(t)) + "): it was taken by a top_n ordered by another column");
  return Status::ok();
}

OperatorCounters TopNOperator::counters() const {
  OperatorCounters c;
  c.keys_in_state = backend_ ? backend_->key_count() : 0;
  c.windows_fired = windows_fired_;
  c.late_records = late_records_;
  c.skipped_records = skipped_records_;
  return c;
}

}  // namespace eddy
