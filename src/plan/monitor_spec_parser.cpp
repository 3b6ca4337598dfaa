// Reads the `monitor:` section of a pipeline file (plan/monitor_spec.h):
// rules with their metric, scope, condition, duration, level and actions, and
// settings of the built-in rules. Every wrong key or value is refused at its
// line and column; an unknown metric or rule names the nearest known one.
// Called by pipeline_parser.cpp.
#include "plan/monitor_spec.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <set>

#include "core/nearest_name.h"
#include "core/time_util.h"
#include "plan/yaml_reader.h"

namespace eddy {
namespace {

std::string did_you_mean(const std::string& name, const std::vector<std::string>& known) {
  std::string near = nearest_name(name, known, std::max<size_t>(3, name.size() / 2));
  return near.empty() ? "" : "; did you mean '" + near + "'?";
}

/// A number at the start of `s` (after spaces); advances `pos`.
std::optional<double> read_number(const std::string& s, size_t& pos) {
  while (pos < s.size() && s[pos] == ' ') ++pos;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), v);
  if (ec != std::errc()) return std::nullopt;
  pos = static_cast<size_t>(p - s.data());
  return v;
}

/// The `* median(5m)` after a trend's factor; `pos` is just past the factor.
bool read_median(const std::string& s, size_t pos, RuleCondition& c, std::string& error, size_t& error_at) {
  while (pos < s.size() && s[pos] == ' ') ++pos;
  if (pos == s.size()) return true;
  for (const char* times : {"*", "x", "\xC3\x97"})  // "×" in UTF-8
    if (s.compare(pos, std::char_traits<char>::length(times), times) == 0) {
      pos += std::char_traits<char>::length(times);
      break;
    }
  while (pos < s.size() && s[pos] == ' ') ++pos;
  error_at = pos;
  if (s.compare(pos, 6, "median") != 0) {
    error = "expected '* median(5m)' after the number";
    return false;
  }
  c.against_median = true;
  pos += 6;
  if (pos == s.size()) return true;
  const size_t close = s.find(')', pos);
  if (s[pos] != '(' || close == std::string::npos || close + 1 != s.size()) {
    error = "expected a window in parentheses after 'median', e.g. median(5m)";
    return false;
  }
  auto d = parse_duration_us(s.substr(pos + 1, close - pos - 1));
  if (!d.ok() || *d < 1000) {
    error_at = pos + 1;
    error = "the median's window must be a duration of at least 1ms, e.g. median(5m)";
    return false;
  }
  c.median_window_ms = *d / 1000;
  return true;
}

/// "> 0.5", ">= 900", "< 0.5 * median(5m)".
void read_condition(MapReader& r, MonitorRuleSpec& rule) {
  auto t = r.text("condition", true);
  if (!t) return;
  const std::string& s = t->text;
  auto fail = [&](size_t at, const std::string& why) {
    r.error(locate(*t, static_cast<int>(at)), "'condition' of " + r.what() + ": " + why +
                                                   " (e.g. \"> 0.5\" or \"< 0.5 * median(5m)\")");
  };
  size_t pos = 0;
  while (pos < s.size() && s[pos] == ' ') ++pos;
  const std::pair<const char*, RuleComparison> ops[] = {{">=", RuleComparison::kGreaterEqual},
                                                        {"<=", RuleComparison::kLessEqual},
                                                        {">", RuleComparison::kGreater},
                                                        {"<", RuleComparison::kLess}};
  bool found = false;
  for (const auto& [text, op] : ops)
    if (s.compare(pos, std::char_traits<char>::length(text), text) == 0) {
      rule.condition.op = op;
      pos += std::char_traits<char>::length(text);
      found = true;
      break;
    }
  if (!found) return fail(pos, "expected a comparison: >, >=, < or <=");
  while (pos < s.size() && s[pos] == ' ') ++pos;
  const size_t number_at = pos;
  auto v = read_number(s, pos);
  if (!v) return fail(number_at, "expected a number after " + std::string(rule_comparison_text(rule.condition.op)));
  rule.condition.threshold = *v;
  std::string error;
  size_t error_at = pos;
  if (!read_median(s, pos, rule.condition, error, error_at)) fail(error_at, error);
}

std::optional<MonitorLevel> read_level(MapReader& r) {
  auto l = r.choice("level", {"INFO", "WARN", "FATAL"});
  if (!l) return std::nullopt;
  if (*l == "INFO") return MonitorLevel::kInfo;
  if (*l == "FATAL") return MonitorLevel::kFatal;
  return MonitorLevel::kWarn;
}

