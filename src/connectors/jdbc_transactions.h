// Names and bookkeeping of the jdbc sink's prepared transactions (two-phase
// commit): the global transaction id of a subtask's checkpoint, the operator
// state that lists the ids a checkpoint pre-committed, and which prepared
// transactions a restore commits or rolls back. No I/O: unit-tested alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace eddy {

/// "eddy-<tag>-<sink>-": every transaction id of one sink of one job starts
/// so. The sink name keeps [A-Za-z0-9_-] only and at most 64 characters.
std::string jdbc_gid_prefix(const std::string& tag, const std::string& sink_name);

/// prefix + "<subtask>-<checkpoint id>".
std::string jdbc_gid(const std::string& prefix, int32_t subtask, int64_t checkpoint_id);

struct JdbcGidParts {
  int32_t subtask = 0;
  int64_t checkpoint_id = 0;
};
/// The parts of a gid that starts with `prefix`; nullopt for any other.
std::optional<JdbcGidParts> parse_jdbc_gid(const std::string& prefix, const std::string& gid);

/// The operator state: the gids prepared and not known to be committed, and
/// the buffered changes carried over to a later transaction (JdbcBuffer::save).
struct JdbcSinkState {
  std::vector<std::string> gids;
  std::string carried;
};
std::string encode_jdbc_state(const JdbcSinkState& state);
Result<JdbcSinkState> decode_jdbc_state(const std::string& bytes);

struct JdbcResolution {
  std::vector<std::string> commit;    // listed by the restored state
  std::vector<std::string> rollback;  // this subtask's share of the rest
};

/// What subtask `index` of `parallelism` does with the sink's `prepared`
/// transactions (from pg_prepared_xacts) at a restore whose states it took
/// over list `listed` (empty at a start without restore): commits each listed
/// gid (it may be committed already), and rolls back every other gid of this
/// prefix whose writer subtask % parallelism == index (checkpoint never
/// completed, or an earlier attempt of the job). Other prefixes: untouched.
JdbcResolution resolve_jdbc_prepared(const std::string& prefix, const std::vector<std::string>& listed,
                                     const std::vector<std::string>& prepared, int32_t index,
                                     int32_t parallelism);

}  // namespace eddy
