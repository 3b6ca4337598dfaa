#include "state/local_state_dir.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>

namespace eddy {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kPrefix = "eddy-";

fs::path base_dir(const std::string& base) {
  std::error_code ec;
  return base.empty() ? fs::temp_directory_path(ec) : fs::path(base);
}

/// The pid of an "eddy-<pid>" name; 0 for any other name.
pid_t pid_of(const std::string& name) {
  if (name.compare(0, kPrefix.size(), kPrefix) != 0) return 0;
  long pid = 0;
  const char* begin = name.data() + kPrefix.size();
  const char* end = name.data() + name.size();
  const auto [ptr, err] = std::from_chars(begin, end, pid);
  return err == std::errc() && ptr == end && ptr != begin && pid > 0 ? static_cast<pid_t>(pid) : 0;
}

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

std::string process_local_dir(const std::string& base) {
  return (base_dir(base) / (std::string(kPrefix) + std::to_string(::getpid()))).string();
}

size_t remove_stale_local_dirs(const std::string& base) {
  size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(base_dir(base), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const pid_t pid = pid_of(it->path().filename().string());
    std::error_code type_ec;
    if (pid == 0 || pid == ::getpid() || !it->is_directory(type_ec) || !process_gone(pid)) continue;
    std::error_code rm_ec;
    fs::remove_all(it->path(), rm_ec);
    if (!rm_ec) ++removed;
  }
  return removed;
}

}  // namespace eddy
