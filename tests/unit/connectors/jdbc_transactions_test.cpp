// Unit tests for the jdbc sink's transaction ids, state and the resolution
// of prepared transactions at a restore (src/connectors/jdbc_transactions.h).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "connectors/jdbc_transactions.h"

using namespace eddy;

TEST_CASE("transaction ids name the job, the sink, the subtask and the checkpoint") {
  const std::string p = jdbc_gid_prefix("00ab", "to pg!");
  CHECK(p == "eddy-00ab-topg-");
  CHECK(jdbc_gid(p, 3, 17) == "eddy-00ab-topg-3-17");
  auto parts = parse_jdbc_gid(p, "eddy-00ab-topg-3-17");
  REQUIRE(parts);
  CHECK(parts->subtask == 3);
  CHECK(parts->checkpoint_id == 17);
  CHECK(!parse_jdbc_gid(p, "eddy-00ab-other-3-17"));
  CHECK(!parse_jdbc_gid(p, "eddy-00ab-topg-3"));
  CHECK(!parse_jdbc_gid(p, "eddy-00ab-topg-x-1"));
  CHECK(!parse_jdbc_gid(jdbc_gid_prefix("00ab", "a"), "eddy-00ab-a-1-2-0-5"));  // sink "a-1-2"
  CHECK(jdbc_gid_prefix("t", std::string(100, 'x')).size() == std::string("eddy-t--").size() + 64);
}

TEST_CASE("the state lists prepared ids and the carried changes, and reads back") {
  JdbcSinkState state{{"eddy-t-s-0-4", "eddy-t-s-0-5"}, "3:(1)1:U5:(1,\n)"};
  auto back = decode_jdbc_state(encode_jdbc_state(state));
  REQUIRE(back.ok());
  CHECK(back->gids == state.gids);
  CHECK(back->carried == state.carried);
  auto empty = decode_jdbc_state(encode_jdbc_state({}));
  REQUIRE(empty.ok());
  CHECK(empty->gids.empty());
  CHECK(empty->carried.empty());
  CHECK(!decode_jdbc_state("garbage").ok());
  CHECK(!decode_jdbc_state(encode_jdbc_state(state).substr(0, 25)).ok());
}

TEST_CASE("a restore commits what its state lists and rolls back its share of the rest") {
  const std::string p = "eddy-t-s-";
  const std::vector<std::string> prepared = {"eddy-t-s-0-4", "eddy-t-s-0-5", "eddy-t-s-1-5", "eddy-t-s-2-5",
                                             "eddy-t-other-0-5", "eddy-u-s-0-5"};
  // Subtask 0 of 2 took over old subtasks 0 and 2; checkpoint 4 was restored.
  auto r = resolve_jdbc_prepared(p, {"eddy-t-s-0-4", "eddy-t-s-2-3"}, prepared, 0, 2);
  CHECK(r.commit == std::vector<std::string>{"eddy-t-s-0-4", "eddy-t-s-2-3"});
  CHECK(r.rollback == std::vector<std::string>{"eddy-t-s-0-5", "eddy-t-s-2-5"});
  auto other = resolve_jdbc_prepared(p, {}, prepared, 1, 2);
  CHECK(other.commit.empty());
  CHECK(other.rollback == std::vector<std::string>{"eddy-t-s-1-5"});
}
