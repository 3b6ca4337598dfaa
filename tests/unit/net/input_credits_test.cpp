// Unit tests for consumer-side credit accounting (src/net/input_credits.h):
// exclusive and floating credits, backlog priority, blocking, end of input, and
// a randomized simulation of producers that checks the buffer invariants.
#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <random>

#include "net/input_credits.h"

using namespace eddy;

namespace {

/// Grants as a map channel -> credits; fails the test if a channel repeats.
std::map<int, int32_t> as_map(const CreditGrants& grants) {
  std::map<int, int32_t> m;
  for (auto [c, n] : grants) {
    CHECK_MESSAGE(m.count(c) == 0, "channel " << c << " granted twice in one call");
    CHECK(n > 0);
    m[c] = n;
  }
  return m;
}

int32_t buffers_accounted(const InputCredits& credits) {
  int32_t sum = credits.floating_available();
  for (int c = 0; c < credits.channels(); ++c)
    sum += credits.in_use(c) + credits.outstanding(c) + credits.withheld(c);
  return sum;
}

}  // namespace

TEST_CASE("every channel starts with its exclusive credits and the pool is full") {
  InputCredits credits(3, 2, 5);
  CHECK(credits.initial_grants() == std::vector<int32_t>{2, 2, 2});
  for (int c = 0; c < 3; ++c) CHECK(credits.outstanding(c) == 2);
  CHECK(credits.floating_available() == 5);
  CHECK(credits.total_buffers() == 11);
  CHECK(buffers_accounted(credits) == 11);
}

TEST_CASE("an exclusive buffer is granted back to its channel when released") {
  InputCredits credits(2, 1, 0);
  CreditGrants grants;
  REQUIRE(credits.on_batch(0, 0, grants).is_ok());
  CHECK(grants.empty());
  CHECK(credits.outstanding(0) == 0);
  credits.on_release(0, grants);
  CHECK(as_map(grants) == std::map<int, int32_t>{{0, 1}});
  CHECK(credits.outstanding(0) == 1);
}

TEST_CASE("announced backlog draws floating credits at once") {
  InputCredits credits(2, 2, 4);
  CreditGrants grants;
  REQUIRE(credits.on_batch(0, 5, grants).is_ok());
  // One exclusive credit left, backlog 5: four more are wanted, four are in the pool.
  CHECK(as_map(grants) == std::map<int, int32_t>{{0, 4}});
  CHECK(credits.outstanding(0) == 5);
  CHECK(credits.floating_available() == 0);
  CHECK(buffers_accounted(credits) == 8);
}

TEST_CASE("a floating buffer not needed for backlog returns to the pool") {
  InputCredits credits(2, 1, 1);
  CreditGrants grants;
  REQUIRE(credits.on_batch(0, 1, grants).is_ok());  // takes the floating buffer
  REQUIRE(credits.on_batch(0, 0, grants).is_ok());  // spends it; backlog gone
  grants.clear();
  credits.on_release(0, grants);
  CHECK(grants.empty());
  CHECK(credits.floating_available() == 1);
  credits.on_release(0, grants);  // the exclusive one goes back to channel 0
  CHECK(as_map(grants) == std::map<int, int32_t>{{0, 1}});
  CHECK(credits.floating_available() == 1);
}

TEST_CASE("a freed floating buffer goes to the channel with the largest unmet backlog") {
  InputCredits credits(3, 1, 1);
  CreditGrants grants;
  REQUIRE(credits.on_batch(0, 1, grants).is_ok());  // channel 0 takes the floating buffer
  REQUIRE(credits.on_batch(1, 2, grants).is_ok());  // unmet 2
  REQUIRE(credits.on_batch(2, 6, grants).is_ok());  // unmet 6
  REQUIRE(credits.on_batch(0, 0, grants).is_ok());
  grants.clear();
  credits.on_release(0, grants);  // floating: channel 0 has no backlog any more
  CHECK(as_map(grants) == std::map<int, int32_t>{{2, 1}});
  CHECK(credits.backlog(2) == 6);
  CHECK(credits.outstanding(2) == 1);
}

