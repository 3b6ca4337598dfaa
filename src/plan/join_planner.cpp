// Planning a join operator: inputs, condition, kind, output, event time.
#include "plan/join_planner.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "plan/join_columns.h"
#include "plan/join_condition.h"
#include "plan/window_limits.h"

namespace eddy {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

JoinType join_type(const std::string& t) {
  if (t == "left") return JoinType::kLeft;
  if (t == "right") return JoinType::kRight;
  if (t == "full") return JoinType::kFull;
  return JoinType::kInner;
}

/// "20m", "1500ms", "-5s": the largest unit that divides exactly.
std::string ms_text(int64_t ms) {
  static const std::pair<int64_t, const char*> kUnits[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const auto& [unit, name] : kUnits)
    if (ms != 0 && ms % unit == 0) return std::to_string(ms / unit) + name;
  return std::to_string(ms) + "ms";
}

class JoinPlanner {
 public:
  JoinPlanner(const OperatorSpec& op, const JoinInputView& left, const JoinInputView& right, LogicalNode& node,
              std::vector<Diagnostic>& diags)
      : op_(op), j_(op.join), left_(left), right_(right), node_(node), diags_(diags),
        where_(std::string(op.kind == OperatorKind::kLookupJoin ? "lookup join '" : "join '") + op.name.text + "'") {}

  bool run(const SourceSpec* time_source);
  bool run_lookup(const SourceSpec& table);

 private:
  void error(SourceLocation at, const std::string& message) { diags_.push_back({at, message}); }
  const JoinInputView& view(int s) const { return s == 0 ? left_ : right_; }
  const JoinInputText& text(int s) const { return s == 0 ? j_.left : j_.right; }
  bool check_qualifiers();
  bool check_window(const SourceSpec* time_source);
  bool check_append_only(const char* kind, const std::string& fix);
  bool build_output(const JoinScope& scope, JoinConfig& cfg);
  void set_event_time(const JoinScope& scope, JoinConfig& cfg);
  std::string describe(const JoinConfig& cfg, const JoinCondition& cond, const JoinScope& scope) const;

