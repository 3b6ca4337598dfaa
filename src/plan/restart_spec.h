// RestartSpec: the pipeline's `restart:` section (docs/checkpoints.md,
// "Recovery and restarts"), read by restart_spec.cpp and acted on by the
// job master through RestartBackoff (src/runtime/restart_backoff.h). Names
// and defaults follow Flink's restart-strategy.* options (Flink 1.20).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace eddy {

struct Diagnostic;
struct PipelineSpec;

/// Flink's restart-strategy.type values that eddy has.
enum class RestartStrategy {
  kNone,              // a failure fails the job
  kFixedDelay,        // `attempts` restarts, `delay` apart
  kExponentialDelay,  // restarts with a growing backoff, reset after a quiet spell
};
const char* restart_strategy_name(RestartStrategy s);

/// What the job master does when a subtask fails with a failure a restart can
/// cure. Without a `restart:` section the strategy is exponential-delay when
/// checkpoints are on and none otherwise (Flink's defaults). A section without
/// `strategy:` is fixed-delay (`attempts`, `delay`), as before strategies existed.
struct RestartSpec {
  RestartStrategy strategy = RestartStrategy::kNone;
  /// True when the pipeline file has a `restart:` section (else the default applies).
  bool configured = false;
  // fixed-delay (restart-strategy.fixed-delay.*)
  int32_t attempts = 1;         // restarts before the job fails (Flink's default: 1)
  int64_t delay_us = 1000000;   // wait before each restart (1 s)
  // exponential-delay (restart-strategy.exponential-delay.*)
  int64_t initial_backoff_us = 1000000;              // the first backoff (1 s)
  int64_t max_backoff_us = 60000000;                 // the largest backoff (1 min)
  double backoff_multiplier = 1.5;                   // each restart in a row multiplies it
  double jitter_factor = 0.1;                        // +- this share of the backoff, at random
  int64_t reset_backoff_threshold_us = 3600000000;   // this long without failure resets it (1 h)
  /// Restarts in a row (without a reset) before the job fails; Flink's default
  /// is "infinite" (Integer.MAX_VALUE).
  int32_t attempts_before_reset_backoff = std::numeric_limits<int32_t>::max();
};

/// Reads a `restart:` section into spec.restart, with a Diagnostic for each
/// wrong key or value (at its position).
void read_restart(const YAML::Node& node, PipelineSpec& spec, std::vector<Diagnostic>& diags);

/// Resolves spec.restart once the whole file is read: the default strategy
/// when the file has no `restart:` section.
void apply_restart_default(PipelineSpec& spec);

/// A duration as a setting is written: "1h", "5m", "1s", "200ms", "1500us".
std::string duration_setting_text(int64_t us);

/// "exponential-delay (backoff 1s to 1m, ...)" for logs.
std::string describe_restart(const RestartSpec& spec);

}  // namespace eddy
