// The nearest of some known names to a misspelt one, for messages ("unknown
// column 'pric'; did you mean 'price'?"). Used by the SQL planner and the
// expression parser.
#pragma once

#include <string>
#include <vector>

namespace eddy {

/// Levenshtein distance, letters compared without case.
size_t edit_distance(const std::string& a, const std::string& b);

/// The name of `known` nearest to `name` at a distance below `limit`, or "".
std::string nearest_name(const std::string& name, const std::vector<std::string>& known, size_t limit);

}  // namespace eddy
