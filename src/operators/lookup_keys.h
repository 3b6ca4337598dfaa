// The left keys of a lookup join (file tables and external ones alike): each
// row's key bytes (join_key_bytes' format, a NULL flag first) and the key
// columns themselves, taken from the input or computed by left_key_exprs.
#pragma once

#include <string>
#include <vector>

#include "operators/join_config.h"
#include "operators/join_rows.h"

namespace eddy {

/// Fills keys[r] for every row of `batch`; `key_columns` (when given) gets the
/// key columns as a batch of their own, one column per key.
Status lookup_left_keys(const JoinConfig& config, const JoinSide& left, const RecordBatch& batch,
                        std::vector<std::string>& keys, RecordBatch* key_columns = nullptr);

}  // namespace eddy
