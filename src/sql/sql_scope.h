// Names in scope of a SQL expression and how the planner rewrites an
// expression against them (docs/sql.md, "How a script becomes a pipeline").
// Every name is resolved here, case-sensitively as in Flink, and replaced by
// the text it stands for over the stream's real columns, always quoted, so
// src/expr neither folds case nor guesses. Keywords, literals, operators and
// function names pass through.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plan/pipeline_spec.h"
#include "sql/sql_ast.h"
#include "sql/sql_parser.h"

namespace eddy::sql {

/// Which of a window's columns a binding is (Flink's window properties, which
/// a window join equates): none, window_start, window_end, window_time, or a
/// time column a window join's input carries for its event time alone.
enum class WindowColumn { kNone, kStart, kEnd, kTime, kCarried };

/// A name a query can use and what it stands for.
struct Binding {
  std::string qualifier;  // the relation's alias or name
  std::string name;       // "price", or "bid.auction" for a field of a ROW column
  std::string text;       // SQL over the stream's columns: "\"price\"", or an expression
  std::string column;     // the stream's column when `text` is only that column
  bool rowtime = false;   // the stream's event-time attribute (WATERMARK FOR, window_time)
  bool constant = false;  // `text` is a literal (a filter pushed into a source fixed it)
  bool proctime = false;  // PROCTIME(): a processing-time attribute, for windows only
  std::string unavailable = "";  // when `text` is empty: why the name has no value here
  /// Where `text` came from, for messages about it (LocatedText::origins).
  SourceLocation loc = {};
  std::shared_ptr<const std::vector<std::pair<int, SourceLocation>>> origins = nullptr;
  WindowColumn window_column = WindowColumn::kNone;
};

/// `"name"`, with inner quotes doubled: a name src/expr takes as written.
std::string quote_name(const std::string& name);

/// Replaces an aggregate call (tokens [first, last) of the script) by text.
using AggregateHook = std::function<std::optional<std::string>(size_t first, size_t last)>;

class Rewriter {
 public:
  Rewriter(const Script& script, const std::vector<Binding>& scope, std::vector<Diagnostic>& diags)
      : script_(script), scope_(scope), diags_(diags) {}

  /// With a hook, aggregate calls (count, sum, min, max, avg) are handed to it;
  /// without, they are an error ("not allowed here").
  void on_aggregate(AggregateHook hook, std::string where) {
    aggregate_ = std::move(hook);
    aggregate_where_ = std::move(where);
  }

  /// Calls whose name `claims` accepts are handed to `hook` (window properties
  /// such as TUMBLE_START(...) of the legacy group windows).
  void on_call(std::function<bool(const Token&)> claims, AggregateHook hook) {
    call_claims_ = std::move(claims);
    call_hook_ = std::move(hook);
  }

  /// `span` rewritten, located for messages; nullopt after a diagnostic.
  std::optional<LocatedText> rewrite(ExprSpan span);
  /// Indices into the scope of the bindings the rewrites so far used.
  const std::vector<size_t>& used() const { return used_; }

 private:
  struct Out;
  bool emit_span(size_t first, size_t last, Out& out);
  bool emit_name(size_t& i, size_t last, Out& out);
  bool try_fold_case(size_t& i, size_t last, Out& out);
  const Binding* resolve(const std::vector<std::string>& parts, const Token& at);

  const Script& script_;
  const std::vector<Binding>& scope_;
  std::vector<Diagnostic>& diags_;
  AggregateHook aggregate_;
  std::function<bool(const Token&)> call_claims_;
  AggregateHook call_hook_;
  std::string aggregate_where_;
  std::vector<size_t> used_;
  bool failed_ = false;
};

/// The tokens [first, last) of `span` split at top-level ANDs.
std::vector<ExprSpan> conjuncts(const Script& script, ExprSpan span);
/// The index of the ')' closing the '(' at token `open`, or `last` when none before it.
size_t closing_paren(const Script& script, size_t open, size_t last);
/// True for count, sum, min, max and avg (any case).
bool is_aggregate_function(const Token& t);
/// Tokens [first, last) as a key: equal for the same tokens written anywhere.
std::string tokens_text(const Script& script, size_t first, size_t last);
/// The script text of tokens [first, last), as written.
std::string span_text(const Script& script, ExprSpan span);
/// Whether two spans have the same tokens (names compared exactly, keywords in any case).
bool same_tokens(const Script& script, ExprSpan a, ExprSpan b);
/// The nearest of `names` to `name` by edit distance, or "" when none is close.
std::string nearest_name(const std::string& name, const std::vector<std::string>& names);

}  // namespace eddy::sql
