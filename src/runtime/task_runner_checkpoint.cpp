// TaskRunner, checkpoint side: barrier alignment, snapshots of the chain's
// state, restore (also into another parallelism) and commit notifications.
// The protocol is in docs/checkpoints.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "checkpoint/checkpoint_storage.h"
#include "checkpoint/durable_file.h"
#include "runtime/forked_state_file.h"
#include "runtime/task_runner.h"
#include "state/keyed_state_backend.h"

namespace eddy {
namespace {

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// A file-name-safe form of an operator name ("bids/top_n" -> "bids_top_n").
std::string safe_name(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

std::string pack_rocksdb(const RocksDbSnapshot& snap) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, snap);
  return std::string(buf.data(), buf.size());
}

/// The heap key groups of a chain, packed as the state file is written.
class HeapKeyGroups final : public LateKeyGroups {
 public:
  /// `heap`: by operator, its heap backend, or null.
  explicit HeapKeyGroups(std::vector<KeyedStateBackend*> heap) : heap_(std::move(heap)) {}
  bool any() const { return std::any_of(heap_.begin(), heap_.end(), [](auto* ks) { return ks != nullptr; }); }
  bool packs(size_t op) const override { return op < heap_.size() && heap_[op] != nullptr; }
  Status pack(size_t op, int32_t kg, std::string& bytes) override {
    return heap_[op]->snapshot_key_group(kg, bytes);
  }

