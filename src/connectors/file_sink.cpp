// FileSink: exactly-once part files by two-phase commit. Rows go to a hidden
// in-progress file; a barrier closes it (pre-commit, pending for that
// checkpoint); the checkpoint's completion renames it visible (commit). Rows
// are formatted into one buffer written out once it holds a megabyte.
#include "connectors/file_sink.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <system_error>

#include "connectors/file_sink_parts.h"
#include "connectors/text_writer.h"

namespace eddy {
namespace {

constexpr size_t kWriteBytes = 1 << 20;
// finish() pends the last file under this id: no checkpoint comes after it.
constexpr int64_t kEndOfInput = std::numeric_limits<int64_t>::max();

/// One owner as the snapshots of a restore describe it.
struct RestoredOwner {
  OwnerParts parts;
  bool active = false;  // taken from the snapshot of the subtask that wrote it
};

class FileSink : public Operator {
 public:
  FileSink(FileSinkConfig config, SchemaPtr input)
      : config_(std::move(config)), input_(std::move(input)), writer_(config_.format, input_) {}
  ~FileSink() override { discard(); }

  Status open(const OperatorContext& ctx) override {
    std::error_code ec;
    std::filesystem::create_directories(config_.path, ec);
    if (ec)
      return Status::io_error("file sink: cannot create directory '" + config_.path + "': " +
                              ec.message());
    discard();
    tag_ = ctx.output_tag;
    index_ = ctx.subtask_index;
    parallelism_ = std::max(ctx.parallelism, 1);
    owner_bound_ = parallelism_;
    next_seq_ = 0;
    pending_.clear();
    retired_.clear();
    prepared_ = false;
    return Status::ok();
  }

  Status process(const RecordBatchPtr& batch, Collector&) override {
    if (parallelism_ == 0) return Status::internal("file sink: process() before open()");
    if (batch->num_rows == 0) {  // no file for it, but its columns are checked all the same
      std::string nothing;
      return writer_.append_rows(nothing, *batch);
    }
    if (file_ == nullptr) EDDY_RETURN_IF_ERROR(open_part());
    EDDY_RETURN_IF_ERROR(writer_.append_rows(buf_, *batch));
    return buf_.size() >= kWriteBytes ? write_buffer() : Status::ok();
  }

  Status finish(Collector&) override {
    if (parallelism_ == 0) return Status::ok();
    if (!prepared_) EDDY_RETURN_IF_ERROR(remove_leftovers());
    EDDY_RETURN_IF_ERROR(precommit(kEndOfInput));
    return commit_up_to(kEndOfInput);
  }

  // Failure or cancellation: the in-progress file stays hidden; a restore or
  // a restart of the same job deletes it.
  Status close() override {
    discard();
    return Status::ok();
  }

  Status snapshot_operator_state(int64_t checkpoint_id, std::string& out) override {
    EDDY_RETURN_IF_ERROR(precommit(checkpoint_id));
    FileSinkState state;
    state.tag = tag_;
    state.subtask = index_;
    state.owner_bound = owner_bound_;
    state.owners.push_back(OwnerParts{index_, next_seq_, pending_});
    for (const auto& [owner, next] : retired_) state.owners.push_back(OwnerParts{owner, next, {}});
    out = encode_file_sink_state(state);
    return Status::ok();
  }

  Status notify_checkpoint_complete(int64_t checkpoint_id) override {
    return commit_up_to(checkpoint_id);
  }

  Status restore_operator_state(const std::vector<std::string>& states) override;

  SchemaPtr output_schema() const override { return input_; }
  bool blocking_io() const override { return true; }

 private:
  std::string path_of(int32_t owner, int64_t seq, bool hidden) const {
    return (std::filesystem::path(config_.path) /
            part_file_name(PartName{tag_, owner, seq, hidden}, writer_.extension()))
        .string();
  }

  // The part files of this sink's own output (its tag): no other file is
  // ever touched, whatever its name.
  Result<std::vector<PartName>> own_part_files() const {
    EDDY_ASSIGN_OR_RETURN(std::vector<PartName> files, list_part_files(config_.path, writer_.extension()));
    std::vector<PartName> own;
    for (auto& f : files)
      if (f.tag == tag_) own.push_back(std::move(f));
    return own;
  }

