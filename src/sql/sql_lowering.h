// How the SQL planner lowers statements, queries and relations into a
// PipelineSpec's sources, operators and sinks (sql_planner.h). One class,
// its methods spread over sql_lowering.cpp (statements, projections, UNION
// ALL), sql_set_options.cpp (SET), sql_relations.cpp (tables, views, joins,
// windows), sql_window_join.cpp (window joins), sql_lookup_join.cpp (temporal
// joins), sql_aggregate.cpp (GROUP BY) and sql_top_n.cpp (ROW_NUMBER).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plan/pipeline_spec.h"
#include "sql/sql_ast.h"
#include "sql/sql_parser.h"
#include "sql/sql_scope.h"
#include "sql/sql_tables.h"

namespace eddy::sql {

/// A relation as lowered: the stream (a source or operator of the spec) that
/// carries it, its physical columns, and the names a query sees.
struct Rel {
  std::string stream;
  std::vector<std::string> physical;  // the stream's columns, in order
  std::vector<Binding> columns;       // what the query sees, in order
  bool updating = false;
  bool windowed = false;              // from a window TVF, not yet aggregated
  /// The rows of a window aggregate over a window TVF: its window_start and
  /// window_end bindings say which they are (Flink's window properties).
  bool window_results = false;
  WindowText window;                  // windowed or window_results
  Binding time;                       // windowed: the DESCRIPTOR column, as `stream` has it
  SourceLocation loc;
};

/// A join that is a window join: ON equates both sides' window_start and
/// window_end (sql_window_join.cpp).
struct WindowJoinPlan {
  bool present = false;
  WindowText window;
  Binding time[2];                 // the column each side's rows are assigned to windows by
  std::vector<Binding> bounds[2];  // each side's window columns, bound to the join's output
  Binding key[2];                  // a key equality's column on each side (empty name: none)
};

/// What a GROUP BY is lowered into (sql_aggregate.cpp).
struct AggregatePlan {
  struct Key {
    std::string column;  // in the pre-aggregation stream and in the output
    Binding binding;     // how the query names it afterwards
    ExprSpan span;
  };
  struct Agg {
    std::string call;    // as the aggregate operator takes it
    std::string column;  // its output column
  };
  std::vector<Key> keys;
  std::vector<std::pair<std::string, LocatedText>> computed;  // pre-aggregation columns over the input
  std::vector<Agg> aggs;
  bool windowed = false;
  bool legacy = false;  // GROUP BY TUMBLE(...): TUMBLE_START() and friends name its bounds
  WindowText window;
  std::vector<Binding> post;  // the names after aggregating
};

class Lowering {
 public:
  /// Lowers `statements` (of `script`) into `spec`.
  Lowering(const Script& script, std::vector<const Statement*> statements, PipelineSpec& spec,
           std::vector<Diagnostic>& diags)
      : script_(script), statements_(std::move(statements)), spec_(spec), diags_(diags) {}

  void run();

 private:
  // sql_lowering.cpp: statements, projections, sinks
  void statement(const Statement& s);
  void set_option(const SetOption& o);
  void insert(const Insert& in);
  void select_to_print(const Statement& s);
  std::optional<Rel> query(const Query& q, const std::string& hint);
  std::optional<Rel> query_blocks(const Query& q, const std::string& hint);
  std::optional<Rel> block(const SelectBlock& b, const std::string& hint);
  std::optional<Rel> project(const SelectBlock& b, const Rel& in);
  /// A stream whose columns are `names`, computed from rel's bindings (a select
  /// operator, unless the stream already is exactly that).
  std::string materialize(const Rel& rel, const std::vector<std::string>& names, const std::string& hint);
  std::string derived_name(const SelectItem& item, size_t index) const;
  /// PROCTIME(): a column with no value that windows on processing time.
  bool is_proctime_call(ExprSpan span) const;
  Binding proctime_binding(const std::string& name) const;
  std::string unique_name(const std::string& hint);
  /// The names (and q.name pairs) that tokens of `span` mention, into `into`.
  void add_names(ExprSpan span, std::set<std::string>& into) const;
  LocatedText located(const std::string& text, SourceLocation loc) const;
  std::optional<LocatedText> rewrite(ExprSpan span, const std::vector<Binding>& scope, const std::string& hint = "");
  /// Conjuncts rewritten and joined with AND.
  std::optional<LocatedText> conjunction(const std::vector<ExprSpan>& parts, const std::vector<Binding>& scope);
  bool has_top_level_or(ExprSpan span) const;
  std::string add_filter(const std::string& input, const LocatedText& predicate, const std::string& hint);
  void error(SourceLocation loc, std::string message) { diags_.push_back({loc, std::move(message)}); }

  // sql_relations.cpp
  std::optional<Rel> relation(const Relation& r, std::vector<ExprSpan>& where, const std::string& hint);
  std::optional<Rel> table(const Relation& r, std::vector<ExprSpan>& where);
  std::optional<Rel> view(const Relation& r);
  std::optional<Rel> join(const Relation& r, std::vector<ExprSpan>& where, const std::string& hint);
  /// A join input as a stream whose columns the join reads; returns its alias.
  std::string join_side(Rel& rel, const char* fallback, const std::string& hint);
  /// Drops the columns of both inputs that neither the query nor the condition names.
  void keep_needed(const Relation& r, const std::vector<ExprSpan>& condition, Rel& left, Rel& right);
  /// The conjuncts of an inner join's condition that read both sides; the
  /// others become filters on their side.
  std::vector<ExprSpan> push_down(const std::vector<ExprSpan>& condition, Rel& left, Rel& right, const std::string& hint);
  std::optional<Rel> window_tvf(const Relation& r, const std::string& hint);

