// The namespaces of one key in a StateTable (state_table.h): namespace ->
// value, ascending. Every operator so far keeps one namespace per key, so the
// first value lives inline, in the key's own hash node: no second allocation
// and no pointer to chase per key, which is what a lookup, a window firing and
// a checkpoint packing millions of keys pay for. Further namespaces go to a
// std::map made when the second one arrives. Values never move, so a V*
// handed out stays valid while other namespaces come and go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>

namespace eddy::state_detail {

template <class V>
class NamespaceMap {
 public:
  size_t size() const { return (has_inline_ ? 1 : 0) + (rest_ ? rest_->size() : 0); }
  bool empty() const { return size() == 0; }

  V* find(int64_t ns) {
    if (has_inline_ && inline_ns_ == ns) return &inline_value_;
    if (!rest_) return nullptr;
    auto it = rest_->find(ns);
    return it == rest_->end() ? nullptr : &it->second;
  }
  const V* find(int64_t ns) const { return const_cast<NamespaceMap*>(this)->find(ns); }
  bool contains(int64_t ns) const { return find(ns) != nullptr; }

  /// The value of ns, made from args when absent (args unused otherwise);
  /// second: whether it was made.
  template <class... Args>
  std::pair<V*, bool> try_emplace(int64_t ns, Args&&... args) {
    if (V* v = find(ns)) return {v, false};
    if (!has_inline_) {
      has_inline_ = true;
      inline_ns_ = ns;
      inline_value_ = V(std::forward<Args>(args)...);
      return {&inline_value_, true};
    }
    if (!rest_) rest_ = std::make_unique<std::map<int64_t, V>>();
    return {&rest_->try_emplace(ns, std::forward<Args>(args)...).first->second, true};
  }

  /// Removes ns; false when it was absent.
  bool erase(int64_t ns) {
    if (has_inline_ && inline_ns_ == ns) {
      drop_inline();
      return true;
    }
    if (!rest_ || rest_->erase(ns) == 0) return false;
    if (rest_->empty()) rest_.reset();
    return true;
  }

  /// Calls f(int64_t ns, V& value) for every namespace, ascending.
  template <class F>
  void for_each(F&& f) {
    bool inline_done = !has_inline_;
    if (rest_) {
      for (auto& [ns, value] : *rest_) {
        if (!inline_done && inline_ns_ < ns) {
          f(inline_ns_, inline_value_);
          inline_done = true;
        }
        f(ns, value);
      }
    }
    if (!inline_done) f(inline_ns_, inline_value_);
  }
  template <class F>
  void for_each(F&& f) const {
    const_cast<NamespaceMap*>(this)->for_each(
        [&](int64_t ns, V& value) { f(ns, static_cast<const V&>(value)); });
  }

  /// Calls f(int64_t ns, V& value) for the namespaces in [lo, hi], ascending,
  /// at most `limit` of them, visiting only those (a range read of an ordered
  /// state); returns how many it visited.
  template <class F>
  size_t for_each_in(int64_t lo, int64_t hi, F&& f, size_t limit = SIZE_MAX) {
    size_t visited = 0;
    bool inline_done = !has_inline_ || inline_ns_ < lo || inline_ns_ > hi;
    if (rest_) {
      for (auto it = rest_->lower_bound(lo); it != rest_->end() && it->first <= hi; ++it) {
        if (!inline_done && inline_ns_ < it->first) {
          if (visited == limit) return visited;
          f(inline_ns_, inline_value_);
          inline_done = true;
          ++visited;
        }
        if (visited == limit) return visited;
        f(it->first, it->second);
        ++visited;
      }
    }
    if (!inline_done && visited < limit) {
      f(inline_ns_, inline_value_);
      ++visited;
    }
    return visited;
  }

  /// Removes every namespace for which pred(int64_t ns, V& value) is true,
  /// visiting them ascending; returns how many it removed.
  template <class F>
  size_t remove_if(F&& pred) {
    size_t removed = 0;
    bool drop_inline_value = false;
    auto visit_inline = [&] {
      if (pred(inline_ns_, inline_value_)) drop_inline_value = true;
    };
    bool inline_done = !has_inline_;
    if (rest_) {
      for (auto it = rest_->begin(); it != rest_->end();) {
        if (!inline_done && inline_ns_ < it->first) {
          visit_inline();
          inline_done = true;
        }
        if (pred(it->first, it->second)) {
          it = rest_->erase(it);
          ++removed;
        } else {
          ++it;
        }
      }
      if (rest_->empty()) rest_.reset();
    }
    if (!inline_done) visit_inline();
    if (drop_inline_value) {
      drop_inline();
      ++removed;
    }
    return removed;
  }

 private:
  void drop_inline() {
    has_inline_ = false;
    inline_value_ = V();  // frees what the value held
  }

  bool has_inline_ = false;
  int64_t inline_ns_ = 0;
  V inline_value_{};
  std::unique_ptr<std::map<int64_t, V>> rest_;  // null while every namespace fits inline
};

}  // namespace eddy::state_detail