  // Opens the in-progress file for the rows after the last barrier.
  Status open_part() {
    if (!prepared_) EDDY_RETURN_IF_ERROR(remove_leftovers());
    file_path_ = path_of(index_, next_seq_, /*hidden=*/true);
    file_ = std::fopen(file_path_.c_str(), "wb");
    if (file_ == nullptr)
      return Status::io_error("file sink: cannot create '" + file_path_ + "': " +
                              std::strerror(errno));
    std::setvbuf(file_, nullptr, _IONBF, 0);  // buf_ is the buffer
    buf_.clear();
    writer_.append_header(buf_);
    return Status::ok();
  }

  // Pre-commit: the in-progress file (if any) is written, synced and closed,
  // and waits for `checkpoint_id` to complete.
  Status precommit(int64_t checkpoint_id) {
    if (file_ == nullptr) return Status::ok();
    EDDY_RETURN_IF_ERROR(write_buffer());
    std::FILE* f = file_;
    file_ = nullptr;
    const bool synced = ::fsync(fileno(f)) == 0;
    const int sync_errno = errno;
    if (std::fclose(f) != 0 || !synced)
      return Status::io_error("file sink: cannot close '" + file_path_ + "': " +
                              std::strerror(synced ? errno : sync_errno));
    pending_.push_back(PendingPart{next_seq_, checkpoint_id});
    ++next_seq_;
    return sync_directory(config_.path);
  }

  // Commit: pending files of checkpoints up to `checkpoint_id` become visible.
  Status commit_up_to(int64_t checkpoint_id) {
    bool renamed = false;
    while (!pending_.empty() && pending_.front().checkpoint_id <= checkpoint_id) {
      const int64_t seq = pending_.front().seq;
      EDDY_RETURN_IF_ERROR(commit_part_file(path_of(index_, seq, true), path_of(index_, seq, false)));
      pending_.erase(pending_.begin());
      renamed = true;
    }
    return renamed ? sync_directory(config_.path) : Status::ok();
  }

  // A start without a restore: what an earlier attempt of this same job
  // wrote (a restart before any checkpoint completed) is written again, so
  // its files go, as far as this subtask's owners go. Earlier jobs' output
  // (other tags) stays: a new job adds its files beside it, as Flink's does.
  Status remove_leftovers() {
    prepared_ = true;
    EDDY_ASSIGN_OR_RETURN(std::vector<PartName> files, own_part_files());
    for (const PartName& f : files)
      if (f.owner % parallelism_ == index_)
        EDDY_RETURN_IF_ERROR(remove_part_file(path_of(f.owner, f.seq, f.hidden)));
    return Status::ok();
  }

  Status merge_states(const std::vector<std::string>& states,
                      std::map<int32_t, RestoredOwner>& owners, int32_t& bound);
  Status recover_owner(const OwnerParts& owner, const std::vector<PartName>& files) const;

  Status write_buffer() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size())
      return Status::io_error("file sink: cannot write '" + file_path_ + "': " +
                              std::strerror(errno));
    buf_.clear();
    return Status::ok();
  }

  // Closes without reporting; rows not yet written are dropped.
  void discard() {
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
    buf_.clear();
  }

  FileSinkConfig config_;
  SchemaPtr input_;
  TextWriter writer_;
  std::string tag_;                    // names this output's files (PartName::tag)
  int32_t index_ = 0;                  // this subtask: the owner of the files it writes
  int32_t parallelism_ = 0;            // 0 until open()
  int32_t owner_bound_ = 0;            // FileSinkState::owner_bound; 0: unknown
  int64_t next_seq_ = 0;               // seq of the next file this subtask opens
  std::vector<PendingPart> pending_;   // closed at a barrier, in checkpoint order
  std::map<int32_t, int64_t> retired_; // owners taken over at a restore -> their next seq
  bool prepared_ = false;              // old output replaced, or state restored
  std::string file_path_;              // the in-progress file, while file_ is open
  std::FILE* file_ = nullptr;
  std::string buf_;                    // formatted rows not yet written
};