  const OperatorSpec& op_;
  const JoinText& j_;
  const JoinInputView& left_;
  const JoinInputView& right_;
  LogicalNode& node_;
  std::vector<Diagnostic>& diags_;
  const std::string where_;
};

/// Each input needs a name of its own to qualify its columns by.
bool JoinPlanner::check_qualifiers() {
  const LocatedText& l = j_.left.qualifier();
  const LocatedText& r = j_.right.qualifier();
  if (lower(l.text) != lower(r.text)) return true;
  if (j_.left.alias.text.empty() && j_.right.alias.text.empty())
    error(r.loc, where_ + ": left and right are both '" + l.text + "'; a join of a stream with itself needs an "
                 "alias for each side, e.g. left: {input: " + l.text + ", as: a} and right: {input: " + l.text +
                 ", as: b}, and columns written a.col and b.col");
  else
    error(r.loc, where_ + ": left and right are both called '" + r.text + "'; give each input an alias of its own "
                 "(as: ...), by which its columns are qualified");
  return false;
}

bool JoinPlanner::check_window(const SourceSpec* time_source) {
  for (int s = 0; s < 2; ++s)
    if (view(s).time_column.empty()) {
      error(j_.window.loc, where_ + ": a window join assigns rows to windows by event time, but its " +
                               (s == 0 ? "left" : "right") + " input '" + text(s).input.text + "' has none; set "
                               "event_time on its source, keep that column in the operators between, or remove "
                               "'window' for a regular join");
      return false;
    }
  OperatorSpec windowed;  // the window checks of aggregates, at the join's window
  windowed.window = j_.window;
  return check_window_limits(windowed, op_.name.text, time_source, diags_);
}

/// Interval and window joins keep rows only while the watermark allows a
/// match: a retraction arriving later would find nothing to retract.
bool JoinPlanner::check_append_only(const char* kind, const std::string& fix) {
  bool ok = true;
  for (int s = 0; s < 2; ++s)
    if (view(s).updating) {
      error(text(s).input.loc, where_ + ": '" + text(s).input.text + "' is an updating stream (a changelog of "
                               "+I/-U/+U/-D rows), which " + kind + " cannot take: it forgets rows once the "
                               "watermark passes them, so a later retraction would find nothing to retract; " + fix);
      ok = false;
    }
  return ok;
}

/// select (or the joined schema), with "op" first on an updating output and
/// window_start, window_end last on a window join.
bool JoinPlanner::build_output(const JoinScope& scope, JoinConfig& cfg) {
  std::vector<Field> fields;
  if (cfg.output_updating) fields.push_back({"op", DataType::kString});
  if (op_.select.empty()) {
    if (!scope.clash().empty()) {
      error(j_.loc, where_ + ": without 'select' the output would have the column '" + scope.clash() + "' twice "
                    "(columns on both sides get their input's name as prefix); add a 'select' naming the columns");
      return false;
    }
    for (const auto& f : scope.joined_schema()->fields()) fields.push_back(f);
  }
  const ColumnResolver resolve = scope.resolver();
  bool ok = true;
  for (const auto& item : op_.select) {
    ExprError err;
    auto e = compile_expression(item.expression.text, *scope.joined_schema(), &err, resolve);
    if (!e.ok()) {
      error(expression_location(item.expression, err.offset),
            "column '" + item.column.text + "' of " + where_ + ": " + (err.message.empty() ? e.status().message() : err.message));
      ok = false;
      continue;
    }
    fields.push_back({item.column.text, (*e)->type()});
    cfg.select.push_back(*e);
  }
  if (!ok) return false;
  if (cfg.kind == JoinKind::kWindow) {
    fields.push_back({"window_start", DataType::kTimestamp});
    fields.push_back({"window_end", DataType::kTimestamp});
  }
  std::set<std::string> names;
  for (const auto& f : fields)
    if (!names.insert(f.name).second) {
      const std::string added = std::string(cfg.output_updating ? "; an updating output starts with 'op'" : "") +
                                (cfg.kind == JoinKind::kWindow ? "; a window join adds window_start and window_end" : "");
      error(op_.select.empty() ? j_.loc : op_.select.front().column.loc,
            where_ + ": the output column '" + f.name + "' appears twice" + added + "; name it otherwise in 'select'");
      return false;
    }
  cfg.output_schema = std::make_shared<Schema>(std::move(fields));
  return true;
}

/// The output column that passes on joined column `joined` as is; -1: none.
int output_column_of(const JoinConfig& cfg, int joined) {
  const int first = cfg.output_updating ? 1 : 0;
  if (joined < 0) return -1;
  if (cfg.select.empty()) return first + joined;
  for (size_t i = 0; i < cfg.select.size(); ++i)
    if (cfg.select[i]->column_ref_index() == joined) return first + static_cast<int>(i);
  return -1;
}

/// An interval join's output event time is the larger of each pair's times,
/// which the operator writes into output_time_column. That column is one that
/// passes on the input time that is always the larger (the right's when
/// lower >= 0, the left's when upper <= 0), so no value a user selected
/// changes; when either may be the larger, or that side may be NULL-padded,
/// the output has no event time.
void JoinPlanner::set_event_time(const JoinScope& scope, JoinConfig& cfg) {
  node_.event_time_column.clear();
  if (cfg.kind == JoinKind::kLookup) {  // the left row's time, where a column passes it on as is
    const int want = left_.time_column.empty() ? -1 : scope.joined_index(0, left_.schema->index_of(left_.time_column));
    const int out = output_column_of(cfg, want);
    if (out >= 0) node_.event_time_column = cfg.output_schema->field(static_cast<size_t>(out)).name;
    return;
  }
  if (cfg.kind != JoinKind::kInterval) return;
  // The joined column that always holds the larger time, on a side that is
  // never NULL-padded (an outer join's padded row keeps its own time).
  const bool left_padded = cfg.type == JoinType::kRight || cfg.type == JoinType::kFull;
  const bool right_padded = cfg.type == JoinType::kLeft || cfg.type == JoinType::kFull;
  int want = -1;
  if (cfg.lower_ms >= 0 && !right_padded) want = scope.joined_index(1, cfg.right_time_column);
  else if (cfg.upper_ms <= 0 && !left_padded) want = scope.joined_index(0, cfg.left_time_column);
  const int out = output_column_of(cfg, want);
  cfg.output_time_column = out;
  if (out >= 0) node_.event_time_column = cfg.output_schema->field(static_cast<size_t>(out)).name;
}

std::string JoinPlanner::describe(const JoinConfig& cfg, const JoinCondition& cond, const JoinScope& scope) const {
  std::string s = std::string("join: ") + join_kind_name(cfg.kind) + ", " + join_type_name(cfg.type) + " (" +
                  scope.side(0).qualifier + " = left, " + scope.side(1).qualifier + " = right)\n";
  s += "key: " + cond.key_text + "\n";
  s += "condition: " + (cond.residual_text.empty() ? std::string("none") : cond.residual_text) + "\n";
  if (cfg.kind == JoinKind::kInterval) {
    const std::string l = scope.qualified_name(0, cfg.left_time_column);
    auto bound = [&](int64_t ms) {
      return ms == 0 ? l : ms < 0 ? l + " - " + ms_text(-ms) : l + " + " + ms_text(ms);
    };
    s += "bounds: " + scope.qualified_name(1, cfg.right_time_column) + " BETWEEN " + bound(cfg.lower_ms) + " AND " +
         bound(cfg.upper_ms) + "\n";
  }
  if (cfg.kind == JoinKind::kWindow)
    s += "window: " + j_.window.type + " " + ms_text(cfg.window.size_ms) +
         (cfg.window.type == WindowType::kSliding ? " every " + ms_text(cfg.window.slide_ms) : "") + " on event time\n";
  if (cfg.state_ttl_ms > 0) s += "state_ttl: " + ms_text(cfg.state_ttl_ms) + "\n";
  if (cond.bounded && cfg.kind == JoinKind::kRegular)
    s += "note: the time bounds stay a condition (an interval join needs event time on both inputs)\n";
  s += std::string("stream: ") + (cfg.output_updating ? "updating (a changelog, 'op' first)" : "append-only") + "\n";
  return s;
}

bool JoinPlanner::run(const SourceSpec* time_source) {
  if (!check_qualifiers()) return false;
  auto cfg = std::make_shared<JoinConfig>();
  cfg->type = join_type(j_.type.text);
  cfg->left_schema = left_.schema;
  cfg->right_schema = right_.schema;
  cfg->left_updating = left_.updating;
  cfg->right_updating = right_.updating;
  if (j_.window.present && !check_append_only("a window join", "remove 'window' for a regular join")) return false;
  if (j_.window.present && !check_window(time_source)) return false;
  const JoinScope scope({j_.left.qualifier().text, left_.schema, left_.updating, left_.time_column},
                        {j_.right.qualifier().text, right_.schema, right_.updating, right_.time_column});
  const bool can_bound = !j_.window.present && !left_.updating && !right_.updating && !left_.time_column.empty() &&
                         !right_.time_column.empty();
  auto cond = analyze_join_condition(j_.on, scope, can_bound, where_, diags_);
  if (!cond) return false;
  if (cond->bounded && !j_.window.present &&
      !check_append_only("an interval join", "for a regular join, move the time bounds out of 'on' into a "
                                             "filter on the join's output"))
    return false;
  cfg->kind = j_.window.present ? JoinKind::kWindow : cond->interval ? JoinKind::kInterval : JoinKind::kRegular;
  if (cfg->kind != JoinKind::kRegular && j_.state_ttl_ms > 0) {
    error(j_.state_ttl_loc, where_ + ": state_ttl applies to regular joins; this " + std::string(join_kind_name(cfg->kind)) +
                                " join forgets rows once the watermark passes them; remove state_ttl");
    return false;
  }
  for (const auto& k : cond->keys) {
    cfg->left_keys.push_back(k.left);
    cfg->right_keys.push_back(k.right);
  }
  cfg->joined_schema = scope.joined_schema();
  cfg->residual = cond->residual;
  cfg->output_updating = cfg->kind == JoinKind::kRegular &&
                         (cfg->type != JoinType::kInner || left_.updating || right_.updating);
  cfg->state_ttl_ms = j_.state_ttl_ms;
  if (cfg->kind != JoinKind::kRegular) {
    cfg->left_time_column = left_.schema->index_of(left_.time_column);
    cfg->right_time_column = right_.schema->index_of(right_.time_column);
  }
  cfg->lower_ms = cond->lower_ms;
  cfg->upper_ms = cond->upper_ms;
  if (cfg->kind == JoinKind::kWindow) {
    cfg->window.type = j_.window.type == "sliding" ? WindowType::kSliding : WindowType::kTumbling;
    cfg->window.size_ms = j_.window.size_ms;
    cfg->window.slide_ms = j_.window.slide_ms;
    cfg->left_time_offset_ms = left_.time_offset_ms;
    cfg->right_time_offset_ms = right_.time_offset_ms;
  }
  if (!build_output(scope, *cfg)) return false;
  set_event_time(scope, *cfg);
  node_.output_schema = cfg->output_schema;
  node_.output_updating = cfg->output_updating;
  // An outer interval join pads a row when it expires, behind the watermark.
  node_.holds_back_watermark = cfg->kind == JoinKind::kInterval && cfg->type != JoinType::kInner;
  node_.key_columns = cfg->left_keys;
  node_.right_key_columns = cfg->right_keys;
  node_.input_partitioning = EdgePartitioning::kHash;
  node_.right_input_partitioning = EdgePartitioning::kHash;
  node_.join_text = describe(*cfg, *cond, scope);
  node_.join = std::move(cfg);
  return true;
}

/// A lookup join: the right side is the file `table`, read whole by each
/// subtask; the left stream arrives as it is (no exchange), keys may be
/// expressions over it, and the output is updating when the left is.
bool JoinPlanner::run_lookup(const SourceSpec& table) {
  if (!check_qualifiers()) return false;
  const bool service = table.type == SourceType::kJdbc || table.type == SourceType::kRedis;
  if (service && !table.lookup.schema) return false;  // reported by the parser
  if (!service && (table.type != SourceType::kFile || !table.file.schema)) {
    error(j_.right.input.loc, where_ + ": the table '" + table.name.text + "' must be a file source (type: file, "
                              "read whole when the job starts) or a jdbc or redis table (looked up as rows arrive); "
                              "this one generates a stream");
    return false;
  }
  const SchemaPtr table_schema = service ? table.lookup.schema : table.file.schema;
  auto cfg = std::make_shared<JoinConfig>();
  cfg->kind = JoinKind::kLookup;
  cfg->type = join_type(j_.type.text);
  cfg->left_schema = left_.schema;
  cfg->right_schema = table_schema;
  cfg->left_updating = left_.updating;
  if (service) cfg->lookup_service = std::make_shared<LookupTableConfig>(table.lookup);
  else cfg->lookup_table = table.file;
  const JoinScope scope({j_.left.qualifier().text, left_.schema, left_.updating, left_.time_column},
                        {j_.right.qualifier().text, table_schema, false, ""});
  auto cond = analyze_join_condition(j_.on, scope, false, where_, diags_, /*computed_left_keys=*/true);
  if (!cond) return false;
  for (size_t i = 0; i < cond->keys.size(); ++i) {
    cfg->left_keys.push_back(cond->keys[i].left);
    cfg->right_keys.push_back(cond->keys[i].right);
    cfg->left_key_exprs.push_back(cond->left_key_exprs[i]);
  }
  if (service) {
    if (Status st = check_lookup_keys(table.lookup, cfg->right_keys); !st.is_ok()) {
      error(j_.on.loc, where_ + ": " + st.message());
      return false;
    }
  }
  cfg->joined_schema = scope.joined_schema();
  cfg->residual = cond->residual;
  cfg->output_updating = left_.updating;
  if (!build_output(scope, *cfg)) return false;
  set_event_time(scope, *cfg);
  node_.output_schema = cfg->output_schema;
  node_.output_updating = cfg->output_updating;
  if (service) {
    const LookupTableConfig& t = table.lookup;
    const bool unordered = t.output_mode == LookupOutputMode::kUnordered;
    node_.join_text = describe(*cfg, *cond, scope) + "table: " + table.name.text + " (" +
                      (table.type == SourceType::kJdbc ? "jdbc " + t.table_name + " at " : "redis at ") +
                      t.endpoint() + "), looked up as rows arrive: " +
                      (t.async ? "async, " + std::to_string(t.buffer_capacity) + " rows in flight, " +
                                     (unordered ? "unordered" : "ordered")
                               : std::string("sync")) +
                      ", " + std::to_string(t.batch_size) + " keys per query, timeout " +
                      std::to_string(t.timeout_ms) + " ms (" + lookup_timeout_policy_name(t.timeout_policy) +
                      "), cache " + (t.cache.mode == LookupCacheMode::kPartial
                                         ? "PARTIAL " + std::to_string(t.cache.max_rows) + " rows"
                                         : std::string("NONE")) + "\n";
  } else {
    node_.join_text = describe(*cfg, *cond, scope) + "table: " + table.name.text + " (" + table.file.path +
                      "), read whole by each subtask when it starts\n";
  }
  node_.join = std::move(cfg);
  return true;
}

}  // namespace

bool plan_lookup_join(const OperatorSpec& op, const JoinInputView& left, const SourceSpec& table, LogicalNode& node,
                      std::vector<Diagnostic>& diags) {
  if (!left.schema) return false;
  const JoinInputView none;
  return JoinPlanner(op, left, none, node, diags).run_lookup(table);
}

bool plan_join(const OperatorSpec& op, const JoinInputView& left, const JoinInputView& right,
               const SourceSpec* time_source, LogicalNode& node, std::vector<Diagnostic>& diags) {
  if (!left.schema || !right.schema) return false;
  return JoinPlanner(op, left, right, node, diags).run(time_source);
}

}  // namespace eddy
