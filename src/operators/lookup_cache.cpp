// LookupCache (lookup_cache.h).
#include "operators/lookup_cache.h"

namespace eddy {

bool LookupCache::expired(const Entry& e, int64_t now_ms) const {
  if (options_.expire_after_write_ms > 0 && now_ms - e.written_ms >= options_.expire_after_write_ms) return true;
  if (options_.expire_after_access_ms > 0 && now_ms - e.accessed_ms >= options_.expire_after_access_ms) return true;
  return false;
}

LookupRows LookupCache::get(const std::string& key, int64_t now_ms) {
  if (!enabled()) return nullptr;
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (expired(*it->second, now_ms)) {
    lru_.erase(it->second);
    index_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  it->second->accessed_ms = now_ms;
  return it->second->rows;
}

void LookupCache::put(const std::string& key, LookupRows rows, int64_t now_ms) {
  if (!enabled() || !rows) return;
  if (rows->empty() && !options_.cache_missing_key) return;
  auto it = index_.find(key);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    Entry& e = *it->second;
    e.rows = std::move(rows);
    e.written_ms = e.accessed_ms = now_ms;
    return;
  }
  lru_.push_front(Entry{key, std::move(rows), now_ms, now_ms});
  index_.emplace(key, lru_.begin());
  while (static_cast<int64_t>(index_.size()) > options_.max_rows) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
    ++evictions_;
  }
}

}  // namespace eddy
