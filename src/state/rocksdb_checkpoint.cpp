// Incremental RocksDB checkpoint files: copy with fsync, upload, download.
#include "state/rocksdb_checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <iterator>
#include <random>
#include <system_error>
#include <vector>

#include "core/file_sync.h"

namespace eddy {
namespace fs = std::filesystem;
namespace {

Status errno_error(const std::string& what) {
  return Status::io_error(what + ": " + std::strerror(errno));
}

bool is_sst(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0;
}

/// Closes a descriptor on every path out of a function.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string random_hex128() {
  static thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (int half = 0; half < 2; ++half) {
    uint64_t v = gen();
    for (int i = 0; i < 16; ++i, v >>= 4) out.push_back(digits[v & 0xF]);
  }
  return out;
}

Status copy_file_synced(const std::string& from, const std::string& to, int64_t& bytes) {
  bytes = 0;
  Fd in{::open(from.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) return errno_error("cannot read " + from);
  Fd out{::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (out.fd < 0) return errno_error("cannot create " + to);
  EDDY_RETURN_IF_ERROR(copy_descriptor(in.fd, out.fd, from, to,
                                       [&bytes](const char*, size_t n) { bytes += static_cast<int64_t>(n); }));
  if (::fsync(out.fd) != 0) return errno_error("cannot fsync " + to);
  return Status::ok();
}

Status link_or_copy_synced(const std::string& from, const std::string& to, int64_t& bytes) {
  if (::link(from.c_str(), to.c_str()) != 0) {
    // Another file system (or one without hard links): a copy it is.
    if (errno == EXDEV || errno == EPERM || errno == EOPNOTSUPP || errno == EMLINK)
      return copy_file_synced(from, to, bytes);
    return errno_error("cannot link " + from + " to " + to);
  }
  // RocksDB syncs an SST before it becomes part of the database, so this
  // finds nothing left to write; it is here for files that come otherwise.
  Fd f{::open(to.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return errno_error("cannot read " + to);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return errno_error("cannot stat " + to);
  if (::fsync(f.fd) != 0) return errno_error("cannot fsync " + to);
  bytes = static_cast<int64_t>(st.st_size);
  return Status::ok();
}

Result<RocksDbSnapshot> IncrementalUploads::upload(int64_t checkpoint_id,
                                                   const std::string& checkpoint_dir,
                                                   const std::string& shared_dir,
                                                   const std::string& private_dir,
                                                   KeyGroupRange key_groups) {
  std::error_code ec;
  fs::create_directories(shared_dir, ec);
  if (!ec) fs::create_directories(private_dir, ec);
  if (ec) return Status::io_error("cannot create checkpoint directories: " + ec.message());

  RocksDbSnapshot snap;
  snap.kg_start = key_groups.start;
  snap.kg_end = key_groups.end;
  std::map<std::string, RocksDbFile> ssts;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(checkpoint_dir, ec))
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  if (ec) return Status::io_error("cannot list " + checkpoint_dir + ": " + ec.message());
  std::sort(names.begin(), names.end());

  for (const std::string& name : names) {
    const std::string from = (fs::path(checkpoint_dir) / name).string();
    RocksDbFile f;
    f.local_name = name;
    f.shared = is_sst(name);
    auto stored = f.shared ? stored_.find(name) : stored_.end();
    if (stored != stored_.end()) {
      f = stored->second;  // referenced, not copied again
    } else {
      // Private files get fresh names too, so two checkpoints may share a private_dir.
      f.stored_name = random_hex128() + (f.shared ? ".sst" : "-" + name);
      const std::string to = (fs::path(f.shared ? shared_dir : private_dir) / f.stored_name).string();
      // An SST is immutable: storage may hold it as another name of the same
      // file. The other files (MANIFEST, OPTIONS) are small, and copied.
      EDDY_RETURN_IF_ERROR(f.shared ? link_or_copy_synced(from, to, f.size) : copy_file_synced(from, to, f.size));
      snap.incremental_bytes += f.size;
    }
    snap.full_bytes += f.size;
    if (f.shared) ssts[name] = f;
    snap.files.push_back(std::move(f));
  }
  EDDY_RETURN_IF_ERROR(sync_directory(shared_dir));
  EDDY_RETURN_IF_ERROR(sync_directory(private_dir));
  pending_[checkpoint_id] = std::move(ssts);
  return snap;
}

void IncrementalUploads::complete(int64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // unknown, or subsumed by a later completed checkpoint
  stored_ = std::move(it->second);
  pending_.erase(pending_.begin(), std::next(it));
}

void IncrementalUploads::reset_to(const RocksDbSnapshot& snap) {
  pending_.clear();
  stored_.clear();
  for (const RocksDbFile& f : snap.files)
    if (f.shared) stored_[f.local_name] = f;
}

Status download_snapshot(const RocksDbSnapshot& snap, const std::string& shared_dir,
                         const std::string& private_dir, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::io_error("cannot create " + dir + ": " + ec.message());
  for (const RocksDbFile& f : snap.files) {
    if (f.local_name.empty() || f.local_name.find('/') != std::string::npos ||
        f.stored_name.find('/') != std::string::npos || f.local_name == "..")
      return Status::invalid("RocksDB snapshot names a file outside its directories");
    const std::string from =
        (fs::path(f.shared ? shared_dir : private_dir) / f.stored_name).string();
    int64_t bytes = 0;
    EDDY_RETURN_IF_ERROR(copy_file_synced(from, (fs::path(dir) / f.local_name).string(), bytes));
    if (bytes != f.size)
      return Status::io_error("RocksDB snapshot file " + from + " has " + std::to_string(bytes) +
                              " bytes, expected " + std::to_string(f.size));
  }
  return Status::ok();
}

}  // namespace eddy
