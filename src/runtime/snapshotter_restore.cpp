// Snapshotter, restore side: the keyed state of the key groups this subtask
// owns and the operator state of the subtasks it takes over, from a checkpoint
// or savepoint of the same or another parallelism (docs/checkpoints.md).
#include <algorithm>
#include <filesystem>

#include "checkpoint/checkpoint_storage.h"
#include "checkpoint/durable_file.h"
#include "runtime/snapshotter.h"
#include "state/keyed_state_backend.h"

namespace eddy {
namespace {

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

bool holds(const SubtaskSnapshot& s, const std::string& node) {
  return std::find(s.nodes.begin(), s.nodes.end(), node) != s.nodes.end();
}

/// The state file of `s`, read, checked and decoded once per restore.
Result<const TaskSnapshot*> snapshot_of(const std::string& dir, const SubtaskSnapshot& s,
                                        std::map<std::string, TaskSnapshot>& decoded) {
  auto it = decoded.find(s.state_file.path);
  if (it != decoded.end()) return &it->second;
  const std::string path = dir + "/" + s.state_file.path;
  EDDY_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
  if (crc32_of(bytes) != s.state_file.crc || static_cast<int64_t>(bytes.size()) != s.state_file.size)
    return Status::parse_error(path + ": checksum or size does not match the checkpoint's metadata");
  auto snap = decode_task_snapshot(bytes);
  if (!snap.ok()) return Status::parse_error(path + ": " + snap.status().message());
  return &decoded.emplace(s.state_file.path, std::move(snap).value()).first->second;
}

}  // namespace

Result<std::optional<int64_t>> Snapshotter::restore(const std::string& dir, const CheckpointMetadata& meta) {
  std::map<std::string, TaskSnapshot> decoded;  // by state file path
  int64_t watermark = kEndOfTimeWatermark;
  bool any_watermark = false;
  for (size_t i = 0; i < ops_.size(); ++i)
    EDDY_RETURN_IF_ERROR(restore_operator(i, dir, meta, decoded, watermark, any_watermark));
  // The watermark goes where it was, so records late before the failure are late after it.
  if (any_watermark && watermark != kNoWatermark && watermark != kEndOfTimeWatermark) return {watermark};
  return {std::nullopt};
}

Status Snapshotter::restore_operator(size_t i, const std::string& dir, const CheckpointMetadata& meta,
                                     std::map<std::string, TaskSnapshot>& decoded, int64_t& watermark,
                                     bool& any_watermark) {
  const std::string& node = names_[i];
  KeyedStateBackend* ks = backends_[i].get();
  const bool union_state = ops_[i]->operator_state_distribution() == OperatorStateDistribution::kUnion;
  std::map<int32_t, std::string> op_states;  // by old subtask
  for (const SubtaskSnapshot& s : meta.subtasks) {
    if (!holds(s, node)) continue;
    EDDY_ASSIGN_OR_RETURN(const TaskSnapshot* t, snapshot_of(dir, s, decoded));
    const OperatorSnapshot* os = nullptr;
    for (const auto& o : t->operators)
      if (o.node == node) os = &o;
    if (!os) continue;
    if (i + 1 == ops_.size()) {
      any_watermark = true;
      watermark = std::min(watermark, t->watermark);
    }
    if (os->has_operator_state && (union_state || s.subtask % options_.parallelism == options_.subtask))
      op_states.emplace(s.subtask, os->operator_state);
    if (ks) EDDY_RETURN_IF_ERROR(restore_keyed(i, dir, *os));
  }
  std::vector<std::string> states;
  for (auto& [subtask, bytes] : op_states) states.push_back(std::move(bytes));
  EDDY_RETURN_IF_ERROR(ops_[i]->restore_operator_state(states));
  return ops_[i]->on_state_restored();
}

Status Snapshotter::restore_keyed(size_t i, const std::string& dir, const OperatorSnapshot& os) {
  KeyedStateBackend& ks = *backends_[i];
  const std::string& node = names_[i];
  const KeyGroupRange mine = ks.key_groups();
  if (!os.rocksdb.empty()) {
    if (ks.checkpoint_strategy() != KeyedStateBackend::CheckpointStrategy::kIncremental)
      return Status::invalid("operator '" + node + "': the checkpoint holds RocksDB state, but the "
                             "pipeline uses state.backend: heap; restore a savepoint to change backends");
    if (os.kg_end < mine.start || os.kg_start > mine.end) return Status::ok();
    EDDY_ASSIGN_OR_RETURN(RocksDbSnapshot snap, unpack_rocksdb(os.rocksdb));
    const std::string shared_dir = (std::filesystem::path(dir).parent_path() / "shared").string();
    const std::string private_dir = dir + "/" + os.rocksdb_dir;
    if (os.kg_start == mine.start && os.kg_end == mine.end) return ks.restore_incremental(snap, shared_dir, private_dir);
    return ks.restore_incremental_range(snap, shared_dir, private_dir);
  }
  for (const auto& [kg, bytes] : os.key_groups) {
    if (!mine.contains(kg)) continue;
    Status st = ks.restore_key_group(kg, bytes);
    if (!st.is_ok())
      return Status::invalid("operator '" + node + "', key group " + std::to_string(kg) + ": " + st.message());
  }
  return Status::ok();
}

}  // namespace eddy
