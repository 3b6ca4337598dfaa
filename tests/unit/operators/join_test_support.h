// Test support for the join operators: configs the way the planner fills them
// (left: lk, lv, lt; right: rk, rv, rt; "op" first on an updating input), and
// JoinCluster, a harness that runs a join at some parallelism as a job would:
// rows routed to the subtask owning their key group, watermarks to every
// subtask (per input, then the least of both), keyed state the harness creates
// (heap or RocksDB), snapshots per key group and restores into other ranges.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "operator_harness.h"
#include "operators/join_operators.h"
#include "operators/keyed_operator_support.h"
#include "state/key_encoding.h"
#include "state/keyed_state_backend.h"
#include "unit/temp_dir.h"

namespace eddy::testing {

inline SchemaPtr side_schema(const std::string& p, bool updating) {
  std::vector<Field> f;
  if (updating) f.push_back({"op", DataType::kString});
  f.push_back({p + "k", DataType::kInt64});
  f.push_back({p + "v", DataType::kInt64});
  f.push_back({p + "t", DataType::kTimestamp});
  return schema_of(f);
}

/// A join of (lk, lv, lt) and (rk, rv, rt) on lk = rk, with an optional residual over the joined row.
inline std::shared_ptr<JoinConfig> join_config(JoinKind kind, JoinType type, bool left_updating = false,
                                               bool right_updating = false, const std::string& residual = "") {
  auto c = std::make_shared<JoinConfig>();
  c->kind = kind;
  c->type = type;
  c->left_updating = left_updating;
  c->right_updating = right_updating;
  c->left_schema = side_schema("l", left_updating);
  c->right_schema = side_schema("r", right_updating);
  c->left_keys = {left_updating ? 1 : 0};
  c->right_keys = {right_updating ? 1 : 0};
  c->left_time_column = left_updating ? 3 : 2;
  c->right_time_column = right_updating ? 3 : 2;
  c->joined_schema = schema_of({{"lk", DataType::kInt64}, {"lv", DataType::kInt64}, {"lt", DataType::kTimestamp},
                                {"rk", DataType::kInt64}, {"rv", DataType::kInt64}, {"rt", DataType::kTimestamp}});
  if (!residual.empty()) {
    auto e = compile_expression(residual, *c->joined_schema);
    REQUIRE(e.ok());
    c->residual = *e;
  }
  c->output_updating = kind == JoinKind::kRegular &&
                       (type != JoinType::kInner || left_updating || right_updating);
  std::vector<Field> out;
  if (c->output_updating) out.push_back({"op", DataType::kString});
  for (size_t i = 0; i < c->joined_schema->size(); ++i) out.push_back(c->joined_schema->field(i));
  if (kind == JoinKind::kWindow) {
    out.push_back({"window_start", DataType::kTimestamp});
    out.push_back({"window_end", DataType::kTimestamp});
  }
  c->output_schema = schema_of(out);
  return c;
}

/// kRocksDbTinyCache: RocksDB with a state cache of 2 keys, so keys are
/// written back and evicted between rows all the time.
enum class BackendKind { kHeap, kRocksDb, kRocksDbTinyCache };

/// Folds a changelog's rows ("+I | a | b", "-D | a | b") into the multiset they leave.
inline std::multiset<std::string> fold_changelog(const std::vector<std::string>& rows) {
  std::map<std::string, int64_t> counts;
  for (const std::string& r : rows) {
    const size_t bar = r.find(" | ");
    const std::string op = r.substr(0, bar), rest = r.substr(bar + 3);
    counts[rest] += (op == "+I" || op == "+U") ? 1 : -1;
  }
  std::multiset<std::string> out;
  for (const auto& [row, n] : counts) {
    CHECK_MESSAGE(n >= 0, "retracted more often than emitted: " << row);
    for (int64_t i = 0; i < n; ++i) out.insert(row);
  }
  return out;
}

/// What `got` has beyond `want` ("+ row") and lacks ("- row"), for failure messages.
inline std::string multiset_diff(const std::multiset<std::string>& got, const std::multiset<std::string>& want) {
  std::string out;
  std::vector<std::string> extra, missing;
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
  for (const auto& r : extra) out += "\n+ " + r;
  for (const auto& r : missing) out += "\n- " + r;
  return out;
}

class JoinCluster {
 public:
  /// Key-group snapshots of every subtask, and how far their timers had fired.
  struct Snapshot {
    std::map<int32_t, std::string> groups;
    /// Each old subtask's operator state (snapshot_operator_state), handed to
    /// every new subtask as the runtime does for union distribution.
    std::vector<std::string> operator_states;
    /// Instead of groups: incremental RocksDB checkpoints, one per old subtask,
    /// with the directories holding their files.
    std::vector<RocksDbSnapshot> incremental;
    std::string shared_dir, private_dir;
  };

