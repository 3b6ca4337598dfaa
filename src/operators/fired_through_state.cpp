#include "operators/fired_through_state.h"

#include <algorithm>
#include <msgpack.hpp>

namespace eddy {

namespace {
constexpr int kFiredStateVersion = 1;
}

std::string pack_fired_through(KeyGroupRange key_groups, int64_t fired_through) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(4);
  pk.pack(kFiredStateVersion);
  pk.pack(key_groups.start);
  pk.pack(key_groups.end);
  pk.pack(fired_through);
  return std::string(buf.data(), buf.size());
}

Result<std::vector<RestoredKeyGroups>> unpack_fired_through(const std::vector<std::string>& states,
                                                            const std::string& operator_name) {
  std::vector<RestoredKeyGroups> restored;
  for (const std::string& bytes : states) {
    RestoredKeyGroups r;
    try {
      auto oh = msgpack::unpack(bytes.data(), bytes.size());
      const msgpack::object& o = oh.get();
      if (o.type != msgpack::type::ARRAY || o.via.array.size != 4 ||
          o.via.array.ptr[0].as<int>() != kFiredStateVersion)
        return Status::invalid("operator '" + operator_name + "' cannot use the operator state it restored");
      r.key_groups = KeyGroupRange{o.via.array.ptr[1].as<int32_t>(), o.via.array.ptr[2].as<int32_t>()};
      r.timers_fired_through = o.via.array.ptr[3].as<int64_t>();
    } catch (const std::exception& e) {
      return Status::invalid("operator '" + operator_name + "': malformed operator state: " + e.what());
    }
    restored.push_back(r);
  }
  return restored;
}

int64_t earliest_fired_through(const std::vector<RestoredKeyGroups>& restored, KeyGroupRange mine) {
  bool any = false;
  int64_t earliest = INT64_MIN;
  for (const RestoredKeyGroups& r : restored) {
    const bool overlaps = r.key_groups.start <= mine.end && mine.start <= r.key_groups.end;
    if (!overlaps) continue;
    earliest = any ? std::min(earliest, r.timers_fired_through) : r.timers_fired_through;
    any = true;
  }
  return earliest;
}

}  // namespace eddy
