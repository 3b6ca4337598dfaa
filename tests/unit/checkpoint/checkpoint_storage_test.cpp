// Unit tests for the checkpoint root (src/checkpoint/checkpoint_storage.h):
// completing and verifying checkpoints, falling back past broken ones, and
// retention that deletes exactly the shared files nothing kept still needs.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_storage.h"
#include "temp_dir.h"

using namespace eddy;
using eddy::testing::overwrite_file;
using eddy::testing::read_file;
using eddy::testing::TempDir;
namespace fs = std::filesystem;

namespace {

/// Completes checkpoint `id` with one subtask: a state file, a private file,
/// and the shared files `shared` (written to shared/ unless already there).
CheckpointMetadata complete_checkpoint(CheckpointStorage& storage, int64_t id,
                                       const std::vector<std::string>& shared) {
  REQUIRE(storage.prepare_checkpoint(id).is_ok());
  const std::string dir = storage.checkpoint_dir(id);
  SubtaskSnapshot s;
  s.vertex = "counts";
  s.nodes = {"counts"};
  Result<StateFileRef> state = CheckpointStorage::write_file(dir, "counts-0.state",
                                                             "state of " + std::to_string(id));
  REQUIRE(state.ok());
  s.state_file = *state;
  Result<StateFileRef> manifest = CheckpointStorage::write_file(dir, "db/MANIFEST", "manifest");
  REQUIRE(manifest.ok());
  s.private_files.push_back(*manifest);
  for (const auto& name : shared) {
    Result<StateFileRef> f =
        CheckpointStorage::write_file(storage.shared_dir(), name, "sst " + name);
    REQUIRE(f.ok());
    s.shared_files.push_back(*f);
  }
  CheckpointMetadata m;
  m.id = id;
  m.job_name = "job";
  m.state_backend = "rocksdb";
  m.operators = {{"counts", "keyed_aggregate", true, {"int64"}}};
  m.subtasks.push_back(s);
  REQUIRE(CheckpointStorage::write_metadata(dir, m).is_ok());
  return m;
}

std::set<std::string> shared_files_in(const CheckpointStorage& storage) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(storage.shared_dir()))
    names.insert(e.path().filename().string());
  return names;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("a completed checkpoint reads back verified") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path() + "/ckpts");
  const CheckpointMetadata written = complete_checkpoint(storage, 7, {"a.sst", "b.sst"});
  Result<CheckpointMetadata> m = CheckpointStorage::read_verified(storage.checkpoint_dir(7));
  REQUIRE_MESSAGE(m.ok(), m.status().to_string());
  CHECK(m->id == 7);
  REQUIRE(m->subtasks.size() == 1);
  CHECK(m->subtasks[0].shared_files.size() == 2);
  CHECK(m->subtasks[0].private_files[0].path == "db/MANIFEST");
  CHECK(storage.completed_ids() == std::vector<int64_t>{7});
}

TEST_CASE("read_verified refuses a missing, corrupt or truncated _metadata") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path());
  complete_checkpoint(storage, 1, {});
  const std::string dir = storage.checkpoint_dir(1);
  const std::string path = dir + "/_metadata";
  const std::string good = read_file(path);

  SUBCASE("missing") {
    fs::remove(path);
    Result<CheckpointMetadata> m = CheckpointStorage::read_verified(dir);
    CHECK(m.status().code() == StatusCode::kNotFound);
    CHECK(contains(m.status().message(), "chk-1/_metadata: missing"));
  }
  SUBCASE("a flipped byte") {
    std::string bad = good;
    bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 1);
    overwrite_file(path, bad);
    Result<CheckpointMetadata> m = CheckpointStorage::read_verified(dir);
    CHECK(m.status().code() == StatusCode::kParseError);
    CHECK(contains(m.status().message(), "chk-1/_metadata: "));
    CHECK(contains(m.status().message(), "CRC-32 mismatch"));
  }
  SUBCASE("truncated") {
    overwrite_file(path, good.substr(0, good.size() - 3));
    Result<CheckpointMetadata> m = CheckpointStorage::read_verified(dir);
    CHECK(contains(m.status().message(), "chk-1/_metadata: "));
    CHECK(contains(m.status().message(), "truncated"));
  }
  SUBCASE("moved to another checkpoint's dir") {
    fs::create_directory(storage.checkpoint_dir(2));
    fs::copy_file(path, storage.checkpoint_dir(2) + "/_metadata");
    CHECK(contains(CheckpointStorage::read_verified(storage.checkpoint_dir(2)).status().message(),
                   "chk-2/_metadata: holds checkpoint 1, not 2"));
  }
}

