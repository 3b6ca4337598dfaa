// Where a SQL statement typed into the shell (eddy sql) ends: the first ';'
// outside strings, backquoted names and comments. Used to read statements
// line by line from a terminal or a pipe.
#pragma once

#include <string>
#include <string_view>

namespace eddy::sql {

/// The offset just past the ';' that ends the first statement of `text`, or
/// std::string::npos while the statement goes on.
size_t statement_end(std::string_view text);

/// The first word of `statement` in upper case ("SELECT", "SET", ...), comments
/// and a leading '(' skipped; "" when it has none.
std::string first_word(std::string_view statement);

}  // namespace eddy::sql
