// KeyedAggregateOperator: a batch is grouped by key (one state lookup per
// distinct key), each group updates its key's accumulators, and the key's
// changes go out right away: the old row (-U) is written before the update and
// the new one (+U) after, and both are dropped again when they are equal.
#include "operators/keyed_aggregate_operator.h"

#include <numeric>
#include <string>

#include "core/key_groups.h"
#include "operators/changelog_rows.h"
#include "operators/keyed_operator_support.h"
#include "state/key_encoding.h"

namespace eddy {
SchemaPtr keyed_aggregate_output_schema(const Schema& input, const std::vector<int>& keys,
                                        const std::vector<AggregateSpec>& aggs) {
  std::vector<Field> fields;
  fields.push_back({kOpColumn, DataType::kString});
  for (int k : keys) fields.push_back(input.field(static_cast<size_t>(k)));
  for (const AggregateSpec& a : aggs) fields.push_back({a.output, a.output_type});
  return std::make_shared<Schema>(std::move(fields));
}

Status KeyedAggregateOperator::validate(const KeyedAggregateConfig& config) {
  if (!config.input_schema || !config.output_schema)
    return Status::invalid("keyed aggregate config lacks its input or output schema");
  const Schema& in = *config.input_schema;
  EDDY_RETURN_IF_ERROR(check_columns_in(config.key_columns, in, "key column"));
  EDDY_RETURN_IF_ERROR(AggregateEvaluator::validate(config.aggregates, in));
  if (config.input_updating &&
      (in.size() == 0 || in.field(0).name != kOpColumn || in.field(0).type != DataType::kString))
    return Status::invalid("a keyed aggregate over an updating stream needs its first column, op, to be a string");
  const SchemaPtr expected =
      keyed_aggregate_output_schema(in, config.key_columns, config.aggregates);
  return check_output_types(*expected, *config.output_schema, "keyed aggregate");
}

KeyedAggregateOperator::KeyedAggregateOperator(KeyedAggregateConfig config)
    : config_(std::move(config)),
      aggregates_(config_.aggregates, config_.input_updating ? Retraction::kSupported : Retraction::kNone) {}

Status KeyedAggregateOperator::open(const OperatorContext& ctx) {
  EDDY_RETURN_IF_ERROR(validate(config_));
  EDDY_ASSIGN_OR_RETURN(const KeyGroupRange range, owned_key_groups(ctx));
  ctx_ = ctx;
  // Without key columns the planner runs one subtask, which owns every key
  // group; the one key lives in the first (as in WindowAggregateOperator).
  global_key_group_ = range.start;
  EDDY_ASSIGN_OR_RETURN(backend_, host_keyed_state(ctx, range));
  accumulators_ = &backend_->value_state<WindowAccumulator>(kStateName, Namespaces::kZeroOnly);
  return Status::ok();
}

Status KeyedAggregateOperator::process(const RecordBatchPtr& batch, Collector& out) {
  if (!backend_) return Status::internal("keyed aggregate: process() before open()");
  const size_t n = batch->num_rows;
  if (n == 0) return Status::ok();
  EDDY_RETURN_IF_ERROR(aggregates_.evaluate_filters(*batch));
  all_rows_.resize(n);
  std::iota(all_rows_.begin(), all_rows_.end(), 0u);
  grouper_.group(*batch, config_.key_columns, ctx_.max_parallelism, global_key_group_,
                 all_rows_.data(), n);

  BatchBuilder builder(config_.output_schema);
  for (size_t c = 0; c < builder.schema()->size(); ++c)
    builder.column(c).reserve(grouper_.num_groups());
  const KeyGroupRange range = backend_->key_groups();
  for (size_t g = 0; g < grouper_.num_groups(); ++g) {
    const int32_t kg = grouper_.key_group(g);
    if (!range.contains(kg))
      return Status::internal("a record of key group " + std::to_string(kg) + " reached subtask " +
                              std::to_string(ctx_.subtask_index) + ", which owns key groups " +
                              std::to_string(range.start) + ".." + std::to_string(range.end) +
                              ": the input is not partitioned by the aggregate's key");
    backend_->set_current_key(grouper_.key(g), kg);
    EDDY_RETURN_IF_ERROR(update_key(*batch, g, builder));
  }
  if (builder.empty()) return Status::ok();
  return out.emit(builder.finish());
}

Status KeyedAggregateOperator::update_key(const RecordBatch& batch, size_t g, BatchBuilder& builder) {
  // An append-only input's rows all add; an updating one's split by their op.
  const uint32_t* add_rows = grouper_.rows(g);
  size_t add_count = grouper_.row_count(g);
  retracts_.clear();
  if (config_.input_updating) {
    const Column& ops = batch.columns[0];
    adds_.clear();
    for (size_t k = 0; k < add_count; ++k)
      (is_retraction(ops.string_at(add_rows[k])) ? retracts_ : adds_).push_back(add_rows[k]);
    add_rows = adds_.data();
    add_count = adds_.size();
  }
  WindowAccumulator* acc = accumulators_->get();
  // A key holds state exactly when its row was emitted and not deleted since.
  const bool existed = acc != nullptr;
  // The accumulator's states: one per aggregate, and the live row count when retracting.
  const size_t states = config_.aggregates.size() + (config_.input_updating ? 1 : 0);
  if (existed && acc->aggregates.size() != states)
    // Restored state of another aggregate list that the restore did not scan (RocksDB).
    return restored_state_error(aggregates_.check_restored(*acc));
  if (config_.input_updating) {
    // As Flink: a group whose rows were all retracted is deleted (-D with its
    // last row); retractions of a group never seen are ignored.
    const int64_t before = existed ? aggregates_.row_count(*acc) : 0;
    const int64_t after = before + static_cast<int64_t>(add_count) - static_cast<int64_t>(retracts_.size());
    if (after <= 0) {
      if (!existed) return Status::ok();
      EDDY_RETURN_IF_ERROR(append_row(builder, kOpDelete, g, *acc));
      accumulators_->clear();
      return Status::ok();
    }
  }
  if (existed) {
    EDDY_RETURN_IF_ERROR(append_row(builder, kOpUpdateBefore, g, *acc));
  } else {
    acc = &accumulators_->get_or_create();
    *acc = aggregates_.make();
  }
  if (add_count > 0) aggregates_.update(*acc, batch, add_rows, add_count, RowSign::kAdd);
  if (!retracts_.empty()) aggregates_.update(*acc, batch, retracts_.data(), retracts_.size(), RowSign::kRetract);
  EDDY_RETURN_IF_ERROR(append_row(builder, existed ? kOpUpdateAfter : kOpInsert, g, *acc));
  // As Flink's GroupAggregate: an update that changes no result is not emitted.
  if (existed && last_two_rows_equal(builder)) builder.truncate_to(builder.num_rows() - 2);
  return Status::ok();
}

Status KeyedAggregateOperator::append_row(BatchBuilder& builder, const char* op, size_t g,
                                          const WindowAccumulator& acc) {
  const size_t num_keys = config_.key_columns.size();
  key_out_.resize(num_keys);
  for (size_t k = 0; k < num_keys; ++k) key_out_[k] = &builder.column(1 + k);
  agg_out_.resize(config_.aggregates.size());
  for (size_t a = 0; a < agg_out_.size(); ++a) agg_out_[a] = &builder.column(1 + num_keys + a);
  // The key columns from the key bytes rather than a row: one spelling per
  // key (0.0 for -0.0, which is the same key), whichever row came first.
  // decode_key appends nothing on failure.
  EDDY_RETURN_IF_ERROR(decode_key(grouper_.key(g), key_out_));
  builder.column(0).append_string(op);
  aggregates_.append_results(acc, agg_out_);
  builder.commit_rows(1);
  return Status::ok();
}

bool KeyedAggregateOperator::last_two_rows_equal(BatchBuilder& builder) const {
  const size_t rows = builder.num_rows();
  if (rows < 2) return false;
  const size_t first_agg = 1 + config_.key_columns.size();
  for (size_t c = first_agg; c < builder.schema()->size(); ++c)
    if (!same_value(builder.column(c), rows - 2, rows - 1)) return false;
  return true;
}

Status KeyedAggregateOperator::on_state_restored() {
  if (!backend_) return Status::internal("keyed aggregate: on_state_restored() before open()");
  // On the heap the restored values are in memory: check them all now. On
  // RocksDB a scan would read the whole database; process() checks each
  // key's shape as it loads (enough to never index past an accumulator).
  if (backend_->is_rocksdb()) return Status::ok();
  Status shape;
  accumulators_->for_each([&](int32_t, const std::string&, int64_t, WindowAccumulator& acc) {
    if (shape.is_ok()) shape = aggregates_.check_restored(acc);
  });
  return shape.is_ok() ? shape : restored_state_error(shape);
}

Status KeyedAggregateOperator::restored_state_error(const Status& why) const {
  return Status::invalid("operator '" + ctx_.operator_name + "' cannot use the state it restored: " + why.message());
}

OperatorCounters KeyedAggregateOperator::counters() const {
  OperatorCounters c;
  c.keys_in_state = backend_ ? backend_->key_count() : 0;
  return c;
}

}  // namespace eddy
