// The `restart:` section of a pipeline file: its strategy and each strategy's
// keys (Flink's restart-strategy.* options in the file's snake_case), the
// checks Flink makes on them, and the default when the section is absent.
// Called by pipeline_parser.cpp.
#include "plan/restart_spec.h"

#include <cstdio>

#include "plan/yaml_reader.h"

namespace eddy {
namespace {

const std::vector<std::string> kFixedDelayKeys = {"attempts", "delay"};
const std::vector<std::string> kExponentialDelayKeys = {
    "initial_backoff", "max_backoff",           "backoff_multiplier",
    "jitter_factor",   "reset_backoff_threshold", "attempts_before_reset_backoff"};

/// Keys of another strategy than `strategy` are refused at their position.
void refuse_other_keys(MapReader& r, RestartStrategy strategy) {
  auto refuse = [&](const std::vector<std::string>& keys, RestartStrategy owner) {
    if (owner == strategy) return;
    for (const auto& k : keys)
      if (r.has(k))
        r.error(r.get(k), "'" + k + "' of restart goes with 'strategy: " + restart_strategy_name(owner) +
                              "', not with " + restart_strategy_name(strategy));
  };
  refuse(kFixedDelayKeys, RestartStrategy::kFixedDelay);
  refuse(kExponentialDelayKeys, RestartStrategy::kExponentialDelay);
}

/// A duration that must be at least 1 ms (Flink's bound on every backoff).
void read_backoff(MapReader& r, const std::string& key, int64_t& out) {
  auto d = r.duration_us(key);
  if (!d) return;
  if (*d < 1000) return r.error(r.get(key), "'" + key + "' of restart must be at least 1ms");
  out = *d;
}

void read_exponential_delay(MapReader& r, RestartSpec& rs) {
  read_backoff(r, "initial_backoff", rs.initial_backoff_us);
  read_backoff(r, "max_backoff", rs.max_backoff_us);
  read_backoff(r, "reset_backoff_threshold", rs.reset_backoff_threshold_us);
  if (rs.initial_backoff_us > rs.max_backoff_us)
    r.error(r.has("initial_backoff") ? r.get("initial_backoff") : r.get("max_backoff"),
            "'initial_backoff' of restart (" + duration_setting_text(rs.initial_backoff_us) +
                ") must not be longer than 'max_backoff' (" + duration_setting_text(rs.max_backoff_us) + ")");
  if (auto m = r.number("backoff_multiplier")) {
    if (!(*m > 1.0 && *m <= 1000.0)) r.error(r.get("backoff_multiplier"), "'backoff_multiplier' of restart must be "
                                                                            "greater than 1 (and at most 1000)");
    else rs.backoff_multiplier = *m;
  }
  if (auto j = r.number("jitter_factor")) {
    if (!(*j >= 0.0 && *j <= 1.0)) r.error(r.get("jitter_factor"), "'jitter_factor' of restart must be between 0 and 1");
    else rs.jitter_factor = *j;
  }
  YAML::Node n = r.get("attempts_before_reset_backoff");
  if (n.IsDefined() && n.IsScalar() && n.Scalar() == "infinite") return;  // the default
  if (auto a = r.integer("attempts_before_reset_backoff", 1, std::numeric_limits<int32_t>::max()))
    rs.attempts_before_reset_backoff = static_cast<int32_t>(*a);
}

}  // namespace

std::string duration_setting_text(int64_t us) {
  const std::pair<int64_t, const char*> units[] = {{3600000000, "h"}, {60000000, "m"}, {1000000, "s"}, {1000, "ms"}};
  for (const auto& [size, unit] : units)
    if (us != 0 && us % size == 0) return std::to_string(us / size) + unit;
  return std::to_string(us) + "us";
}

const char* restart_strategy_name(RestartStrategy s) {
  switch (s) {
    case RestartStrategy::kNone: return "none";
    case RestartStrategy::kFixedDelay: return "fixed-delay";
    case RestartStrategy::kExponentialDelay: return "exponential-delay";
  }
  return "none";
}

void read_restart(const YAML::Node& node, PipelineSpec& spec, std::vector<Diagnostic>& diags) {
  MapReader r(node, "restart", diags);
  if (!r.valid()) return;
  RestartSpec& rs = spec.restart;
  rs.configured = true;
  rs.strategy = RestartStrategy::kFixedDelay;
  if (auto s = r.choice("strategy", {"fixed-delay", "exponential-delay", "none"})) {
    rs.strategy = *s == "none" ? RestartStrategy::kNone
                : *s == "exponential-delay" ? RestartStrategy::kExponentialDelay
                                            : RestartStrategy::kFixedDelay;
  }
  refuse_other_keys(r, rs.strategy);
  if (rs.strategy == RestartStrategy::kFixedDelay) {
    rs.attempts = static_cast<int32_t>(r.integer("attempts", 0, 1000000).value_or(rs.attempts));
    rs.delay_us = r.duration_us("delay").value_or(rs.delay_us);
  } else if (rs.strategy == RestartStrategy::kExponentialDelay) {
    read_exponential_delay(r, rs);
  }
  r.reject_unknown_keys();
}

void apply_restart_default(PipelineSpec& spec) {
  if (spec.restart.configured) return;
  spec.restart.strategy = spec.checkpoints.enabled ? RestartStrategy::kExponentialDelay : RestartStrategy::kNone;
}

std::string describe_restart(const RestartSpec& rs) {
  std::string out = restart_strategy_name(rs.strategy);
  if (rs.strategy == RestartStrategy::kFixedDelay)
    return out + " (" + std::to_string(rs.attempts) + " attempts, " + duration_setting_text(rs.delay_us) + " apart)";
  if (rs.strategy != RestartStrategy::kExponentialDelay) return out;
  char factors[64];
  std::snprintf(factors, sizeof factors, "x%g, jitter %g", rs.backoff_multiplier, rs.jitter_factor);
  out += " (backoff " + duration_setting_text(rs.initial_backoff_us) + " to " + duration_setting_text(rs.max_backoff_us) +
         ", " + factors + ", reset after " + duration_setting_text(rs.reset_backoff_threshold_us) + " without failure, ";
  if (rs.attempts_before_reset_backoff == std::numeric_limits<int32_t>::max()) return out + "no limit on restarts)";
  return out + std::to_string(rs.attempts_before_reset_backoff) + " restarts in a row at most)";
}

}  // namespace eddy
