// Unit tests for writing keyed state per key group and reading it back, into
// the same key groups or another split of them (rescaling), and for refusing
// bytes that do not fit (src/state/keyed_state_backend.h).
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/key_groups.h"
#include "state/key_encoding.h"
#include "state/keyed_state_backend.h"

using namespace eddy;

namespace {

/// A window accumulator, as an operator would keep it.
struct Acc {
  int64_t count = 0;
  double sum = 0;
  std::string last;
  bool operator==(const Acc& o) const { return count == o.count && sum == o.sum && last == o.last; }
  MSGPACK_DEFINE(count, sum, last);
};

/// The states every backend of these tests registers, one of each kind.
struct States {
  explicit States(KeyedStateBackend& b)
      : counts(b.value_state<int64_t>("counts")),
        accs(b.value_state<Acc>("accs")),
        seen(b.map_state<std::string, int64_t>("seen")),
        rows(b.list_state<std::string>("rows")) {}
  ValueState<int64_t>& counts;
  ValueState<Acc>& accs;
  MapState<std::string, int64_t>& seen;
  ListState<std::string>& rows;
};

using Where = std::tuple<int32_t, std::string, int64_t>;

/// Everything a backend holds, in a comparable form.
struct Dump {
  std::map<Where, int64_t> counts;
  std::map<Where, std::tuple<int64_t, double, std::string>> accs;
  std::map<Where, std::map<std::string, int64_t>> seen;
  std::map<Where, std::vector<std::string>> rows;
  bool operator==(const Dump& o) const {
    return counts == o.counts && accs == o.accs && seen == o.seen && rows == o.rows;
  }
  size_t size() const { return counts.size() + accs.size() + seen.size() + rows.size(); }
};

Dump dump(States& s) {
  Dump d;
  s.counts.for_each([&](int32_t kg, const std::string& k, int64_t ns, int64_t& v) {
    d.counts[{kg, k, ns}] = v;
  });
  s.accs.for_each([&](int32_t kg, const std::string& k, int64_t ns, Acc& v) {
    d.accs[{kg, k, ns}] = {v.count, v.sum, v.last};
  });
  s.seen.for_each([&](int32_t kg, const std::string& k, int64_t ns, auto& m) {
    d.seen[{kg, k, ns}] = std::map<std::string, int64_t>(m.begin(), m.end());
  });
  s.rows.for_each([&](int32_t kg, const std::string& k, int64_t ns, std::vector<std::string>& v) {
    d.rows[{kg, k, ns}] = v;
  });
  return d;
}

/// Key bytes and key group of user `u`, computed the way a keyed operator does.
std::pair<std::string, int32_t> user_key(int64_t u) {
  RecordBatch b;
  b.columns.emplace_back(DataType::kInt64);
  b.columns[0].append_int(u);
  b.num_rows = 1;
  std::string key;
  encode_key(b, {0}, 0, key);
  return {key, key_group_of_row(b, {0}, 0, 128)};
}

/// Puts user u's state into whichever of `backends` owns its key group.
void fill_user(std::vector<std::pair<KeyedStateBackend*, States*>> backends, int64_t u) {
  auto [key, kg] = user_key(u);
  for (auto& [backend, s] : backends) {
    if (!backend->key_groups().contains(kg)) continue;
    backend->set_current_key(key, kg);
    if (u % 2 == 0) s->counts.put(u * 3);
    if (u % 3 == 0) s->counts.put(-u, /*ns=*/60000);
    if (u % 4 != 1) s->accs.put(Acc{u, u * 0.5, "u" + std::to_string(u)}, 1000 * (u % 5));
    if (u % 5 != 0) {
      s->seen.put("a", u);
      s->seen.put("b" + std::to_string(u % 7), 7, 120000);
    }
    if (u % 3 != 2)
      for (int64_t i = 0; i <= u % 4; ++i) s->rows.add("row" + std::to_string(i), u % 2);
  }
}

Status copy_group(const KeyedStateBackend& from, KeyedStateBackend& to, int32_t kg) {
  std::string bytes;
  EDDY_RETURN_IF_ERROR(from.snapshot_key_group(kg, bytes));
  return to.restore_key_group(kg, bytes);
}

}  // namespace

