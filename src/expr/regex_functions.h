// Regular expressions for REGEXP, REGEXP_EXTRACT and REGEXP_REPLACE, with RE2:
// Java's syntax (which Flink uses) less backreferences and lookaround, in
// linear time. The type checker compiles a literal pattern once per
// expression (compile_regex); regex_functions.cpp compiles others per
// distinct pattern.
#pragma once

#include <memory>
#include <string_view>

#include "core/status.h"
#include "expr/ast.h"

namespace re2 {
class RE2;
}

namespace eddy::expr {

/// A compiled pattern, kept as the call's state (ast.h).
struct CompiledRegex : CallState {
  explicit CompiledRegex(std::string_view pattern);
  ~CompiledRegex() override;
  std::unique_ptr<re2::RE2> re;
};

/// Compiles `pattern`; a pattern RE2 refuses is an error saying why.
Result<std::shared_ptr<const CompiledRegex>> compile_regex(std::string_view pattern);

}  // namespace eddy::expr