  // sql_window_join.cpp
  /// Whether `condition` makes a window join of left and right: when it
  /// does, its window equalities leave `condition` for plan.window. False
  /// after an error (windows that differ, a window TVF joined otherwise).
  bool window_join(const Relation& r, std::vector<ExprSpan>& condition, const Rel& left, const Rel& right,
                   WindowJoinPlan& plan);
  /// Each side keeps the column its rows are assigned to windows by.
  void carry_window_time(const WindowJoinPlan& plan, Rel& left, Rel& right);
  /// Both sides' window columns as the join output's window_start and window_end.
  void bind_window_columns(const WindowJoinPlan& plan, const std::string& type, Rel& out);
  /// The join's output: every column of both sides (as join_side left them),
  /// named uniquely, as op's select, then a window join's own window columns;
  /// the caller sets `updating`.
  Rel joined_output(OperatorSpec& op, const Rel& left, const std::string& la, const Rel& right, const std::string& ra,
                    const WindowJoinPlan& window);
  /// A join operator `name` of `kind` reading left (as la) and right (as ra), of r's type.
  OperatorSpec join_operator(OperatorKind kind, const std::string& name, const Relation& r, const Rel& left,
                             const std::string& la, const Rel& right, const std::string& ra) const;
  /// Drops the join's output columns nothing after it reads (those only its
  /// condition read): `where` is what stays a filter after it.
  void drop_unread(OperatorSpec& op, Rel& out, const std::vector<ExprSpan>& where) const;

  // sql_lookup_join.cpp: JOIN t FOR SYSTEM_TIME AS OF s.proc_time
  std::optional<Rel> lookup_join(const Relation& r, const std::vector<ExprSpan>& where, const std::string& hint);
  /// Whether AS OF names a PROCTIME() column of `left` (reported when not).
  bool check_as_of(const Relation& table, const Rel& left);
  /// The filesystem table `r` names, as a source a lookup join reads whole.
  std::optional<Rel> lookup_table(const Relation& r);
  bool watermark(const TableDef& t, const std::vector<Binding>& scope, SourceSpec& s);
  std::optional<int64_t> interval_ms(ExprSpan span, const std::string& what);

  // sql_top_n.cpp
  bool is_top_n(const SelectBlock& b) const;
  std::optional<Rel> top_n(const SelectBlock& outer, std::vector<ExprSpan>& where, const std::string& hint);
  /// N of the outer filter on the row number (the conjunct is taken out), or 0.
  int64_t row_limit(std::vector<ExprSpan>& where, const std::string& rownum);
  /// The OVER clause of `numbered` (ROW_NUMBER() OVER (...)).
  bool over_clause(ExprSpan numbered, std::vector<ExprSpan>& partition, std::vector<std::pair<ExprSpan, bool>>& orders);

  // sql_aggregate.cpp
  std::optional<Rel> aggregate(const SelectBlock& b, const Rel& in, const std::string& hint);
  bool group_keys(const SelectBlock& b, const Rel& in, AggregatePlan& plan);
  /// An expression after aggregating: its aggregate calls become the plan's columns.
  std::optional<LocatedText> rewrite_aggregated(ExprSpan span, const Rel& in, AggregatePlan& plan);
  std::optional<std::string> aggregate_call(size_t first, size_t last, const Rel& in, AggregatePlan& plan);
  std::optional<std::string> window_property(size_t first, const WindowText& window);
  void emit_aggregate(const SelectBlock& b, const Rel& in, const AggregatePlan& plan, Rel& out, const std::string& hint);
  /// GROUP BY TUMBLE(time, size), HOP(time, slide, size) or SESSION(time, gap).
  bool legacy_window(ExprSpan g, const Rel& in, WindowText& window);

  void explain(const Statement& s);

  const Script& script_;
  std::vector<const Statement*> statements_;
  PipelineSpec& spec_;
  std::vector<Diagnostic>& diags_;
  std::map<std::string, TableDef> tables_;
  std::map<std::string, CreateView> views_;
  std::map<std::string, Rel> view_rels_;
  std::set<std::string> views_in_progress_;
  std::map<std::string, Rel> source_rels_;
  std::map<std::string, Rel> subquery_rels_;  // by text: a subquery written twice runs once
  std::set<std::string> names_;
  std::set<std::string> needed_;  // names the current block uses ("*": all)
  /// Names read after the join being lowered: the block's outside WHERE, and
  /// the conditions of the joins above it.
  std::set<std::string> needed_after_;
  int64_t state_ttl_ms_ = 0;
  int64_t idle_timeout_us_ = 0;
  int selects_ = 0;
};

bool has_aggregate(const Script& script, ExprSpan span);
/// What a join's condition sees: both sides' columns as "alias"."column"
/// (rel.physical[i] holding rel.columns[i], as join_side leaves them).
std::vector<Binding> join_scope(const Rel& left, const std::string& la, const Rel& right, const std::string& ra);
/// The one binding of `scope` that `span` names (a or q.a), else null.
const Binding* named_binding(const Script& script, ExprSpan span, const std::vector<Binding>& scope);

}  // namespace eddy::sql
