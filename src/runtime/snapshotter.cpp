// Snapshotter, snapshot side: backends, barrier snapshots, the state file being
// written, final snapshots and commit notifications (docs/checkpoints.md).
#include "runtime/snapshotter.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "operators/keyed_operator_support.h"
#include "runtime/barrier_aligner.h"
#include "runtime/forked_state_file.h"
#include "runtime/task_runner.h"
#include "state/keyed_state_backend.h"

namespace eddy {
namespace {

using Strategy = KeyedStateBackend::CheckpointStrategy;

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string pack_rocksdb(const RocksDbSnapshot& snap) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, snap);
  return std::string(buf.data(), buf.size());
}

/// The key groups of a chain's backends packed as the state file is written.
class LateBackendKeyGroups final : public LateKeyGroups {
 public:
  /// `backends`: by operator, its backend if its key groups are packed late, or null.
  explicit LateBackendKeyGroups(std::vector<KeyedStateBackend*> backends) : backends_(std::move(backends)) {}
  bool any() const {
    return std::any_of(backends_.begin(), backends_.end(), [](auto* ks) { return ks != nullptr; });
  }
  bool packs(size_t op) const override { return op < backends_.size() && backends_[op] != nullptr; }
  Status pack(size_t op, int32_t kg, std::string& bytes) override {
    return backends_[op]->snapshot_key_group(kg, bytes);
  }

 private:
  std::vector<KeyedStateBackend*> backends_;
};

/// A file-name-safe form of an operator name ("bids/top_n" -> "bids_top_n").
std::string safe_state_name(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

}  // namespace

std::string snapshot_dir_for(const std::string& root, int64_t barrier) {
  const auto dir = std::filesystem::path(root);
  if (barrier_is_savepoint(barrier))
    return (dir / "savepoints" / ("savepoint-" + std::to_string(barrier_id(barrier)))).string();
  return (dir / ("chk-" + std::to_string(barrier))).string();
}

std::string local_state_dir_for(const std::string& root, const std::string& node, int32_t subtask) {
  const std::string base = root.empty() ? (std::filesystem::temp_directory_path() / "eddy-state").string() : root;
  return (std::filesystem::path(base) / (safe_state_name(node) + "-" + std::to_string(subtask))).string();
}

Snapshotter::Snapshotter(SnapshotterOptions options, std::vector<OperatorPtr>& ops, std::vector<std::string> names,
                         TaskHost& host)
    : options_(std::move(options)), ops_(ops), names_(std::move(names)), host_(host), backends_(ops.size()) {}

Snapshotter::~Snapshotter() = default;

Status Snapshotter::create_backend(size_t op, OperatorContext& ctx) {
  ctx.keyed_state = nullptr;
  if (!ops_[op]->uses_keyed_state()) return Status::ok();
  EDDY_ASSIGN_OR_RETURN(KeyGroupRange range, owned_key_groups(ctx));
  backends_[op] = std::make_unique<KeyedStateBackend>(ctx.max_parallelism, range, ctx.state);
  EDDY_RETURN_IF_ERROR(backends_[op]->open_status());
  ctx.keyed_state = backends_[op].get();
  return Status::ok();
}

KeyedStateBackend* Snapshotter::backend(size_t op) const { return backends_[op].get(); }

void Snapshotter::abandon() { pending_.reset(); }  // waits for its state file; nobody acks it any more

Status Snapshotter::take(int64_t barrier, int64_t alignment_ns, const ChainPosition& at,
                         const std::function<void()>& forward_barrier) {
  // One snapshot at a time: the previous one is acked (or declined) first.
  if (pending_) EDDY_RETURN_IF_ERROR(finish(pending_->barrier));
  const int64_t t0 = steady_ns();
  SubtaskSnapshot meta;
  meta.vertex = options_.vertex_name;
  meta.nodes = options_.vertex_nodes;
  meta.subtask = options_.subtask;
  meta.parallelism = options_.parallelism;
  meta.alignment_us = alignment_ns / 1000;
  const std::string dir = snapshot_dir_for(options_.checkpoint_root, barrier);
  auto snap = std::make_shared<TaskSnapshot>();
  Status taken = [&]() -> Status {
    if (options_.checkpoint_root.empty())
      return Status::internal("a barrier arrived, but the job has no checkpoint directory");
    EDDY_ASSIGN_OR_RETURN(*snap, capture(barrier, barrier_is_savepoint(barrier), dir, at, meta));
    return Status::ok();
  }();
  Status packed = taken;
  std::unique_ptr<PendingStateFile> file;
  if (taken.is_ok()) file = write_file(snap, dir, barrier, packed);
  // The barrier goes on either way, or downstream subtasks would stay blocked.
  forward_barrier();
  if (!packed.is_ok()) {
    host_.decline_checkpoint(barrier, packed.message());
    return Status::ok();
  }
  const int64_t synced = steady_ns();
  meta.sync_duration_us = (synced - t0) / 1000;
  uint64_t keys = 0;
  for (const auto& op : ops_) keys += op->counters().keys_in_state;
  pending_ = Pending{barrier, std::move(meta), std::move(file), synced, keys};
  return Status::ok();
}

