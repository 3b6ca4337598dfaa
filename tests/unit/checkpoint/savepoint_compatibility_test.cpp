// Unit tests for check_compatible (src/checkpoint/checkpoint_storage.h): which
// pipeline changes a savepoint survives, and the message for each that it does not.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "checkpoint/checkpoint_storage.h"

using namespace eddy;

namespace {

/// The pipeline a savepoint was taken from: a source, a filter, a keyed aggregate, a sink.
std::vector<OperatorSignature> original_pipeline() {
  return {{"src", "source:datagen", true, {}},
          {"only_clicks", "filter", false, {}},
          {"counts", "keyed_aggregate", true, {"int64"}},
          {"out", "sink:file", true, {}}};
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
        "the savepoint has state of operator 'counts', which the pipeline does not have");
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
        "operator 'out' has state in the savepoint but keeps none in the pipeline");
}

TEST_CASE("every difference is listed at once") {
  std::vector<OperatorSignature> now = original_pipeline();
  now.erase(now.begin());  // src
  find(now, "counts")->key_types = {"string"};
  const std::string message = check_compatible(savepoint_of(original_pipeline()), now).message();
  CHECK(message ==
        "the savepoint has state of operator 'src', which the pipeline does not have; "
        "operator 'counts' is keyed by (int64) in the savepoint but by (string) in the pipeline");
}

TEST_CASE("a checkpoint is called a checkpoint in the message") {
  CheckpointMetadata snapshot = savepoint_of(original_pipeline());
  snapshot.savepoint = false;
  CHECK(check_compatible(snapshot, {}).message().rfind(
            "the checkpoint has state of operator 'src'", 0) == 0);
}
