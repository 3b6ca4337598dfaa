// Unit tests for check_compatible (src/checkpoint/savepoint_compatibility.h):
// which pipeline changes a savepoint survives, the message for each that it
// does not, and what --allow-non-restored-state and old metadata change.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "checkpoint/savepoint_compatibility.h"

using namespace eddy;

namespace {

/// The pipeline a savepoint was taken from: a source, a filter, a keyed aggregate, a sink.
std::vector<OperatorSignature> original_pipeline() {
  return {{"src", "source:datagen", true, {}},
          {"only_clicks", "filter", false, {}},
          {"counts", "keyed_aggregate", true, {"int64"},
           {{"aggregates", "[n: count(*), total: sum(amount)]"}, {"argument types", "(amount int64)"}}},
          {"out", "sink:file", true, {}, {{"format", "jsonl"}}}};
}

CheckpointMetadata savepoint_of(const std::vector<OperatorSignature>& ops) {
  CheckpointMetadata m;
  m.id = 1;
  m.savepoint = true;
  m.operators = ops;
  return m;
}

OperatorSignature* find(std::vector<OperatorSignature>& ops, const std::string& name) {
  for (auto& op : ops)
    if (op.name == name) return &op;
  return nullptr;
}

}  // namespace

TEST_CASE("a savepoint fits the pipeline it was taken from") {
  CHECK(check_compatible(savepoint_of(original_pipeline()), original_pipeline()).is_ok());
}

TEST_CASE("stateless operators may come and go, and new stateful ones start empty") {
  std::vector<OperatorSignature> now = original_pipeline();
  now.erase(now.begin() + 1);                                  // the filter is gone
  now.push_back({"project", "map", false, {}});                // a new stateless one
  now.push_back({"dedup", "keyed_aggregate", true, {"string"}});  // a new stateful one
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).is_ok());
}

TEST_CASE("state of an operator the pipeline does not have is refused") {
  std::vector<OperatorSignature> now = original_pipeline();
  now.erase(now.begin() + 2);
  Status st = check_compatible(savepoint_of(original_pipeline()), now);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK(st.message() ==
        "the savepoint has state of operator 'counts', which the pipeline does not have (restore with "
        "--allow-non-restored-state to drop it)");
}

TEST_CASE("an operator that changed its kind is refused") {
  std::vector<OperatorSignature> now = original_pipeline();
  find(now, "counts")->kind = "window";
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).message() ==
        "operator 'counts' is a 'keyed_aggregate' in the savepoint but a 'window' in the pipeline");
}

TEST_CASE("an operator keyed by other types is refused") {
  std::vector<OperatorSignature> now = original_pipeline();
  find(now, "counts")->key_types = {"string"};
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).message() ==
        "operator 'counts' is keyed by (int64) in the savepoint but by (string) in the pipeline");

  find(now, "counts")->key_types = {"int64", "string"};
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).message() ==
        "operator 'counts' is keyed by (int64) in the savepoint but by (int64, string) in the "
        "pipeline");

  find(now, "counts")->key_types = {};
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).message() ==
        "operator 'counts' is keyed by (int64) in the savepoint but not keyed in the pipeline");
}

TEST_CASE("an operator that no longer keeps state is refused") {
  std::vector<OperatorSignature> now = original_pipeline();
  find(now, "out")->has_state = false;
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).message() ==
        "operator 'out' has state in the savepoint but keeps none in the pipeline (restore with "
        "--allow-non-restored-state to drop it)");
}

TEST_CASE("every difference is listed at once") {
  std::vector<OperatorSignature> now = original_pipeline();
  now.erase(now.begin());  // src
  find(now, "counts")->key_types = {"string"};
  const std::string message = check_compatible(savepoint_of(original_pipeline()), now).message();
  CHECK(message ==
        "the savepoint has state of operator 'src', which the pipeline does not have (restore with "
        "--allow-non-restored-state to drop it); "
        "operator 'counts' is keyed by (int64) in the savepoint but by (string) in the pipeline");
}