/// `actions: [log, webhook, savepoint, {webhook: URL}]`; plain `webhook` uses monitor.webhook.
std::optional<std::vector<RuleAction>> read_actions(MapReader& r, const MonitorSpec& m,
                                                   std::vector<Diagnostic>& diags) {
  YAML::Node n = r.get("actions");
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsSequence()) {
    r.error(n, "'actions' of " + r.what() + " must be a list such as [log, webhook, savepoint]");
    return std::nullopt;
  }
  std::vector<RuleAction> actions;
  for (const auto& a : n) {
    if (a.IsMap()) {
      MapReader ar(a, "a webhook action of " + r.what(), diags);
      if (auto url = ar.text("webhook", true)) {
        if (url->text.rfind("http://", 0) != 0)
          ar.error(url->loc, "a webhook of " + r.what() + " must be an http:// URL, got '" + url->text + "'");
        actions.push_back({RuleActionKind::kWebhook, url->text});
      }
      ar.reject_unknown_keys();
    } else if (a.IsScalar() && a.Scalar() == "log") {
      actions.push_back({RuleActionKind::kLog, ""});
    } else if (a.IsScalar() && a.Scalar() == "savepoint") {
      actions.push_back({RuleActionKind::kSavepoint, ""});
    } else if (a.IsScalar() && a.Scalar() == "webhook") {
      if (m.webhook.empty())
        r.error(a, "action 'webhook' of " + r.what() + " needs a URL: set 'webhook' of monitor, or write "
                   "{webhook: http://host:port/path}");
      actions.push_back({RuleActionKind::kWebhook, m.webhook});
    } else {
      r.error(a, "unknown action of " + r.what() + ": expected log, webhook, {webhook: URL} or savepoint");
    }
  }
  return actions;
}

std::vector<std::string> operator_names(const PipelineSpec& spec) {
  std::vector<std::string> names;
  for (const auto& s : spec.sources) names.push_back(s.name.text);
  for (const auto& o : spec.operators) names.push_back(o.name.text);
  for (const auto& s : spec.sinks) names.push_back(s.name.text);
  return names;
}

void read_metric(MapReader& r, const PipelineSpec& spec, MonitorRuleSpec& rule) {
  auto m = r.text("metric", true);
  if (!m) return;
  rule.metric = m->text;
  const auto& sub = monitor_subtask_metric_names();
  const auto& job = monitor_job_metric_names();
  rule.job_metric = std::find(job.begin(), job.end(), m->text) != job.end();
  if (rule.job_metric || std::find(sub.begin(), sub.end(), m->text) != sub.end()) return;
  std::vector<std::string> all = sub;
  all.insert(all.end(), job.begin(), job.end());
  r.error(m->loc, "unknown metric '" + m->text + "' in " + r.what() + did_you_mean(m->text, all) +
                      " (metrics: docs/monitoring.md)");
}

void read_scope(MapReader& r, const PipelineSpec& spec, MonitorRuleSpec& rule) {
  if (auto v = r.text("vertex")) {
    rule.vertex = v->text;
    const auto names = operator_names(spec);
    if (rule.job_metric)
      r.error(v->loc, "'vertex' of " + r.what() + ": '" + rule.metric + "' is a job metric, not a vertex's");
    else if (names.empty())  // a cluster config's section: no pipeline to name a vertex of
      r.error(v->loc, "'vertex' of " + r.what() + ": a cluster config's rules apply to the vertices of every "
                      "job; name a vertex in a pipeline's own monitor: section");
    else if (std::find(names.begin(), names.end(), v->text) == names.end())
      r.error(v->loc, "'vertex' of " + r.what() + ": no operator '" + v->text + "'" + did_you_mean(v->text, names));
  }
  if (auto a = r.choice("aggregate", {"max", "min", "avg", "sum", "each"})) {
    const RuleAggregation all[] = {RuleAggregation::kMax, RuleAggregation::kMin, RuleAggregation::kAvg,
                                   RuleAggregation::kSum, RuleAggregation::kEach};
    for (RuleAggregation x : all)
      if (*a == rule_aggregation_name(x)) rule.aggregation = x;
    if (rule.job_metric)
      r.error(r.get("aggregate"), "'aggregate' of " + r.what() + ": '" + rule.metric + "' is one value for the job");
  }
}

void read_durations(MapReader& r, int64_t& for_ms, int64_t& clear_ms) {
  if (auto d = r.duration_us("for")) for_ms = *d / 1000;
  if (auto d = r.duration_us("clear")) clear_ms = *d / 1000;
}

