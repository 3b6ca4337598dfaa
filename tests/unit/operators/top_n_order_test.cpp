// Composite order keys of a Top-N ordered by several columns (ORDER BY price
// DESC, date_time ASC): compared bytewise they must rank rows exactly as
// comparing column by column does, in each direction, NULLs last.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "operators/top_n_rows.h"

using namespace eddy;

namespace {

/// -1, 0, 1: a before, tied with, after b, comparing column by column.
int reference_compare(const RecordBatch& batch, size_t a, size_t b, const std::vector<bool>& desc) {
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    const Column& col = batch.columns[c];
    const bool an = col.is_null(a), bn = col.is_null(b);
    if (an || bn) {
      if (an != bn) return an ? 1 : -1;  // NULL last in either direction
      continue;
    }
    int r = 0;
    switch (col.type()) {
      case DataType::kInt64:
      case DataType::kTimestamp: r = (col.ints[a] > col.ints[b]) - (col.ints[a] < col.ints[b]); break;
      case DataType::kFloat64: {
        const double x = col.doubles[a], y = col.doubles[b];
        const bool xn = std::isnan(x), yn = std::isnan(y);
        r = xn || yn ? static_cast<int>(xn) - static_cast<int>(yn) : (x > y) - (x < y);
        break;
      }
      case DataType::kString: {
        const int cmp = col.string_at(a).compare(col.string_at(b));
        r = (cmp > 0) - (cmp < 0);
        break;
      }
      case DataType::kBool: r = col.bools[a] - col.bools[b]; break;
    }
    if (r != 0) return desc[c] ? -r : r;
  }
  return 0;
}

}  // namespace

TEST_CASE("a composite order key sorts bytewise as its columns do, each in its direction, NULLs last") {
  std::mt19937_64 rng(7);
  const std::vector<std::string> words = {"", "a", "ab", std::string("a\0b", 3), std::string("a\0", 2), "b", "\xff"};
  const std::vector<double> doubles = {-1.5, -0.0, 0.0, 2.25, NAN, -INFINITY, INFINITY};
  for (int round = 0; round < 8; ++round) {
    RecordBatch batch;
    batch.columns = {Column(DataType::kInt64), Column(DataType::kFloat64), Column(DataType::kString)};
    const size_t n = 60;
    for (size_t r = 0; r < n; ++r) {
      if (rng() % 6 == 0) batch.columns[0].append_null();
      else batch.columns[0].append_int(static_cast<int64_t>(rng() % 5) - 2);
      if (rng() % 6 == 0) batch.columns[1].append_null();
      else batch.columns[1].append_double(doubles[rng() % doubles.size()]);
      if (rng() % 6 == 0) batch.columns[2].append_null();
      else batch.columns[2].append_string(words[rng() % words.size()]);
    }
    batch.num_rows = n;
    const std::vector<bool> desc = {(round & 1) != 0, (round & 2) != 0, (round & 4) != 0};
    std::vector<TopNEntry> keys(n);
    for (size_t r = 0; r < n; ++r) TopNRanker::read_composite_order(batch, r, {0, 1, 2}, desc, keys[r]);
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b) {
        const int bytes = keys[a].order_string.compare(keys[b].order_string);
        CHECK(((bytes > 0) - (bytes < 0)) == reference_compare(batch, a, b, desc));
      }
  }
}
