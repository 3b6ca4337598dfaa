// TopNRanker: comparisons of order values and bounded insertion into a sorted
// group. Groups are small (n rows), so a sorted vector with binary search and
// an O(n) insert beats any tree here.
#include "operators/top_n_rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace eddy {
namespace {

template <class T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

/// PostgreSQL's float order: NaN above every number and equal to itself.
int compare_doubles(double a, double b) {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return static_cast<int>(na) - static_cast<int>(nb);
  return three_way(a, b);  // -0.0 == 0.0 here already
}

}  // namespace

void TopNRanker::read_order(const Column& col, size_t row, TopNEntry& e) {
  e.order_int = 0;
  e.order_double = 0;
  e.order_string.clear();
  if (col.is_null(row)) {
    e.order_kind = static_cast<uint8_t>(TopNOrderKind::kNull);
    return;
  }
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp:
      e.order_kind = static_cast<uint8_t>(TopNOrderKind::kInt);
      e.order_int = col.ints[row];
      return;
    case DataType::kBool:  // refused by validation; ordered false < true if it ever comes
      e.order_kind = static_cast<uint8_t>(TopNOrderKind::kInt);
      e.order_int = col.bools[row];
      return;
    case DataType::kFloat64:
      e.order_kind = static_cast<uint8_t>(TopNOrderKind::kDouble);
      e.order_double = col.doubles[row];
      return;
    case DataType::kString: {
      e.order_kind = static_cast<uint8_t>(TopNOrderKind::kString);
      const std::string_view s = col.string_at(row);
      e.order_string.assign(s.data(), s.size());
      return;
    }
  }
}

namespace {

void append_big_endian(uint64_t v, bool invert, std::string& out) {
  if (invert) v = ~v;
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

/// One column's part of a composite key: 0x01 and the value's order-preserving
/// bytes (inverted for DESC), or 0x02 for NULL, which sorts after any value.
void append_order_part(const Column& col, size_t row, bool descending, std::string& out) {
  if (col.is_null(row)) {
    out += '\x02';
    return;
  }
  out += '\x01';
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp:
      append_big_endian(static_cast<uint64_t>(col.ints[row]) ^ (uint64_t{1} << 63), descending, out);
      return;
    case DataType::kBool:
      out += static_cast<char>(descending ? 1 - col.bools[row] : col.bools[row]);
      return;
    case DataType::kFloat64: {
      double d = col.doubles[row];
      if (d == 0) d = 0;  // -0.0 as 0.0
      uint64_t bits = 0;
      if (std::isnan(d)) {
        bits = ~uint64_t{0};  // above every number, as in compare_doubles
      } else {
        std::memcpy(&bits, &d, sizeof bits);
        bits = (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
      }
      append_big_endian(bits, descending, out);
      return;
    }
    case DataType::kString: {
      // 0x00 escaped as 0x00 0xFF and the end as 0x00 0x00: no value is a
      // prefix of another, so inverting every byte reverses the order.
      const char flip = descending ? '\xFF' : '\0';
      for (char c : col.string_at(row)) {
        out += static_cast<char>(c ^ flip);
        if (c == '\0') out += static_cast<char>('\xFF' ^ flip);
      }
      out += flip;
      out += flip;
      return;
    }
  }
}

}  // namespace

void TopNRanker::read_composite_order(const RecordBatch& batch, size_t row, const std::vector<int>& columns,
                                      const std::vector<bool>& descending, TopNEntry& e) {
  e.order_int = 0;
  e.order_double = 0;
  e.order_kind = static_cast<uint8_t>(TopNOrderKind::kString);
  e.order_string.clear();
  for (size_t i = 0; i < columns.size(); ++i)
    append_order_part(batch.columns[static_cast<size_t>(columns[i])], row, descending[i], e.order_string);
}

int TopNRanker::compare_order(const TopNEntry& a, const TopNEntry& b) const {
  const auto null = static_cast<uint8_t>(TopNOrderKind::kNull);
  const bool a_null = a.order_kind == null, b_null = b.order_kind == null;
  if (a_null || b_null) return static_cast<int>(a_null) - static_cast<int>(b_null);
  int c = 0;
  switch (static_cast<TopNOrderKind>(a.order_kind)) {
    case TopNOrderKind::kInt:
      c = three_way(a.order_int, b.order_int);
      break;
    case TopNOrderKind::kDouble:
      c = compare_doubles(a.order_double, b.order_double);
      break;
    case TopNOrderKind::kString:
      c = a.order_string.compare(b.order_string);
      break;
    case TopNOrderKind::kNull:
      break;
  }
  c = c < 0 ? -1 : (c > 0 ? 1 : 0);
  return descending_ ? -c : c;
}

bool TopNRanker::ranks_before(const TopNEntry& a, const TopNEntry& b) const {
  const int c = compare_order(a, b);
  if (c != 0) return c < 0;
  if (ties_ == TopNTies::kByArrival) return a.seq < b.seq;
  if (ties_ == TopNTies::kLatestFirst) return a.seq > b.seq;
  return a.row < b.row;  // std::string compares as unsigned bytes, i.e. memcmp
}

bool TopNRanker::may_enter(const TopNGroup& group, const TopNEntry& e) const {
  if (static_cast<int64_t>(group.rows.size()) < n_) return true;
  const int c = compare_order(e, group.rows.back());
  // On a tie only the row bytes or the arrival can still decide; an arriving
  // row's seq is the largest.
  return c < 0 || (c == 0 && ties_ != TopNTies::kByArrival);
}

TopNRanker::Offer TopNRanker::offer(TopNGroup& group, TopNEntry&& e, TopNEntry* pushed_out) const {
  auto& rows = group.rows;
  auto pos = std::upper_bound(
      rows.begin(), rows.end(), e,
      [this](const TopNEntry& a, const TopNEntry& b) { return ranks_before(a, b); });
  if (pos - rows.begin() >= n_) return Offer::kRejected;
  rows.insert(pos, std::move(e));
  if (static_cast<int64_t>(rows.size()) <= n_) return Offer::kEntered;
  *pushed_out = std::move(rows.back());
  rows.pop_back();
  return Offer::kEnteredPushingOut;
}

}  // namespace eddy
