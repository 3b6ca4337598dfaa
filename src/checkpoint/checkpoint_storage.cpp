// CheckpointStorage: the layout of a checkpoint root, verification on restore,
// and retention with reference counting of shared files over the metadata of
// completed checkpoints. check_compatible lives in savepoint_compatibility.cpp.
#include "checkpoint/checkpoint_storage.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <system_error>

#include <sys/stat.h>

#include "checkpoint/checksum.h"
#include "checkpoint/durable_file.h"

namespace eddy {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kCheckpointPrefix = "chk-";
constexpr const char* kRunFileName = "_run";

/// The id of a "chk-<id>" dir name; nullopt for any other name.
std::optional<int64_t> checkpoint_id_of(std::string_view name) {
  if (name.substr(0, kCheckpointPrefix.size()) != kCheckpointPrefix) return std::nullopt;
  const std::string_view digits = name.substr(kCheckpointPrefix.size());
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() || id < 0) return std::nullopt;
  return id;
}

/// "chk-7" for "/x/chk-7" (and "/x/chk-7/"): how messages name a dir.
std::string dir_label(const std::string& dir) {
  fs::path p(dir);
  if (!p.has_filename()) p = p.parent_path();
  return p.filename().string();
}

/// 16 random lowercase hex digits.
std::string random_tag() {
  std::random_device rd;
  const uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// The lines of a _run file; nullopt when one is missing or malformed.
std::optional<CheckpointRun> parse_run(const std::string& text) {
  CheckpointRun run;
  bool have_first = false;
  size_t from = 0;
  while (from < text.size()) {
    size_t end = text.find('\n', from);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + from, end - from);
    from = end + 1;
    if (line.rfind("first_checkpoint=", 0) == 0) {
      const std::string_view digits = line.substr(17);
      const auto [ptr, err] = std::from_chars(digits.data(), digits.data() + digits.size(), run.first_id);
      have_first = err == std::errc() && ptr == digits.data() + digits.size() && run.first_id >= 0;
    } else if (line.rfind("tag=", 0) == 0 && line.size() == 20 &&
               line.find_first_not_of("0123456789abcdef", 4) == std::string_view::npos) {
      run.tag = std::string(line.substr(4));
    } else {
      return std::nullopt;
    }
  }
  if (!have_first || run.tag.empty()) return std::nullopt;
  return run;
}

bool is_regular_file(const std::string& path) {
  struct stat sb {};
  return ::stat(path.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
}

/// A file that exists but does not match its ref: retrying will not help.
Status corrupt(const std::string& message) {
  return Status(StatusCode::kIoError, message, /*retryable=*/false);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

/// Checks that `full_path` has the size and CRC-32 of `ref`; messages say `label`.
Status verify_file(const std::string& full_path, const std::string& label,
                   const StateFileRef& ref) {
  struct stat sb {};
  if (::stat(full_path.c_str(), &sb) != 0) {
    if (errno == ENOENT) return Status::not_found(label + ": missing");
    return Status::io_error(label + ": cannot stat: " + std::strerror(errno));
  }
  if (!S_ISREG(sb.st_mode)) return corrupt(label + ": not a regular file");
  if (sb.st_size != ref.size)
    return corrupt(label + ": size " + std::to_string(sb.st_size) + ", expected " +
                   std::to_string(ref.size));
  EDDY_ASSIGN_OR_RETURN(FileChecksum sum, checksum_file(full_path));
  if (sum.size != ref.size)  // changed while we looked
    return corrupt(label + ": size " + std::to_string(sum.size) + ", expected " +
                   std::to_string(ref.size));
  if (sum.crc != ref.crc)
    return corrupt(label + ": CRC-32 " + hex32(sum.crc) + ", expected " + hex32(ref.crc) +
                   " (the file is corrupt)");
  return Status::ok();
}

/// Reads and decodes <dir>/_metadata without looking at the files it references.
Result<CheckpointMetadata> load_metadata(const std::string& dir) {
  const std::string label = dir_label(dir) + "/" + kMetadataFileName;
  Result<std::string> bytes = read_whole_file(dir + "/" + kMetadataFileName);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound)
      return Status::not_found(label + ": missing (the checkpoint is incomplete)");
    return Status(bytes.status().code(), label + ": " + bytes.status().message(),
                  bytes.status().retryable());
  }
  Result<CheckpointMetadata> m = decode_metadata(*bytes);
  if (!m.ok()) return Status::parse_error(label + ": " + m.status().message());
  if (const auto id = checkpoint_id_of(dir_label(dir)); id && *id != m->id)
    return Status::parse_error(label + ": holds checkpoint " + std::to_string(m->id) +
                               ", not " + std::to_string(*id));
  if (m->savepoint) {
    for (const auto& s : m->subtasks)
      if (!s.shared_files.empty())
        return Status::parse_error(label + ": a savepoint may not reference shared files");
  }
  return m;
}

