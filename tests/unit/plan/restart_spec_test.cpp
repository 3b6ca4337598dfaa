// Unit tests of the `restart:` section (src/plan/restart_spec.h): the
// strategies, Flink's defaults, the default strategy with and without
// checkpoints, and refused values at their position.
#include <doctest/doctest.h>

#include "plan/pipeline_parser.h"

using namespace eddy;

namespace {

const char* kSources = R"(sources:
  - name: gen
    type: datagen
    rows: 10
    fields: { id: { kind: sequence } }
sinks:
  - { name: out, input: gen, type: blackhole }
)";

/// A pipeline with `settings` (top-level YAML) before its sources.
PipelineSpec parse(const std::string& settings, std::vector<Diagnostic>& diags) {
  return parse_pipeline("p.yaml", "name: r\n" + settings + kSources, diags);
}

std::string dump(const std::vector<Diagnostic>& diags) { return render_diagnostics("p.yaml", diags); }

bool has_error(const std::vector<Diagnostic>& diags, int line, int column, const std::string& text) {
  for (const auto& d : diags)
    if (d.loc.line == line && d.loc.column == column && d.message.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a job with checkpoints and no restart section restarts with exponential delay, as Flink") {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse("checkpoints: { interval: 1s, dir: ck }\n", diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(spec.restart.strategy == RestartStrategy::kExponentialDelay);
  CHECK_FALSE(spec.restart.configured);
  CHECK(spec.restart.initial_backoff_us == 1000000);
  CHECK(spec.restart.max_backoff_us == 60000000);
  CHECK(describe_restart(spec.restart) ==
        "exponential-delay (backoff 1s to 1m, x1.5, jitter 0.1, reset after 1h without failure, no limit on restarts)");
}

TEST_CASE("a job without checkpoints and without a restart section does not restart") {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse("", diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(spec.restart.strategy == RestartStrategy::kNone);
}

TEST_CASE("a restart section without a strategy is fixed-delay, and none turns restarts off") {
  std::vector<Diagnostic> diags;
  PipelineSpec fixed = parse("restart: { attempts: 3, delay: 200ms }\n", diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(fixed.restart.strategy == RestartStrategy::kFixedDelay);
  CHECK(fixed.restart.attempts == 3);
  CHECK(fixed.restart.delay_us == 200000);
  PipelineSpec one = parse("restart: { strategy: fixed-delay }\n", diags);
  CHECK(one.restart.attempts == 1);  // Flink's restart-strategy.fixed-delay.attempts
  PipelineSpec none = parse("checkpoints: { interval: 1s, dir: ck }\nrestart: { strategy: none }\n", diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(none.restart.strategy == RestartStrategy::kNone);
}

TEST_CASE("every exponential-delay key is read") {
  std::vector<Diagnostic> diags;
  PipelineSpec spec = parse(R"(restart:
  strategy: exponential-delay
  initial_backoff: 200ms
  max_backoff: 10s
  backoff_multiplier: 2
  jitter_factor: 0
  reset_backoff_threshold: 5m
  attempts_before_reset_backoff: 8
)",
                            diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  const RestartSpec& rs = spec.restart;
  CHECK(rs.strategy == RestartStrategy::kExponentialDelay);
  CHECK(rs.initial_backoff_us == 200000);
  CHECK(rs.max_backoff_us == 10000000);
  CHECK(rs.backoff_multiplier == 2.0);
  CHECK(rs.jitter_factor == 0.0);
  CHECK(rs.reset_backoff_threshold_us == 300000000);
  CHECK(rs.attempts_before_reset_backoff == 8);
  PipelineSpec infinite =
      parse("restart: { strategy: exponential-delay, attempts_before_reset_backoff: infinite }\n", diags);
  REQUIRE_MESSAGE(diags.empty(), dump(diags));
  CHECK(infinite.restart.attempts_before_reset_backoff == 2147483647);
}

TEST_CASE("restart values Flink refuses are refused at their position") {
  std::vector<Diagnostic> diags;
  parse(R"(restart:
  strategy: exponential-delay
  initial_backoff: 2m
  backoff_multiplier: 1
  jitter_factor: 1.5
  attempts_before_reset_backoff: 0
  attempts: 3
)",
        diags);
  CHECK_MESSAGE(has_error(diags, 5, 23, "'backoff_multiplier' of restart must be greater than 1"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 6, 18, "'jitter_factor' of restart must be between 0 and 1"), dump(diags));
  CHECK_MESSAGE(has_error(diags, 4, 20, "'initial_backoff' of restart (2m) must not be longer than 'max_backoff' (1m)"),
                dump(diags));
  CHECK_MESSAGE(has_error(diags, 7, 34, "'attempts_before_reset_backoff' of restart must be between 1 and"),
                dump(diags));
  CHECK_MESSAGE(has_error(diags, 8, 13, "'attempts' of restart goes with 'strategy: fixed-delay', not with "
                                        "exponential-delay"),
                dump(diags));
  diags.clear();
  parse("restart: { strategy: exponential, delay: 1s }\n", diags);
  CHECK_MESSAGE(has_error(diags, 2, 22, "'strategy' of restart must be one of fixed-delay | exponential-delay | none"),
                dump(diags));
}