 private:
  std::vector<KeyedStateBackend*> heap_;
};

Result<RocksDbSnapshot> unpack_rocksdb(const std::string& bytes) {
  try {
    auto oh = msgpack::unpack(bytes.data(), bytes.size());
    RocksDbSnapshot snap;
    oh.get().convert(snap);
    return snap;
  } catch (const std::exception& e) {
    return Status::parse_error(std::string("RocksDB snapshot handle is malformed: ") + e.what());
  }
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
  return (std::filesystem::path(base) / (safe_name(node) + "-" + std::to_string(subtask))).string();
}

// -- alignment ---------------------------------------------------------------------------

Status TaskRunner::on_barrier(int channel, int64_t barrier) {
  const int64_t id = barrier_id(barrier);
  if (aligning_ != 0 && id < barrier_id(aligning_)) return Status::ok();  // of an abandoned checkpoint
  if (aligning_ == 0 && id <= last_barrier_id_) return Status::ok();
  if (aligning_ != 0 && id > barrier_id(aligning_)) end_alignment();  // a newer one overtakes it
  if (aligning_ == 0) {
    aligning_ = barrier;
    last_barrier_id_ = id;
    aligned_channels_ = 0;
    align_start_ns_ = steady_ns();
  }
  if (!channel_blocked_[static_cast<size_t>(channel)]) {
    channel_blocked_[static_cast<size_t>(channel)] = true;
    credits_->block(channel);
    ++aligned_channels_;
  }
  return check_aligned();
}

Status TaskRunner::check_aligned() {
  if (aligning_ == 0 || aligned_channels_ + finished_channels_ < input_channels_) return Status::ok();
  const int64_t barrier = aligning_;
  const int64_t waited = steady_ns() - align_start_ns_;
  EDDY_RETURN_IF_ERROR(snapshot_and_ack(barrier, waited));
  end_alignment();
  return Status::ok();
}

void TaskRunner::end_alignment() {
  aligning_ = 0;
  aligned_channels_ = 0;
  grants_.clear();
  std::deque<PendingInput> released;
  for (int c = 0; c < input_channels_; ++c) {
    if (!channel_blocked_[static_cast<size_t>(c)]) continue;
    channel_blocked_[static_cast<size_t>(c)] = false;
    credits_->unblock(c, grants_);
    for (auto& in : held_[static_cast<size_t>(c)]) released.push_back(std::move(in));
    held_[static_cast<size_t>(c)].clear();
  }
  send_grants();
  // Held input is older than anything of its channel still pending.
  pending_.insert(pending_.begin(), std::make_move_iterator(released.begin()),
                  std::make_move_iterator(released.end()));
}

Status TaskRunner::trigger_checkpoint(int64_t barrier) {
  if (input_done_) return Status::ok();  // ended: the final snapshot stands in
  last_barrier_id_ = std::max(last_barrier_id_, barrier_id(barrier));
  return snapshot_and_ack(barrier, 0);
}

// -- snapshot ----------------------------------------------------------------------------

Status TaskRunner::snapshot_and_ack(int64_t barrier, int64_t alignment_ns) {
  // One snapshot at a time: the previous one is acked (or declined) first.
  EDDY_RETURN_IF_ERROR(finish_pending_snapshot());
  const int64_t t0 = steady_ns();
  const JobVertex& v = vertex();
  SubtaskSnapshot meta;
  meta.vertex = v.name;
  for (int n : v.nodes) meta.nodes.push_back(graph_->nodes[static_cast<size_t>(n)].name);
  meta.subtask = subtask_index_;
  meta.parallelism = v.parallelism;
  meta.alignment_us = alignment_ns / 1000;
  const std::string dir = snapshot_dir_for(options_.checkpoint_root, barrier);
  auto snap = std::make_shared<TaskSnapshot>();
  Status taken = [&]() -> Status {
    if (options_.checkpoint_root.empty())
      return Status::internal("a barrier arrived, but the job has no checkpoint directory");
    EDDY_ASSIGN_OR_RETURN(*snap, snapshot_state(barrier, barrier_is_savepoint(barrier), dir, meta));
    return Status::ok();
  }();
  if (!taken.is_ok()) {
    // The barrier goes on either way, or downstream subtasks would stay blocked.
    broadcast(StreamEvent{EventKind::kBarrier, barrier});
    host_.decline_checkpoint(barrier, taken.message());
    return Status::ok();
  }
  // Everything but the heap key groups is in `snap`; packing those is the
  // costly part, done in a forked child when there are any (its memory is the
  // state as of now), else, or with state.heap_snapshots: thread, here.
  const std::string name = "v" + std::to_string(vertex_) + "-" + std::to_string(subtask_index_) + ".state";
  TaskHost* host = &host_;
  auto written = [host, barrier] { host->snapshot_written(barrier); };
  std::unique_ptr<PendingStateFile> file;
  if (HeapKeyGroups heap(heap_state_backends()); heap.any() && graph_->spec.heap_snapshots == "fork") {
    auto produce = [snap, heap](const ByteSink& out) mutable { return write_task_snapshot(*snap, &heap, out); };
    Result<std::unique_ptr<PendingStateFile>> child = fork_state_file(dir, name, produce, written);
    if (child.ok()) {
      file = std::move(child).value();
    } else if (!warned_fork_failed_) {
      warned_fork_failed_ = true;
      std::fprintf(stderr, "eddy: %s; subtask %s/%d packs its heap state on its own thread instead\n",
                   child.status().message().c_str(), v.name.c_str(), subtask_index_ + 1);
    }
  }
  if (!file) {
    Status packed = pack_heap_state(*snap);
    if (!packed.is_ok()) {
      broadcast(StreamEvent{EventKind::kBarrier, barrier});
      host_.decline_checkpoint(barrier, packed.message());
      return Status::ok();
    }
    // The state file reaches the disk on a thread of its own; the ack follows.
    file = write_state_file(dir, name, encode_task_snapshot(*snap), written);
  }
  broadcast(StreamEvent{EventKind::kBarrier, barrier});
  meta.sync_duration_us = (steady_ns() - t0) / 1000;
  pending_snapshot_ = PendingSnapshot{barrier, std::move(meta), std::move(file)};
  return Status::ok();
}

std::vector<KeyedStateBackend*> TaskRunner::heap_state_backends() {
  std::vector<KeyedStateBackend*> heap;
  for (auto& op : ops_) {
    KeyedStateBackend* ks = op->keyed_state();
    heap.push_back(ks && !ks->is_rocksdb() ? ks : nullptr);
  }
  return heap;
}

Status TaskRunner::pack_heap_state(TaskSnapshot& t) {
  HeapKeyGroups heap(heap_state_backends());
  for (size_t i = 0; i < t.operators.size(); ++i) {
    if (!heap.packs(i)) continue;
    OperatorSnapshot& os = t.operators[i];
    for (int32_t kg = os.kg_start; kg <= os.kg_end; ++kg) {
      std::string bytes;
      EDDY_RETURN_IF_ERROR(heap.pack(i, kg, bytes));
      os.key_groups.emplace(kg, std::move(bytes));
    }
  }
  return Status::ok();
}

Status TaskRunner::finish_pending_snapshot() {
  return pending_snapshot_ ? finish_snapshot(pending_snapshot_->barrier) : Status::ok();
}

Status TaskRunner::finish_snapshot(int64_t barrier) {
  if (!pending_snapshot_ || pending_snapshot_->barrier != barrier) return Status::ok();
  PendingSnapshot p = std::move(*pending_snapshot_);
  pending_snapshot_.reset();
  Result<StateFileRef> file = p.writer->wait();
  if (!file.ok()) {
    host_.decline_checkpoint(barrier, file.status().message());
    return Status::ok();
  }
  p.meta.state_file = *file;
  p.meta.full_bytes += p.meta.state_file.size;
  p.meta.incremental_bytes += p.meta.state_file.size;
  host_.ack_checkpoint(barrier, p.meta);
  return Status::ok();
}

Result<TaskSnapshot> TaskRunner::snapshot_state(int64_t barrier, bool canonical,
                                                const std::string& dir, SubtaskSnapshot& meta) {
  TaskSnapshot t;
  t.checkpoint_id = barrier_id(barrier);
  t.watermark = output_watermark_;
  for (const auto& o : open_splits_) t.source_splits.push_back(o.reader->resume_split());
  const std::string shared_dir = (std::filesystem::path(options_.checkpoint_root) / "shared").string();
  for (size_t i = 0; i < ops_.size(); ++i) {
    OperatorSnapshot os;
    os.node = metrics_[first_op_metric_ + i].name;
    if (KeyedStateBackend* ks = ops_[i]->keyed_state()) {
      os.kg_start = ks->key_groups().start;
      os.kg_end = ks->key_groups().end;
      if (!canonical && ks->is_rocksdb()) {
        os.rocksdb_dir = "v" + std::to_string(vertex_) + "-" + std::to_string(subtask_index_) + "-" +
                         safe_name(os.node);
        const std::string private_dir = (std::filesystem::path(dir) / os.rocksdb_dir).string();
        std::error_code ec;
        std::filesystem::create_directories(shared_dir, ec);
        std::filesystem::create_directories(private_dir, ec);
        EDDY_ASSIGN_OR_RETURN(RocksDbSnapshot snap,
                              ks->checkpoint_incremental(t.checkpoint_id, shared_dir, private_dir));
        for (const RocksDbFile& f : snap.files) {
          StateFileRef ref;
          if (f.shared) {
            auto known = stored_files_.find(f.stored_name);
            if (known == stored_files_.end()) {
              EDDY_ASSIGN_OR_RETURN(FileChecksum sum, checksum_file(shared_dir + "/" + f.stored_name));
              known = stored_files_.emplace(f.stored_name, sum).first;
            }
            ref = StateFileRef{f.stored_name, known->second.crc, known->second.size};
            meta.shared_files.push_back(ref);
          } else {
            const std::string rel = os.rocksdb_dir + "/" + f.stored_name;
            EDDY_ASSIGN_OR_RETURN(FileChecksum sum, checksum_file(dir + "/" + rel));
            meta.private_files.push_back(StateFileRef{rel, sum.crc, sum.size});
          }
        }
        meta.full_bytes += snap.full_bytes;
        meta.incremental_bytes += snap.incremental_bytes;
        os.rocksdb = pack_rocksdb(snap);
      } else if (ks->is_rocksdb()) {  // canonical: per key group, as heap state is (pack_heap_state)
        for (int32_t kg = os.kg_start; kg <= os.kg_end; ++kg) {
          std::string bytes;
          EDDY_RETURN_IF_ERROR(ks->snapshot_key_group(kg, bytes));
          os.key_groups.emplace(kg, std::move(bytes));
        }
      }
    }
    EDDY_RETURN_IF_ERROR(ops_[i]->snapshot_operator_state(t.checkpoint_id, os.operator_state));
    os.has_operator_state = !os.operator_state.empty();
    os.timers_fired_through = ops_[i]->timers_fired_through();
    t.operators.push_back(std::move(os));
  }
  return t;
}

Result<std::string> TaskRunner::final_snapshot() {
  // The final state stands in for this subtask in every checkpoint from now
  // on; a snapshot still being packed is not worth waiting for.
  if (pending_snapshot_) pending_snapshot_->writer->abandon();
  EDDY_RETURN_IF_ERROR(finish_pending_snapshot());
  SubtaskSnapshot unused;
  EDDY_ASSIGN_OR_RETURN(TaskSnapshot t, snapshot_state(0, /*canonical=*/true, "", unused));
  EDDY_RETURN_IF_ERROR(pack_heap_state(t));
  t.finished = true;
  t.source_splits.clear();
  return encode_task_snapshot(t);
}

Status TaskRunner::notify_checkpoint_complete(int64_t id) {
  for (auto& op : ops_) {
    if (KeyedStateBackend* ks = op->keyed_state(); ks && ks->is_rocksdb()) ks->notify_checkpoint_complete(id);
    EDDY_RETURN_IF_ERROR(op->notify_checkpoint_complete(id));
  }
  return Status::ok();
}

// -- restore -----------------------------------------------------------------------------

Status TaskRunner::restore(const std::string& dir, const CheckpointMetadata& meta) {
  const std::string shared_dir = (std::filesystem::path(dir).parent_path() / "shared").string();
  std::map<std::string, TaskSnapshot> decoded;  // by state file path
  auto snapshot_of = [&](const SubtaskSnapshot& s) -> Result<const TaskSnapshot*> {
    auto it = decoded.find(s.state_file.path);
    if (it != decoded.end()) return &it->second;
    const std::string path = dir + "/" + s.state_file.path;
    EDDY_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
    if (crc32_of(bytes) != s.state_file.crc || static_cast<int64_t>(bytes.size()) != s.state_file.size)
      return Status::parse_error(path + ": checksum or size does not match the checkpoint's metadata");
    auto snap = decode_task_snapshot(bytes);
    if (!snap.ok()) return Status::parse_error(path + ": " + snap.status().message());
    return &decoded.emplace(s.state_file.path, std::move(snap).value()).first->second;
  };
  auto holds = [](const SubtaskSnapshot& s, const std::string& node) {
    return std::find(s.nodes.begin(), s.nodes.end(), node) != s.nodes.end();
  };
  const int32_t parallelism = vertex().parallelism;
  int64_t watermark = kEndOfTimeWatermark;
  bool any_watermark = false;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const std::string& node = metrics_[first_op_metric_ + i].name;
    KeyedStateBackend* ks = ops_[i]->keyed_state();
    std::vector<std::string> op_states;
    std::vector<RestoredKeyGroups> restored;
    for (const SubtaskSnapshot& s : meta.subtasks) {
      if (!holds(s, node)) continue;
      EDDY_ASSIGN_OR_RETURN(const TaskSnapshot* t, snapshot_of(s));
      const OperatorSnapshot* os = nullptr;
      for (const auto& o : t->operators)
        if (o.node == node) os = &o;
      if (!os) continue;
      if (i + 1 == ops_.size()) {
        any_watermark = true;
        watermark = std::min(watermark, t->watermark);
      }
      if (os->has_operator_state && s.subtask % parallelism == subtask_index_)
        op_states.push_back(os->operator_state);
      if (!ks) continue;
      const KeyGroupRange mine = ks->key_groups();
      if (os->kg_end >= mine.start && os->kg_start <= mine.end)
        restored.push_back(RestoredKeyGroups{KeyGroupRange{os->kg_start, os->kg_end}, os->timers_fired_through});
      if (!os->rocksdb.empty()) {
        if (!ks->is_rocksdb())
          return Status::invalid("operator '" + node + "': the checkpoint holds RocksDB state, but the "
                                 "pipeline uses state.backend: heap; restore a savepoint to change backends");
        if (os->kg_end < mine.start || os->kg_start > mine.end) continue;
        EDDY_ASSIGN_OR_RETURN(RocksDbSnapshot snap, unpack_rocksdb(os->rocksdb));
        const std::string private_dir = dir + "/" + os->rocksdb_dir;
        if (os->kg_start == mine.start && os->kg_end == mine.end) {
          EDDY_RETURN_IF_ERROR(ks->restore_incremental(snap, shared_dir, private_dir));
        } else {
          EDDY_RETURN_IF_ERROR(ks->restore_incremental_range(snap, shared_dir, private_dir));
        }
        continue;
      }
      for (const auto& [kg, bytes] : os->key_groups) {
        if (!mine.contains(kg)) continue;
        Status st = ks->restore_key_group(kg, bytes);
        if (!st.is_ok())
          return Status::invalid("operator '" + node + "', key group " + std::to_string(kg) + ": " + st.message());
      }
    }
    if (ks) EDDY_RETURN_IF_ERROR(ops_[i]->on_keyed_state_restored(restored));
    EDDY_RETURN_IF_ERROR(ops_[i]->restore_operator_state(op_states));
  }
  // The watermark goes where it was, so records late before the failure are late after it.
  if (any_watermark && watermark != kNoWatermark && watermark != kEndOfTimeWatermark)
    EDDY_RETURN_IF_ERROR(restore_watermark(watermark));
  return Status::ok();
}

}  // namespace eddy
