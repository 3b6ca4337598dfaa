// Query results in the shell (eddy sql) as Flink's SQL client prints them in
// tableau mode: a boxed table, `op` first, one row per change as it arrives.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace eddy {

class Tableau {
 public:
  explicit Tableau(std::FILE* out) : out_(out) {}

  /// One row the print sink wrote (a JSON object, `op` first when the stream
  /// is updating); the header comes before the first. False when `line` is no
  /// JSON object (it is printed as it is).
  bool row(const std::string& line);
  /// The closing line and the row count, if any row came.
  void finish();
  size_t rows() const { return rows_; }

 private:
  void rule() const;
  void cells(const std::vector<std::string>& values) const;

  std::FILE* out_;
  std::vector<std::string> columns_;  // without op
  std::vector<size_t> widths_;        // op's first
  size_t rows_ = 0;
};

}  // namespace eddy
