// RestartBackoff: the job master's restart strategy (docs/checkpoints.md,
// "Recovery and restarts"): given a failure and the time, restart after how
// long, or fail the job and why. Flink's RestartBackoffTimeStrategy, for
// fixed-delay, exponential-delay and none. Owned by the job_master actor; no
// clock or actor inside, so tests drive it with any times.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "plan/restart_spec.h"
#include "runtime/task_failure.h"

namespace eddy {

class RestartBackoff {
 public:
  /// `random01` draws the jitter, uniform in [0, 1); default: a seeded Mersenne twister.
  explicit RestartBackoff(RestartSpec spec, std::function<double()> random01 = {});

  struct Decision {
    bool restart = false;
    int64_t delay_us = 0;    // restart: wait this long first
    std::string why_not;     // !restart: why the job fails ("no restart left: ...")
  };

  /// Counts `failure`, which happened at `now_us` (any monotonic clock), and
  /// decides. A failure a restart cannot cure, or one the strategy has no
  /// restart left for, fails the job.
  Decision on_failure(const TaskFailure& failure, int64_t now_us);

  /// Restarts decided so far (the summary's count).
  int32_t restarts() const { return restarts_; }
  /// Restarts decided since the backoff was last reset (exponential-delay), or in all (fixed-delay).
  int32_t attempts_in_a_row() const { return in_a_row_; }
  const RestartSpec& spec() const { return spec_; }

 private:
  Decision exponential(int64_t now_us);
  int64_t jittered(int64_t backoff_us);

  RestartSpec spec_;
  std::function<double()> random01_;
  int32_t restarts_ = 0;
  int32_t in_a_row_ = 0;
  std::optional<int64_t> next_restart_at_us_;  // when the last restart was due (exponential-delay)
};

}  // namespace eddy
