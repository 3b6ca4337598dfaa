// One `eddy bench FILE` run in a child process, and the figures it printed:
// shared by `eddy bench --runs/--against` (bench_compare.cpp) and
// `eddy bench nexmark` (bench_nexmark.cpp). A fresh process per run: no run
// inherits another's heap, page cache of its own state or forked children.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace eddy {

/// One run's figures, from its `pipeline=... seconds=...` line.
struct BenchRun {
  std::string pipeline;
  double seconds = 0;
  double records_per_s = 0;
  double cpu_s = 0;
  double peak_rss_mib = 0;
  int64_t checkpoints = 0;  // completed, from the summary's "checkpoints: N completed" (none: 0)
};

/// How a child run ended when it printed no figures.
struct BenchFailure {
  int exit_code = -1;  // -1: killed by a signal or never started
  std::string output;  // its stdout and stderr
  std::string why;     // one line for the user
};

/// Runs `eddy bench file [-p n]` in a child process, its stdout and stderr
/// into one pipe; true with `run` filled when it exits 0 with figures.
bool run_bench_child(const std::string& file, int parallelism, BenchRun& run, BenchFailure& failure,
                     const std::vector<std::string>& init = {});

double median(std::vector<double> values);

}  // namespace eddy
