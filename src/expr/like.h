// LIKE / ILIKE patterns: `%` matches any run of characters, `_` exactly one
// (UTF-8) character, the escape character quotes the next one. A pattern is
// compiled once per expression when it is a literal; common shapes (exact,
// prefix%, %suffix, %infix%) skip the general matcher. Used by evaluate.cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace eddy::expr {

class LikeMatcher {
 public:
  /// Compiles `pattern`; `escape` 0 means no escape character. Fails when the
  /// pattern ends with the escape character.
  static Result<std::shared_ptr<const LikeMatcher>> compile(std::string_view pattern, char escape,
                                                            bool case_insensitive);

  /// Whether `s` matches. `scratch` is reused to lower-case `s` for ILIKE.
  bool matches(std::string_view s, std::string& scratch) const;

 private:
  enum class Shape { kAny, kExact, kPrefix, kSuffix, kInfix, kGeneral };
  enum class ElemKind { kLiteral, kOne, kAnyRun };
  struct Elem {
    ElemKind kind;
    std::string text;  // kLiteral
  };

  bool match_general(std::string_view s) const;
  bool match_shape(std::string_view s) const;

  Shape shape_ = Shape::kGeneral;
  bool case_insensitive_ = false;
  std::string literal_;  // the literal of the simple shapes
  std::vector<Elem> elems_;
};

}  // namespace eddy::expr
