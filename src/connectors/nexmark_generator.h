// The Nexmark event model (NEXMARK.md): given the seed and an event number,
// the Person, Auction or Bid that event is. Follows the conventions of the
// Flink Nexmark suite's generator; every value depends only on (seed, event
// number). Used by nexmark_source.cpp, which writes events straight into columns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/connector_config.h"
#include "core/column.h"
#include "core/schema.h"

namespace eddy {

enum class NexmarkEventKind { kPerson, kAuction, kBid };

/// The columns of a Nexmark table (NEXMARK.md, "Tables"); times are timestamps.
///   person:  id, name, email_address, credit_card, city, state, date_time, extra
///   auction: id, item_name, description, initial_bid, reserve, date_time, expires,
///            seller, category, extra
///   bid:     auction, bidder, price, channel, url, date_time, extra
SchemaPtr nexmark_schema(NexmarkTable table);

/// Generator constants, as in the Flink suite's defaults.
struct NexmarkModel {
  static constexpr int64_t kPersonProportion = 1;
  static constexpr int64_t kAuctionProportion = 3;
  static constexpr int64_t kTotalProportion = 50;
  static constexpr int64_t kFirstPersonId = 1000;
  static constexpr int64_t kFirstAuctionId = 1000;
  static constexpr int64_t kFirstCategoryId = 10;
  static constexpr int64_t kNumCategories = 5;
  static constexpr int64_t kHotAuctionRatio = 2;    // P(hot auction) = 1 - 1/2
  static constexpr int64_t kHotBidderRatio = 4;     // P(hot bidder) = 1 - 1/4
  static constexpr int64_t kHotSellerRatio = 4;     // P(hot seller) = 1 - 1/4
  static constexpr int64_t kHotGroup = 100;         // hot ids are multiples of 100 (+1 for bidders)
  static constexpr int64_t kInFlightAuctions = 100;
  static constexpr int64_t kActivePeople = 1000;
  static constexpr int64_t kIdLead = 10;            // ids a little ahead of the last one
  static constexpr int64_t kChannels = 10000;
  static constexpr int kAvgPersonBytes = 200;
  static constexpr int kAvgAuctionBytes = 500;
  static constexpr int kAvgBidBytes = 100;

  static NexmarkEventKind kind_of(int64_t event) {
    const int64_t offset = event % kTotalProportion;
    if (offset < kPersonProportion) return NexmarkEventKind::kPerson;
    if (offset < kPersonProportion + kAuctionProportion) return NexmarkEventKind::kAuction;
    return NexmarkEventKind::kBid;
  }
  /// The last person id (base 0) created at or before `event`.
  static int64_t last_person_base0(int64_t event);
  /// The last auction id (base 0) created at or before `event` (-1 before the first).
  static int64_t last_auction_base0(int64_t event);
};

struct NexmarkPerson {
  int64_t id = 0;
  std::string name, email_address, credit_card, city, state;
  int64_t date_time = 0;
  std::string extra;
};

struct NexmarkAuction {
  int64_t id = 0;
  std::string item_name, description;
  int64_t initial_bid = 0, reserve = 0, date_time = 0, expires = 0, seller = 0, category = 0;
  std::string extra;
};

struct NexmarkBid {
  int64_t auction = 0, bidder = 0, price = 0;
  std::string channel, url;
  int64_t date_time = 0;
  std::string extra;
};

/// Generates events of one seed. Immutable after construction (it builds the
/// words of the channel urls and a pool of random letters for `extra`, about
/// 350 KB), so concurrent calls are safe as long as each writes its own columns.
class NexmarkGenerator {
 public:
  explicit NexmarkGenerator(const NexmarkConfig& config);

  /// Event time: base_time_ms + floor(event * inter_event_delay / 1 ms).
  int64_t event_time_ms(int64_t event) const;

  /// Appends the given events (all of the table's kind) as rows to `columns`,
  /// laid out as nexmark_schema(table).
  void append_persons(const int64_t* events, size_t n, std::vector<Column>& columns) const;
  void append_auctions(const int64_t* events, size_t n, std::vector<Column>& columns) const;
  void append_bids(const int64_t* events, size_t n, std::vector<Column>& columns) const;

  /// One event as a struct (tests, debugging); `event` must be of that kind.
  NexmarkPerson person(int64_t event) const;
  NexmarkAuction auction(int64_t event) const;
  NexmarkBid bid(int64_t event) const;

 private:
  uint64_t seed_key_;
  int64_t base_time_ms_;
  int64_t delay_us_;         // > 0: fixed inter-event delay in microseconds
  int64_t rate_;             // used when delay_us_ == 0: events per second of event time

  /// What varies between channel urls "https://www.nexmark.com/<w>/<w>/<w>/item.htm?query=1"
  /// and their optional "&channel_id=<id>" suffix: 32 bytes per channel.
  struct UrlWords {
    char chars[12];      // word k at chars[4k], len[k] (3 or 4) long, letters and '_'
    uint8_t len[3];
    uint8_t id_len;      // 0: no channel_id in the url (hot channels, 1 in 10 numbered ones)
    char id[16];         // the channel_id's digits
  };
  /// The words of numbered channel `channel`, or of a hot one for channel < 0.
  static UrlWords random_url_words(uint64_t key, int64_t channel);
  /// Writes the url to `out` (room for 77 bytes).
  static size_t write_url(const UrlWords& words, char* out);

  /// Google, Facebook, Baidu, Apple, then channel-0 .. channel-9999.
  std::vector<UrlWords> url_words_;
  std::string letters_;      // random lowercase letters; `extra` is a slice of it
};

}  // namespace eddy