TEST_CASE("read_verified finds a missing, shortened or corrupted state file") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path());
  complete_checkpoint(storage, 3, {"x.sst"});
  const std::string dir = storage.checkpoint_dir(3);
  const std::string state = dir + "/counts-0.state";  // holds "state of 3" (10 bytes)

  SUBCASE("missing") {
    fs::remove(state);
    Result<CheckpointMetadata> m = CheckpointStorage::read_verified(dir);
    CHECK(m.status().code() == StatusCode::kNotFound);
    CHECK(m.status().message() == "chk-3/counts-0.state: missing");
  }
  SUBCASE("shortened") {
    overwrite_file(state, "sta");
    CHECK(CheckpointStorage::read_verified(dir).status().message() ==
          "chk-3/counts-0.state: size 3, expected 10");
  }
  SUBCASE("same size, other bytes") {
    overwrite_file(state, "state of 4");
    Result<CheckpointMetadata> m = CheckpointStorage::read_verified(dir);
    CHECK(contains(m.status().message(), "chk-3/counts-0.state: CRC-32 0x"));
    CHECK(contains(m.status().message(), "(the file is corrupt)"));
    CHECK_FALSE(m.status().retryable());
  }
  SUBCASE("a private file in a subdir") {
    overwrite_file(dir + "/db/MANIFEST", "manifesT");
    CHECK(contains(CheckpointStorage::read_verified(dir).status().message(),
                   "chk-3/db/MANIFEST: CRC-32"));
  }
}

TEST_CASE("read_verified finds a missing or corrupted shared file") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path());
  complete_checkpoint(storage, 4, {"000010.sst"});
  const std::string sst = storage.shared_dir() + "/000010.sst";
  SUBCASE("missing") {
    fs::remove(sst);
    CHECK(CheckpointStorage::read_verified(storage.checkpoint_dir(4)).status().message() ==
          "shared/000010.sst: missing");
  }
  SUBCASE("corrupted") {
    std::string bytes = read_file(sst);
    bytes[0] = 'S';
    overwrite_file(sst, bytes);
    CHECK(contains(CheckpointStorage::read_verified(storage.checkpoint_dir(4)).status().message(),
                   "shared/000010.sst: CRC-32"));
  }
}

TEST_CASE("latest falls back to the previous checkpoint with a warning") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path());
  complete_checkpoint(storage, 11, {"a.sst"});
  complete_checkpoint(storage, 12, {"a.sst", "b.sst"});
  fs::remove(storage.shared_dir() + "/b.sst");
  fs::create_directory(storage.checkpoint_dir(13));  // in flight: no _metadata, not a candidate

  std::vector<std::string> warnings;
  auto latest = storage.latest(warnings);
  REQUIRE(latest.ok());
  REQUIRE(latest->has_value());
  CHECK((*latest)->first == storage.checkpoint_dir(11));
  CHECK((*latest)->second.id == 11);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "checkpoint 12 in " + storage.root() +
                           " is unusable: shared/b.sst: missing; falling back to checkpoint 11");

  SUBCASE("and reports when nothing is left") {
    overwrite_file(storage.checkpoint_dir(11) + "/_metadata", "garbage");
    warnings.clear();
    auto none = storage.latest(warnings);
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    REQUIRE(warnings.size() == 2);
    CHECK(contains(warnings[1], "checkpoint 11 in "));
    CHECK(contains(warnings[1], "no older checkpoint to fall back to"));
  }
}

