// SET 'key' = 'value' of a script: Flink's option keys mapped onto the job's
// settings (docs/sql.md, "SET keys"). Part of the SQL planner (sql_lowering.h).
#include <cctype>
#include <limits>

#include "sql/sql_lowering.h"

namespace eddy::sql {
namespace {

/// Flink's duration syntax: "10 s", "10s", "1 min", "500 ms", "10000" (ms).
std::optional<int64_t> flink_duration_us(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  const size_t digits = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == digits || i - digits > 12) return std::nullopt;
  const int64_t n = std::stoll(text.substr(digits, i - digits));
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit = upper(text.substr(i));
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"", 1000},          {"MS", 1000},           {"MILLI", 1000},       {"MILLIS", 1000},
      {"MILLISECOND", 1000}, {"MILLISECONDS", 1000}, {"S", 1000000},      {"SEC", 1000000},
      {"SECS", 1000000},   {"SECOND", 1000000},    {"SECONDS", 1000000},  {"MIN", 60000000},
      {"MINS", 60000000},  {"MINUTE", 60000000},   {"MINUTES", 60000000}, {"H", 3600000000},
      {"HOUR", 3600000000}, {"HOURS", 3600000000}, {"D", 86400000000},    {"DAY", 86400000000},
      {"DAYS", 86400000000}};
  for (const auto& [name, us] : kUnits)
    if (unit == name) return n * us;
  return std::nullopt;
}

}  // namespace

void Lowering::set_option(const SetOption& o) {
  const std::string& k = o.key;
  const std::string& v = o.value;
  auto positive_int = [&](int64_t max) -> std::optional<int64_t> {
    try {
      size_t used = 0;
      const long long n = std::stoll(v, &used);
      if (used == v.size() && n >= 1 && n <= max) return n;
    } catch (...) {
    }
    error(o.value_loc, "'" + k + "' must be an integer from 1 to " + std::to_string(max) + ", not '" + v + "'");
    return std::nullopt;
  };
  auto duration = [&]() -> std::optional<int64_t> {
    auto us = flink_duration_us(v);
    if (!us) error(o.value_loc, "'" + k + "' must be a duration such as '10 s', '500 ms' or '1 min', not '" + v + "'");
    return us;
  };
  if (k == "parallelism.default") {
    if (auto n = positive_int(32768)) spec_.parallelism = static_cast<int32_t>(*n);
  } else if (k == "pipeline.max-parallelism") {
    if (auto n = positive_int(32768)) {
      spec_.max_parallelism = static_cast<int32_t>(*n);
      spec_.max_parallelism_set = true;
      spec_.max_parallelism_loc = o.value_loc;
    }
  } else if (k == "pipeline.name") {
    spec_.name = v;
  } else if (k == "execution.checkpointing.interval") {
    if (auto us = duration()) {
      spec_.checkpoints.enabled = *us > 0;
      spec_.checkpoints.interval_us = *us;
    }
  } else if (k == "execution.checkpointing.dir" || k == "state.checkpoints.dir") {
    spec_.checkpoints.dir = v.rfind("file://", 0) == 0 ? v.substr(7) : v;
    spec_.checkpoints.dir_loc = o.value_loc;
  } else if (k == "execution.checkpointing.num-retained" || k == "state.checkpoints.num-retained") {
    if (auto n = positive_int(1000)) spec_.checkpoints.retain = static_cast<int32_t>(*n);
  } else if (k == "execution.checkpointing.timeout") {
    if (auto us = duration()) spec_.checkpoints.timeout_us = *us;
  } else if (k == "execution.checkpointing.mode") {
    if (upper(v) != "EXACTLY_ONCE") error(o.value_loc, "eddy's checkpoints are EXACTLY_ONCE only");
  } else if (k == "execution.runtime-mode") {
    if (upper(v) != "STREAMING") error(o.value_loc, "eddy runs in STREAMING mode only (bounded sources end the job)");
  } else if (k == "state.backend.type" || k == "state.backend") {
    if (v == "hashmap" || v == "heap") spec_.state_backend = "heap";
    else if (v == "rocksdb") spec_.state_backend = "rocksdb";
    else error(o.value_loc, "'" + k + "' must be 'hashmap' or 'rocksdb', not '" + v + "'");
  } else if (k == "restart-strategy.type" || k == "restart-strategy") {
    spec_.restart.configured = true;
    const std::string s = upper(v);
    if (s == "NONE" || s == "OFF" || s == "DISABLE" || s == "NO_RESTART") spec_.restart.strategy = RestartStrategy::kNone;
    else if (s == "FIXED-DELAY" || s == "FIXEDDELAY") spec_.restart.strategy = RestartStrategy::kFixedDelay;
    else if (s == "EXPONENTIAL-DELAY" || s == "EXPONENTIALDELAY") spec_.restart.strategy = RestartStrategy::kExponentialDelay;
    else error(o.value_loc, "'" + k + "' must be 'none', 'fixed-delay' or 'exponential-delay', not '" + v + "'");
  } else if (k == "restart-strategy.fixed-delay.attempts") {
    if (auto n = positive_int(std::numeric_limits<int32_t>::max())) spec_.restart.attempts = static_cast<int32_t>(*n);
  } else if (k == "restart-strategy.fixed-delay.delay") {
    if (auto us = duration()) spec_.restart.delay_us = *us;
  } else if (k == "table.exec.state.ttl") {
    if (auto us = duration()) state_ttl_ms_ = *us / 1000;
  } else if (k == "table.exec.source.idle-timeout") {
    if (auto us = duration()) idle_timeout_us_ = *us;
  } else if (k == "metrics.interval") {
    if (upper(v) == "OFF") spec_.metrics_interval_us = 0;
    else if (auto us = duration()) spec_.metrics_interval_us = *us;
  } else {
    error(o.key_loc, "unknown key '" + k + "'; eddy takes parallelism.default, pipeline.max-parallelism, "
                     "pipeline.name, execution.checkpointing.interval, execution.checkpointing.dir (or "
                     "state.checkpoints.dir), execution.checkpointing.num-retained, execution.checkpointing.timeout, "
                     "execution.checkpointing.mode, execution.runtime-mode, state.backend.type, restart-strategy.type, "
                     "restart-strategy.fixed-delay.attempts, restart-strategy.fixed-delay.delay, "
                     "table.exec.state.ttl, table.exec.source.idle-timeout and metrics.interval");
  }
}

}  // namespace eddy::sql
