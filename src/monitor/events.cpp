// The event lifecycle (monitor/events.h) and the events' JSON.
#include "monitor/events.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

namespace eddy {

void EventLog::update(int64_t now_ms, const RuleTiming& rule, const std::vector<RuleHit>& hits,
                      std::vector<EventChange>& changes) {
  std::set<Key> held;
  for (const auto& hit : hits) {
    const Key key{rule.name, hit.vertex, hit.subtask};
    if (!held.insert(key).second) continue;  // a rule reports a subject once
    auto [it, fresh] = pending_.try_emplace(key, Pending{now_ms, now_ms});
    it->second.last_held_ms = now_ms;
    if (auto o = open_.find(key); o != open_.end()) {
      o->second.event.count++;
      o->second.event.last_seen_ms = now_ms;
      o->second.event.message = hit.message;
      continue;
    }
    if (now_ms - it->second.since_ms < rule.for_ms) continue;
    MonitorEvent e;
    e.id = next_id_++;
    e.rule = rule.name;
    e.level = rule.level;
    e.vertex_id = hit.vertex_id;
    e.vertex_name = hit.vertex_name;
    e.subtask = hit.subtask;
    e.message = hit.message;
    e.opened_ms = e.last_seen_ms = now_ms;
    e.count = 1;
    for (const auto& a : rule.actions) e.actions.push_back(rule_action_name(a.kind));
    open_[key] = OpenEvent{e, rule.actions};
    changes.push_back(EventChange{e, true, rule.actions});
  }
  // This rule's subjects that no longer hold: the wait starts again, and an
  // open event resolves once it has failed for `clear`.
  for (auto it = pending_.begin(); it != pending_.end();) {
    const Key key = it->first;
    if (std::get<0>(key) != rule.name || held.count(key)) {
      ++it;
      continue;
    }
    const bool open = open_.count(key) > 0;
    if (open && now_ms - it->second.last_held_ms < rule.clear_ms) {
      ++it;
      continue;
    }
    it = pending_.erase(it);
    if (open) resolve(key, now_ms, changes);
  }
}

void EventLog::resolve(const Key& key, int64_t now_ms, std::vector<EventChange>& changes) {
  auto o = open_.find(key);
  if (o == open_.end()) return;
  MonitorEvent e = o->second.event;
  e.state = EventState::kResolved;
  e.resolved_ms = now_ms;
  std::vector<RuleAction> actions;
  for (const auto& a : o->second.actions)
    if (a.kind != RuleActionKind::kSavepoint) actions.push_back(a);  // telling is repeated, acting is not
  open_.erase(o);
  resolved_.push_back(e);
  while (resolved_.size() > keep_resolved_) resolved_.pop_front();
  changes.push_back(EventChange{std::move(e), false, std::move(actions)});
}

void EventLog::resolve_all(int64_t now_ms, const std::string& why, std::vector<EventChange>& changes) {
  std::vector<Key> keys;
  for (auto& [key, o] : open_) {
    o.event.message += " (" + why + ")";
    keys.push_back(key);
  }
  for (const auto& key : keys) resolve(key, now_ms, changes);
  pending_.clear();
}

std::vector<MonitorEvent> EventLog::events() const {
  std::vector<MonitorEvent> out;
  for (const auto& [key, o] : open_) out.push_back(o.event);
  std::sort(out.begin(), out.end(), [](const MonitorEvent& a, const MonitorEvent& b) { return a.id < b.id; });
  out.insert(out.end(), resolved_.begin(), resolved_.end());
  return out;
}

std::optional<MonitorLevel> EventLog::worst_open_level() const {
  std::optional<MonitorLevel> worst;
  for (const auto& [key, o] : open_)
    if (!worst || static_cast<int>(o.event.level) > static_cast<int>(*worst)) worst = o.event.level;
  return worst;
}

namespace {

nlohmann::json to_json(const MonitorEvent& e) {
  using nlohmann::json;
  return json{{"id", e.id},
              {"rule", e.rule},
              {"level", monitor_level_name(e.level)},
              {"state", e.state == EventState::kOpen ? "open" : "resolved"},
              {"vertex", e.vertex_id.empty() ? json(nullptr) : json(e.vertex_id)},
              {"vertex-name", e.vertex_name.empty() ? json(nullptr) : json(e.vertex_name)},
              {"subtask", e.subtask < 0 ? json(nullptr) : json(e.subtask)},
              {"message", e.message},
              {"opened", e.opened_ms},
              {"resolved", e.resolved_ms ? json(e.resolved_ms) : json(nullptr)},
              {"last-seen", e.last_seen_ms},
              {"count", e.count},
              {"actions", e.actions}};
}

}  // namespace

std::string events_json(const std::vector<MonitorEvent>& events) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : events) list.push_back(to_json(e));
  return nlohmann::json{{"events", list}}.dump();
}

std::string event_json(const MonitorEvent& event) { return to_json(event).dump(); }

std::string event_log_line(const EventChange& change) {
  const MonitorEvent& e = change.event;
  return std::string("[") + monitor_level_name(e.level) + "] " + e.rule + (change.opened ? " opened: " : " resolved: ") +
         e.message;
}

}  // namespace eddy
