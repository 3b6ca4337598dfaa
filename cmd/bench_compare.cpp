// `eddy bench PIPELINE --against BASELINE --runs N`: runs the two pipelines
// alternately, N times each, every run in a fresh eddy process (no run inherits
// another's heap, page cache of its own state or forked children), prints each
// run's figures and then the medians. One run varies by up to a third on a
// shared machine; the median of alternated runs is what a target such as
// "checkpoints cost at most 10 % of throughput" is checked against.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cmd/commands.h"

extern char** environ;

namespace eddy {
namespace {

/// One `eddy bench FILE` run's figures, from its `pipeline=... seconds=...` line.
struct BenchRun {
  std::string pipeline;
  double seconds = 0;
  double records_per_s = 0;
  double cpu_s = 0;
  double peak_rss_mib = 0;
};

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

/// Runs `eddy bench file [-p n]` in a child process, its stdout and stderr
/// into one pipe; false (with why in `error`) unless it exits 0 with figures.
bool run_once(const std::string& file, int parallelism, BenchRun& run, std::string& error) {
  const std::string exe = self_path();
  std::vector<std::string> args{exe, "bench", file};
  if (parallelism > 0) {
    args.push_back("-p");
    args.push_back(std::to_string(parallelism));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) {
    error = std::string("cannot make a pipe: ") + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    error = "cannot start " + exe + ": " + std::strerror(rc);
    return false;
  }
  std::string output;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !parse_figures(output, run)) {
    error = "eddy bench " + file + " failed (" +
            (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                               : "signal " + std::to_string(WTERMSIG(status))) +
            "); its output:\n" + output;
    return false;
  }
  return true;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Medians {
  double seconds, records_per_s, cpu_s, peak_rss_mib;
};

Medians medians_of(const std::vector<BenchRun>& runs) {
  std::vector<double> s, r, c, m;
  for (const auto& x : runs) {
    s.push_back(x.seconds);
    r.push_back(x.records_per_s);
    c.push_back(x.cpu_s);
    m.push_back(x.peak_rss_mib);
  }
  return Medians{median(s), median(r), median(c), median(m)};
}

void print_run(const char* role, int i, int n, const BenchRun& r) {
  std::printf("run %d/%d %-8s %-40s %8.3f s %10.0f records/s %8.3f CPU-s %8.1f MiB\n", i, n, role,
              r.pipeline.c_str(), r.seconds, r.records_per_s, r.cpu_s, r.peak_rss_mib);
  std::fflush(stdout);
}

double percent(double value, double base) { return base > 0 ? (value / base - 1) * 100 : 0; }

}  // namespace

int run_bench_compare(const BenchCompareOptions& opt) {
  const bool against = !opt.against.empty();
  std::vector<BenchRun> runs, base_runs;
  for (int i = 1; i <= opt.runs; ++i) {
    // Alternating, the baseline first: slow phases of a shared machine hit both.
    for (bool is_base : {true, false}) {
      if (is_base && !against) continue;
      BenchRun r;
      std::string error;
      if (!run_once(is_base ? opt.against : opt.pipeline, opt.parallelism, r, error)) {
        std::fprintf(stderr, "eddy bench: %s\n", error.c_str());
        return kExitJobFailed;
      }
      (is_base ? base_runs : runs).push_back(r);
      print_run(is_base ? "baseline" : "pipeline", i, opt.runs, r);
    }
  }
  const Medians m = medians_of(runs);
  std::printf("median of %d: pipeline=%s seconds=%.3f records_per_s=%.0f cpu_s=%.3f peak_rss_mib=%.1f\n",
              opt.runs, runs.front().pipeline.c_str(), m.seconds, m.records_per_s, m.cpu_s,
              m.peak_rss_mib);
  if (against) {
    const Medians b = medians_of(base_runs);
    std::printf("median of %d: baseline=%s seconds=%.3f records_per_s=%.0f cpu_s=%.3f peak_rss_mib=%.1f\n",
                opt.runs, base_runs.front().pipeline.c_str(), b.seconds, b.records_per_s, b.cpu_s,
                b.peak_rss_mib);
    std::printf("against baseline: records_per_s %+.1f %%, cpu_s %+.1f %%, seconds %+.1f %%\n",
                percent(m.records_per_s, b.records_per_s), percent(m.cpu_s, b.cpu_s),
                percent(m.seconds, b.seconds));
  }
  return kExitOk;
}

}  // namespace eddy
