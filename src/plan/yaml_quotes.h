// Finds the quoted scalars of a YAML text with a small scanner of its own, so
// a missing closing quote can be reported where the quote opened: yaml-cpp
// reads an unclosed quote to the end of the file without complaint (the rest
// of the file becomes one string), or stops at a distant line with "end of
// map not found". Used by pipeline_parser.cpp.
#pragma once

#include <string_view>
#include <vector>

#include "plan/pipeline_spec.h"

namespace eddy {

/// One single- or double-quoted scalar: where its opening quote is and, when
/// it is closed, where its closing quote is.
struct QuotedScalar {
  char quote = '"';
  SourceLocation open;
  SourceLocation close;  // line 0 when the text ends inside it
  bool closed() const { return close.line > 0; }
};

/// The quoted scalars of `text` in order. A quote counts where a scalar may
/// start: at the start of a line's content, after "- ", ": ", "? " and, in
/// flow collections, after "[", "{" and ",". Comments and block scalars
/// (| and >) are skipped. A heuristic for messages, not a YAML parser.
std::vector<QuotedScalar> find_quoted_scalars(std::string_view text);

}  // namespace eddy