  JoinCluster(std::shared_ptr<const JoinConfig> config, int parallelism, BackendKind kind,
              const Snapshot* restore_from = nullptr)
      : config_(std::move(config)) {
    for (int i = 0; i < parallelism; ++i) {
      auto s = std::make_unique<Subtask>();
      s->ctx.operator_name = "join";
      s->ctx.subtask_index = i;
      s->ctx.parallelism = parallelism;
      s->ctx.max_parallelism = kMaxParallelism;
      s->ctx.timers = &s->harness_timers;
      auto range = owned_key_groups(s->ctx);
      REQUIRE(range.ok());
      StateBackendOptions options;
      if (kind != BackendKind::kHeap) {
        options.kind = StateBackendOptions::Kind::kRocksDb;
        options.local_dir = dir_.file("sub-" + std::to_string(i));
        if (kind == BackendKind::kRocksDbTinyCache) options.cache_keys = 2;
      }
      s->backend = std::make_unique<KeyedStateBackend>(kMaxParallelism, *range, options);
      REQUIRE(s->backend->open_status().is_ok());
      s->ctx.keyed_state = s->backend.get();
      auto op = make_join_operator(config_);
      REQUIRE(op.ok());
      s->op = std::move(op).value();
      REQUIRE(s->op->uses_keyed_state());
      REQUIRE(s->op->input_count() == 2);
      Status st = s->op->open(s->ctx);
      REQUIRE_MESSAGE(st.is_ok(), st.to_string());
      if (restore_from != nullptr) {
        for (int32_t kg = range->start; kg <= range->end; ++kg) {
          auto it = restore_from->groups.find(kg);
          if (it != restore_from->groups.end()) REQUIRE(s->backend->restore_key_group(kg, it->second).is_ok());
        }
        for (const RocksDbSnapshot& snap : restore_from->incremental)
          REQUIRE(s->backend->restore_incremental_range(snap, restore_from->shared_dir, restore_from->private_dir)
                      .is_ok());
        REQUIRE(s->op->restore_operator_state(restore_from->operator_states).is_ok());
        REQUIRE(s->op->on_state_restored().is_ok());
      }
      subtasks_.push_back(std::move(s));
    }
  }

  static constexpr int32_t kMaxParallelism = 16;

  /// Routes `rows` of input `input` to the subtasks owning their key groups.
  void push(int input, const std::vector<Row>& rows) {
    const SchemaPtr& schema = input == kLeftInput ? config_->left_schema : config_->right_schema;
    const std::vector<int>& keys = input == kLeftInput ? config_->left_keys : config_->right_keys;
    auto all = batch_of(schema, rows);
    std::vector<std::vector<uint32_t>> per(subtasks_.size());
    for (size_t r = 0; r < all->num_rows; ++r) {
      const int32_t kg = key_group_of_row(*all, keys, r, kMaxParallelism);
      per[static_cast<size_t>(subtask_for_key_group(kMaxParallelism, parallelism(), kg))].push_back(
          static_cast<uint32_t>(r));
    }
    for (size_t i = 0; i < subtasks_.size(); ++i) {
      if (per[i].empty()) continue;
      Status st = subtasks_[i]->op->process_input(input, all->take(per[i].data(), per[i].size()), *subtasks_[i]);
      REQUIRE_MESSAGE(st.is_ok(), st.to_string());
    }
  }

  /// Input `input`'s watermark advanced: every subtask hears it, then the least of both inputs.
  void watermark(int input, int64_t w) {
    for (auto& s : subtasks_) {
      if (w <= s->input_wm[input]) continue;
      s->input_wm[input] = w;
      REQUIRE(s->op->on_input_watermark(input, w, *s).is_ok());
      const int64_t least = std::min(s->input_wm[0], s->input_wm[1]);
      if (least > s->wm) {
        s->wm = least;
        REQUIRE(s->op->on_watermark(least, *s).is_ok());
      }
    }
  }