TEST_CASE("every state kind survives a snapshot and restore of each key group") {
  KeyedStateBackend a(128, {0, 127});
  States sa(a);
  for (int64_t u = 0; u < 500; ++u) fill_user({{&a, &sa}}, u);
  const Dump before = dump(sa);
  REQUIRE(before.counts.size() > 100);
  REQUIRE(before.seen.size() > 100);
  REQUIRE(before.rows.size() > 100);

  KeyedStateBackend b(128, {0, 127});
  States sb(b);
  for (int32_t kg = 0; kg < 128; ++kg) REQUIRE(copy_group(a, b, kg).is_ok());
  CHECK(dump(sb) == before);
  CHECK(b.key_count() == a.key_count());
  CHECK(sb.counts.size() == sa.counts.size());
  CHECK(sb.accs.size() == sa.accs.size());

  // The restored backend answers point reads like the original.
  auto [key, kg] = user_key(42);
  b.set_current_key(key, kg);
  REQUIRE(sb.counts.get() != nullptr);
  CHECK(*sb.counts.get() == 126);
  CHECK(*sb.seen.get("a") == 42);
  CHECK(*sb.rows.get(0) == std::vector<std::string>{"row0", "row1", "row2"});
  CHECK(*sb.accs.get(2000) == Acc{42, 21.0, "u42"});
}

TEST_CASE("a key group's snapshot holds only that key group") {
  KeyedStateBackend a(128, {0, 127});
  States sa(a);
  for (int64_t u = 0; u < 300; ++u) fill_user({{&a, &sa}}, u);
  auto [key, kg] = user_key(8);
  KeyedStateBackend b(128, {0, 127});
  States sb(b);
  REQUIRE(copy_group(a, b, kg).is_ok());
  const Dump d = dump(sb);
  CHECK(d.size() > 0);
  for (const auto& e : d.counts) CHECK(std::get<0>(e.first) == kg);
  for (const auto& e : d.rows) CHECK(std::get<0>(e.first) == kg);
  b.set_current_key(key, kg);
  CHECK(*sb.counts.get() == 24);
}

TEST_CASE("restore replaces what the key group held, and an empty snapshot empties it") {
  KeyedStateBackend a(128, {0, 127});
  States sa(a);
  a.set_current_key("x", 9);
  sa.counts.put(1);
  KeyedStateBackend b(128, {0, 127});
  States sb(b);
  b.set_current_key("y", 9);
  sb.counts.put(2);
  sb.rows.add("r");
  b.set_current_key("z", 10);
  sb.counts.put(3);
  REQUIRE(copy_group(a, b, 9).is_ok());
  b.set_current_key("y", 9);
  CHECK(sb.counts.get() == nullptr);  // the cached entry of "y" was replaced
  CHECK(sb.rows.get() == nullptr);
  b.set_current_key("x", 9);
  CHECK(*sb.counts.get() == 1);
  b.set_current_key("z", 10);
  CHECK(*sb.counts.get() == 3);  // other key groups untouched
  CHECK(b.key_count() == 2);

  REQUIRE(copy_group(a, b, 10).is_ok());  // a holds nothing in key group 10
  CHECK(sb.counts.get() == nullptr);
  CHECK(b.key_count() == 1);
  CHECK(sb.counts.size() == 1);
}