std::unique_ptr<PendingStateFile> Snapshotter::write_file(const std::shared_ptr<TaskSnapshot>& snap,
                                                          const std::string& dir, int64_t barrier, Status& packed) {
  // Everything but the key groups of heap backends is in `snap`; packing those
  // is the costly part, done in a forked child when there are any (its memory
  // is the state as of now), else, or with state.heap_snapshots: thread, here.
  const std::string name = "v" + std::to_string(options_.vertex) + "-" + std::to_string(options_.subtask) + ".state";
  TaskHost* host = &host_;
  auto written = [host, barrier] { host->snapshot_written(barrier); };
  LateBackendKeyGroups late(key_group_backends());
  if (late.any() && options_.fork_heap_snapshots) {
    auto produce = [snap, late](const ByteSink& out) mutable { return write_task_snapshot(*snap, &late, out); };
    Result<std::unique_ptr<PendingStateFile>> child = fork_state_file(dir, name, produce, written);
    if (child.ok()) return std::move(child).value();
    if (!warned_fork_failed_) {
      warned_fork_failed_ = true;
      std::fprintf(stderr, "eddy: %s; subtask %s/%d packs its heap state on its own thread instead\n",
                   child.status().message().c_str(), options_.vertex_name.c_str(), options_.subtask + 1);
    }
  }
  packed = pack_key_groups(*snap);
  if (!packed.is_ok()) return nullptr;
  // The state file reaches the disk on a thread of its own; the ack follows.
  return write_state_file(dir, name, encode_task_snapshot(*snap), written);
}

std::vector<KeyedStateBackend*> Snapshotter::key_group_backends() const {
  std::vector<KeyedStateBackend*> out;
  for (const auto& ks : backends_)
    out.push_back(ks && ks->checkpoint_strategy() == Strategy::kKeyGroups ? ks.get() : nullptr);
  return out;
}

Status Snapshotter::pack_key_groups(TaskSnapshot& t) const {
  LateBackendKeyGroups late(key_group_backends());
  for (size_t i = 0; i < t.operators.size(); ++i) {
    if (!late.packs(i)) continue;
    OperatorSnapshot& os = t.operators[i];
    for (int32_t kg = os.kg_start; kg <= os.kg_end; ++kg) {
      std::string bytes;
      EDDY_RETURN_IF_ERROR(late.pack(i, kg, bytes));
      os.key_groups.emplace(kg, std::move(bytes));
    }
  }
  return Status::ok();
}

Status Snapshotter::finish(int64_t barrier) {
  if (!pending_ || pending_->barrier != barrier) return Status::ok();
  Pending p = std::move(*pending_);
  pending_.reset();
  Result<StateFileRef> file = p.writer->wait();
  if (!file.ok()) {
    host_.decline_checkpoint(barrier, file.status().message());
    return Status::ok();
  }
  p.meta.state_file = *file;
  p.meta.full_bytes += p.meta.state_file.size;
  p.meta.incremental_bytes += p.meta.state_file.size;
  last_.id = barrier_id(barrier);
  last_.alignment_us = p.meta.alignment_us;
  last_.sync_us = p.meta.sync_duration_us;
  last_.async_us = (steady_ns() - p.synced_ns) / 1000;
  last_.bytes = p.meta.full_bytes;
  last_keys_ = p.keys;
  host_.ack_checkpoint(barrier, p.meta);
  return Status::ok();
}