void read_rule(const YAML::Node& node, PipelineSpec& spec, MonitorSpec& m, std::set<std::string>& seen,
               std::vector<Diagnostic>& diags) {
  MapReader r(node, "a rule of monitor", diags);
  if (!r.valid()) return;
  MonitorRuleSpec rule;
  rule.loc = location_of(node);
  auto name = r.text("name", true);
  if (name) rule.name = name->text;
  MapReader named(node, "rule '" + rule.name + "'", diags);  // the rest's messages name the rule
  named.allow({"name"});
  const auto& builtins = builtin_monitor_rule_names();
  if (name && std::find(builtins.begin(), builtins.end(), rule.name) != builtins.end())
    r.error(name->loc, "rule '" + rule.name + "' is built in: tune it under 'builtin' of monitor");
  else if (name && !seen.insert(rule.name).second)
    r.error(name->loc, "a second rule named '" + rule.name + "' in monitor");
  read_metric(named, spec, rule);
  read_scope(named, spec, rule);
  read_condition(named, rule);
  read_durations(named, rule.for_ms, rule.clear_ms);
  if (auto l = read_level(named)) rule.level = *l;
  rule.actions = read_actions(named, m, diags).value_or(std::vector<RuleAction>{{RuleActionKind::kLog, ""}});
  named.reject_unknown_keys();
  m.rules.push_back(std::move(rule));
}

void read_builtin(const YAML::Node& key, const YAML::Node& value, MonitorSpec& m, std::vector<Diagnostic>& diags) {
  BuiltinRuleSetting b;
  b.name = key.Scalar();
  b.loc = location_of(key);
  const auto& names = builtin_monitor_rule_names();
  if (std::find(names.begin(), names.end(), b.name) == names.end()) {
    diags.push_back({b.loc, "unknown built-in rule '" + b.name + "'" + did_you_mean(b.name, names)});
    return;
  }
  if (value.IsScalar() && (value.Scalar() == "false" || value.Scalar() == "true")) {
    b.enabled = value.Scalar() == "true";  // `NAME: false` turns it off
    m.builtins.push_back(b);
    return;
  }
  MapReader r(value, "built-in rule " + b.name, diags);
  if (!r.valid()) return;
  b.enabled = r.boolean("enabled").value_or(true);
  b.threshold = r.number("threshold");
  int64_t for_ms = -1, clear_ms = -1;
  read_durations(r, for_ms, clear_ms);
  if (for_ms >= 0) b.for_ms = for_ms;
  if (clear_ms >= 0) b.clear_ms = clear_ms;
  b.level = read_level(r);
  b.actions = read_actions(r, m, diags);
  r.reject_unknown_keys();
  m.builtins.push_back(std::move(b));
}

}  // namespace

void read_monitor(const YAML::Node& node, PipelineSpec& spec, std::vector<Diagnostic>& diags) {
  auto m = std::make_shared<MonitorSpec>();
  m->present = true;
  MapReader r(node, "monitor", diags);
  if (r.valid()) {
    m->enabled = r.boolean("enabled").value_or(true);
    if (auto w = r.text("webhook")) {
      if (w->text.rfind("http://", 0) != 0)
        r.error(w->loc, "'webhook' of monitor must be an http:// URL, got '" + w->text + "'");
      m->webhook = w->text;
    }
    m->keep_resolved = static_cast<int32_t>(r.integer("keep_resolved", 0, 100000).value_or(200));
    std::set<std::string> seen;
    if (YAML::Node rules = r.get("rules"); rules.IsDefined() && !rules.IsNull()) {
      if (!rules.IsSequence()) r.error(rules, "'rules' of monitor must be a list of rules");
      else for (const auto& n : rules) read_rule(n, spec, *m, seen, diags);
    }
    if (YAML::Node b = r.get("builtin"); b.IsDefined() && !b.IsNull()) {
      if (!b.IsMap()) r.error(b, "'builtin' of monitor must map built-in rule names to settings");
      else for (auto it = b.begin(); it != b.end(); ++it) read_builtin(it->first, it->second, *m, diags);
    }
    r.reject_unknown_keys();
  }
  spec.monitor = std::move(m);
}

std::shared_ptr<const MonitorSpec> read_cluster_monitor(const YAML::Node& node, std::vector<Diagnostic>& diags) {
  PipelineSpec none;  // no operators: a rule naming a vertex is refused
  read_monitor(node, none, diags);
  return none.monitor;
}

}  // namespace eddy