TEST_CASE("latest finds nothing in a missing or empty root") {
  TempDir tmp;
  std::vector<std::string> warnings;
  auto missing = CheckpointStorage(tmp.path() + "/nope").latest(warnings);
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  auto empty = CheckpointStorage(tmp.path()).latest(warnings);
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->has_value());
  CHECK(warnings.empty());
}

TEST_CASE("retain deletes old checkpoints and exactly the shared files no kept one references") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path());
  complete_checkpoint(storage, 1, {"a", "b"});
  complete_checkpoint(storage, 2, {"a", "b", "c"});
  // Aborted with its attempt, a subtask of which wrote on after the abort.
  REQUIRE(storage.prepare_checkpoint(3).is_ok());
  REQUIRE(CheckpointStorage::write_file(storage.checkpoint_dir(3), "v0-0.state", "late").ok());
  complete_checkpoint(storage, 4, {"b", "c", "d"});
  complete_checkpoint(storage, 5, {"b", "d", "e"});
  // Written by a checkpoint still in flight: referenced by no metadata yet.
  REQUIRE(CheckpointStorage::write_file(storage.shared_dir(), "f", "new").ok());
  fs::create_directory(storage.checkpoint_dir(6));
  // Savepoints are never touched.
  Result<std::string> savepoint = storage.prepare_savepoint(1);
  REQUIRE(savepoint.ok());

  Result<size_t> deleted = storage.retain(2);
  REQUIRE_MESSAGE(deleted.ok(), deleted.status().to_string());
  CHECK(*deleted == 1);  // a: only 1 and 2 referenced it
  CHECK(storage.completed_ids() == std::vector<int64_t>{4, 5});
  CHECK_FALSE(fs::exists(storage.checkpoint_dir(1)));
  CHECK_FALSE(fs::exists(storage.checkpoint_dir(2)));
  CHECK_FALSE(fs::exists(storage.checkpoint_dir(3)));
  CHECK(shared_files_in(storage) == std::set<std::string>{"b", "c", "d", "e", "f"});
  CHECK(CheckpointStorage::read_verified(storage.checkpoint_dir(4)).ok());

  deleted = storage.retain(1);
  REQUIRE(deleted.ok());
  CHECK(*deleted == 1);  // c: d is still in 5
  CHECK(storage.completed_ids() == std::vector<int64_t>{5});
  CHECK(shared_files_in(storage) == std::set<std::string>{"b", "d", "e", "f"});
  CHECK(CheckpointStorage::read_verified(storage.checkpoint_dir(5)).ok());
  CHECK(fs::exists(storage.checkpoint_dir(6)));  // in flight, newer than every kept one
  CHECK(fs::exists(*savepoint));

  deleted = storage.retain(1);  // nothing more to do
  REQUIRE(deleted.ok());
  CHECK(*deleted == 0);
  CHECK_FALSE(storage.retain(0).ok());
}

TEST_CASE("retain counts only checkpoints whose metadata decodes") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path());
  complete_checkpoint(storage, 1, {"a"});
  complete_checkpoint(storage, 2, {"b"});
  complete_checkpoint(storage, 3, {"c"});
  overwrite_file(storage.checkpoint_dir(3) + "/_metadata", "garbage");
  Result<size_t> deleted = storage.retain(1);
  REQUIRE(deleted.ok());
  CHECK(*deleted == 1);  // a
  CHECK(storage.completed_ids() == std::vector<int64_t>{2, 3});
  CHECK(shared_files_in(storage) == std::set<std::string>{"b", "c"});
}