Result<TaskSnapshot> Snapshotter::capture(int64_t barrier, bool canonical, const std::string& dir,
                                          const ChainPosition& at, SubtaskSnapshot& meta) {
  TaskSnapshot t;
  t.checkpoint_id = barrier_id(barrier);
  t.watermark = at.watermark;
  t.source_splits = at.source_splits;
  for (size_t i = 0; i < ops_.size(); ++i) {
    OperatorSnapshot os;
    os.node = names_[i];
    if (KeyedStateBackend* ks = backends_[i].get()) {
      os.kg_start = ks->key_groups().start;
      os.kg_end = ks->key_groups().end;
      if (ks->checkpoint_strategy() == Strategy::kIncremental && !canonical) {
        EDDY_RETURN_IF_ERROR(snapshot_incremental(*ks, dir, t.checkpoint_id, os, meta));
      } else if (ks->checkpoint_strategy() == Strategy::kIncremental) {
        // Canonical (savepoints, final state): per key group, as heap state is in pack_key_groups.
        for (int32_t kg = os.kg_start; kg <= os.kg_end; ++kg) {
          std::string bytes;
          EDDY_RETURN_IF_ERROR(ks->snapshot_key_group(kg, bytes));
          os.key_groups.emplace(kg, std::move(bytes));
        }
      }
    }
    EDDY_RETURN_IF_ERROR(ops_[i]->snapshot_operator_state(t.checkpoint_id, os.operator_state));
    os.has_operator_state = !os.operator_state.empty();
    t.operators.push_back(std::move(os));
  }
  return t;
}

Status Snapshotter::snapshot_incremental(KeyedStateBackend& ks, const std::string& dir, int64_t id,
                                         OperatorSnapshot& os, SubtaskSnapshot& meta) {
  const std::string shared_dir = (std::filesystem::path(options_.checkpoint_root) / "shared").string();
  os.rocksdb_dir = "v" + std::to_string(options_.vertex) + "-" + std::to_string(options_.subtask) + "-" +
                   safe_state_name(os.node);
  const std::string private_dir = (std::filesystem::path(dir) / os.rocksdb_dir).string();
  std::error_code ec;
  std::filesystem::create_directories(shared_dir, ec);
  std::filesystem::create_directories(private_dir, ec);
  EDDY_ASSIGN_OR_RETURN(RocksDbSnapshot snap, ks.checkpoint_incremental(id, shared_dir, private_dir));
  for (const RocksDbFile& f : snap.files) {
    if (f.shared) {
      auto known = stored_files_.find(f.stored_name);
      if (known == stored_files_.end()) {
        EDDY_ASSIGN_OR_RETURN(FileChecksum sum, checksum_file(shared_dir + "/" + f.stored_name));
        known = stored_files_.emplace(f.stored_name, sum).first;
      }
      meta.shared_files.push_back(StateFileRef{f.stored_name, known->second.crc, known->second.size});
    } else {
      const std::string rel = os.rocksdb_dir + "/" + f.stored_name;
      EDDY_ASSIGN_OR_RETURN(FileChecksum sum, checksum_file(dir + "/" + rel));
      meta.private_files.push_back(StateFileRef{rel, sum.crc, sum.size});
    }
  }
  meta.full_bytes += snap.full_bytes;
  meta.incremental_bytes += snap.incremental_bytes;
  os.rocksdb = pack_rocksdb(snap);
  return Status::ok();
}

Result<std::string> Snapshotter::final_snapshot(const ChainPosition& at) {
  // The final state stands in for this subtask only in checkpoints it never
  // saw a barrier of. The snapshot still being written belongs to a barrier
  // that went downstream: its consumers' state excludes what this subtask sent
  // after it, so the checkpoint needs that snapshot, not the final state.
  // Wait for it and ack (FLIP-147: a finishing task completes its checkpoint).
  if (pending_) EDDY_RETURN_IF_ERROR(finish(pending_->barrier));
  SubtaskSnapshot unused;
  EDDY_ASSIGN_OR_RETURN(TaskSnapshot t, capture(0, /*canonical=*/true, "", at, unused));
  EDDY_RETURN_IF_ERROR(pack_key_groups(t));
  t.finished = true;
  t.source_splits.clear();
  return encode_task_snapshot(t);
}

Status Snapshotter::notify_checkpoint_complete(int64_t id) {
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (backends_[i]) backends_[i]->notify_checkpoint_complete(id);
    EDDY_RETURN_IF_ERROR(ops_[i]->notify_checkpoint_complete(id));
  }
  return Status::ok();
}

}  // namespace eddy
