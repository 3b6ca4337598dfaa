// Unit tests of RestartBackoff (src/runtime/restart_backoff.h): the restart
// strategies with their Flink defaults, driven with made-up times, and the
// failures no strategy restarts.
#include <doctest/doctest.h>

#include "runtime/restart_backoff.h"

using namespace eddy;

namespace {

constexpr int64_t kSecond = 1000000;

TaskFailure restartable() { return lost_failure("task manager 'tm1' at 10.0.0.7 was lost"); }

RestartSpec exponential(double jitter = 0.0) {
  RestartSpec rs;  // Flink's exponential-delay defaults
  rs.strategy = RestartStrategy::kExponentialDelay;
  rs.jitter_factor = jitter;
  return rs;
}

}  // namespace

TEST_CASE("the exponential-delay defaults are Flink's") {
  const RestartSpec rs;
  CHECK(rs.initial_backoff_us == 1 * kSecond);
  CHECK(rs.max_backoff_us == 60 * kSecond);
  CHECK(rs.backoff_multiplier == 1.5);
  CHECK(rs.jitter_factor == 0.1);
  CHECK(rs.reset_backoff_threshold_us == 3600 * kSecond);
  CHECK(rs.attempts_before_reset_backoff == 2147483647);
}

TEST_CASE("exponential-delay backoffs grow by the multiplier up to the maximum") {
  RestartBackoff b(exponential());
  std::vector<int64_t> delays;
  int64_t now = 0;
  for (int i = 0; i < 14; ++i) {
    auto d = b.on_failure(restartable(), now);
    REQUIRE(d.restart);
    delays.push_back(d.delay_us);
    now += d.delay_us + kSecond;  // runs a second after each restart, then fails again
  }
  CHECK(delays[0] == 1000000);
  CHECK(delays[1] == 1500000);
  CHECK(delays[2] == 2250000);
  CHECK(delays[3] == 3375000);
  CHECK(delays[10] == 57665039);  // 1s * 1.5^10
  CHECK(delays[11] == 60 * kSecond);
  CHECK(delays[13] == 60 * kSecond);
  CHECK(b.restarts() == 14);
}

TEST_CASE("exponential-delay starts from the initial backoff after running without failure for the threshold") {
  RestartSpec rs = exponential();
  rs.reset_backoff_threshold_us = 10 * kSecond;
  RestartBackoff b(rs);
  CHECK(b.on_failure(restartable(), 0).delay_us == 1000000);
  CHECK(b.on_failure(restartable(), 2 * kSecond).delay_us == 1500000);  // 1 s after the restart due at 1 s
  // The restart was due at 3.5 s; 10 s later the backoff is back at its start.
  CHECK(b.on_failure(restartable(), 13500000).delay_us == 1000000);
  CHECK(b.attempts_in_a_row() == 1);
  CHECK(b.restarts() == 3);
}

TEST_CASE("exponential-delay fails the job after attempts_before_reset_backoff restarts in a row") {
  RestartSpec rs = exponential();
  rs.attempts_before_reset_backoff = 2;
  RestartBackoff b(rs);
  CHECK(b.on_failure(restartable(), 0).restart);
  CHECK(b.on_failure(restartable(), 5 * kSecond).restart);
  auto third = b.on_failure(restartable(), 10 * kSecond);
  CHECK_FALSE(third.restart);
  CHECK_MESSAGE(third.why_not.find("no restart left: 2 restarts in a row") != std::string::npos, third.why_not);
  // After a quiet hour the count starts again.
  CHECK(b.on_failure(restartable(), 10 * kSecond + 3600 * kSecond).restart);
}

TEST_CASE("a failure while a restart is due joins that restart") {
  RestartBackoff b(exponential());
  CHECK(b.on_failure(restartable(), 0).delay_us == 1000000);
  auto same = b.on_failure(restartable(), 400000);
  CHECK(same.restart);
  CHECK(same.delay_us == 600000);
  CHECK(b.restarts() == 1);
}

TEST_CASE("jitter moves an exponential backoff by at most its share, never below the initial backoff") {
  double r = 0.0;
  RestartBackoff low(exponential(0.1), [&] { return r; });
  CHECK(low.on_failure(restartable(), 0).delay_us == 1000000);  // 0.9 s is clamped to the initial 1 s
  CHECK(low.on_failure(restartable(), 3 * kSecond).delay_us == 1350000);  // 1.5 s - 10 %
  r = 0.999999;
  RestartBackoff high(exponential(0.1), [&] { return r; });
  CHECK(high.on_failure(restartable(), 0).delay_us == 1100000);  // 1 s + 10 %
}

TEST_CASE("fixed-delay restarts its attempts, each after the delay, then fails the job") {
  RestartSpec rs;
  rs.strategy = RestartStrategy::kFixedDelay;
  rs.attempts = 2;
  rs.delay_us = 250000;
  RestartBackoff b(rs);
  for (int i = 0; i < 2; ++i) {
    auto d = b.on_failure(restartable(), i * kSecond);
    CHECK(d.restart);
    CHECK(d.delay_us == 250000);
  }
  auto last = b.on_failure(restartable(), 5 * kSecond);
  CHECK_FALSE(last.restart);
  CHECK(last.why_not == "no restart left: 2 were allowed (restart.attempts)");
}

TEST_CASE("no strategy restarts a failure that a restart cannot cure") {
  TaskFailure record = failure_from_status(Status::parse_error("in.csv:4: expected int64"), "rows", 0, 1);
  TaskFailure expression = record;
  expression.kind = FailureKind::kExpression;
  expression.restartable = false;
  RestartSpec fixed;
  fixed.strategy = RestartStrategy::kFixedDelay;
  fixed.attempts = 100;
  for (const RestartSpec& rs : {exponential(), fixed}) {
    RestartBackoff b(rs);
    auto d = b.on_failure(record, 0);
    CHECK_FALSE(d.restart);
    CHECK_MESSAGE(d.why_not.find("a restart cannot cure a malformed record") != std::string::npos, d.why_not);
    CHECK_FALSE(b.on_failure(expression, 0).restart);
    CHECK(b.restarts() == 0);
  }
}

TEST_CASE("strategy none never restarts and adds nothing to the failure") {
  RestartBackoff b(RestartSpec{});
  auto d = b.on_failure(restartable(), 0);
  CHECK_FALSE(d.restart);
  CHECK(d.why_not.empty());
}

TEST_CASE("a status keeps its kind and whether a restart can cure it as a task failure") {
  auto io = failure_from_status(Status::io_error("file sink: disk full"), "out", 1, 2);
  CHECK(io.kind == FailureKind::kIo);
  CHECK(io.restartable);
  CHECK(io.describe() == "'out' (subtask 2 of 2): file sink: disk full");
  auto settled_io = failure_from_status(Status(StatusCode::kIoError, "checksum mismatch", false), "out", 0, 1);
  CHECK_FALSE(settled_io.restartable);
  auto invalid = failure_from_status(Status::invalid("datagen: values leave int64"), "gen", 0, 1);
  CHECK(invalid.kind == FailureKind::kInvalid);
  CHECK_FALSE(invalid.restartable);
  auto internal = failure_from_status(Status::internal("injected failure"), "gen -> out", 0, 1);
  CHECK(internal.kind == FailureKind::kInternal);
  CHECK(internal.restartable);
  CHECK(restartable().describe() == "task manager 'tm1' at 10.0.0.7 was lost");
}