/// Shared file names a checkpoint references.
std::vector<std::string> shared_names(const CheckpointMetadata& m) {
  std::vector<std::string> out;
  for (const auto& s : m.subtasks)
    for (const auto& f : s.shared_files) out.push_back(f.path);
  return out;
}

Status check_paths(const CheckpointMetadata& m) {
  auto check = [](const StateFileRef& f) {
    if (is_safe_relative_path(f.path) && f.path != kMetadataFileName) return Status::ok();
    return Status::invalid("checkpoint metadata: '" + f.path +
                           "' is not a relative path inside the checkpoint");
  };
  for (const auto& s : m.subtasks) {
    EDDY_RETURN_IF_ERROR(check(s.state_file));
    for (const auto& f : s.private_files) EDDY_RETURN_IF_ERROR(check(f));
    for (const auto& f : s.shared_files) EDDY_RETURN_IF_ERROR(check(f));
    if (m.savepoint && !s.shared_files.empty())
      return Status::invalid("a savepoint may not reference shared files (subtask " +
                             std::to_string(s.subtask) + " of " + s.vertex + ")");
  }
  return Status::ok();
}

Status check_file_name(const std::string& name) {
  if (!is_safe_relative_path(name))
    return Status::invalid("'" + name + "' is not a relative path inside the checkpoint");
  if (name == kMetadataFileName)
    return Status::invalid("'_metadata' is written only by write_metadata");
  return Status::ok();
}

}  // namespace

CheckpointStorage::CheckpointStorage(std::string root, int64_t first_id)
    : root_(std::move(root)), first_id_(first_id) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

int64_t CheckpointStorage::next_id(const std::string& root) {
  int64_t high = 0;
  auto scan = [&](const fs::path& dir, std::string_view prefix) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.rfind(prefix, 0) != 0) continue;
      // "chk-12", "savepoint-12-20240101-120000": the digits after the prefix.
      int64_t id = 0;
      const char* begin = name.data() + prefix.size();
      const auto [end, err] = std::from_chars(begin, name.data() + name.size(), id);
      if (err == std::errc() && end != begin) high = std::max(high, id);
    }
  };
  scan(root, kCheckpointPrefix);
  scan(fs::path(root) / "savepoints", "savepoint-");
  return high + 1;
}

Result<CheckpointRun> CheckpointStorage::start_run(const std::string& root) {
  EDDY_RETURN_IF_ERROR(make_dirs_durably(root));
  CheckpointRun run{next_id(root), random_tag()};
  EDDY_RETURN_IF_ERROR(write_file_durably((fs::path(root) / kRunFileName).string(),
                                          "first_checkpoint=" + std::to_string(run.first_id) + "\ntag=" + run.tag +
                                              "\n"));
  return run;
}

Result<CheckpointRun> CheckpointStorage::current_run(const std::string& root) {
  const std::string path = (fs::path(root) / kRunFileName).string();
  Result<std::string> text = read_whole_file(path);
  if (!text.ok()) return text.status().code() == StatusCode::kNotFound ? Result<CheckpointRun>(CheckpointRun{})
                                                                       : Result<CheckpointRun>(text.status());
  auto run = parse_run(*text);
  if (!run) return Status::parse_error(path + ": expected 'first_checkpoint=<id>' and 'tag=<16 hex digits>' lines");
  return *run;
}

std::string CheckpointStorage::checkpoint_dir(int64_t id) const {
  return root_ + "/" + std::string(kCheckpointPrefix) + std::to_string(id);
}

std::string CheckpointStorage::shared_dir() const { return root_ + "/shared"; }

std::string CheckpointStorage::savepoints_dir() const { return root_ + "/savepoints"; }

