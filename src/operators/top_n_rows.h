// The ranked rows a TopNOperator keeps per partition (and window) in keyed
// state, and TopNRanker, which orders them and keeps a group at its best n.
// Used only by TopNOperator; the structs are msgpack-packable for snapshots.
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <vector>

#include "core/record_batch.h"

namespace eddy {

/// How the order value of a TopNEntry is held.
enum class TopNOrderKind : uint8_t { kNull = 0, kInt = 1, kDouble = 2, kString = 3 };

/// One kept row: its order value, read once, and the whole row.
struct TopNEntry {
  uint8_t order_kind = 0;  // TopNOrderKind
  int64_t order_int = 0;   // int64, timestamp
  double order_double = 0;
  std::string order_string;
  /// Every input column, as state/key_encoding.h encodes keys (decode_key reads
  /// it back). Like keys, float64 -0.0 is kept as 0.0.
  std::string row;
  /// Keyed-stream mode: the row's arrival number within its partition, which
  /// ranks equal order values (earlier first). Windowed mode: 0.
  uint64_t seq = 0;
  MSGPACK_DEFINE(order_kind, order_int, order_double, order_string, row, seq);
};

/// The best rows of one partition (of one window), best first, at most n.
struct TopNGroup {
  std::vector<TopNEntry> rows;
  uint64_t next_seq = 0;  // keyed-stream mode: the seq the next arriving row gets
  MSGPACK_DEFINE(rows, next_seq);
};

/// How rows with equal order values rank.
enum class TopNTies {
  /// By the row's encoded bytes, ascending: independent of arrival order, so a
  /// window's result is the same at any parallelism (windowed mode).
  kByRowBytes,
  /// By arrival: an earlier row stays ahead, and a row equal to the n-th does
  /// not displace it (keyed-stream mode).
  kByArrival,
  /// By arrival, later first: a row equal to the kept one replaces it (dedup
  /// keeping the last row, as Flink's deduplication on time).
  kLatestFirst,
};

/// Orders TopNEntries of one order column and keeps groups at their best n.
/// Immutable after construction.
class TopNRanker {
 public:
  TopNRanker(int64_t n, bool descending, TopNTies ties)
      : n_(n), descending_(descending), ties_(ties) {}

  /// Sets the order fields of `e` from row `row` of `col` (the order column).
  static void read_order(const Column& col, size_t row, TopNEntry& e);
  /// Sets `e`'s order to one string key of several columns that sorts, bytewise,
  /// as the columns do in their directions (`descending[i]` for `columns[i]`),
  /// NULLs last in either direction. Rank such entries ascending.
  static void read_composite_order(const RecordBatch& batch, size_t row, const std::vector<int>& columns,
                                   const std::vector<bool>& descending, TopNEntry& e);
  /// < 0 when a's order value ranks before b's, 0 when they tie, > 0 after.
  /// NULL ranks after every value in both directions; float64 NaN is above
  /// every number and equal to itself (as in PostgreSQL), -0.0 equals 0.0.
  int compare_order(const TopNEntry& a, const TopNEntry& b) const;
  /// True when a ranks strictly before b: order value, then the tie rule.
  bool ranks_before(const TopNEntry& a, const TopNEntry& b) const;
  /// False when an entry with e's order value cannot enter `group` (it is full
  /// and e ranks after its last row, whatever e's row or seq): the caller can
  /// skip encoding the row.
  bool may_enter(const TopNGroup& group, const TopNEntry& e) const;
  /// What offer() did with a row.
  enum class Offer { kRejected, kEntered, kEnteredPushingOut };
  /// Inserts `e` at its rank when that is within the best n (kEntered), and
  /// when the group then holds n + 1 rows moves its last one to *pushed_out
  /// (kEnteredPushingOut). A row ranking after a full group's last is kRejected.
  Offer offer(TopNGroup& group, TopNEntry&& e, TopNEntry* pushed_out) const;

  int64_t n() const { return n_; }

 private:
  int64_t n_;
  bool descending_;
  TopNTies ties_;
};

}  // namespace eddy
