// Unit tests for the nexmark source and its event model
// (src/connectors/nexmark_source.h, nexmark_generator.h): proportions, ids,
// event times, hot keys, value ranges, determinism, bounds, resume and pacing.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "connectors/nexmark_source.h"

using namespace eddy;

namespace {

NexmarkConfig config_of(NexmarkTable table, int64_t events, uint64_t seed = 1) {
  NexmarkConfig c;
  c.table = table;
  c.events = events;
  c.seed = seed;
  return c;
}

std::vector<Split> shares(const NexmarkConfig& c, int32_t p) {
  auto splits = make_nexmark_enumerator(c)->enumerate(p);
  REQUIRE(splits.ok());
  return *splits;
}

/// All rows of all shares, as batches, polled with `max_rows`.
std::vector<RecordBatchPtr> read_all(const NexmarkConfig& c, int32_t parallelism, size_t max_rows) {
  std::vector<RecordBatchPtr> out;
  NexmarkReader reader(c);
  for (const auto& split : shares(c, parallelism)) {
    REQUIRE(reader.open_split(split).is_ok());
    for (;;) {
      auto p = reader.poll(max_rows);
      REQUIRE(p.ok());
      if (p->kind == SourcePoll::Kind::kEndOfSplit) break;
      REQUIRE(p->kind == SourcePoll::Kind::kBatch);
      REQUIRE(p->batch->num_rows <= max_rows);
      out.push_back(p->batch);
    }
  }
  return out;
}

size_t count_rows(const std::vector<RecordBatchPtr>& batches) {
  size_t n = 0;
  for (const auto& b : batches) n += b->num_rows;
  return n;
}

std::vector<std::string> sorted_lines(const std::vector<RecordBatchPtr>& batches) {
  std::vector<std::string> lines;
  for (const auto& b : batches) {
    const std::string text = b->to_debug_string();
    size_t begin = 0;
    for (size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1)
      lines.push_back(text.substr(begin, end - begin));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

/// The event numbers of the bids among events [0, n), in order.
std::vector<int64_t> bid_events(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t e = 0; e < n; ++e)
    if (e % 50 >= 4) out.push_back(e);
  return out;
}

int64_t reverse_abs(int64_t n) {
  uint32_t v = static_cast<uint32_t>(n), r = 0;
  for (int i = 0; i < 32; ++i, v >>= 1) r = (r << 1) | (v & 1);
  const int64_t s = static_cast<int32_t>(r);
  return s < 0 ? -s : s;
}

}  // namespace

TEST_CASE("nexmark deals people, auctions and bids 1:3:46 over 5000 events") {
  CHECK(count_rows(read_all(config_of(NexmarkTable::kPerson, 5000), 1, 64)) == 100);
  CHECK(count_rows(read_all(config_of(NexmarkTable::kAuction, 5000), 1, 64)) == 300);
  CHECK(count_rows(read_all(config_of(NexmarkTable::kBid, 5000), 1, 1000)) == 4600);
  CHECK(NexmarkModel::kind_of(0) == NexmarkEventKind::kPerson);
  CHECK(NexmarkModel::kind_of(53) == NexmarkEventKind::kAuction);
  CHECK(NexmarkModel::kind_of(54) == NexmarkEventKind::kBid);
  CHECK(nexmark_schema(NexmarkTable::kBid)->to_string() ==
        "auction: int64, bidder: int64, price: int64, channel: string, url: string, "
        "date_time: timestamp, extra: string");
}

TEST_CASE("nexmark person and auction ids follow the epoch formulas") {
  auto people = read_all(config_of(NexmarkTable::kPerson, 5000), 1, 7);
  int64_t expected = 1000;  // person of epoch k has id 1000 + k
  for (const auto& b : people)
    for (int64_t id : b->column(0).ints) CHECK(id == expected++);
  auto auctions = read_all(config_of(NexmarkTable::kAuction, 5000), 1, 11);
  expected = 1000;  // k-th auction of epoch e has id 3e + k + 1000
  for (const auto& b : auctions)
    for (int64_t id : b->column(0).ints) CHECK(id == expected++);
  NexmarkGenerator gen(config_of(NexmarkTable::kBid, -1));
  CHECK(gen.person(50 * 77).id == 1077);
  CHECK(gen.auction(50 * 77 + 1).id == 3 * 77 + 1000);
  CHECK(gen.auction(50 * 77 + 3).id == 3 * 77 + 2 + 1000);
  CHECK(NexmarkModel::last_auction_base0(50 * 77) == 3 * 77 - 1);
  CHECK(NexmarkModel::last_auction_base0(50 * 77 + 20) == 3 * 77 + 2);
  CHECK(NexmarkModel::last_person_base0(50 * 77 + 20) == 77);
}

TEST_CASE("nexmark event time is monotone and equals base + n * inter-event delay") {
  NexmarkConfig c = config_of(NexmarkTable::kBid, 200000);
  c.first_event_rate = 3000000;  // 0.333 us per event: the fraction must not be lost
  const auto bids = bid_events(200000);
  size_t i = 0;
  int64_t previous = 0;
  for (const auto& b : read_all(c, 1, 4096)) {
    for (int64_t t : b->column(5).ints) {
      CHECK(t == c.base_time_ms + bids[i] * 1000 / 3000000);
      CHECK(t >= previous);
      previous = t;
      ++i;
    }
  }
  CHECK(i == bids.size());
  CHECK(previous == c.base_time_ms + 66);  // 199999 events at 3 M/s
  NexmarkConfig fixed = config_of(NexmarkTable::kBid, -1);
  fixed.inter_event_delay_us = 7;
  NexmarkGenerator gen(fixed);
  CHECK(gen.event_time_ms(1000) == fixed.base_time_ms + 7);
  CHECK(gen.bid(1004).date_time == fixed.base_time_ms + 7);
  NexmarkGenerator standard(config_of(NexmarkTable::kBid, -1));  // 10 M events/s
  CHECK(standard.event_time_ms(9999) == 1436918400000LL);
  CHECK(standard.event_time_ms(10000) == 1436918400001LL);
  CHECK(standard.event_time_ms(100000000) == 1436918400000LL + 10000);
}

TEST_CASE("nexmark bids go to the hot auction about half the time and to hot bidders about 3/4") {
  const int64_t events = 100000;
  NexmarkGenerator gen(config_of(NexmarkTable::kBid, events, 5));
  int64_t bids = 0, hot_auction = 0, hot_bidder = 0;
  for (int64_t e : bid_events(events)) {
    const NexmarkBid b = gen.bid(e);
    ++bids;
    const int64_t last_auction = NexmarkModel::last_auction_base0(e);
    const int64_t last_person = NexmarkModel::last_person_base0(e);
    if (b.auction == last_auction / 100 * 100 + 1000) ++hot_auction;
    if (b.bidder == last_person / 100 * 100 + 1 + 1000) ++hot_bidder;
    // Cold picks come from the recent past (100 auctions, 1000 people) plus a lead of 10.
    CHECK(b.auction >= std::max<int64_t>(last_auction - 100, 0) + 1000);
    CHECK(b.auction <= last_auction + 10 + 1000);
    CHECK(b.bidder >= std::max<int64_t>(last_person + 1 - 1000, 0) + 1000);
    CHECK(b.bidder <= last_person + 10 + 1000);
  }
  const double auction_share = static_cast<double>(hot_auction) / static_cast<double>(bids);
  const double bidder_share = static_cast<double>(hot_bidder) / static_cast<double>(bids);
  CHECK(auction_share > 0.45);
  CHECK(auction_share < 0.56);
  CHECK(bidder_share > 0.70);
  CHECK(bidder_share < 0.80);
}

TEST_CASE("nexmark prices, categories, states, cards and expiry stay in their ranges") {
  NexmarkGenerator gen(config_of(NexmarkTable::kBid, -1, 11));
  int64_t min_price = INT64_MAX, max_price = 0, cheap = 0, bids = 0;
  for (int64_t e : bid_events(50000)) {
    const int64_t p = gen.bid(e).price;
    min_price = std::min(min_price, p);
    max_price = std::max(max_price, p);
    if (p < 1000) ++cheap;  // 10^(6u) < 10 for u < 1/6
    ++bids;
  }
  CHECK(min_price >= 100);
  CHECK(max_price <= 100000000);
  CHECK(min_price < 110);
  CHECK(max_price > 50000000);
  CHECK(cheap > bids / 8);
  CHECK(cheap < bids / 5);
  std::set<int64_t> categories;
  for (int64_t epoch = 0; epoch < 500; ++epoch) {
    for (int64_t k = 1; k <= 3; ++k) {
      const NexmarkAuction a = gen.auction(epoch * 50 + k);
      categories.insert(a.category);
      CHECK(a.initial_bid >= 100);
      CHECK(a.reserve > a.initial_bid);
      CHECK(a.expires > a.date_time);
      CHECK(a.seller >= 1000);
      CHECK(a.seller <= epoch + 10 + 1000);
      CHECK(a.item_name.size() <= 19);
      CHECK(a.description.size() <= 99);
    }
    const NexmarkPerson p = gen.person(epoch * 50);
    CHECK(std::string("AZ CA ID OR WA WY").find(p.state) != std::string::npos);
    CHECK(p.state.size() == 2);
    CHECK(p.credit_card.size() == 19);
    CHECK(p.credit_card[4] == ' ');
    CHECK(p.email_address.find('@') != std::string::npos);
    CHECK(p.email_address.size() >= 5);
    CHECK(p.name.find(' ') != std::string::npos);
  }
  CHECK(categories == std::set<int64_t>{10, 11, 12, 13, 14});
}

TEST_CASE("nexmark extra pads bids, auctions and people to about 100, 500 and 200 bytes") {
  NexmarkGenerator gen(config_of(NexmarkTable::kBid, -1, 2));
  double bid_bytes = 0, auction_bytes = 0, person_bytes = 0;
  const int n = 2000;
  for (int k = 0; k < n; ++k) {
    bid_bytes += 32 + static_cast<double>(gen.bid(k * 50 + 10).extra.size());
    const NexmarkAuction a = gen.auction(k * 50 + 2);
    auction_bytes += 48 + static_cast<double>(a.item_name.size() + a.description.size() + a.extra.size());
    const NexmarkPerson p = gen.person(k * 50);
    person_bytes += 8 + static_cast<double>(p.name.size() + p.email_address.size() + p.credit_card.size() +
                                            p.city.size() + p.state.size() + p.extra.size());
  }
  CHECK(bid_bytes / n == doctest::Approx(100).epsilon(0.03));
  CHECK(auction_bytes / n == doctest::Approx(500).epsilon(0.03));
  CHECK(person_bytes / n == doctest::Approx(200).epsilon(0.03));
}

TEST_CASE("nexmark channel decides the url, half the bids use the four hot channels") {
  NexmarkGenerator gen(config_of(NexmarkTable::kBid, -1, 3));
  std::map<std::string, std::string> url_of;
  int64_t bids = 0, hot = 0, numbered = 0, with_id = 0;
  for (int64_t e : bid_events(50000)) {
    const NexmarkBid b = gen.bid(e);
    ++bids;
    auto [it, fresh] = url_of.emplace(b.channel, b.url);
    CHECK(it->second == b.url);  // one url per channel
    CHECK(b.url.rfind("https://www.nexmark.com/", 0) == 0);
    CHECK(b.url.find("/item.htm?query=1") != std::string::npos);
    if (b.channel == "Google" || b.channel == "Facebook" || b.channel == "Baidu" || b.channel == "Apple") {
      ++hot;
      CHECK(b.url.find("channel_id=") == std::string::npos);
      continue;
    }
    REQUIRE(b.channel.rfind("channel-", 0) == 0);
    const int64_t n = std::stoll(b.channel.substr(8));
    CHECK(n >= 0);
    CHECK(n < 10000);
    if (!fresh) continue;
    ++numbered;
    const size_t at = b.url.find("&channel_id=");
    if (at == std::string::npos) continue;
    ++with_id;
    CHECK(b.url.substr(at + 12) == std::to_string(reverse_abs(n)));
  }
  const double hot_share = static_cast<double>(hot) / static_cast<double>(bids);
  CHECK(hot_share > 0.47);
  CHECK(hot_share < 0.53);
  CHECK(numbered > 8000);
  const double id_share = static_cast<double>(with_id) / static_cast<double>(numbered);
  CHECK(id_share > 0.85);
  CHECK(id_share < 0.95);
}

TEST_CASE("nexmark rows are the same at any parallelism and batch size, and change with the seed") {
  for (NexmarkTable t : {NexmarkTable::kBid, NexmarkTable::kAuction, NexmarkTable::kPerson}) {
    NexmarkConfig c = config_of(t, 30011, 4);
    c.block_events = 100;
    const auto one = sorted_lines(read_all(c, 1, 5000));
    const auto four = sorted_lines(read_all(c, 4, 97));
    CHECK(one.size() > 0);
    CHECK(one == four);
    c.seed = 5;
    CHECK(sorted_lines(read_all(c, 2, 1000)) != one);
  }
}

TEST_CASE("nexmark events bounds the generator events of every kind") {
  NexmarkConfig c = config_of(NexmarkTable::kBid, 10003);  // ends with a person and two auctions
  c.block_events = 1000;
  CHECK(count_rows(read_all(c, 3, 999)) == 9200);
  c.table = NexmarkTable::kPerson;
  CHECK(count_rows(read_all(c, 3, 999)) == 201);
  c.table = NexmarkTable::kAuction;
  CHECK(count_rows(read_all(c, 3, 999)) == 602);
  // Shares advance through event time together: each share's times interleave.
  c.table = NexmarkTable::kBid;
  c.events = 10000000;
  NexmarkReader reader(c);
  const auto splits = shares(c, 4);
  for (const auto& split : splits) {
    REQUIRE(reader.open_split(split).is_ok());
    auto p = reader.poll(10000);
    REQUIRE(p.ok());
    REQUIRE(p->kind == SourcePoll::Kind::kBatch);
    CHECK(reader.position() < 11000);
    CHECK(p->batch->column(5).ints.back() <= c.base_time_ms + 5);
  }
}

TEST_CASE("nexmark position and seek resume with an identical continuation") {
  NexmarkConfig c = config_of(NexmarkTable::kBid, 20000, 8);
  c.block_events = 300;
  const Split split = shares(c, 3)[2];
  NexmarkReader reader(c);
  REQUIRE(reader.open_split(split).is_ok());
  for (int i = 0; i < 4; ++i) REQUIRE(reader.poll(123).ok());
  const int64_t checkpoint = reader.position();
  CHECK(checkpoint > 4 * 123);  // counts the skipped people and auctions too
  std::string rest_a;
  for (auto p = reader.poll(500); p.ok() && p->kind == SourcePoll::Kind::kBatch; p = reader.poll(500))
    rest_a += p->batch->to_debug_string();
  NexmarkReader restored(c);
  REQUIRE(restored.open_split(split).is_ok());
  restored.seek(checkpoint);
  CHECK(restored.position() == checkpoint);
  std::string rest_b;
  for (auto p = restored.poll(71); p.ok() && p->kind == SourcePoll::Kind::kBatch; p = restored.poll(71))
    rest_b += p->batch->to_debug_string();
  CHECK(!rest_a.empty());
  CHECK(rest_a == rest_b);
}

TEST_CASE("nexmark pacing returns idle when ahead of events_per_second") {
  NexmarkConfig c = config_of(NexmarkTable::kBid, -1);
  c.events_per_second = 10000;
  NexmarkReader reader(c);
  REQUIRE(reader.open_split(shares(c, 2)[0]).is_ok());
  auto first = reader.poll(100000);
  REQUIRE(first.ok());
  REQUIRE(first->kind == SourcePoll::Kind::kBatch);
  CHECK(reader.position() >= 50);  // 5000 events/s per share: a 10 ms burst
  CHECK(reader.position() <= 60);
  CHECK(first->batch->num_rows >= 46);
  auto second = reader.poll(100000);
  REQUIRE(second.ok());
  CHECK(second->kind == SourcePoll::Kind::kIdle);
  CHECK(second->retry_after_us > 0);
  CHECK(second->retry_after_us <= 10000);
}

TEST_CASE("nexmark rejects a zero block size and a zero parallelism") {
  NexmarkConfig c = config_of(NexmarkTable::kBid, 100);
  c.block_events = 0;
  NexmarkReader reader(c);
  CHECK_FALSE(reader.open_split(Split{}).is_ok());
  CHECK_FALSE(make_nexmark_enumerator(c)->enumerate(0).ok());
}
