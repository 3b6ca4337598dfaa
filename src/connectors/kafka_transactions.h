// The kafka sink's exactly-once bookkeeping, without I/O (unit-tested alone):
// which transaction records go to, what a checkpoint barrier pre-commits, what
// a completed checkpoint commits, and the operator state that carries a
// pre-committed transaction's records into a restore (kafka_sink.cpp).
//
// A librdkafka producer has one transaction open at a time. Records go into
// the open transaction until a barrier pre-commits it (flushed, acknowledged);
// from then until the checkpoint completes, new records wait in memory
// (`held`), because the pre-committed transaction may not take them and no
// second one can open. When the checkpoint completes the transaction commits,
// a new one begins and the held records go into it. A checkpoint that never
// completes leaves its transaction open: the next barrier pre-commits it again
// (with the held records), for the later checkpoint.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace eddy {

/// One message as the sink produces it.
struct KafkaRecord {
  std::string key;    // empty: no key
  std::string value;
  int32_t partition = -1;  // -1: the partitioner's choice
};

class KafkaTransactions {
 public:
  enum class Phase {
    kNone,          // no transaction open (before the first begin, after a commit)
    kOpen,          // records go into the open transaction
    kPrecommitted,  // flushed for checkpoint pending(); new records are held
  };
  Phase phase() const { return phase_; }
  int64_t pending() const { return pending_; }

  /// A transaction began.
  void began() { phase_ = Phase::kOpen; }
  /// True when a record goes to the open transaction, false when it must be held.
  bool writes_through() const { return phase_ == Phase::kOpen; }
  /// Barrier `checkpoint_id`: the caller produces the held records into the
  /// open transaction and flushes; then the transaction stands for this checkpoint.
  void precommitted(int64_t checkpoint_id) {
    phase_ = Phase::kPrecommitted;
    pending_ = checkpoint_id;
  }
  /// Checkpoint `checkpoint_id` completed: true when the pre-committed
  /// transaction is now to be committed (it stands for this or an earlier checkpoint).
  bool commits_on(int64_t checkpoint_id) const {
    return phase_ == Phase::kPrecommitted && pending_ <= checkpoint_id;
  }
  /// The transaction committed (or was aborted): none is open.
  void ended() {
    phase_ = Phase::kNone;
    pending_ = -1;
  }

 private:
  Phase phase_ = Phase::kNone;
  int64_t pending_ = -1;
};

/// The sink's operator state at a barrier: the checkpoint the transaction was
/// pre-committed for and its records, so a restore that cannot tell whether it
/// committed (crash between checkpoint completion and commit) can produce them
/// again (see docs/connectors.md, "Kafka", for what that means for readers).
struct KafkaSinkState {
  int64_t checkpoint_id = -1;
  int32_t subtask = 0;
  int64_t token = -1;  // the transaction's marker (kafka_sink.cpp): random, >= 0
  std::vector<KafkaRecord> records;
};
std::string encode_kafka_sink_state(const KafkaSinkState& state);
Result<KafkaSinkState> decode_kafka_sink_state(const std::string& bytes);

/// The transactional.id of sink subtask `subtask`: prefix + "-" + subtask.
std::string kafka_transactional_id(const std::string& prefix, int32_t subtask);

}  // namespace eddy