  void end_inputs() {
    watermark(kLeftInput, kEndOfTimeWatermark);
    watermark(kRightInput, kEndOfTimeWatermark);
    for (auto& s : subtasks_) REQUIRE(s->op->finish(*s).is_ok());
  }

  /// Moves every subtask's clock and fires its due processing-time timers.
  void advance_time(int64_t now) {
    for (auto& s : subtasks_) {
      s->harness_timers.now = now;
      bool due = false;
      while (!s->harness_timers.pending.empty() && *s->harness_timers.pending.begin() <= now) {
        s->harness_timers.pending.erase(s->harness_timers.pending.begin());
        due = true;
      }
      if (due) REQUIRE(s->op->on_processing_time(now, *s).is_ok());
    }
  }

  Snapshot snapshot() const {
    Snapshot snap;
    for (const auto& s : subtasks_) {
      const KeyGroupRange range = s->backend->key_groups();
      for (int32_t kg = range.start; kg <= range.end; ++kg)
        REQUIRE(s->backend->snapshot_key_group(kg, snap.groups[kg]).is_ok());
      snap.operator_states.push_back(operator_state(*s->op));
    }
    return snap;
  }

  /// An incremental RocksDB checkpoint of every subtask into `dir` (RocksDB backends only).
  Snapshot checkpoint(int64_t id, const std::string& dir) {
    Snapshot snap;
    snap.shared_dir = dir + "/shared";
    snap.private_dir = dir + "/private-" + std::to_string(id);
    std::filesystem::create_directories(snap.shared_dir);
    std::filesystem::create_directories(snap.private_dir);
    for (auto& s : subtasks_) {
      auto taken = s->backend->checkpoint_incremental(id, snap.shared_dir, snap.private_dir);
      REQUIRE_MESSAGE(taken.ok(), taken.status().to_string());
      snap.incremental.push_back(*taken);
      snap.operator_states.push_back(operator_state(*s->op));
    }
    return snap;
  }

  static std::string operator_state(Operator& op) {
    std::string bytes;
    REQUIRE(op.snapshot_operator_state(1, bytes).is_ok());
    return bytes;
  }

  /// Every row emitted so far by every subtask (order across subtasks unspecified).
  std::vector<std::string> rows() const {
    std::vector<std::string> out;
    for (const auto& s : subtasks_)
      for (const auto& r : OperatorHarness::rows_of(s->emitted)) out.push_back(r);
    return out;
  }
  std::multiset<std::string> row_set() const {
    auto r = rows();
    return std::multiset<std::string>(r.begin(), r.end());
  }
  OperatorCounters counters() const {
    OperatorCounters c;
    for (const auto& s : subtasks_) {
      const OperatorCounters o = s->op->counters();
      c.late_records += o.late_records;
      c.keys_in_state += o.keys_in_state;
      c.windows_fired += o.windows_fired;
      c.skipped_records += o.skipped_records;
    }
    return c;
  }
  int parallelism() const { return static_cast<int>(subtasks_.size()); }
  Operator& op(int i) { return *subtasks_[static_cast<size_t>(i)]->op; }
  KeyedStateBackend& backend(int i) { return *subtasks_[static_cast<size_t>(i)]->backend; }

 private:
  struct Subtask final : Collector {
    Status emit(RecordBatchPtr batch) override {
      if (batch && batch->num_rows > 0) emitted.push_back(std::move(batch));
      return Status::ok();
    }
    FakeTimerService harness_timers;
    OperatorContext ctx;
    std::unique_ptr<KeyedStateBackend> backend;
    OperatorPtr op;
    std::vector<RecordBatchPtr> emitted;
    int64_t input_wm[2] = {kNoWatermark, kNoWatermark};
    int64_t wm = kNoWatermark;
  };

  std::shared_ptr<const JoinConfig> config_;
  eddy::test::TempDir dir_;
  std::vector<std::unique_ptr<Subtask>> subtasks_;  // after dir_: backends close first
};

}  // namespace eddy::testing
