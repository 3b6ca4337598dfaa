// The file sink's two-phase-commit bookkeeping: part file names, the directory
// operations on them (listing, commit by rename, deletion) and the msgpack
// operator state. Used by file_sink.cpp only (and its unit tests); blocking
// file I/O, hosted on the sink subtask's own thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_sync.h"
#include "core/status.h"

namespace eddy {

/// Hex digits of a part file tag: the id of the job that started the output.
inline constexpr size_t kPartTagSize = 16;

/// One part file name of a sink directory: `part-<tag>-<owner>-<seq><ext>`
/// when committed (visible), `.part-<tag>-<owner>-<seq><ext>.inprogress`
/// before (hidden). Files written before tags existed have no `<tag>-`.
struct PartName {
  std::string tag;    // kPartTagSize lowercase hex digits, or empty (untagged)
  int32_t owner = 0;  // the subtask index that wrote it
  int64_t seq = 0;    // counts the files of `owner` from 0
  bool hidden = false;
};

/// `ext` is ".csv" or ".jsonl".
std::string part_file_name(const PartName& part, const std::string& ext);
/// The part file `name` (a file name, no directory) stands for, when it matches
/// one of the two patterns exactly (decimal numbers without sign or leading
/// zeros, this extension); nullopt for every other name.
std::optional<PartName> parse_part_file_name(std::string_view name, const std::string& ext);
/// Every part file (with this extension) in `dir`, in no particular order.
Result<std::vector<PartName>> list_part_files(const std::string& dir, const std::string& ext);

/// A file closed at a barrier, committed when that checkpoint completes.
struct PendingPart {
  int64_t seq = 0;
  int64_t checkpoint_id = 0;
};

/// What a snapshot knows of one owner's files.
struct OwnerParts {
  int32_t owner = 0;
  int64_t next_seq = 0;               // files of this owner with seq >= it came later
  std::vector<PendingPart> pending;   // closed, not yet known committed
};

/// The operator state of one file sink subtask.
struct FileSinkState {
  /// The tag of the output this lineage of the job writes (the id of the job
  /// that started it fresh; restores keep it). Empty in states written before tags.
  std::string tag;
  int32_t subtask = 0;   // index of the subtask that took the snapshot
  /// Every owner any subtask of the job tracks or writes is below this (the
  /// largest parallelism since the output was started afresh); 0: unknown.
  int32_t owner_bound = 0;
  /// owners[i].owner == subtask (if present) is the one this subtask writes;
  /// the others were taken over from subtasks of an earlier parallelism and
  /// are final (nothing pending).
  std::vector<OwnerParts> owners;
};

/// msgpack: [version, subtask, owner_bound, [[owner, next_seq, [[seq, checkpoint], ...]], ...], tag]
/// (version 2; version 1, without the tag, still decodes).
std::string encode_file_sink_state(const FileSinkState& state);
/// Validates everything; a malformed state is a parse error.
Result<FileSinkState> decode_file_sink_state(std::string_view bytes);

/// Renames `from` to `to` (same directory). A missing `from` is fine: the
/// commit happened before a failure, or the committed file was moved away
/// since (a savepoint restored after the directory was emptied), as in Flink.
Status commit_part_file(const std::string& from, const std::string& to);
/// Removes `path`; a missing file is fine.
Status remove_part_file(const std::string& path);

}  // namespace eddy