TEST_CASE("remove_incomplete deletes crashed checkpoints and unreferenced shared files") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path());
  complete_checkpoint(storage, 1, {"a", "b"});
  complete_checkpoint(storage, 2, {"b", "c"});
  REQUIRE(storage.prepare_checkpoint(3).is_ok());  // crashed before its metadata
  REQUIRE(CheckpointStorage::write_file(storage.checkpoint_dir(3), "counts-0.state", "x").ok());
  REQUIRE(CheckpointStorage::write_file(storage.shared_dir(), "d", "orphan").ok());
  overwrite_file(storage.shared_dir() + "/.e.tmp-1-1", "half written");

  REQUIRE(storage.remove_incomplete().is_ok());
  CHECK_FALSE(fs::exists(storage.checkpoint_dir(3)));
  CHECK(storage.completed_ids() == std::vector<int64_t>{1, 2});
  CHECK(shared_files_in(storage) == std::set<std::string>{"a", "b", "c"});
  CHECK(CheckpointStorage::read_verified(storage.checkpoint_dir(1)).ok());
  CHECK(CheckpointStorage::read_verified(storage.checkpoint_dir(2)).ok());
  CHECK(CheckpointStorage(tmp.path() + "/nope").remove_incomplete().is_ok());
}

TEST_CASE("prepare_checkpoint wipes a crashed attempt but refuses a completed checkpoint") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path() + "/a/b");
  REQUIRE(storage.prepare_checkpoint(5).is_ok());
  CHECK(fs::is_directory(storage.shared_dir()));
  REQUIRE(CheckpointStorage::write_file(storage.checkpoint_dir(5), "left.over", "x").ok());
  REQUIRE(storage.prepare_checkpoint(5).is_ok());
  CHECK(fs::is_empty(storage.checkpoint_dir(5)));

  complete_checkpoint(storage, 6, {});
  Status again = storage.prepare_checkpoint(6);
  CHECK(again.code() == StatusCode::kInvalidArgument);
  CHECK(contains(again.message(), "checkpoint 6 in " + storage.root() + " is already complete"));
  CHECK(CheckpointStorage::read_verified(storage.checkpoint_dir(6)).ok());
}

TEST_CASE("prepare_savepoint names the dir savepoint-<id>-<YYYYmmdd-HHMMSS>") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path());
  Result<std::string> first = storage.prepare_savepoint(9);
  REQUIRE(first.ok());
  const std::regex name(R"(savepoint-9-20\d{6}-\d{6})");
  CHECK(fs::path(*first).parent_path() == fs::path(storage.savepoints_dir()));
  CHECK(std::regex_match(fs::path(*first).filename().string(), name));
  CHECK(fs::is_empty(*first));

  Result<std::string> second = storage.prepare_savepoint(9);  // same second, most likely
  REQUIRE(second.ok());
  CHECK(*second != *first);
  CHECK(fs::is_directory(*second));
}

TEST_CASE("a savepoint is self-contained and verifies in its own dir") {
  TempDir tmp;
  CheckpointStorage storage(tmp.path());
  Result<std::string> dir = storage.prepare_savepoint(2);
  REQUIRE(dir.ok());
  CheckpointMetadata m;
  m.id = 2;
  m.savepoint = true;
  m.state_backend = "heap";
  SubtaskSnapshot s;
  s.vertex = "counts";
  Result<StateFileRef> state = CheckpointStorage::write_file(*dir, "counts-0.state", "canonical");
  REQUIRE(state.ok());
  s.state_file = *state;
  m.subtasks.push_back(s);
  REQUIRE(CheckpointStorage::write_metadata(*dir, m).is_ok());
  Result<CheckpointMetadata> back = CheckpointStorage::read_verified(*dir);
  REQUIRE_MESSAGE(back.ok(), back.status().to_string());
  CHECK(back->savepoint);

  m.subtasks[0].shared_files.push_back({"a.sst", 0, 0});
  Status refused = CheckpointStorage::write_metadata(*dir, m);
  CHECK(contains(refused.message(), "a savepoint may not reference shared files"));
}

TEST_CASE("write_file refuses names that leave the dir or replace _metadata") {
  TempDir tmp;
  for (const std::string name : {"../x", "/tmp/x", "a/../../x", "", "_metadata"})
    CHECK_FALSE(CheckpointStorage::write_file(tmp.path(), name, "x").ok());
  Result<StateFileRef> ok = CheckpointStorage::write_file(tmp.path(), "sub/dir/f", "hello");
  REQUIRE(ok.ok());
  CHECK(ok->path == "sub/dir/f");
  CHECK(ok->size == 5);
  CHECK(read_file(tmp.path() + "/sub/dir/f") == "hello");
  // No temp file is left behind.
  CHECK(std::distance(fs::directory_iterator(tmp.path() + "/sub/dir"),
                      fs::directory_iterator()) == 1);
}

