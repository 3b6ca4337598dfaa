// A bound on how deeply PostgreSQL's parse tree of an expression nests,
// computed from its scanner's tokens before the parser runs. libpg_query
// writes its parse tree out recursively (about 200 bytes of stack per level)
// with no depth check of its own, so an expression of 10,000 chained terms
// would overflow the stack inside it. Called by parse_sql.cpp only.
#pragma once

#include <string_view>

#include "core/status.h"

namespace eddy::expr {

/// The bound and where the nesting was deepest.
struct DepthBound {
  int depth = 0;       // at least the parse tree's depth, counted in nodes
  int offset = -1;     // byte offset into the scanned text of the deepest token
};

/// Scans `sql` (the whole text handed to the parser) with PostgreSQL's
/// scanner, which runs without recursion, and bounds the depth of the tree
/// the parser would build: each operator or keyword adds a level within its
/// run of operands (AND, OR, commas and CASE's WHEN/THEN/ELSE start a new
/// run, as the parser flattens AND and OR chains), each parenthesis, bracket
/// or CASE a level around what it holds. Stops counting once `limit` is
/// passed. A text the scanner refuses is left to the parser, which reports it.
DepthBound sql_depth_bound(std::string_view sql, int limit);

}  // namespace eddy::expr