Status CheckpointStorage::prepare_checkpoint(int64_t id) const {
  if (id < 0) return Status::invalid("checkpoint id " + std::to_string(id) + " is negative");
  EDDY_RETURN_IF_ERROR(make_dirs_durably(root_));
  EDDY_RETURN_IF_ERROR(make_dirs_durably(shared_dir()));
  const std::string dir = checkpoint_dir(id);
  if (is_regular_file(dir + "/" + kMetadataFileName))
    return Status::invalid("checkpoint " + std::to_string(id) + " in " + root_ +
                           " is already complete; refusing to overwrite it");
  std::error_code ec;
  fs::remove_all(dir, ec);  // a crashed attempt's leftovers
  if (ec) return Status::io_error("cannot remove '" + dir + "': " + ec.message());
  return make_dirs_durably(dir);
}

Result<std::string> CheckpointStorage::prepare_savepoint(int64_t id) const {
  if (id < 0) return Status::invalid("savepoint id " + std::to_string(id) + " is negative");
  const std::string parent = savepoints_dir();
  EDDY_RETURN_IF_ERROR(make_dirs_durably(parent));
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  const std::string base = parent + "/savepoint-" + std::to_string(id) + "-" + stamp;
  for (int attempt = 1; attempt <= 1000; ++attempt) {
    const std::string dir = attempt == 1 ? base : base + "-" + std::to_string(attempt);
    if (::mkdir(dir.c_str(), 0755) == 0) {
      EDDY_RETURN_IF_ERROR(sync_dir(parent));
      return dir;
    }
    if (errno != EEXIST)
      return Status::io_error("cannot create directory '" + dir + "': " + std::strerror(errno));
  }
  return Status::io_error("cannot find a free savepoint directory name next to '" + base + "'");
}

namespace {

/// <dir>/<name> once `name` is checked and the folders it names exist.
Result<std::string> state_file_path(const std::string& dir, const std::string& name) {
  EDDY_RETURN_IF_ERROR(check_file_name(name));
  const std::string path = dir + "/" + name;
  if (name.find('/') != std::string::npos)
    EDDY_RETURN_IF_ERROR(make_dirs_durably(fs::path(path).parent_path().string()));
  return path;
}

}  // namespace

Result<StateFileRef> CheckpointStorage::write_file(const std::string& dir, const std::string& name,
                                                   std::string_view bytes) {
  EDDY_ASSIGN_OR_RETURN(std::string path, state_file_path(dir, name));
  EDDY_RETURN_IF_ERROR(write_file_durably(path, bytes));
  return StateFileRef{name, crc32_of(bytes), static_cast<int64_t>(bytes.size())};
}

Result<StateFileRef> CheckpointStorage::stream_file(const std::string& dir, const std::string& name,
                                                    const std::function<Status(const ByteSink&)>& fill) {
  EDDY_ASSIGN_OR_RETURN(std::string path, state_file_path(dir, name));
  EDDY_ASSIGN_OR_RETURN(FileChecksum sum, stream_file_durably(path, fill));
  return StateFileRef{name, sum.crc, sum.size};
}

Result<StateFileRef> CheckpointStorage::copy_file(const std::string& source,
                                                  const std::string& dir,
                                                  const std::string& name) {
  EDDY_ASSIGN_OR_RETURN(std::string path, state_file_path(dir, name));
  EDDY_ASSIGN_OR_RETURN(FileChecksum sum, copy_file_durably(source, path));
  return StateFileRef{name, sum.crc, sum.size};
}

Status CheckpointStorage::write_metadata(const std::string& dir, const CheckpointMetadata& m) {
  EDDY_RETURN_IF_ERROR(check_paths(m));
  return write_file_durably(dir + "/" + kMetadataFileName, encode_metadata(m));
}

Result<CheckpointMetadata> CheckpointStorage::read_verified(const std::string& dir) {
  EDDY_ASSIGN_OR_RETURN(CheckpointMetadata m, load_metadata(dir));
  const std::string label = dir_label(dir);
  const std::string shared = (fs::path(dir) / ".." / "shared").lexically_normal().string();
  std::set<std::string> verified_shared;  // a shared file may be listed by several subtasks
  for (const auto& s : m.subtasks) {
    EDDY_RETURN_IF_ERROR(
        verify_file(dir + "/" + s.state_file.path, label + "/" + s.state_file.path, s.state_file));
    for (const auto& f : s.private_files)
      EDDY_RETURN_IF_ERROR(verify_file(dir + "/" + f.path, label + "/" + f.path, f));
    for (const auto& f : s.shared_files) {
      if (!verified_shared.insert(f.path + '\0' + std::to_string(f.crc) + '\0' +
                                  std::to_string(f.size)).second)
        continue;
      EDDY_RETURN_IF_ERROR(verify_file(shared + "/" + f.path, "shared/" + f.path, f));
    }
  }
  return m;
}