TEST_CASE("copy_file copies a file and records its size and CRC") {
  TempDir tmp;
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
  overwrite_file(tmp.path() + "/source.sst", big);
  Result<StateFileRef> copied =
      CheckpointStorage::copy_file(tmp.path() + "/source.sst", tmp.path(), "copy.sst");
  REQUIRE(copied.ok());
  Result<StateFileRef> written = CheckpointStorage::write_file(tmp.path(), "written.sst", big);
  REQUIRE(written.ok());
  CHECK(copied->size == static_cast<int64_t>(big.size()));
  CHECK(copied->crc == written->crc);
  CHECK(read_file(tmp.path() + "/copy.sst") == big);
  CHECK(CheckpointStorage::copy_file(tmp.path() + "/none", tmp.path(), "x").status().code() ==
        StatusCode::kNotFound);
}

TEST_CASE("stream_file writes the pieces in order, small and large, with their CRC and size") {
  TempDir tmp;
  const std::string big(3u << 20, 'b');  // larger than the writer's buffer: written as it is
  const std::vector<std::string> pieces = {"head ", std::string(1000, 'a'), big, "", " tail"};
  Result<StateFileRef> ref = CheckpointStorage::stream_file(tmp.path(), "sub/v1-0.state", [&](const ByteSink& out) {
    for (const auto& p : pieces) EDDY_RETURN_IF_ERROR(out(p));
    return Status::ok();
  });
  REQUIRE_MESSAGE(ref.ok(), ref.status().to_string());
  std::string whole;
  for (const auto& p : pieces) whole += p;
  CHECK(read_file(tmp.path() + "/sub/v1-0.state") == whole);
  CHECK(ref->path == "sub/v1-0.state");
  CHECK(ref->size == static_cast<int64_t>(whole.size()));
  CHECK(ref->crc == crc32_of(whole));
}

TEST_CASE("stream_file leaves no file, not even a temp file, when filling it fails") {
  TempDir tmp;
  Result<StateFileRef> ref = CheckpointStorage::stream_file(tmp.path(), "v1-0.state", [](const ByteSink& out) {
    EDDY_RETURN_IF_ERROR(out(std::string(2u << 20, 'x')));
    return Status::internal("packing failed");
  });
  REQUIRE_FALSE(ref.ok());
  CHECK(ref.status().message() == "packing failed");
  CHECK(fs::is_empty(tmp.path()));
}

TEST_CASE("a new run starts above every checkpoint and savepoint and deletes none of them") {
  TempDir tmp;
  const std::string root = tmp.path() + "/ck";
  auto empty = CheckpointStorage::start_run(root);
  REQUIRE(empty.ok());
  CHECK(empty->first_id == 1);
  CHECK(empty->tag.size() == 16);
  CheckpointStorage first(root, empty->first_id);
  complete_checkpoint(first, 1, {"a"});
  complete_checkpoint(first, 2, {"b"});
  REQUIRE(first.prepare_savepoint(7).ok());
  auto second = CheckpointStorage::start_run(root);
  REQUIRE(second.ok());
  CHECK(second->first_id == 8);
  CHECK(second->tag != empty->tag);
  CHECK(CheckpointStorage::current_run(root)->first_id == 8);
  CHECK(CheckpointStorage::current_run(root)->tag == second->tag);
  CheckpointStorage run(root, second->first_id);
  CHECK(run.completed_ids().empty());
  std::vector<std::string> warnings;
  auto latest = run.latest(warnings);
  REQUIRE(latest.ok());
  CHECK_FALSE(latest->has_value());  // --resume never picks an earlier run's state
  CHECK(CheckpointStorage(root).completed_ids() == std::vector<int64_t>{1, 2});
  CHECK(CheckpointStorage::read_verified(first.checkpoint_dir(1)).ok());
  CHECK(shared_files_in(run) == std::set<std::string>{"a", "b"});
}

