// A join's `on`, taken apart (PIPELINES.md "Joins"): the equalities between a
// left and a right column are the join key; bounds between the inputs'
// event-time columns (`click.ts BETWEEN display.ts AND display.ts + INTERVAL
// '20' MINUTE`, or two comparisons) make an interval join; every other
// conjunct is the residual condition, compiled over the joined schema.
// Called by join_planner.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "expr/expression.h"
#include "plan/join_columns.h"
#include "plan/pipeline_spec.h"

namespace eddy {

/// left = right: indices into the two inputs' schemas.
struct JoinKeyPair {
  int left = -1;
  int right = -1;
};

struct JoinCondition {
  std::vector<JoinKeyPair> keys;
  /// Lookup joins (computed_left_keys): per key, an expression over the left
  /// input's schema when its left side is not a bare column (then
  /// keys[i].left is kComputedKey), else null.
  std::vector<std::shared_ptr<const CompiledExpr>> left_key_exprs;
  std::string key_text;  // "auction.seller = person.id"
  /// Both inputs' time columns bounded by each other: an interval join with
  /// right.time - left.time within [lower_ms, upper_ms].
  bool interval = false;
  int64_t lower_ms = 0, upper_ms = 0;
  /// `on` bounds two timestamp columns of the inputs from both sides, whether
  /// or not that made an interval join (the planner refuses it on an updating input).
  bool bounded = false;
  /// The other conjuncts over the joined schema (null: none), and as written.
  std::shared_ptr<const CompiledExpr> residual;
  std::string residual_text;
};

/// Takes `on` apart. `time_bounds`: both inputs are append-only with event
/// time and the join has no window, so bounds between their time columns make
/// an interval join (else such bounds stay in the residual). On an input
/// without event time, any timestamp column counts as its time column here. Refusals (no key equality,
/// unknown or ambiguous columns, key columns of different types, BETWEEN
/// bounds in the wrong order, bounds no pair can meet, a condition that is
/// not boolean) go to `diags` at their position; nullopt then. `where`
/// starts each message ("join 'q3'"). `computed_left_keys` (lookup joins):
/// an equality between an expression over left columns only and a right
/// column is a key too (`mod(B.auction, 10000) = S.key`).
std::optional<JoinCondition> analyze_join_condition(const LocatedText& on, const JoinScope& scope, bool time_bounds,
                                                    const std::string& where, std::vector<Diagnostic>& diags,
                                                    bool computed_left_keys = false);

/// Where byte `offset` of an expression lies in the file.
SourceLocation expression_location(const LocatedText& text, int offset);

}  // namespace eddy