Result<std::vector<int64_t>> CheckpointStorage::list_completed(int64_t from) const {
  std::vector<int64_t> ids;
  std::error_code ec;
  fs::directory_iterator it(root_, ec);
  if (ec == std::errc::no_such_file_or_directory) return ids;
  if (ec) return Status::io_error("cannot list '" + root_ + "': " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const auto id = checkpoint_id_of(it->path().filename().string());
    if (id && *id >= from && is_regular_file(it->path().string() + "/" + kMetadataFileName)) ids.push_back(*id);
  }
  if (ec) return Status::io_error("cannot list '" + root_ + "': " + ec.message());
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<int64_t> CheckpointStorage::completed_ids() const {
  Result<std::vector<int64_t>> ids = list_completed(first_id_);
  return ids.ok() ? std::move(ids).value() : std::vector<int64_t>{};
}

Result<std::optional<VerifiedCheckpoint>> CheckpointStorage::latest(
    std::vector<std::string>& warnings) const {
  EDDY_ASSIGN_OR_RETURN(std::vector<int64_t> ids, list_completed(first_id_));
  for (size_t i = ids.size(); i-- > 0;) {
    const std::string dir = checkpoint_dir(ids[i]);
    Result<CheckpointMetadata> m = read_verified(dir);
    if (m.ok()) return std::optional<VerifiedCheckpoint>(VerifiedCheckpoint{dir, std::move(*m)});
    warnings.push_back("checkpoint " + std::to_string(ids[i]) + " in " + root_ +
                       " is unusable: " + m.status().message() + "; " +
                       (i > 0 ? "falling back to checkpoint " + std::to_string(ids[i - 1])
                              : std::string("no older checkpoint to fall back to")));
  }
  return std::optional<VerifiedCheckpoint>();
}

Result<size_t> CheckpointStorage::delete_shared(const std::vector<std::string>& candidates,
                                                const std::vector<std::string>& keep) const {
  const std::set<std::string> kept(keep.begin(), keep.end());
  const std::set<std::string> doomed(candidates.begin(), candidates.end());
  size_t deleted = 0;
  Status first_error;
  for (const auto& name : doomed) {
    if (kept.count(name) > 0 || !is_safe_relative_path(name)) continue;
    std::error_code ec;
    if (fs::remove(shared_dir() + "/" + name, ec)) ++deleted;
    if (ec && first_error.is_ok())
      first_error = Status::io_error("cannot delete shared file '" + name + "': " + ec.message());
  }
  if (!first_error.is_ok()) return first_error;
  if (deleted > 0) EDDY_RETURN_IF_ERROR(sync_dir(shared_dir()));
  return deleted;
}

Result<std::vector<std::string>> CheckpointStorage::shared_references(const std::set<int64_t>& except) const {
  EDDY_ASSIGN_OR_RETURN(std::vector<int64_t> ids, list_completed(0));
  std::vector<std::string> refs;
  for (int64_t id : ids) {
    if (except.count(id) > 0) continue;
    Result<CheckpointMetadata> m = load_metadata(checkpoint_dir(id));
    // Metadata that cannot be read now (a mount briefly gone) may name any
    // file: keep them all. Metadata that does not decode can never be
    // restored from, whatever its files: its references count for nothing.
    if (!m.ok() && m.status().retryable())
      return Status(m.status().code(), m.status().message() + "; shared files were left alone", true);
    if (m.ok()) for (auto& name : shared_names(*m)) refs.push_back(std::move(name));
  }
  return refs;
}

Result<size_t> CheckpointStorage::retain(int32_t retain) {
  if (retain < 1) return Status::invalid("checkpoint retention must be at least 1");
  EDDY_ASSIGN_OR_RETURN(std::vector<int64_t> ids, list_completed(first_id_));
  std::map<int64_t, Result<CheckpointMetadata>> metas;
  for (int64_t id : ids) metas.emplace(id, load_metadata(checkpoint_dir(id)));

  // The oldest of the newest `retain` checkpoints whose metadata decodes.
  std::optional<int64_t> oldest_kept;
  int32_t kept = 0;
  for (auto it = metas.rbegin(); it != metas.rend() && kept < retain; ++it) {
    if (!it->second.ok()) continue;
    oldest_kept = it->first;
    ++kept;
  }
  if (!oldest_kept) return size_t{0};

  std::vector<std::string> candidates;
  std::set<int64_t> deleted_ids;
  Status first_error;
  for (auto& [id, m] : metas) {
    if (id >= *oldest_kept) continue;
    // Removing _metadata first leaves an incomplete dir, never a complete-looking broken one.
    const std::string dir = checkpoint_dir(id);
    std::error_code ec;
    fs::remove(dir + "/" + kMetadataFileName, ec);
    if (ec) {  // still complete: its shared files stay referenced
      if (first_error.is_ok()) first_error = Status::io_error("cannot delete '" + dir + "': " + ec.message());
      continue;
    }
    deleted_ids.insert(id);
    if (m.ok()) for (auto& name : shared_names(*m)) candidates.push_back(std::move(name));
    fs::remove_all(dir, ec);  // leftovers are cleaned by remove_incomplete
    if (ec && first_error.is_ok()) first_error = Status::io_error("cannot delete '" + dir + "': " + ec.message());
  }
  // The deletions of _metadata must be durable before any shared file goes, or a
  // crash could resurrect a complete-looking checkpoint whose files are gone.
  if (!candidates.empty()) EDDY_RETURN_IF_ERROR(sync_dir(root_));
  // Incomplete dirs older than a kept checkpoint belong to aborted attempts (at
  // most one checkpoint is in flight, and it is newer), or were written by a
  // subtask that lived on after its attempt was stopped.
  Status stale = remove_incomplete_below(*oldest_kept);
  if (!stale.is_ok() && first_error.is_ok()) first_error = stale;
  size_t deleted = 0;
  Result<std::vector<std::string>> keep = shared_references(deleted_ids);
  if (keep.ok() && !candidates.empty()) {
    EDDY_ASSIGN_OR_RETURN(deleted, delete_shared(candidates, *keep));
  }
  if (!first_error.is_ok()) return first_error;
  return deleted;
}

Result<CheckpointMetadata> CheckpointStorage::read_metadata(const std::string& dir) {
  return load_metadata(dir);
}

Status CheckpointStorage::remove_incomplete_below(int64_t below) {
  std::error_code ec;
  std::vector<std::string> incomplete;
  fs::directory_iterator it(root_, ec);
  if (ec == std::errc::no_such_file_or_directory) return Status::ok();
  if (ec) return Status::io_error("cannot list '" + root_ + "': " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const std::string path = it->path().string();
    const auto id = checkpoint_id_of(it->path().filename().string());
    if (id && *id >= first_id_ && *id < below && !is_regular_file(path + "/" + kMetadataFileName))
      incomplete.push_back(path);
  }
  if (ec) return Status::io_error("cannot list '" + root_ + "': " + ec.message());
  for (const auto& dir : incomplete) {
    fs::remove_all(dir, ec);
    if (ec) return Status::io_error("cannot delete '" + dir + "': " + ec.message());
  }
  return Status::ok();
}

Status CheckpointStorage::remove_incomplete() {
  EDDY_RETURN_IF_ERROR(remove_incomplete_below(std::numeric_limits<int64_t>::max()));

  // Every entry of shared/ that no completed checkpoint of any run references.
  EDDY_ASSIGN_OR_RETURN(std::vector<std::string> keep, shared_references({}));
  std::vector<std::string> unreferenced;
  std::error_code ec;
  fs::recursive_directory_iterator sit(shared_dir(), ec);
  if (ec == std::errc::no_such_file_or_directory) return Status::ok();
  if (ec) return Status::io_error("cannot list '" + shared_dir() + "': " + ec.message());
  for (; sit != fs::recursive_directory_iterator(); sit.increment(ec)) {
    if (!sit->is_directory(ec))
      unreferenced.push_back(sit->path().lexically_relative(shared_dir()).string());
  }
  if (ec) return Status::io_error("cannot list '" + shared_dir() + "': " + ec.message());
  Result<size_t> deleted = delete_shared(unreferenced, keep);
  return deleted.status();
}

}  // namespace eddy
