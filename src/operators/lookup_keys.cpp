// lookup_left_keys (lookup_keys.h).
#include "operators/lookup_keys.h"

#include <algorithm>

#include "state/key_encoding.h"

namespace eddy {

Status lookup_left_keys(const JoinConfig& config, const JoinSide& left, const RecordBatch& batch,
                        std::vector<std::string>& keys, RecordBatch* key_columns) {
  keys.resize(batch.num_rows);
  const bool computed = std::any_of(config.left_key_exprs.begin(), config.left_key_exprs.end(),
                                    [](const auto& e) { return e != nullptr; });
  if (!computed && !key_columns) {
    for (size_t r = 0; r < batch.num_rows; ++r) join_key_bytes(left, batch, r, keys[r]);
    return Status::ok();
  }
  // The key columns, computed or taken, as a batch of their own.
  RecordBatch own;
  RecordBatch& kb = key_columns ? *key_columns : own;
  kb.columns.clear();
  kb.num_rows = batch.num_rows;
  std::vector<int> all;
  for (size_t i = 0; i < left.keys.size(); ++i) {
    const auto& e = i < config.left_key_exprs.size() ? config.left_key_exprs[i] : nullptr;
    if (e) {
      EDDY_ASSIGN_OR_RETURN(Column c, e->evaluate(batch));
      kb.columns.push_back(std::move(c));
    } else {
      kb.columns.push_back(batch.columns[static_cast<size_t>(left.keys[i])]);
    }
    all.push_back(static_cast<int>(i));
  }
  if (!computed) {
    for (size_t r = 0; r < batch.num_rows; ++r) join_key_bytes(left, batch, r, keys[r]);
    return Status::ok();
  }
  for (size_t r = 0; r < batch.num_rows; ++r) {
    bool has_null = false;
    for (const Column& c : kb.columns) has_null = has_null || c.is_null(r);
    keys[r].assign(1, has_null ? '\1' : '\0');
    encode_key(kb, all, r, keys[r]);
  }
  return Status::ok();
}

}  // namespace eddy
