// KeyedAggregateOperator: a batch is grouped by key (one state lookup per
// distinct key), each group updates its key's accumulators, and the key's
// current results go out right away as one changelog row per key.
#include "operators/keyed_aggregate_operator.h"

#include <numeric>
#include <string>

#include "core/key_groups.h"
#include "operators/keyed_operator_support.h"
#include "state/key_encoding.h"

namespace eddy {
namespace {

constexpr const char* kInsert = "+I";
constexpr const char* kUpdate = "+U";

}  // namespace

SchemaPtr keyed_aggregate_output_schema(const Schema& input, const std::vector<int>& keys,
                                        const std::vector<AggregateSpec>& aggs) {
  std::vector<Field> fields;
  for (int k : keys) fields.push_back(input.field(static_cast<size_t>(k)));
  for (const AggregateSpec& a : aggs) fields.push_back({a.output, a.output_type});
  fields.push_back({"op", DataType::kString});
  return std::make_shared<Schema>(std::move(fields));
}

Status KeyedAggregateOperator::validate(const KeyedAggregateConfig& config) {
  if (!config.input_schema || !config.output_schema)
    return Status::invalid("keyed aggregate config lacks its input or output schema");
  const Schema& in = *config.input_schema;
  EDDY_RETURN_IF_ERROR(check_columns_in(config.key_columns, in, "key column"));
  EDDY_RETURN_IF_ERROR(AggregateEvaluator::validate(config.aggregates, in));
  const SchemaPtr expected =
      keyed_aggregate_output_schema(in, config.key_columns, config.aggregates);
  return check_output_types(*expected, *config.output_schema, "keyed aggregate");
}

KeyedAggregateOperator::KeyedAggregateOperator(KeyedAggregateConfig config)
    : config_(std::move(config)), aggregates_(config_.aggregates) {}

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
  all_rows_.resize(n);
  std::iota(all_rows_.begin(), all_rows_.end(), 0u);
  grouper_.group(*batch, config_.key_columns, ctx_.max_parallelism, global_key_group_,
                 all_rows_.data(), n);

  const size_t num_keys = config_.key_columns.size();
  const size_t num_aggs = config_.aggregates.size();
  BatchBuilder builder(config_.output_schema);
  std::vector<Column*> key_columns(num_keys);
  for (size_t k = 0; k < num_keys; ++k) key_columns[k] = &builder.column(k);
  std::vector<Column*> agg_columns(num_aggs);
  for (size_t a = 0; a < num_aggs; ++a) agg_columns[a] = &builder.column(num_keys + a);
  Column& op_column = builder.column(num_keys + num_aggs);
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
    WindowAccumulator* acc = accumulators_->get();
    // A key holds state exactly when it has been emitted: every batch that
    // creates the state emits the key.
    const bool first = acc == nullptr;
    if (first) {
      acc = &accumulators_->get_or_create();
      *acc = aggregates_.make();
    } else if (acc->aggregates.size() != num_aggs) {
      // Restored state of another aggregate list that the restore did not scan (RocksDB).
      return restored_state_error(aggregates_.check_restored(*acc));
    }
    const uint32_t* rows = grouper_.rows(g);
    aggregates_.update(*acc, *batch, rows, grouper_.row_count(g));
    // The key columns from the key bytes rather than a row: one spelling per
    // key (0.0 for -0.0, which is the same key), whichever row came first.
    EDDY_RETURN_IF_ERROR(decode_key(grouper_.key(g), key_columns));
    aggregates_.append_results(*acc, agg_columns);
    op_column.append_string(first ? kInsert : kUpdate);
    builder.commit_rows(1);
  }
  return out.emit(builder.finish());
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