// Merges the owners of every snapshot handed over. An owner that is the
// snapshotting subtask's own is active (it may have pending files and later
// files to drop); the others are final and only kept track of.
Status FileSink::merge_states(const std::vector<std::string>& states,
                              std::map<int32_t, RestoredOwner>& owners, int32_t& bound) {
  bound = 0;  // any known bound holds for the whole job; 0 (unknown) counts for nothing
  for (size_t i = 0; i < states.size(); ++i) {
    EDDY_ASSIGN_OR_RETURN(FileSinkState state, decode_file_sink_state(states[i]));
    // The restored output keeps the tag it was started with.
    if (i == 0) tag_ = state.tag;
    if (state.tag != tag_)
      return Status::invalid("file sink state: snapshots of two outputs ('" + tag_ + "' and '" + state.tag + "')");
    bound = std::max(bound, state.owner_bound);
    for (OwnerParts& o : state.owners) {
      const bool active = o.owner == state.subtask;
      auto [it, fresh] = owners.try_emplace(o.owner);
      if (!fresh && it->second.active && active)
        return Status::invalid("file sink state: owner " + std::to_string(o.owner) +
                               " is written by two restored subtasks");
      if (fresh || active) it->second = RestoredOwner{std::move(o), active};
    }
  }
  return Status::ok();
}

// Commits an active owner's pending files and drops what it wrote after the
// checkpoint: its hidden files and its visible files from next_seq on.
Status FileSink::recover_owner(const OwnerParts& owner, const std::vector<PartName>& files) const {
  for (const PendingPart& p : owner.pending)
    EDDY_RETURN_IF_ERROR(
        commit_part_file(path_of(owner.owner, p.seq, true), path_of(owner.owner, p.seq, false)));
  // `files` was listed before the commits: a hidden file committed above is
  // gone already, and removing it again finds nothing.
  for (const PartName& f : files)
    if (f.owner == owner.owner && (f.hidden || f.seq >= owner.next_seq))
      EDDY_RETURN_IF_ERROR(remove_part_file(path_of(f.owner, f.seq, f.hidden)));
  return Status::ok();
}

Status FileSink::restore_operator_state(const std::vector<std::string>& states) {
  if (parallelism_ == 0) return Status::internal("file sink: restore before open()");
  prepared_ = true;
  std::map<int32_t, RestoredOwner> owners;
  int32_t bound = 0;
  EDDY_RETURN_IF_ERROR(merge_states(states, owners, bound));
  EDDY_ASSIGN_OR_RETURN(std::vector<PartName> files, own_part_files());
  for (const auto& [id, o] : owners)
    if (o.active) EDDY_RETURN_IF_ERROR(recover_owner(o.parts, files));
  // Owners of this subtask's share that no snapshot names came after the
  // checkpoint. Only decidable with a known bound: below it, an owner may be
  // kept track of by another subtask (taken over at an earlier rescale).
  for (const PartName& f : files)
    if (bound > 0 && f.owner >= bound && f.owner % parallelism_ == index_ &&
        owners.count(f.owner) == 0)
      EDDY_RETURN_IF_ERROR(remove_part_file(path_of(f.owner, f.seq, f.hidden)));
  retired_.clear();
  for (const auto& [id, o] : owners)
    if (id != index_) retired_[id] = o.parts.next_seq;
  pending_.clear();
  auto own = owners.find(index_);
  if (own != owners.end()) {
    next_seq_ = own->second.parts.next_seq;
  } else {
    // No snapshot of this subtask (more subtasks than before): its owner's
    // files, if any, are final ones another subtask keeps track of, or came
    // after the checkpoint; hidden ones are never final. Continue after them.
    next_seq_ = 0;
    for (const PartName& f : files) {
      if (f.owner != index_ || (bound > 0 && f.owner >= bound)) continue;
      if (f.hidden) EDDY_RETURN_IF_ERROR(remove_part_file(path_of(f.owner, f.seq, true)));
      else next_seq_ = std::max(next_seq_, f.seq + 1);
    }
  }
  owner_bound_ = bound > 0 ? std::max(bound, parallelism_) : 0;
  return sync_directory(config_.path);
}

}  // namespace

OperatorPtr make_file_sink(const FileSinkConfig& config, SchemaPtr input) {
  return std::make_unique<FileSink>(config, std::move(input));
}

}  // namespace eddy