TEST_CASE("a short pool is shared out evenly among channels with equal need") {
  InputCredits credits(3, 2, 0);
  CreditGrants grants;
  REQUIRE(credits.on_batch(1, 5, grants).is_ok());  // unmet 4
  REQUIRE(credits.on_batch(2, 5, grants).is_ok());  // unmet 4
  CHECK(grants.empty());
  credits.on_finished(0, grants);  // channel 0's two credits return to the pool
  CHECK(as_map(grants) == std::map<int, int32_t>{{1, 1}, {2, 1}});
  CHECK(credits.floating_available() == 0);
}

TEST_CASE("credits for one channel in one call are coalesced into one grant") {
  InputCredits credits(1, 1, 2);
  CreditGrants grants;
  credits.block(0);
  REQUIRE(credits.on_batch(0, 5, grants).is_ok());
  credits.on_release(0, grants);
  CHECK(grants.empty());
  // Unblocking grants the withheld exclusive buffer and, for the backlog, both
  // pool buffers: one pair for channel 0.
  credits.unblock(0, grants);
  CHECK(grants == CreditGrants{{0, 3}});
}

TEST_CASE("a batch without credit, after end of input or on an unknown channel is refused") {
  InputCredits credits(2, 1, 0);
  CreditGrants grants;
  REQUIRE(credits.on_batch(0, 0, grants).is_ok());
  CHECK_FALSE(credits.on_batch(0, 0, grants).is_ok());
  CHECK(credits.in_use(0) == 1);  // the refused batch is not counted
  credits.on_finished(1, grants);
  CHECK_FALSE(credits.on_batch(1, 0, grants).is_ok());
  CHECK_FALSE(credits.on_batch(2, 0, grants).is_ok());
  CHECK_FALSE(credits.on_batch(-1, 0, grants).is_ok());
  credits.on_release(0, grants);
  CHECK_FALSE(credits.on_batch(0, -3, grants).is_ok());
  CHECK(buffers_accounted(credits) == credits.total_buffers());
}

TEST_CASE("a blocked channel gets no credit until unblocked, then what was withheld") {
  InputCredits credits(2, 2, 2);
  CreditGrants grants;
  REQUIRE(credits.on_batch(0, 0, grants).is_ok());
  REQUIRE(credits.on_batch(0, 0, grants).is_ok());
  credits.block(0);
  CHECK(credits.is_blocked(0));
  credits.on_release(0, grants);
  credits.on_release(0, grants);
  CHECK(grants.empty());
  CHECK(credits.withheld(0) == 2);
  credits.unblock(0, grants);
  CHECK(as_map(grants) == std::map<int, int32_t>{{0, 2}});
  CHECK(credits.withheld(0) == 0);
  grants.clear();
  // Credits granted before a block stay valid, but the backlog announced with
  // them draws nothing from the pool until the block ends.
  credits.block(0);
  REQUIRE(credits.on_batch(0, 9, grants).is_ok());
  CHECK(grants.empty());
  CHECK(credits.floating_available() == 2);
  credits.unblock(0, grants);
  CHECK(as_map(grants) == std::map<int, int32_t>{{0, 2}});  // pool buffers, for the backlog
  CHECK(credits.floating_available() == 0);
  CHECK(buffers_accounted(credits) == credits.total_buffers());
}

TEST_CASE("a finished channel returns its credits and buffers to the pool") {
  InputCredits credits(2, 2, 0);
  CreditGrants grants;
  REQUIRE(credits.on_batch(0, 0, grants).is_ok());
  credits.on_finished(0, grants);
  CHECK(grants.empty());
  CHECK(credits.is_finished(0));
  CHECK(credits.outstanding(0) == 0);
  CHECK(credits.floating_available() == 1);  // the unused credit
  credits.on_release(0, grants);            // the batch still in use
  CHECK(grants.empty());
  CHECK(credits.floating_available() == 2);
  REQUIRE(credits.on_batch(1, 4, grants).is_ok());  // channel 1 now gets them
  CHECK(as_map(grants) == std::map<int, int32_t>{{1, 2}});
  CHECK(buffers_accounted(credits) == credits.total_buffers());
}

TEST_CASE("exclusive credits are at least one per channel") {
  InputCredits credits(2, 0, 3);
  CHECK(credits.initial_grants() == std::vector<int32_t>{1, 1});
  CHECK(credits.total_buffers() == 5);
}

