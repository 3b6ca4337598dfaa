// The columns of a join's two inputs as its `on` and `select` see them
// (PIPELINES.md "Joins"): `auction.id` (qualified by the input's name or
// alias), or a bare name found in one input only. Also builds the joined
// schema JoinConfig describes: left columns then right columns, "op" left
// out, a name on both sides prefixed with its input's qualifier ("person_id").
// Used by join_condition.cpp and join_planner.cpp.
#pragma once

#include <string>

#include "core/schema.h"
#include "expr/expression.h"

namespace eddy {

/// One input of a join.
struct JoinScopeInput {
  std::string qualifier;    // the alias, else the input's name
  SchemaPtr schema;         // as it arrives: "op" first when updating
  bool updating = false;
  std::string time_column;  // its event-time column; empty without event time
};

/// A resolved column: side 0 (left) or 1 (right), its index in that side's
/// schema, and its index in the joined schema.
struct JoinColumn {
  int side = -1;
  int index = -1;
  int joined = -1;
};

class JoinScope {
 public:
  JoinScope(JoinScopeInput left, JoinScopeInput right);

  const JoinScopeInput& side(int s) const { return s == 0 ? left_ : right_; }
  const SchemaPtr& joined_schema() const { return joined_; }
  /// A joined column name that occurs twice even after prefixing (e.g. left
  /// has "person_id" and both have "id"); empty when none.
  const std::string& clash() const { return clash_; }
  /// The joined index of column `index` of side `s`; -1 for an "op" column.
  int joined_index(int s, int index) const;
  /// "auction.seller": how messages and `eddy validate` name a column.
  std::string qualified_name(int s, int index) const;
  /// Resolves `qualifier.name`, or a bare `name` (qualifier ""); on failure
  /// side = -1 and `message` names both inputs' columns and what to write.
  JoinColumn resolve(const std::string& qualifier, const std::string& name, std::string& message) const;
  /// resolve() as expression compilation calls it: joined indices.
  ColumnResolver resolver() const;
  /// "auction (id, seller, ...) and person (id, name, ...)".
  std::string both_columns() const;

 private:
  /// The index of `name` in side `s` ("op" excepted), exact or, when
  /// unambiguous, ignoring case (unquoted SQL names arrive lower-cased); -1.
  int find(int s, const std::string& name) const;

  JoinScopeInput left_, right_;
  SchemaPtr joined_;
  std::string clash_;
};

}  // namespace eddy
