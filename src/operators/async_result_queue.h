// AsyncResultQueue: the order in which an async lookup join emits its input
// batches once their lookups are done (Flink's async output modes). ORDERED:
// in input order, so a finished entry waits for every older one; ALLOW_UNORDERED:
// as entries finish. Entries are ids of input batches and count their rows,
// which the join's buffer capacity bounds. One operator's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "connectors/lookup_options.h"

namespace eddy {

class AsyncResultQueue {
 public:
  explicit AsyncResultQueue(LookupOutputMode mode) : mode_(mode) {}

  /// A new entry, after every entry pushed before (input order).
  void push(uint64_t id, size_t rows);
  /// Entry `id` has all its lookups done. Unknown or done ids are ignored.
  void complete(uint64_t id);
  /// Appends to `out` the entries that may be emitted now, in emission order,
  /// and forgets them.
  void pop_ready(std::vector<uint64_t>& out);

  /// Rows of the entries not yet popped (done or not).
  size_t rows() const { return rows_; }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    size_t rows = 0;
    bool done = false;
  };
  LookupOutputMode mode_;
  std::deque<uint64_t> order_;                       // ORDERED: ids in input order
  std::vector<uint64_t> finished_;                   // ALLOW_UNORDERED: ids in completion order
  absl::flat_hash_map<uint64_t, Entry> entries_;
  size_t rows_ = 0;
};

}  // namespace eddy