TEST_CASE("key groups from two backends restore into one backend at another parallelism") {
  // Parallelism 2 -> 1: A owns 0..63, B owns 64..127, C takes both halves.
  KeyedStateBackend ref(128, {0, 127}), a(128, key_group_range_for_subtask(128, 2, 0)),
      b(128, key_group_range_for_subtask(128, 2, 1));
  REQUIRE(a.key_groups().end == 63);
  REQUIRE(b.key_groups().start == 64);
  States sref(ref), sa(a), sb(b);
  for (int64_t u = 0; u < 1000; ++u) fill_user({{&ref, &sref}, {&a, &sa}, {&b, &sb}}, u);
  CHECK(a.key_count() + b.key_count() == ref.key_count());

  KeyedStateBackend c(128, {0, 127});
  States sc(c);
  for (int32_t kg = 0; kg <= 63; ++kg) REQUIRE(copy_group(a, c, kg).is_ok());
  for (int32_t kg = 64; kg <= 127; ++kg) REQUIRE(copy_group(b, c, kg).is_ok());
  CHECK(dump(sc) == dump(sref));
  CHECK(c.key_count() == ref.key_count());

  // And 1 -> 3: each new subtask takes its range from C.
  Dump merged;
  for (int32_t i = 0; i < 3; ++i) {
    KeyedStateBackend part(128, key_group_range_for_subtask(128, 3, i));
    States sp(part);
    for (int32_t kg = part.key_groups().start; kg <= part.key_groups().end; ++kg)
      REQUIRE(copy_group(c, part, kg).is_ok());
    Dump d = dump(sp);
    merged.counts.insert(d.counts.begin(), d.counts.end());
    merged.accs.insert(d.accs.begin(), d.accs.end());
    merged.seen.insert(d.seen.begin(), d.seen.end());
    merged.rows.insert(d.rows.begin(), d.rows.end());
    // A key group outside the new range is refused, not silently taken.
    const int32_t outside = part.key_groups().end == 127 ? 0 : 127;
    CHECK(copy_group(c, part, outside).code() == StatusCode::kInvalidArgument);
  }
  CHECK(merged == dump(sref));
}

TEST_CASE("snapshot and restore refuse key groups the backend does not own") {
  KeyedStateBackend a(128, {0, 63});
  std::string bytes;
  CHECK(a.snapshot_key_group(64, bytes).code() == StatusCode::kInvalidArgument);
  CHECK(a.snapshot_key_group(-1, bytes).code() == StatusCode::kInvalidArgument);
  REQUIRE(a.snapshot_key_group(5, bytes).is_ok());
  CHECK(a.restore_key_group(64, bytes).code() == StatusCode::kInvalidArgument);
  // Bytes of key group 5 are not key group 6's.
  CHECK(a.restore_key_group(6, bytes).code() == StatusCode::kParseError);
  CHECK(a.restore_key_group(5, bytes).is_ok());
}

TEST_CASE("restore refuses a state name the backend did not register") {
  KeyedStateBackend a(128, {0, 127});
  a.value_state<int64_t>("counts");
  auto& extra = a.value_state<int64_t>("extra");
  a.set_current_key("k", 1);
  extra.put(1);
  std::string bytes;
  REQUIRE(a.snapshot_key_group(1, bytes).is_ok());

  KeyedStateBackend b(128, {0, 127});
  auto& counts = b.value_state<int64_t>("counts");
  b.set_current_key("k", 1);
  counts.put(7);
  Status st = b.restore_key_group(1, bytes);
  CHECK(st.code() == StatusCode::kNotFound);
  CHECK(st.message().find("extra") != std::string::npos);
  CHECK(*counts.get() == 7);  // nothing changed
}

TEST_CASE("restore refuses a state registered with another type and changes nothing") {
  KeyedStateBackend a(128, {0, 127});
  a.set_current_key("k", 2);
  a.value_state<int64_t>("v").put(5);
  a.value_state<int64_t>("w").put(6);
  std::string bytes;
  REQUIRE(a.snapshot_key_group(2, bytes).is_ok());

  {  // Same name, other value type. "w" sorts after "v", so "v" was decoded first and must not be
     // applied.
    KeyedStateBackend b(128, {0, 127});
    auto& v = b.value_state<int64_t>("v");
    auto& w = b.value_state<double>("w");
    b.set_current_key("k", 2);
    v.put(1);
    w.put(2.5);
    Status st = b.restore_key_group(2, bytes);
    CHECK(st.code() == StatusCode::kTypeError);
    CHECK(st.message().find("'w'") != std::string::npos);
    CHECK(*v.get() == 1);
    CHECK(*w.get() == 2.5);
  }
  {  // Same name and element type, other kind.
    KeyedStateBackend b(128, {0, 127});
    b.list_state<int64_t>("v");
    b.value_state<int64_t>("w");
    CHECK(b.restore_key_group(2, bytes).code() == StatusCode::kTypeError);
  }
  {  // Map states differ by value type.
    KeyedStateBackend m1(128, {0, 127}), m2(128, {0, 127});
    m1.set_current_key("k", 2);
    m1.map_state<std::string, int64_t>("m").put("a", 1);
    m2.map_state<std::string, std::string>("m");
    std::string mbytes;
    REQUIRE(m1.snapshot_key_group(2, mbytes).is_ok());
    CHECK(m2.restore_key_group(2, mbytes).code() == StatusCode::kTypeError);
  }
}

