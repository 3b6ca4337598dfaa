// Unit tests of the event lifecycle (src/monitor/events.h): an event opens
// after its rule held for `for`, is deduplicated with a count, resolves after
// `clear` (hysteresis), and resolved events are kept up to a limit.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "monitor/events.h"

using namespace eddy;

namespace {

RuleTiming timing(int64_t for_ms, int64_t clear_ms) {
  return RuleTiming{"R", MonitorLevel::kWarn, for_ms, clear_ms,
                    {RuleAction{RuleActionKind::kLog, ""}, RuleAction{RuleActionKind::kSavepoint, ""}}};
}

std::vector<RuleHit> hit(int32_t subtask = 1) { return {RuleHit{2, "vid2", "window", subtask, "hot"}}; }

/// Runs one evaluation and returns its changes.
std::vector<EventChange> step(EventLog& log, int64_t now, const RuleTiming& t, const std::vector<RuleHit>& hits) {
  std::vector<EventChange> changes;
  log.update(now, t, hits, changes);
  return changes;
}

}  // namespace

TEST_CASE("an event opens only once its condition has held for the rule's duration") {
  EventLog log;
  const auto t = timing(3000, 0);
  CHECK(step(log, 1000, t, hit()).empty());
  CHECK(step(log, 2000, t, hit()).empty());
  CHECK(step(log, 3000, t, hit()).empty());
  auto opened = step(log, 4000, t, hit());
  REQUIRE(opened.size() == 1);
  CHECK(opened[0].opened);
  CHECK(opened[0].event.opened_ms == 4000);
  CHECK(opened[0].event.subtask == 1);
  CHECK(opened[0].actions.size() == 2);
  CHECK(opened[0].event.actions == std::vector<std::string>{"log", "savepoint"});
}

TEST_CASE("a condition that breaks before its duration starts the wait again") {
  EventLog log;
  const auto t = timing(2000, 0);
  step(log, 1000, t, hit());
  step(log, 2000, t, hit());
  step(log, 3000, t, {});  // broken: the 2 s start again
  CHECK(step(log, 4000, t, hit()).empty());
  CHECK(step(log, 5000, t, hit()).empty());
  CHECK(step(log, 6000, t, hit()).size() == 1);
}

TEST_CASE("an open event is deduplicated: one per rule, vertex and subtask, counting repeats") {
  EventLog log;
  const auto t = timing(0, 0);
  CHECK(step(log, 1000, t, hit()).size() == 1);
  CHECK(step(log, 2000, t, hit()).empty());
  CHECK(step(log, 3000, t, hit()).empty());
  auto events = log.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].count == 3);
  CHECK(events[0].last_seen_ms == 3000);
  CHECK(step(log, 4000, t, {hit(1)[0], hit(3)[0]}).size() == 1);  // another subtask: its own event
  CHECK(log.open_count() == 2);
}

TEST_CASE("an event resolves once its condition failed for the clear time, not at the first miss") {
  EventLog log;
  const auto t = timing(0, 2000);
  step(log, 1000, t, hit());
  CHECK(step(log, 2000, t, {}).empty());  // 1 s without: still open
  CHECK(step(log, 3000, t, hit()).empty());  // back: the same event goes on
  CHECK(step(log, 4000, t, {}).empty());
  auto resolved = step(log, 5000, t, {});
  REQUIRE(resolved.size() == 1);
  CHECK_FALSE(resolved[0].opened);
  CHECK(resolved[0].event.state == EventState::kResolved);
  CHECK(resolved[0].event.resolved_ms == 5000);
  CHECK(resolved[0].event.count == 2);
  // Telling is repeated when it resolves, a savepoint is not.
  REQUIRE(resolved[0].actions.size() == 1);
  CHECK(resolved[0].actions[0].kind == RuleActionKind::kLog);
  CHECK(log.open_count() == 0);
  CHECK(step(log, 6000, t, hit()).size() == 1);  // a new event, a new id
  CHECK(log.events()[0].id == 2);
}

TEST_CASE("resolved events are kept up to the limit, oldest dropped first, after the open ones") {
  EventLog log(2);
  const auto t = timing(0, 0);
  for (int i = 0; i < 4; ++i) {
    step(log, 1000 * (2 * i + 1), t, hit());
    step(log, 1000 * (2 * i + 2), t, {});
  }
  step(log, 10000, t, hit());
  auto events = log.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].state == EventState::kOpen);
  CHECK(events[0].id == 5);
  CHECK(events[1].id == 3);
  CHECK(events[2].id == 4);
}

TEST_CASE("when the job ends its open events resolve, saying why") {
  EventLog log;
  step(log, 1000, timing(0, 60000), hit());
  std::vector<EventChange> changes;
  log.resolve_all(2000, "job finished", changes);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].event.message == "hot (job finished)");
  CHECK(log.open_count() == 0);
}

TEST_CASE("events as JSON carry the contract's fields") {
  EventLog log;
  step(log, 1000, timing(0, 0), hit());
  step(log, 2000, timing(0, 0), {RuleHit{-1, "", "", -1, "job wide"}});
  auto j = nlohmann::json::parse(events_json(log.events()));
  REQUIRE(j["events"].size() == 2);
  const auto& e = j["events"][1];  // open events come first
  CHECK(e["id"] == 1);
  CHECK(e["rule"] == "R");
  CHECK(e["level"] == "WARN");
  CHECK(e["state"] == "resolved");
  CHECK(e["vertex"] == "vid2");
  CHECK(e["subtask"] == 1);
  CHECK(e["message"] == "hot");
  CHECK(e["opened"] == 1000);
  CHECK(e["resolved"] == 2000);
  CHECK(e["count"] == 1);
  CHECK(e["actions"] == nlohmann::json::array({"log", "savepoint"}));
  CHECK(j["events"][0]["state"] == "open");
  CHECK(j["events"][0]["vertex"].is_null());
  CHECK(j["events"][0]["subtask"].is_null());
  CHECK(j["events"][0]["resolved"].is_null());
}