TEST_CASE("randomized producers never exceed their credits and every buffer stays accounted") {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const int n = 1 + static_cast<int>(rng() % 5);
    const int exclusive = 1 + static_cast<int>(rng() % 3);
    const int floating = static_cast<int>(rng() % 8);
    InputCredits credits(n, exclusive, floating);
    std::vector<int32_t> producer_credit = credits.initial_grants();
    std::vector<int> queued(n, 0);               // batches waiting at each producer
    std::vector<std::deque<int32_t>> wire(n);    // sent, not yet arrived (their backlog)
    std::vector<int> held(n, 0);                 // arrived, not yet released
    std::vector<bool> done(n, false);
    int produced = 0, consumed = 0;
    // `grants` of one call (coalesced) or of several (the drain loop below).
    auto apply = [&](const CreditGrants& grants, bool one_call = true) {
      if (one_call) as_map(grants);
      for (auto [c, k] : grants) {
        REQUIRE_FALSE(done[c]);
        producer_credit[c] += k;
      }
    };
    for (int step = 0; step < 4000; ++step) {
      const int c = static_cast<int>(rng() % static_cast<uint32_t>(n));
      CreditGrants grants;
      switch (rng() % 6) {
        case 0:  // the producer's operator emits a few batches
          if (!done[c] && step < 3000) {
            const int k = static_cast<int>(rng() % 6);
            queued[c] += k;
            produced += k;
          }
          break;
        case 1:  // the producer sends against a credit, announcing its backlog
          if (queued[c] > 0 && producer_credit[c] > 0) {
            --producer_credit[c];
            --queued[c];
            wire[c].push_back(queued[c]);
          }
          break;
        case 2:  // a batch arrives
          if (!wire[c].empty()) {
            REQUIRE(credits.on_batch(c, wire[c].front(), grants).is_ok());
            wire[c].pop_front();
            ++held[c];
          }
          break;
        case 3:  // the consumer finishes a batch
          if (held[c] > 0) {
            credits.on_release(c, grants);
            --held[c];
            ++consumed;
          }
          break;
        case 4:  // alignment comes and goes
          if (credits.is_blocked(c)) {
            credits.unblock(c, grants);
          } else if (rng() % 4 == 0) {
            credits.block(c);
          }
          break;
        case 5:  // end of input once a producer has nothing left
          if (step > 3000 && !done[c] && queued[c] == 0 && wire[c].empty()) {
            credits.on_finished(c, grants);
            done[c] = true;
            producer_credit[c] = 0;
          }
          break;
      }
      apply(grants);
      REQUIRE(buffers_accounted(credits) == credits.total_buffers());
      for (int i = 0; i < n; ++i) {
        if (done[i]) continue;
        // Credits the producer holds plus batches on the wire are exactly the outstanding ones.
        const auto on_wire = static_cast<int32_t>(wire[i].size());
        REQUIRE(producer_credit[i] + on_wire == credits.outstanding(i));
        REQUIRE(credits.in_use(i) == held[i]);
        // A free pool means no live, unblocked channel lacks credit for its backlog.
        if (credits.floating_available() > 0 && !credits.is_blocked(i))
          REQUIRE(credits.backlog(i) <= credits.outstanding(i));
      }
    }
    // Liveness: with every block lifted and the consumer keeping up, all data flows.
    for (int round = 0; round < 100000; ++round) {
      bool moved = false;
      for (int c = 0; c < n; ++c) {
        CreditGrants grants;
        if (credits.is_blocked(c)) credits.unblock(c, grants);
        if (!wire[c].empty()) {
          REQUIRE(credits.on_batch(c, wire[c].front(), grants).is_ok());
          wire[c].pop_front();
          ++held[c];
          moved = true;
        } else if (queued[c] > 0 && producer_credit[c] > 0) {
          --producer_credit[c];
          --queued[c];
          REQUIRE(credits.on_batch(c, queued[c], grants).is_ok());
          ++held[c];
          moved = true;
        }
        if (held[c] > 0) {
          credits.on_release(c, grants);
          --held[c];
          ++consumed;
          moved = true;
        }
        apply(grants, false);
      }
      if (!moved) break;
    }
    CHECK(consumed == produced);
    CHECK(buffers_accounted(credits) == credits.total_buffers());
  }
}
