// Unit tests for subtask state files (src/runtime/task_snapshot.h): key groups
// packed while the file is written give the very bytes of a snapshot that held
// them, so a forked child's file and the in-thread fallback's read back alike.
#include "runtime/task_snapshot.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace eddy;

namespace {

/// Key group kg of operator op is "op<op>-kg<kg>" repeated kg times; operator 1 is late.
class LateSecondOperator final : public LateKeyGroups {
 public:
  bool packs(size_t op) const override { return op == 1; }
  Status pack(size_t op, int32_t kg, std::string& bytes) override {
    ++calls;
    bytes.clear();
    for (int32_t i = 0; i < kg; ++i) bytes += "op" + std::to_string(op) + "-kg" + std::to_string(kg);
    return Status::ok();
  }
  int calls = 0;
};

TaskSnapshot example() {
  TaskSnapshot t;
  t.checkpoint_id = 7;
  t.watermark = 1234;
  Split split;
  split.id = "data/a.csv:0-100";
  split.path = "data/a.csv";
  split.end = 100;
  split.position = 42;
  t.source_splits.push_back(split);
  OperatorSnapshot first;
  first.node = "filter";
  first.operator_state = "operator bytes";
  first.has_operator_state = true;
  t.operators.push_back(first);
  OperatorSnapshot second;
  second.node = "counts";
  second.kg_start = 3;
  second.kg_end = 6;
  t.operators.push_back(second);
  return t;
}

std::string written(const TaskSnapshot& t, LateKeyGroups* late, std::vector<size_t>* piece_sizes = nullptr) {
  std::string out;
  Status st = write_task_snapshot(t, late, [&](std::string_view piece) {
    if (piece_sizes) piece_sizes->push_back(piece.size());
    out.append(piece);
    return Status::ok();
  });
  REQUIRE(st.is_ok());
  return out;
}

}  // namespace

TEST_CASE("late key groups are written as the bytes of a snapshot that held them") {
  LateSecondOperator late;
  TaskSnapshot t = example();
  std::vector<size_t> pieces;
  const std::string streamed = written(t, &late, &pieces);
  CHECK(late.calls == 4);  // key groups 3 to 6

  TaskSnapshot held = example();
  for (int32_t kg = 3; kg <= 6; ++kg) REQUIRE(late.pack(1, kg, held.operators[1].key_groups[kg]).is_ok());
  CHECK(streamed == encode_task_snapshot(held));
  CHECK(streamed == written(held, nullptr));
  // Each key group's bytes went on as one piece of their own, uncopied.
  std::string kg6;
  REQUIRE(late.pack(1, 6, kg6).is_ok());
  CHECK(std::count(pieces.begin(), pieces.end(), kg6.size()) == 1);

  Result<TaskSnapshot> back = decode_task_snapshot(streamed);
  REQUIRE_MESSAGE(back.ok(), back.status().to_string());
  CHECK(back->checkpoint_id == 7);
  CHECK(back->watermark == 1234);
  REQUIRE(back->source_splits.size() == 1);
  CHECK(back->source_splits[0].position == 42);
  REQUIRE(back->operators.size() == 2);
  CHECK(back->operators[0].operator_state == "operator bytes");
  CHECK(back->operators[1].key_groups == held.operators[1].key_groups);
}

TEST_CASE("an error packing a late key group stops the file there") {
  class Failing final : public LateKeyGroups {
   public:
    bool packs(size_t op) const override { return op == 1; }
    Status pack(size_t, int32_t kg, std::string&) override {
      return kg == 5 ? Status::internal("no key group 5") : Status::ok();
    }
  } late;
  Status st = write_task_snapshot(example(), &late, [](std::string_view) { return Status::ok(); });
  CHECK(st.message() == "no key group 5");
}