TEST_CASE("a run's retention and cleanup leave earlier runs' checkpoints and the shared files they use") {
  TempDir tmp;
  CheckpointStorage old_run(tmp.path(), CheckpointStorage::start_run(tmp.path())->first_id);
  complete_checkpoint(old_run, 1, {"a", "b"});
  REQUIRE(old_run.prepare_checkpoint(2).is_ok());  // the earlier run crashed during checkpoint 2
  CheckpointStorage run(tmp.path(), CheckpointStorage::start_run(tmp.path())->first_id);
  CHECK(run.completed_ids().empty());
  complete_checkpoint(run, 3, {"b", "c"});  // restored from checkpoint 1: shares its file b
  complete_checkpoint(run, 4, {"d"});
  REQUIRE(run.prepare_checkpoint(5).is_ok());  // this run crashed during checkpoint 5
  REQUIRE(CheckpointStorage::write_file(run.shared_dir(), "orphan", "x").ok());

  auto deleted = run.retain(1);
  REQUIRE(deleted.ok());
  CHECK(*deleted == 1);  // c; b is the earlier run's too
  CHECK(CheckpointStorage(tmp.path()).completed_ids() == std::vector<int64_t>{1, 4});
  REQUIRE(run.remove_incomplete().is_ok());
  CHECK_FALSE(fs::exists(run.checkpoint_dir(5)));
  CHECK(fs::exists(old_run.checkpoint_dir(2)));  // not this run's to clean
  CHECK(shared_files_in(run) == std::set<std::string>{"a", "b", "d"});
  CHECK(CheckpointStorage::read_verified(old_run.checkpoint_dir(1)).ok());
}

TEST_CASE("the run marker is read back, absent in a root from before runs, and refused when damaged") {
  TempDir tmp;
  CHECK(CheckpointStorage::current_run(tmp.path() + "/nope")->first_id == 0);
  CHECK(CheckpointStorage::current_run(tmp.path() + "/nope")->tag.empty());
  REQUIRE(CheckpointStorage::start_run(tmp.path()).ok());
  CHECK(CheckpointStorage::current_run(tmp.path())->first_id == 1);
  for (const char* bad_text : {"first_checkpoint=x\ntag=00000000000000aa\n", "first_checkpoint=3\n",
                               "first_checkpoint=3\ntag=XYZ\n", "garbage"}) {
    overwrite_file(tmp.path() + "/_run", bad_text);
    auto bad = CheckpointStorage::current_run(tmp.path());
    CHECK(bad.status().code() == StatusCode::kParseError);
    CHECK(contains(bad.status().message(), "_run: expected 'first_checkpoint=<id>'"));
  }
  overwrite_file(tmp.path() + "/_run", "first_checkpoint=3\ntag=00000000000000aa\n");
  CHECK(CheckpointStorage::current_run(tmp.path())->tag == "00000000000000aa");
}

TEST_CASE("a checkpoint that fails to verify is named and never deleted by the fallback") {
  TempDir tmp;
  CheckpointStorage run(tmp.path(), CheckpointStorage::start_run(tmp.path())->first_id);
  complete_checkpoint(run, 1, {"a"});
  overwrite_file(run.checkpoint_dir(1) + "/counts-0.state", "damaged");
  std::vector<std::string> warnings;
  auto latest = run.latest(warnings);
  REQUIRE(latest.ok());
  CHECK_FALSE(latest->has_value());
  REQUIRE(warnings.size() == 1);
  CHECK(contains(warnings[0], "checkpoint 1 in " + tmp.path() + " is unusable: chk-1/counts-0.state"));
  REQUIRE(run.remove_incomplete().is_ok());
  CHECK(run.completed_ids() == std::vector<int64_t>{1});
  CHECK(shared_files_in(run) == std::set<std::string>{"a"});
}
