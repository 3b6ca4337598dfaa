// Events of the smart monitor and their lifecycle. A rule reports, at every
// evaluation, the subjects (vertex, subtask) its condition holds for; the
// EventLog opens an event once a subject's condition has held for the rule's
// `for`, keeps one open event per rule+vertex+subtask (counting repeats and
// the last time seen), and resolves it once the condition has failed for the
// rule's `clear` (hysteresis: a value flapping around a threshold does not
// open and resolve every interval). Resolved events are kept, newest last, up
// to a limit. CAF-free; owned by the job master's RuleEvaluator.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "plan/monitor_spec.h"

namespace eddy {

enum class EventState { kOpen, kResolved };

/// One event, as GET /jobs/{id}/events shows it (docs/monitoring.md).
struct MonitorEvent {
  int64_t id = 0;
  std::string rule;
  MonitorLevel level = MonitorLevel::kWarn;
  EventState state = EventState::kOpen;
  std::string vertex_id;    // empty: the job
  std::string vertex_name;
  int32_t subtask = -1;     // -1: the vertex (or the job) as a whole
  std::string message;
  int64_t opened_ms = 0;
  int64_t resolved_ms = 0;  // 0 while open
  int64_t last_seen_ms = 0;
  int64_t count = 0;        // evaluations the condition held while open
  std::vector<std::string> actions;  // the actions run when it opened
};

/// What a rule's condition holds for at one evaluation.
struct RuleHit {
  int32_t vertex = -1;  // index; -1: the job
  std::string vertex_id, vertex_name;
  int32_t subtask = -1;
  std::string message;
};

/// An event opened or resolved by one evaluation, with the actions to run.
struct EventChange {
  MonitorEvent event;
  bool opened = true;  // false: resolved
  std::vector<RuleAction> actions;
};

/// What the EventLog needs of a rule.
struct RuleTiming {
  std::string name;
  MonitorLevel level = MonitorLevel::kWarn;
  int64_t for_ms = 0;
  int64_t clear_ms = 0;  // 0: resolve at the first evaluation it fails
  std::vector<RuleAction> actions;
};

class EventLog {
 public:
  explicit EventLog(size_t keep_resolved = 200) : keep_resolved_(keep_resolved) {}

  /// The hits of `rule` at `now_ms`: opens, counts and resolves its events.
  void update(int64_t now_ms, const RuleTiming& rule, const std::vector<RuleHit>& hits,
              std::vector<EventChange>& changes);
  /// Resolves every open event (the job ended), with `why` added to the message.
  void resolve_all(int64_t now_ms, const std::string& why, std::vector<EventChange>& changes);

  /// Open events, oldest first, then the kept resolved ones, oldest first.
  std::vector<MonitorEvent> events() const;
  size_t open_count() const { return open_.size(); }
  /// The highest level among open events; nullopt without any.
  std::optional<MonitorLevel> worst_open_level() const;

 private:
  using Key = std::tuple<std::string, int32_t, int32_t>;  // rule, vertex, subtask
  struct Pending {
    int64_t since_ms = 0;    // the condition holds continuously since
    int64_t last_held_ms = 0;
  };
  struct OpenEvent {
    MonitorEvent event;
    std::vector<RuleAction> actions;  // the rule's, run again (but a savepoint) when it resolves
  };
  void resolve(const Key& key, int64_t now_ms, std::vector<EventChange>& changes);

  size_t keep_resolved_;
  int64_t next_id_ = 1;
  std::map<Key, Pending> pending_;
  std::map<Key, OpenEvent> open_;
  std::deque<MonitorEvent> resolved_;
};

/// {"events":[{id,rule,level,state,vertex,subtask,message,opened,resolved,count,actions,...}]}
std::string events_json(const std::vector<MonitorEvent>& events);
/// One event as a webhook receives it (the same fields as an element of events_json).
std::string event_json(const MonitorEvent& event);
/// "[WARN] BACKPRESSURE_HIGH opened: gen is backpressured (high, 80%)" for logs.
std::string event_log_line(const EventChange& change);

}  // namespace eddy