TEST_CASE("restore refuses corrupt bytes with a Status and changes nothing") {
  KeyedStateBackend a(128, {0, 127});
  States sa(a);
  for (int64_t u = 0; u < 200; ++u) fill_user({{&a, &sa}}, u);
  auto [key, kg] = user_key(8);
  std::string bytes;
  REQUIRE(a.snapshot_key_group(kg, bytes).is_ok());
  REQUIRE(bytes.size() > 20);

  KeyedStateBackend b(128, {0, 127});
  States sb(b);
  b.set_current_key(key, kg);
  sb.counts.put(-1);
  const Dump original = dump(sb);

  CHECK_FALSE(b.restore_key_group(kg, "").is_ok());
  CHECK_FALSE(b.restore_key_group(kg, "garbage that is not msgpack").is_ok());
  CHECK_FALSE(b.restore_key_group(kg, bytes + "x").is_ok());
  for (size_t len = 0; len < bytes.size(); len += 1 + len / 16)
    CHECK_FALSE(b.restore_key_group(kg, std::string_view(bytes).substr(0, len)).is_ok());
  CHECK(dump(sb) == original);

  // Flipped bytes: refused or (when the damage happens to form valid state) accepted, never a
  // crash.
  std::mt19937 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = bytes;
    for (int flips = 0; flips < 1 + trial % 3; ++flips)
      bad[rng() % bad.size()] = static_cast<char>(rng() & 0xff);
    (void)b.restore_key_group(kg, bad);
  }
  // Structurally wrong but well-formed msgpack.
  auto packed = [](auto&& value) {
    msgpack::sbuffer buf;
    msgpack::pack(buf, value);
    return std::string(buf.data(), buf.size());
  };
  CHECK_FALSE(b.restore_key_group(kg, packed(std::vector<int>{1, kg})).is_ok());
  CHECK_FALSE(b.restore_key_group(kg, packed(std::make_tuple(2, kg, std::vector<int>{}))).is_ok());
  CHECK_FALSE(b.restore_key_group(kg, packed(std::make_tuple(1, kg, 5))).is_ok());
  CHECK_FALSE(b.restore_key_group(kg, packed(std::make_tuple(1, kg, std::vector<int>{5}))).is_ok());
  REQUIRE(b.restore_key_group(kg, bytes).is_ok());
  b.set_current_key(key, kg);
  CHECK(*sb.counts.get() == 24);
}

TEST_CASE("restore refuses values that do not fit the registered type") {
  // A hand-made snapshot naming the right state and type but carrying a string value.
  KeyedStateBackend b(128, {0, 127});
  auto& v = b.value_state<int64_t>("v");
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(3);
  pk.pack(1);
  pk.pack(3);
  pk.pack_array(1);
  pk.pack_array(3);
  pk.pack(std::string("v"));
  pk.pack(std::string(v.type_id()));
  pk.pack_array(1);
  pk.pack_array(2);
  pk.pack_bin(1);
  pk.pack_bin_body("k", 1);
  pk.pack_array(2);
  pk.pack(0);
  pk.pack(std::string("not a number"));
  Status st = b.restore_key_group(3, std::string_view(buf.data(), buf.size()));
  CHECK(st.code() == StatusCode::kTypeError);
  CHECK(v.size() == 0);
}

TEST_CASE("snapshots of a cleared backend restore as empty") {
  KeyedStateBackend a(128, {0, 127});
  States sa(a);
  for (int64_t u = 0; u < 50; ++u) fill_user({{&a, &sa}}, u);
  KeyedStateBackend b(128, {0, 127});
  States sb(b);
  for (int32_t kg = 0; kg < 128; ++kg) REQUIRE(copy_group(a, b, kg).is_ok());
  REQUIRE(b.key_count() > 0);
  a.clear();
  CHECK(a.key_count() == 0);
  CHECK(dump(sa).size() == 0);
  for (int32_t kg = 0; kg < 128; ++kg) REQUIRE(copy_group(a, b, kg).is_ok());
  CHECK(b.key_count() == 0);
  CHECK(dump(sb).size() == 0);
}
