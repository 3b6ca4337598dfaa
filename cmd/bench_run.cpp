// Runs `eddy bench FILE` in a child process and reads the figures it prints.
#include "cmd/bench_run.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>

extern char** environ;

namespace eddy {
namespace {

std::string self_path() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "eddy";
  return std::string(buf, static_cast<size_t>(n));
}

bool parse_figures(const std::string& output, BenchRun& run) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("checkpoints: ", 0) == 0) run.checkpoints = std::atoll(line.c_str() + 13);
    if (line.rfind("pipeline=", 0) != 0) continue;
    std::map<std::string, std::string> fields;
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
      const size_t eq = word.find('=');
      if (eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
    }
    for (const char* key : {"pipeline", "seconds", "records_per_s", "cpu_s", "peak_rss_mib"})
      if (fields.count(key) == 0) return false;
    run.pipeline = fields["pipeline"];
    run.seconds = std::atof(fields["seconds"].c_str());
    run.records_per_s = std::atof(fields["records_per_s"].c_str());
    run.cpu_s = std::atof(fields["cpu_s"].c_str());
    run.peak_rss_mib = std::atof(fields["peak_rss_mib"].c_str());
    return true;
  }
  return false;
}

/// Starts `args` with stdout and stderr into one pipe; collects the output
/// and the wait status. False (with why) when it could not start.
bool spawn_and_collect(const std::vector<std::string>& args, std::string& output, int& status,
                       std::string& why) {
  std::vector<char*> argv;
  std::vector<std::string> owned = args;
  for (auto& a : owned) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) {
    why = std::string("cannot make a pipe: ") + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, owned[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    why = "cannot start " + owned[0] + ": " + std::strerror(rc);
    return false;
  }
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return true;
}

}  // namespace

bool run_bench_child(const std::string& file, int parallelism, BenchRun& run, BenchFailure& failure,
                     const std::vector<std::string>& init) {
  std::vector<std::string> args{self_path(), "bench", file};
  for (const std::string& i : init) {
    args.push_back("-i");
    args.push_back(i);
  }
  if (parallelism > 0) {
    args.push_back("-p");
    args.push_back(std::to_string(parallelism));
  }
  int status = 0;
  if (!spawn_and_collect(args, failure.output, status, failure.why)) return false;
  failure.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (failure.exit_code == 0 && parse_figures(failure.output, run)) return true;
  failure.why = "eddy bench " + file + " failed (" +
                (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                   : "signal " + std::to_string(WTERMSIG(status))) + ")";
  return false;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace eddy
