// Unit tests for incremental RocksDB checkpoints of KeyedStateBackend:
// checkpoint_incremental, notify_checkpoint_complete, restore_incremental and
// restore_incremental_range (rescaling), and storing an SST by link or copy.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "rocksdb_test_support.h"
#include "state/keyed_state_backend.h"
#include "state/rocksdb_checkpoint.h"

using namespace eddy;
using namespace eddy::test;

namespace {

const KeyGroupRange kAll{0, 127};

/// Registers the test's two states, as an operator's open() would.
struct Registered {
  explicit Registered(KeyedStateBackend& b)
      : counts(b.value_state<int64_t>("counts")), names(b.list_state<std::string>("names")) {}
  ValueState<int64_t>& counts;
  ListState<std::string>& names;
};

/// Keys [from, to): counts in namespaces 0 and -1, a list for every third key.
void fill(KeyedStateBackend& b, int from, int to, int64_t add) {
  Registered s(b);
  for (int i = from; i < to; ++i) {
    b.set_current_key("user-" + std::to_string(i), i % 128);
    s.counts.get_or_create(0) += add;
    s.counts.put(i, -1);
    if (i % 3 == 0) s.names.add(std::string(40, static_cast<char>('a' + i % 26)));
  }
}

std::pair<Dump, Dump> contents(KeyedStateBackend& b) {
  Registered s(b);
  return {dump(s.counts), dump(s.names)};
}

std::map<std::string, std::string> shared_files(const RocksDbSnapshot& snap) {
  std::map<std::string, std::string> out;  // local name -> stored name
  for (const auto& f : snap.files)
    if (f.shared) out[f.local_name] = f.stored_name;
  return out;
}

size_t files_in(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

}  // namespace

TEST_CASE("a second incremental checkpoint copies only new SSTs and restores to either state") {
  TempDir tmp;
  const std::string shared = tmp.file("shared");
  KeyedStateBackend a(128, kAll, rocks_options(tmp.file("a"), 100));
  Registered sa(a);
  fill(a, 0, 3000, 1);
  const auto at1 = contents(a);
  const size_t keys1 = a.key_count();

  auto cp1 = a.checkpoint_incremental(1, shared, tmp.file("private-1"));
  REQUIRE(cp1.ok());
  CHECK(cp1->full_bytes > 0);
  CHECK(cp1->incremental_bytes == cp1->full_bytes);  // nothing stored before
  CHECK(cp1->kg_start == 0);
  CHECK(cp1->kg_end == 127);
  REQUIRE(!shared_files(*cp1).empty());
  // On one file system a stored SST is another name of the database's own file.
  for (const auto& [local, stored] : shared_files(*cp1)) {
    CAPTURE(local);
    CHECK(std::filesystem::hard_link_count(shared + "/" + stored) >= 2);
    CHECK(static_cast<int64_t>(std::filesystem::file_size(shared + "/" + stored)) > 0);
  }
  a.notify_checkpoint_complete(1);

  fill(a, 2990, 3010, 5);  // a few keys change, a few are new
  a.set_current_key("user-7", 7);
  sa.counts.clear(-1);
  const auto at2 = contents(a);
  const size_t keys2 = a.key_count();
  auto cp2 = a.checkpoint_incremental(2, shared, tmp.file("private-2"));
  REQUIRE(cp2.ok());
  CHECK(cp2->incremental_bytes < cp2->full_bytes);
  CHECK(cp2->incremental_bytes > 0);
  // Every SST of checkpoint 1 still in the database is referenced by its stored name.
  const auto s1 = shared_files(*cp1), s2 = shared_files(*cp2);
  size_t reused = 0;
  for (const auto& [local, stored] : s2) {
    auto it = s1.find(local);
    if (it != s1.end()) {
      CHECK(it->second == stored);
      ++reused;
    }
  }
  CHECK(reused > 0);
  CHECK(s2.size() > reused);  // and the change is in a new one
  std::set<std::string> stored_names;
  for (const auto* s : {&s1, &s2})
    for (const auto& e : *s) stored_names.insert(e.second);
  CHECK(files_in(shared) == stored_names.size());

  SUBCASE("restoring checkpoint 1 or 2 gives the contents at that checkpoint") {
    KeyedStateBackend b(128, kAll, rocks_options(tmp.file("b"), 10));
    Registered sb(b);  // open() registers before the host restores
    REQUIRE(b.restore_incremental(*cp1, shared, tmp.file("private-1")).is_ok());
    CHECK(contents(b) == at1);
    CHECK(b.key_count() == keys1);
    REQUIRE(b.restore_incremental(*cp2, shared, tmp.file("private-2")).is_ok());
    CHECK(contents(b) == at2);
    CHECK(b.key_count() == keys2);
    CHECK(sb.counts.size() == sa.counts.size());
    // The restored backend keeps working like any other.
    b.set_current_key("user-7", 7);
    CHECK(*sb.counts.get(0) == 1);
    CHECK(sb.counts.get(-1) == nullptr);
  }

  SUBCASE("a restore before the states are registered works too") {
    KeyedStateBackend b(128, kAll, rocks_options(tmp.file("b"), 10));
    REQUIRE(b.restore_incremental(*cp2, shared, tmp.file("private-2")).is_ok());
    CHECK(b.key_count() == keys2);
    CHECK(contents(b) == at2);
    Registered sb(b);
    CHECK(sb.counts.size() == sa.counts.size());
    CHECK(sb.names.entry_count() == sa.names.entry_count());
  }

  SUBCASE("a restore after a restore keeps working, with fresh names for new SSTs") {
    KeyedStateBackend b(128, kAll, rocks_options(tmp.file("b")));
    KeyedStateBackend c(128, kAll, rocks_options(tmp.file("c")));
    Registered sb(b), sc(c);
    REQUIRE(b.restore_incremental(*cp1, shared, tmp.file("private-1")).is_ok());
    REQUIRE(c.restore_incremental(*cp1, shared, tmp.file("private-1")).is_ok());
    // Both write their first new SST under the same RocksDB file number.
    fill(b, 5000, 5010, 1);
    fill(c, 6000, 6010, 1);
    const auto b_contents = contents(b);
    auto cb = b.checkpoint_incremental(10, shared, tmp.file("private-b"));
    auto cc = c.checkpoint_incremental(11, shared, tmp.file("private-c"));
    REQUIRE(cb.ok());
    REQUIRE(cc.ok());
    // Checkpoint 1's files are referenced, not copied: the restore knows they are stored.
    CHECK(cb->incremental_bytes < cb->full_bytes);
    const auto sc_files = shared_files(*cc);
    size_t clashes = 0;
    for (const auto& [local, stored] : shared_files(*cb)) {
      auto in_c = sc_files.find(local);
      clashes += s1.count(local) == 0 && in_c != sc_files.end();
      if (s1.count(local) == 0 && in_c != sc_files.end())
        CHECK(in_c->second != stored);  // same local name, different content: different names
    }
    CHECK(clashes > 0);  // the case the random names exist for did occur
    b.notify_checkpoint_complete(10);
    KeyedStateBackend d(128, kAll, rocks_options(tmp.file("d")));
    Registered sd(d);
    REQUIRE(d.restore_incremental(*cb, shared, tmp.file("private-b")).is_ok());
    CHECK(contents(d) == b_contents);
    CHECK(d.key_count() == b.key_count());
    // And d checkpoints and restores again.
    fill(d, 0, 10, 100);
    const auto d_contents = contents(d);
    auto cd = d.checkpoint_incremental(12, shared, tmp.file("private-d"));
    REQUIRE(cd.ok());
    CHECK(cd->incremental_bytes < cd->full_bytes);
    REQUIRE(b.restore_incremental(*cd, shared, tmp.file("private-d")).is_ok());
    CHECK(contents(b) == d_contents);
  }
}

TEST_CASE("SSTs of a checkpoint that never completed are copied again, not referenced") {
  TempDir tmp;
  const std::string shared = tmp.file("shared");
  KeyedStateBackend a(128, kAll, rocks_options(tmp.file("a")));
  fill(a, 0, 500, 1);
  auto cp1 = a.checkpoint_incremental(1, shared, tmp.file("p1"));
  REQUIRE(cp1.ok());
  fill(a, 500, 600, 1);
  auto cp2 = a.checkpoint_incremental(2, shared, tmp.file("p2"));  // not completed
  REQUIRE(cp2.ok());
  CHECK(cp2->incremental_bytes == cp2->full_bytes);  // 1 never completed either
  a.notify_checkpoint_complete(1);  // late: 1 completes after 2 was taken
  fill(a, 600, 700, 1);
  auto cp3 = a.checkpoint_incremental(3, shared, tmp.file("p3"));
  REQUIRE(cp3.ok());
  const auto s1 = shared_files(*cp1), s2 = shared_files(*cp2), s3 = shared_files(*cp3);
  for (const auto& [local, stored] : s3) {
    if (s1.count(local) != 0) CHECK(s1.at(local) == stored);  // completed: referenced
    if (s1.count(local) == 0 && s2.count(local) != 0)
      CHECK(s2.at(local) != stored);  // of the uncompleted checkpoint only: copied again
  }
  CHECK(cp3->incremental_bytes < cp3->full_bytes);
}

TEST_CASE("rescaling restores key-group ranges of incremental checkpoints into new backends") {
  TempDir tmp;
  const std::string shared = tmp.file("shared");
  KeyedStateBackend whole(128, kAll, rocks_options(tmp.file("whole"), 50));
  fill(whole, 0, 2000, 3);
  const auto all = contents(whole);
  auto cp = whole.checkpoint_incremental(1, shared, tmp.file("p"));
  REQUIRE(cp.ok());

  const KeyGroupRange lo_range{0, 49}, hi_range{50, 127};
  KeyedStateBackend lo(128, lo_range, rocks_options(tmp.file("lo"), 5));
  KeyedStateBackend hi(128, hi_range, rocks_options(tmp.file("hi"), 5));
  Registered slo(lo), shi(hi);
  REQUIRE(lo.restore_incremental_range(*cp, shared, tmp.file("p")).is_ok());
  REQUIRE(hi.restore_incremental_range(*cp, shared, tmp.file("p")).is_ok());
  auto [lo_counts, lo_names] = contents(lo);
  auto [hi_counts, hi_names] = contents(hi);
  for (const auto& e : lo_counts) CHECK(lo_range.contains(std::get<0>(e.first)));
  for (const auto& e : hi_counts) CHECK(hi_range.contains(std::get<0>(e.first)));
  Dump counts = lo_counts, names = lo_names;
  counts.insert(hi_counts.begin(), hi_counts.end());
  names.insert(hi_names.begin(), hi_names.end());
  CHECK(counts == all.first);
  CHECK(names == all.second);
  CHECK(lo.key_count() + hi.key_count() == whole.key_count());
  CHECK(lo.key_count() > 0);
  CHECK(hi.key_count() > 0);

  // The halves keep working, and merge back into one subtask.
  lo.set_current_key("user-5", 5);
  slo.counts.get_or_create(0) += 1;
  const auto lo_now = contents(lo);
  auto cl = lo.checkpoint_incremental(2, shared, tmp.file("pl"));
  auto ch = hi.checkpoint_incremental(2, shared, tmp.file("ph"));
  REQUIRE(cl.ok());
  REQUIRE(ch.ok());
  KeyedStateBackend merged(128, kAll, rocks_options(tmp.file("merged")));
  Registered sm(merged);
  REQUIRE(merged.restore_incremental_range(*cl, shared, tmp.file("pl")).is_ok());
  REQUIRE(merged.restore_incremental_range(*ch, shared, tmp.file("ph")).is_ok());
  CHECK(merged.key_count() == whole.key_count());
  merged.set_current_key("user-5", 5);
  CHECK(*sm.counts.get(0) == 4);
  Dump merged_counts = contents(merged).first;
  Dump expected = lo_now.first;
  expected.insert(hi_counts.begin(), hi_counts.end());
  CHECK(merged_counts == expected);

  // A snapshot of other key groups only: nothing to take, nothing changes.
  KeyedStateBackend none(128, KeyGroupRange{0, 0}, rocks_options(tmp.file("none")));
  REQUIRE(none.restore_incremental_range(*ch, shared, tmp.file("ph")).is_ok());
  CHECK(none.key_count() == 0);
  // restore_incremental insists on the same key groups.
  CHECK(!none.restore_incremental(*ch, shared, tmp.file("ph")).is_ok());
}

TEST_CASE("an incremental restore refuses a state stored as another type and changes nothing") {
  TempDir tmp;
  KeyedStateBackend a(128, kAll, rocks_options(tmp.file("a")));
  fill(a, 0, 10, 1);
  auto cp = a.checkpoint_incremental(1, tmp.file("s"), tmp.file("p"));
  REQUIRE(cp.ok());
  KeyedStateBackend b(128, kAll, rocks_options(tmp.file("b")));
  auto& wrong = b.value_state<std::string>("counts");
  b.set_current_key("mine", 3);
  wrong.put("kept");
  Status st = b.restore_incremental(*cp, tmp.file("s"), tmp.file("p"));
  CHECK(st.code() == StatusCode::kTypeError);
  CHECK(*wrong.get() == "kept");
  CHECK(b.key_count() == 1);
}

TEST_CASE("a stored file is a hard link on one file system and a copy across two") {
  namespace fs = std::filesystem;
  TempDir tmp;
  const std::string from = tmp.file("000012.sst");
  {
    std::ofstream out(from, std::ios::binary);
    out << std::string(10000, 'x');
  }
  int64_t bytes = 0;
  REQUIRE(link_or_copy_synced(from, tmp.file("linked.sst"), bytes).is_ok());
  CHECK(bytes == 10000);
  CHECK(fs::hard_link_count(from) == 2);
  fs::remove(from);  // RocksDB deleting its name leaves the stored one
  CHECK(fs::file_size(tmp.file("linked.sst")) == 10000);

  // Another file system, where one is at hand (tmpfs on /dev/shm): a copy.
  struct stat a {}, b {};
  if (::stat(tmp.path().c_str(), &a) != 0 || ::stat("/dev/shm", &b) != 0 || a.st_dev == b.st_dev) return;
  char pattern[] = "/dev/shm/eddy-test-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return;
  const std::string other = std::string(pattern) + "/copied.sst";
  bytes = 0;
  Status st = link_or_copy_synced(tmp.file("linked.sst"), other, bytes);
  CHECK(st.is_ok());
  CHECK(bytes == 10000);
  CHECK(fs::hard_link_count(tmp.file("linked.sst")) == 1);
  CHECK(fs::file_size(other) == 10000);
  std::error_code ec;
  fs::remove_all(pattern, ec);
}