TEST_CASE("a checkpoint is called a checkpoint in the message") {
  CheckpointMetadata snapshot = savepoint_of(original_pipeline());
  snapshot.savepoint = false;
  CHECK(check_compatible(snapshot, {}).message().rfind(
            "the checkpoint has state of operator 'src'", 0) == 0);
}

TEST_CASE("an added aggregate is refused naming the operator and both lists") {
  std::vector<OperatorSignature> now = original_pipeline();
  find(now, "counts")->layout[0].value = "[n: count(*), top: max(amount), total: sum(amount)]";
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).message() ==
        "operator 'counts': the savepoint's aggregates are [n: count(*), total: sum(amount)], the pipeline's "
        "are [n: count(*), top: max(amount), total: sum(amount)]");
}

TEST_CASE("argument types are named only when nothing else of the layout differs") {
  std::vector<OperatorSignature> now = original_pipeline();
  find(now, "counts")->layout[1].value = "(amount float64)";
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).message() ==
        "operator 'counts': the savepoint's argument types are (amount int64), the pipeline's are "
        "(amount float64)");
  find(now, "counts")->layout[0].value = "[n: count(*), total: sum(price)]";
  find(now, "counts")->layout[1].value = "(price float64)";
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).message() ==
        "operator 'counts': the savepoint's aggregates are [n: count(*), total: sum(amount)], the pipeline's "
        "are [n: count(*), total: sum(price)]");
}

TEST_CASE("a layout aspect only one side has reads as none") {
  std::vector<OperatorSignature> now = original_pipeline();
  find(now, "out")->layout.clear();
  CHECK(check_compatible(savepoint_of(original_pipeline()), now).message() ==
        "operator 'out': the savepoint's format is jsonl, the pipeline's is none");
}

TEST_CASE("allow-non-restored-state skips dropped operators and names each") {
  std::vector<OperatorSignature> now = original_pipeline();
  now.erase(now.begin() + 2);                       // counts is gone
  find(now, "out")->has_state = false;              // out keeps no state now
  find(now, "out")->kind = "sink:print";
  std::vector<std::string> notes;
  CHECK(check_compatible(savepoint_of(original_pipeline()), now, NonRestoredState::kSkip, &notes).is_ok());
  CHECK(notes == std::vector<std::string>{
                     "skipping the savepoint's state of operator 'counts', which the pipeline does not have "
                     "(--allow-non-restored-state)",
                     "skipping the savepoint's state of operator 'out', which keeps none in the pipeline (it is "
                     "a 'sink:print' now) (--allow-non-restored-state)"});
}

TEST_CASE("allow-non-restored-state does not let an operator's state change its shape") {
  std::vector<OperatorSignature> now = original_pipeline();
  find(now, "counts")->layout[0].value = "[total: sum(amount), n: count(*)]";  // reordered
  Status st = check_compatible(savepoint_of(original_pipeline()), now, NonRestoredState::kSkip);
  CHECK(st.message() ==
        "operator 'counts': the savepoint's aggregates are [n: count(*), total: sum(amount)], the pipeline's "
        "are [total: sum(amount), n: count(*)]");
}

TEST_CASE("metadata without layouts restores into the same kinds and keys, with a note") {
  CheckpointMetadata old = savepoint_of(original_pipeline());
  for (auto& op : old.operators) {
    op.layout.clear();
    op.layout_version = 0;  // as decoded from format version 1
  }
  std::vector<OperatorSignature> now = original_pipeline();
  find(now, "counts")->layout[0].value = "[n: count(*)]";  // cannot be seen
  std::vector<std::string> notes;
  CHECK(check_compatible(old, now, NonRestoredState::kRefuse, &notes).is_ok());
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] ==
        "the savepoint does not record the state layout of 'counts', 'out' (it was written by an older eddy): "
        "their aggregates, windows, top_n and formats were not checked against the pipeline; restore it only "
        "into the pipeline it was taken from");
  find(now, "counts")->key_types = {"string"};  // what it records is still checked
  CHECK(!check_compatible(old, now).is_ok());
}
