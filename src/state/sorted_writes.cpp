#include "state/sorted_writes.h"

#include <algorithm>
#include <cstring>

namespace eddy {
namespace {

uint64_t big_endian_at(std::string_view key, size_t from) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    const size_t at = from + i;
    v = (v << 8) | (at < key.size() ? static_cast<uint8_t>(key[at]) : 0u);
  }
  return v;
}

}  // namespace

void SortedWrites::add(std::string_view key, std::string_view value, bool remove) {
  items_.push_back(Item{big_endian_at(key, 0), big_endian_at(key, 8), arena_.size(),
                        static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size()), remove});
  arena_.append(key);
  arena_.append(value);
}

void SortedWrites::drain(const std::function<void(std::string_view, std::string_view, bool)>& f) {
  const char* base = arena_.data();
  // Zero padding makes a key and its extension compare equal on (head, next);
  // the byte comparison then puts the shorter first, as memcmp order does.
  std::sort(items_.begin(), items_.end(), [base](const Item& a, const Item& b) {
    if (a.head != b.head) return a.head < b.head;
    if (a.next != b.next) return a.next < b.next;
    return std::string_view(base + a.offset, a.key_size) < std::string_view(base + b.offset, b.key_size);
  });
  for (const Item& it : items_)
    f(std::string_view(base + it.offset, it.key_size),
      std::string_view(base + it.offset + it.key_size, it.value_size), it.remove);
  items_.clear();
  arena_.clear();
}

void SortedWrites::move_into(RocksDbStore::Batch& batch) {
  drain([&batch](std::string_view key, std::string_view value, bool remove) {
    if (remove) {
      batch.remove(key);
    } else {
      batch.put(key, value);
    }
  });
}

}  // namespace eddy
