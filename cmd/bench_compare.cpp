// `eddy bench PIPELINE --against BASELINE --runs N`: runs the two pipelines
// alternately, N times each, every run in a fresh eddy process (no run inherits
// another's heap, page cache of its own state or forked children), prints each
// run's figures and then the medians. One run varies by up to a third on a
// shared machine; the median of alternated runs is what a target such as
// "checkpoints cost at most 10 % of throughput" is checked against.
#include <cstdio>
#include <string>
#include <vector>

#include "cmd/bench_run.h"
#include "cmd/commands.h"

namespace eddy {
namespace {

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
      BenchFailure failure;
      if (!run_bench_child(is_base ? opt.against : opt.pipeline, opt.parallelism, r, failure, opt.init)) {
        std::fprintf(stderr, "eddy bench: %s; its output:\n%s", failure.why.c_str(), failure.output.c_str());
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
