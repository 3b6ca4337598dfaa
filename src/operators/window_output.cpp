// WindowOutput: appends a column value at a time, commits one row per window.
#include "operators/window_output.h"

#include "operators/changelog_rows.h"
#include "state/key_encoding.h"

namespace eddy {

WindowOutput::WindowOutput(SchemaPtr schema, size_t num_keys, const AggregateEvaluator& aggregates,
                           FinalColumn final_column, OpColumn op_column)
    : builder_(std::move(schema)), num_keys_(num_keys), aggregates_(aggregates) {
  if (op_column == OpColumn::kPresent) first_ = 1;
  if (final_column == FinalColumn::kPresent)
    final_column_ = first_ + num_keys_ + 2 + aggregates_.specs().size();
  bind_columns();
}

void WindowOutput::bind_columns() {
  key_columns_.clear();
  aggregate_columns_.clear();
  for (size_t c = 0; c < num_keys_; ++c) key_columns_.push_back(&builder_.column(first_ + c));
  for (size_t a = 0; a < aggregates_.specs().size(); ++a)
    aggregate_columns_.push_back(&builder_.column(first_ + num_keys_ + 2 + a));
}

Status WindowOutput::add(std::string_view key, int64_t start, int64_t end,
                         const WindowAccumulator& acc, WindowRowKind kind) {
  const bool final_row = kind == WindowRowKind::kFinal;
  if (!final_row && final_column_ == 0)
    return Status::internal("a partial window row, but the output has no final column");
  return append(kOpInsert, key, start, end, acc, final_row);
}

Status WindowOutput::add_change(const char* op, std::string_view key, int64_t start, int64_t end,
                                const WindowAccumulator& acc) {
  if (first_ == 0) return Status::internal("a change to a window's row, but the output has no op column");
  return append(op, key, start, end, acc, true);
}

Status WindowOutput::append(const char* op, std::string_view key, int64_t start, int64_t end,
                            const WindowAccumulator& acc, bool final_row) {
  // decode_key appends nothing on failure, so the builder stays consistent.
  Status st = decode_key(key, key_columns_);
  if (!st.is_ok()) return Status::internal("window state holds a key it cannot decode: " + st.message());
  if (first_ != 0) builder_.column(0).append_string(op);
  builder_.column(first_ + num_keys_).append_int(start);
  builder_.column(first_ + num_keys_ + 1).append_int(end);
  aggregates_.append_results(acc, aggregate_columns_);
  if (final_column_ != 0) builder_.column(final_column_).append_bool(final_row);
  builder_.commit_rows(1);
  if (final_row && std::string_view(op) == kOpInsert) ++windows_fired_;
  return Status::ok();
}

Status WindowOutput::emit_if_full(Collector& out) {
  if (builder_.num_rows() < kWindowOutputBatchRows) return Status::ok();
  return flush(out);
}

Status WindowOutput::flush(Collector& out) {
  if (builder_.empty()) return Status::ok();
  auto batch = builder_.finish();
  bind_columns();
  return out.emit(std::move(batch));
}

}  // namespace eddy
