// Lowering of a temporal join, `JOIN t FOR SYSTEM_TIME AS OF s.proc AS x ON
// ...`, into a lookup join (PIPELINES.md's `lookup:`): the table is a
// filesystem table each subtask reads whole when it starts, as Flink joins a
// filesystem table it loads once, or a jdbc or redis table looked up as rows
// arrive, as Flink's lookup sources (sql_lowering.h).
#include "sql/sql_lowering.h"

namespace eddy::sql {

bool Lowering::check_as_of(const Relation& table, const Rel& left) {
  const Binding* time = named_binding(script_, table.system_time, left.columns);
  const SourceLocation at = script_.tokens[table.system_time.first].loc;
  if (time && time->proctime) return true;
  if (time && time->rowtime) {
    error(at, "FOR SYSTEM_TIME AS OF an event-time column (a temporal join against a versioned table) is not "
              "supported by eddy; eddy joins on processing time: name a PROCTIME() column of the left input");
    return false;
  }
  error(at, "FOR SYSTEM_TIME AS OF must name a PROCTIME() column of the left input (e.g. add `p AS PROCTIME()` "
            "to its table, or `PROCTIME() AS p` to a subquery over it, and write FOR SYSTEM_TIME AS OF q.p)");
  return false;
}

std::optional<Rel> Lowering::lookup_table(const Relation& r) {
  auto found = tables_.find(r.name.name);
  const std::string connector = found == tables_.end() ? "" : found->second.connector;
  if (connector != "filesystem" && connector != "jdbc" && connector != "redis") {
    error(r.name.loc, "the table of a temporal join is a filesystem table (read whole when the job starts) or a "
                      "jdbc or redis table (looked up as rows arrive), so '" + r.name.name + "' must be one "
                      "(CREATE TABLE ... WITH ('connector' = 'filesystem' | 'jdbc' | 'redis', ...))" +
                      (views_.count(r.name.name) ? ", not a view" : ""));
    return std::nullopt;
  }
  SourceSpec s;
  if (connector == "filesystem" ? !make_source(found->second, -1, s, diags_)
                                : !make_lookup_table(found->second, s, diags_))
    return std::nullopt;
  s.name = located(unique_name(r.name.name), r.loc);
  Rel rel;
  rel.loc = r.loc;
  rel.stream = s.name.text;
  const std::string q = r.alias.empty() ? r.name.name : r.alias.name;
  for (const ColumnDef& c : found->second.ddl.columns) {
    if (!c.computed.empty()) {
      error(c.name.loc, "the table of a temporal join is read as its file or server holds it: computed columns "
                        "are not supported there");
      return std::nullopt;
    }
    rel.physical.push_back(c.name.name);
    rel.columns.push_back({q, c.name.name, quote_name(c.name.name), c.name.name, false, false});
  }
  spec_.sources.push_back(std::move(s));
  return rel;
}

std::optional<Rel> Lowering::lookup_join(const Relation& r, const std::vector<ExprSpan>& where,
                                         const std::string& hint) {
  if (r.join_type != "inner" && r.join_type != "left") {
    error(r.loc, "a temporal join is an inner join or a LEFT JOIN, not a " + r.join_type + " join");
    return std::nullopt;
  }
  std::vector<ExprSpan> none;
  const std::set<std::string> after = needed_after_;  // a join below passes on what ON reads too
  add_names(r.on, needed_after_);
  std::optional<Rel> left = relation(*r.left, none, hint);
  needed_after_ = after;
  if (!left || !check_as_of(*r.right, *left)) return std::nullopt;
  std::optional<Rel> right = lookup_table(*r.right);
  if (!right) return std::nullopt;
  if (r.on.empty()) {
    error(r.loc, "a temporal join needs ON with an equality between the left input and the table's columns");
    return std::nullopt;
  }
  const std::vector<ExprSpan> condition = conjuncts(script_, r.on);
  keep_needed(r, condition, *left, *right);
  const std::string la = join_side(*left, "l", hint);
  std::string ra = right->columns.empty() ? "r" : right->columns.front().qualifier;
  if (ra == la) ra += "_2";
  right->physical.clear();  // the table's columns that travel on
  for (const Binding& b : right->columns) right->physical.push_back(b.column);
  std::optional<LocatedText> on = conjunction(condition, join_scope(*left, la, *right, ra));
  if (!on) return std::nullopt;
  OperatorSpec op =
      join_operator(OperatorKind::kLookupJoin, unique_name(hint + "_lookup"), r, *left, la, *right, ra);
  op.join.on = *on;
  Rel out = joined_output(op, *left, la, *right, ra, WindowJoinPlan{});
  drop_unread(op, out, where);
  out.updating = left->updating;
  spec_.operators.push_back(std::move(op));
  return out;
}

}  // namespace eddy::sql
