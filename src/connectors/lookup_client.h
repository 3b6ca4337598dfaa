// LookupClient: one connection to the server behind a lookup table (PostgreSQL
// through libpq, Redis through hiredis), asking for a batch of keys in one
// round trip (`WHERE k = ANY($1)`, or a pipeline of HMGET/GET). Each client is
// used by one I/O thread of a LookupExecutor, never by the operator's thread.
// Errors name the table and HOST:PORT, never the password.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/lookup_options.h"
#include "core/record_batch.h"
#include "core/status.h"

namespace eddy {

/// One key as the server sees it: the text of each key column's value.
using LookupKeyText = std::vector<std::string>;

/// What one lookup of a batch of keys brought back.
struct LookupReply {
  Status status;           // not ok: the lookup failed (then rows is null)
  bool timed_out = false;  // the failure is lookup.timeout running out
  /// Rows of the table's schema whose key is among those asked for (any
  /// order; none for a key the table lacks).
  RecordBatchPtr rows;
};

class LookupClient {
 public:
  virtual ~LookupClient() = default;
  /// Looks `keys` up in one round trip, waiting at most `timeout_ms` for the
  /// server. A client whose connection broke reconnects on the next call.
  virtual LookupReply lookup(const std::vector<LookupKeyText>& keys, int64_t timeout_ms) = 0;
};

/// Connects a client for `cfg` (password `${env:NAME}` expanded here), which
/// looks tables rows up by `key_columns` (indices into cfg.schema) and checks
/// that the table and its columns exist (PostgreSQL) or the server answers (Redis).
Result<std::unique_ptr<LookupClient>> connect_lookup_client(const LookupTableConfig& cfg,
                                                            const std::vector<int>& key_columns);
Result<std::unique_ptr<LookupClient>> connect_pg_lookup_client(const LookupTableConfig& cfg,
                                                               const std::vector<int>& key_columns);
Result<std::unique_ptr<LookupClient>> connect_redis_lookup_client(const LookupTableConfig& cfg,
                                                                  const std::vector<int>& key_columns);

/// Appends `text` (a server's text form: "t"/"f" booleans, timestamps with an
/// optional "+00" zone) to `col` as its type; false when it does not parse.
bool append_lookup_text(Column& col, std::string_view text);
/// The text form of row `row` of `col` sent to the server (NULL: not sent).
std::string lookup_key_text(const Column& col, size_t row);

}  // namespace eddy
