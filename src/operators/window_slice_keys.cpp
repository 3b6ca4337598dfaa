// SliceKeys: a map from slice end to the keys with records in that slice.
#include "operators/window_slice_keys.h"

namespace eddy {

bool SliceKeys::add(int64_t slice_end, int32_t key_group, const std::string& key) {
  auto [it, fresh] = lists_.try_emplace(slice_end);
  it->second.push_back(TimerKey{key_group, key});
  return fresh;
}

}  // namespace eddy
