// RestartBackoff: fixed-delay counts restarts; exponential-delay follows
// Flink 1.20's ExponentialDelayRestartBackoffTimeStrategy: backoff n (from 0)
// is initial * multiplier^n +- jitter, within [initial, max]; a failure that
// comes reset_backoff_threshold or more after the last restart was due starts
// again from the initial backoff; more than attempts_before_reset_backoff
// restarts in a row fail the job.
#include "runtime/restart_backoff.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>


namespace eddy {

RestartBackoff::RestartBackoff(RestartSpec spec, std::function<double()> random01)
    : spec_(spec), random01_(std::move(random01)) {
  if (!random01_) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random01_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
}

RestartBackoff::Decision RestartBackoff::on_failure(const TaskFailure& failure, int64_t now_us) {
  Decision d;
  if (spec_.strategy == RestartStrategy::kNone) return d;  // no restart strategy: the failure alone says it
  if (!failure.restartable) {
    d.why_not = std::string("not restarted: a restart cannot cure ") +
                (failure.kind == FailureKind::kRecord       ? "a malformed record (it is read again)"
                 : failure.kind == FailureKind::kExpression ? "an expression error (the same record comes again)"
                 : failure.kind == FailureKind::kRestore    ? "a checkpoint or savepoint that does not restore"
                 : failure.kind == FailureKind::kInvalid    ? "a job that cannot run as configured"
                                                            : "this failure");
    return d;
  }
  switch (spec_.strategy) {
    case RestartStrategy::kNone: return d;
    case RestartStrategy::kFixedDelay:
      if (restarts_ >= spec_.attempts) {
        if (spec_.attempts > 0)
          d.why_not = "no restart left: " + std::to_string(spec_.attempts) + " were allowed (restart.attempts)";
        return d;
      }
      ++restarts_;
      in_a_row_ = restarts_;
      d.restart = true;
      d.delay_us = spec_.delay_us;
      return d;
    case RestartStrategy::kExponentialDelay: return exponential(now_us);
  }
  return d;
}

RestartBackoff::Decision RestartBackoff::exponential(int64_t now_us) {
  Decision d;
  if (next_restart_at_us_ && now_us <= *next_restart_at_us_) {
    // A failure of the attempt that is about to restart anyway: the same restart.
    d.restart = true;
    d.delay_us = *next_restart_at_us_ - now_us;
    return d;
  }
  if (!next_restart_at_us_ || now_us - *next_restart_at_us_ >= spec_.reset_backoff_threshold_us) in_a_row_ = 0;
  if (in_a_row_ >= spec_.attempts_before_reset_backoff) {
    d.why_not = "no restart left: " + std::to_string(in_a_row_) + " restarts in a row, each within " +
                duration_setting_text(spec_.reset_backoff_threshold_us) +
                " of the one before, were allowed (restart.attempts_before_reset_backoff)";
    return d;
  }
  const double grown = static_cast<double>(spec_.initial_backoff_us) * std::pow(spec_.backoff_multiplier, in_a_row_);
  const int64_t backoff = grown >= static_cast<double>(spec_.max_backoff_us) ? spec_.max_backoff_us
                                                                            : static_cast<int64_t>(grown);
  d.restart = true;
  d.delay_us = jittered(backoff);
  next_restart_at_us_ = now_us + d.delay_us;
  ++in_a_row_;
  ++restarts_;
  return d;
}

/// backoff +- up to jitter_factor of it, kept within [initial, max].
int64_t RestartBackoff::jittered(int64_t backoff_us) {
  const auto offset = static_cast<int64_t>(static_cast<double>(backoff_us) * spec_.jitter_factor);
  int64_t jitter = 0;
  if (offset > 0) {
    const double r = std::clamp(random01_(), 0.0, 1.0);
    jitter = std::min<int64_t>(static_cast<int64_t>(r * static_cast<double>(2 * offset + 1)) - offset, offset);
  }
  return std::clamp(backoff_us + jitter, spec_.initial_backoff_us, spec_.max_backoff_us);
}

}  // namespace eddy
