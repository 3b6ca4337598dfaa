// Nexmark events written straight into columns. Each event draws from its own
// random stream, seeded by mixing (seed, event number), so an event is the same
// whichever share, batch or restart produces it. Ids, hot keys, prices, sizes
// and string shapes follow the Flink suite's generator (see NEXMARK.md).
#include "connectors/nexmark_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "connectors/generator_shares.h"

namespace eddy {
namespace {

using M = NexmarkModel;

// Stream tags, so tables and events never share a random stream.
constexpr uint64_t kEventTag = 0x243f6a8885a308d3ULL;
constexpr uint64_t kHotUrlTag = 0x13198a2e03707344ULL;
constexpr uint64_t kChannelTag = 0xa4093822299f31d0ULL;
constexpr uint64_t kLettersTag = 0x082efa98ec4e6c89ULL;
constexpr size_t kLetterPool = 32 * 1024;  // small enough to stay in the cache
constexpr int kMinWord = 3;  // shortest random word, before trimming
constexpr double kLn10 = 2.302585092994045684;

const char* const kHotChannels[] = {"Google", "Facebook", "Baidu", "Apple"};
const char* const kStates[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
const char* const kCities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                               "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"};
const char* const kFirstNames[] = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky",
                                   "Kate", "Julie", "Sarah", "Deiter", "Walter"};
const char* const kLastNames[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                  "Walton", "Smith", "Jones", "Noris"};

template <size_t N>
constexpr int64_t count_of(const char* const (&)[N]) { return static_cast<int64_t>(N); }

/// The random stream of one event (or one table entry).
class Rng {
 public:
  Rng(uint64_t key, uint64_t counter) : state_(gen_mix64(key ^ gen_mix64(counter * kGenGamma + kEventTag))) {}
  uint64_t next() { return gen_mix64(state_ += kGenGamma); }
  int64_t below(int64_t n) { return static_cast<int64_t>(gen_below(next(), static_cast<uint64_t>(n))); }
  double unit() { return gen_unit(next()); }

 private:
  uint64_t state_;
};

/// Appends the strings of one column. Capacity for the whole batch is reserved
/// up front (an upper bound costs nothing until touched), so appends never move.
class StringOut {
 public:
  StringOut(Column& col, size_t max_chars, size_t rows) : col_(col) {
    col_.chars.reserve(col_.chars.size() + max_chars);
    col_.offsets.reserve(col_.offsets.size() + rows);
  }
  void append(const char* s, size_t len) {
    col_.chars.append(s, len);
    col_.offsets.push_back(static_cast<uint32_t>(col_.chars.size()));
  }
  void append(std::string_view s) { append(s.data(), s.size()); }

 private:
  Column& col_;
};

/// A word of 3 .. max_len-1 characters, each `special` with probability 1/13,
/// else a lowercase letter; trimmed when special is a space. Returns its length.
size_t random_word(Rng& rng, int max_len, char special, char* out) {
  const int64_t len = kMinWord + rng.below(max_len - kMinWord);
  uint64_t bits = 0;
  for (int64_t i = 0; i < len; ++i) {
    if ((i & 3) == 0) bits = rng.next();
    // 16 random bits -> 0..337: 26 of 338 values (1/13) are the special character.
    const uint32_t t = static_cast<uint32_t>(((bits & 0xffff) * 338) >> 16);
    bits >>= 16;
    out[i] = t < 26 ? special : static_cast<char>('a' + (t - 26) % 26);
  }
  size_t begin = 0, end = static_cast<size_t>(len);
  if (special == ' ') {
    while (begin < end && out[begin] == ' ') ++begin;
    while (end > begin && out[end - 1] == ' ') --end;
    if (begin > 0) std::memmove(out, out + begin, end - begin);
  }
  return end - begin;
}

int64_t price(Rng& rng) { return std::llround(std::exp(rng.unit() * 6.0 * kLn10) * 100.0); }

/// Length of `extra` so that an event of `current` bytes averages `average`:
/// uniform in [d - delta, d + delta) with d = average - current, delta = round(d / 5).
int64_t extra_length(Rng& rng, int64_t current, int64_t average) {
  if (current > average) return 0;
  const int64_t desired = average - current;
  const int64_t delta = std::llround(static_cast<double>(desired) * 0.2);
  return desired - delta + (delta == 0 ? 0 : rng.below(2 * delta));
}

int64_t next_person_base0(int64_t event, Rng& rng) {
  const int64_t people = M::last_person_base0(event) + 1;
  const int64_t active = std::min(people, M::kActivePeople);
  return people - active + rng.below(active + M::kIdLead);
}

int64_t next_auction_base0(int64_t event, Rng& rng) {
  const int64_t last = M::last_auction_base0(event);
  const int64_t first = std::max<int64_t>(last - M::kInFlightAuctions, 0);
  return first + rng.below(last - first + 1 + M::kIdLead);
}

/// Writes the decimal digits of v >= 0 to `out`; returns their count.
size_t write_decimal(int64_t v, char* out) {
  char buf[20];
  size_t n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (size_t i = 0; i < n; ++i) out[i] = buf[n - 1 - i];
  return n;
}

/// The id a channel's url carries: |bit-reversed 32-bit channel number|.
int64_t channel_url_id(int64_t channel) {
  uint32_t v = static_cast<uint32_t>(channel), r = 0;
  for (int i = 0; i < 32; ++i, v >>= 1) r = (r << 1) | (v & 1);
  const int64_t id = static_cast<int32_t>(r);  // as Java's Integer.reverse, then abs in 64 bits
  return id < 0 ? -id : id;
}

constexpr char kUrlHead[] = "https://www.nexmark.com/";
constexpr char kUrlTail[] = "item.htm?query=1";
constexpr char kUrlId[] = "&channel_id=";
constexpr char kChannelHead[] = "channel-";
constexpr size_t kMaxUrl = 24 + 3 * 5 + 16 + 12 + 10;
constexpr size_t kMaxChannel = 8 + 4;

int64_t* int_slots(Column& col, size_t n) {
  const size_t base = col.ints.size();
  col.ints.resize(base + n);
  return col.ints.data() + base;
}

}  // namespace

NexmarkGenerator::UrlWords NexmarkGenerator::random_url_words(uint64_t key, int64_t channel) {
  Rng rng(key, static_cast<uint64_t>(channel < 0 ? -channel : channel));
  UrlWords w{};
  for (int k = 0; k < 3; ++k)
    w.len[k] = static_cast<uint8_t>(random_word(rng, 5, '_', w.chars + 4 * k));
  // 9 in 10 numbered channels carry their id in the url.
  if (channel >= 0 && rng.below(10) > 0)
    w.id_len = static_cast<uint8_t>(write_decimal(channel_url_id(channel), w.id));
  return w;
}

size_t NexmarkGenerator::write_url(const UrlWords& w, char* out) {
  std::memcpy(out, kUrlHead, 24);
  size_t n = 24;
  for (int k = 0; k < 3; ++k) {
    std::memcpy(out + n, w.chars + 4 * k, 4);  // fixed-size copy; only len[k] bytes count
    n += w.len[k];
    out[n++] = '/';
  }
  std::memcpy(out + n, kUrlTail, 16);
  n += 16;
  if (w.id_len > 0) {
    std::memcpy(out + n, kUrlId, 12);
    std::memcpy(out + n + 12, w.id, 10);  // fixed-size copy again
    n += 12 + w.id_len;
  }
  return n;
}

SchemaPtr nexmark_schema(NexmarkTable table) {
  const DataType I = DataType::kInt64, S = DataType::kString, T = DataType::kTimestamp;
  switch (table) {
    case NexmarkTable::kPerson:
      return std::make_shared<Schema>(std::vector<Field>{
          {"id", I}, {"name", S}, {"email_address", S}, {"credit_card", S}, {"city", S},
          {"state", S}, {"date_time", T}, {"extra", S}});
    case NexmarkTable::kAuction:
      return std::make_shared<Schema>(std::vector<Field>{
          {"id", I}, {"item_name", S}, {"description", S}, {"initial_bid", I}, {"reserve", I},
          {"date_time", T}, {"expires", T}, {"seller", I}, {"category", I}, {"extra", S}});
    case NexmarkTable::kBid:
      break;
  }
  return std::make_shared<Schema>(std::vector<Field>{
      {"auction", I}, {"bidder", I}, {"price", I}, {"channel", S}, {"url", S},
      {"date_time", T}, {"extra", S}});
}

int64_t NexmarkModel::last_person_base0(int64_t event) {
  const int64_t epoch = event / kTotalProportion;
  int64_t offset = event % kTotalProportion;
  if (offset >= kPersonProportion) offset = kPersonProportion - 1;
  return epoch * kPersonProportion + offset;
}

int64_t NexmarkModel::last_auction_base0(int64_t event) {
  int64_t epoch = event / kTotalProportion;
  int64_t offset = event % kTotalProportion;
  if (offset < kPersonProportion) {  // a person: the last auction of the previous group
    --epoch;
    offset = kAuctionProportion - 1;
  } else if (offset >= kPersonProportion + kAuctionProportion) {  // a bid
    offset = kAuctionProportion - 1;
  } else {
    offset -= kPersonProportion;
  }
  return epoch * kAuctionProportion + offset;
}

NexmarkGenerator::NexmarkGenerator(const NexmarkConfig& config)
    : seed_key_(gen_mix64(config.seed + kEventTag)),
      base_time_ms_(config.base_time_ms),
      delay_us_(config.inter_event_delay_us),
      rate_(config.first_event_rate > 0 ? config.first_event_rate : 10000000) {
  url_words_.reserve(static_cast<size_t>(count_of(kHotChannels) + M::kChannels));
  for (int64_t h = 0; h < count_of(kHotChannels); ++h)
    url_words_.push_back(random_url_words(seed_key_ ^ kHotUrlTag, -1 - h));
  for (int64_t c = 0; c < M::kChannels; ++c)
    url_words_.push_back(random_url_words(seed_key_ ^ kChannelTag, c));
  letters_.resize(kLetterPool);
  Rng rng(seed_key_ ^ kLettersTag, 0);
  for (size_t i = 0; i < kLetterPool; i += 4) {
    uint64_t bits = rng.next();
    for (size_t k = 0; k < 4; ++k, bits >>= 16)
      letters_[i + k] = static_cast<char>('a' + (((bits & 0xffff) * 26) >> 16));
  }
}

int64_t NexmarkGenerator::event_time_ms(int64_t event) const {
  if (delay_us_ > 0) {
    if (event <= INT64_MAX / delay_us_) return base_time_ms_ + event * delay_us_ / 1000;
    return base_time_ms_ + static_cast<int64_t>(static_cast<__int128>(event) * delay_us_ / 1000);
  }
  // delay = 10^6 / rate us, so floor(event * delay / 1000) = floor(event * 1000 / rate).
  if (event <= INT64_MAX / 1000) return base_time_ms_ + event * 1000 / rate_;
  return base_time_ms_ + static_cast<int64_t>(static_cast<__int128>(event) * 1000 / rate_);
}

void NexmarkGenerator::append_bids(const int64_t* events, size_t n, std::vector<Column>& columns) const {
  int64_t* auction = int_slots(columns[0], n);
  int64_t* bidder = int_slots(columns[1], n);
  int64_t* price_out = int_slots(columns[2], n);
  int64_t* time = int_slots(columns[5], n);
  const int64_t current = 8 + 8 + 8 + 8;  // the Flink suite's estimate of a bid without extra
  const size_t max_extra = M::kAvgBidBytes * 6 / 5 + 1;  // extra < 1.2 * (average - current)
  StringOut channel(columns[3], n * kMaxChannel, n);
  StringOut url(columns[4], n * kMaxUrl, n);
  StringOut extra(columns[6], n * max_extra, n);
  const int64_t hot_channels = count_of(kHotChannels);
  const int64_t pool = static_cast<int64_t>(letters_.size());
  // Two passes per chunk: numbers first, noting each bid's channel and extra;
  // then the strings, prefetching channel words a few bids ahead (the table
  // of 10004 channels is larger than the L1/L2 caches like).
  constexpr size_t kChunk = 256, kAhead = 8;
  uint16_t code[kChunk];
  uint32_t extra_at[kChunk];
  uint8_t extra_len[kChunk];
  for (size_t begin = 0; begin < n; begin += kChunk) {
    const size_t m = std::min(kChunk, n - begin);
    for (size_t j = 0; j < m; ++j) {
      const size_t i = begin + j;
      const int64_t e = events[i];
      Rng rng(seed_key_, static_cast<uint64_t>(e));
      // One draw decides the three hot/cold coins: gen_below reads the top bits,
      // so shifting by 8 and 16 gives each coin its own bits.
      const uint64_t choices = rng.next();
      if (gen_below(choices, M::kHotAuctionRatio) > 0)
        auction[i] = M::last_auction_base0(e) / M::kHotGroup * M::kHotGroup + M::kFirstAuctionId;
      else
        auction[i] = next_auction_base0(e, rng) + M::kFirstAuctionId;
      if (gen_below(choices << 8, M::kHotBidderRatio) > 0)
        bidder[i] = M::last_person_base0(e) / M::kHotGroup * M::kHotGroup + 1 + M::kFirstPersonId;
      else
        bidder[i] = next_person_base0(e, rng) + M::kFirstPersonId;
      price_out[i] = price(rng);
      code[j] = static_cast<uint16_t>(gen_below(choices << 16, 2) > 0
                                          ? rng.below(hot_channels)
                                          : hot_channels + rng.below(M::kChannels));
      time[i] = event_time_ms(e);
      const int64_t len = extra_length(rng, current, M::kAvgBidBytes);
      extra_len[j] = static_cast<uint8_t>(len);
      extra_at[j] = static_cast<uint32_t>(rng.below(pool - len));
    }
    for (size_t j = 0; j < std::min(kAhead, m); ++j) __builtin_prefetch(&url_words_[code[j]]);
    char buf[kMaxUrl];
    for (size_t j = 0; j < m; ++j) {
      if (j + kAhead < m) __builtin_prefetch(&url_words_[code[j + kAhead]]);
      const int64_t c = code[j];
      if (c < hot_channels) {
        channel.append(kHotChannels[c], std::strlen(kHotChannels[c]));
      } else {
        std::memcpy(buf, kChannelHead, 8);
        channel.append(buf, 8 + write_decimal(c - hot_channels, buf + 8));
      }
      url.append(buf, write_url(url_words_[static_cast<size_t>(c)], buf));
      extra.append(letters_.data() + extra_at[j], extra_len[j]);
    }
  }
}

void NexmarkGenerator::append_auctions(const int64_t* events, size_t n,
                                       std::vector<Column>& columns) const {
  int64_t* id = int_slots(columns[0], n);
  int64_t* initial_bid = int_slots(columns[3], n);
  int64_t* reserve = int_slots(columns[4], n);
  int64_t* time = int_slots(columns[5], n);
  int64_t* expires = int_slots(columns[6], n);
  int64_t* seller = int_slots(columns[7], n);
  int64_t* category = int_slots(columns[8], n);
  StringOut item_name(columns[1], n * 20, n);
  StringOut description(columns[2], n * 100, n);
  StringOut extra(columns[9], n * (M::kAvgAuctionBytes * 6 / 5 + 1), n);
  // How many events until kInFlightAuctions more auctions exist: sets the average length.
  const int64_t auction_horizon = M::kInFlightAuctions * M::kTotalProportion / M::kAuctionProportion;
  const int64_t pool = static_cast<int64_t>(letters_.size());
  for (size_t i = 0; i < n; ++i) {
    const int64_t e = events[i];
    Rng rng(seed_key_, static_cast<uint64_t>(e));
    id[i] = M::last_auction_base0(e) + M::kFirstAuctionId;
    if (rng.below(M::kHotSellerRatio) > 0)
      seller[i] = M::last_person_base0(e) / M::kHotGroup * M::kHotGroup + M::kFirstPersonId;
    else
      seller[i] = next_person_base0(e, rng) + M::kFirstPersonId;
    category[i] = M::kFirstCategoryId + rng.below(M::kNumCategories);
    initial_bid[i] = price(rng);
    time[i] = event_time_ms(e);
    const int64_t horizon_ms = event_time_ms(e + auction_horizon) - time[i];
    expires[i] = time[i] + 1 + rng.below(std::max<int64_t>(horizon_ms * 2, 1));
    char word[100];
    const size_t name_len = random_word(rng, 20, ' ', word);
    item_name.append(word, name_len);
    const size_t desc_len = random_word(rng, 100, ' ', word);
    description.append(word, desc_len);
    reserve[i] = initial_bid[i] + price(rng);
    const int64_t current = 8 + static_cast<int64_t>(name_len + desc_len) + 8 + 8 + 8 + 8 + 8;
    const int64_t len = extra_length(rng, current, M::kAvgAuctionBytes);
    extra.append(letters_.data() + rng.below(pool - len), static_cast<size_t>(len));
  }
}

void NexmarkGenerator::append_persons(const int64_t* events, size_t n,
                                      std::vector<Column>& columns) const {
  int64_t* id = int_slots(columns[0], n);
  int64_t* time = int_slots(columns[6], n);
  StringOut name(columns[1], n * 14, n);
  StringOut email(columns[2], n * 18, n);
  StringOut card(columns[3], n * 19, n);
  StringOut city(columns[4], n * 13, n);
  StringOut state(columns[5], n * 2, n);
  StringOut extra(columns[7], n * (M::kAvgPersonBytes * 6 / 5 + 1), n);
  const int64_t pool = static_cast<int64_t>(letters_.size());
  for (size_t i = 0; i < n; ++i) {
    const int64_t e = events[i];
    Rng rng(seed_key_, static_cast<uint64_t>(e));
    id[i] = M::last_person_base0(e) + M::kFirstPersonId;
    time[i] = event_time_ms(e);
    // name: "<first> <last>"
    const char* first = kFirstNames[rng.below(count_of(kFirstNames))];
    const char* last = kLastNames[rng.below(count_of(kLastNames))];
    const size_t first_len = std::strlen(first), last_len = std::strlen(last);
    char buf[32];
    char* out = buf;
    std::memcpy(out, first, first_len);
    out[first_len] = ' ';
    std::memcpy(out + first_len + 1, last, last_len);
    const size_t name_len = first_len + 1 + last_len;
    name.append(buf, name_len);
    // email: "<word>@<word>.com"
    size_t email_len = random_word(rng, 7, ' ', out);
    out[email_len++] = '@';
    email_len += random_word(rng, 5, ' ', out + email_len);
    std::memcpy(out + email_len, ".com", 4);
    email_len += 4;
    email.append(buf, email_len);
    // credit card: four groups of four digits
    for (int g = 0; g < 4; ++g) {
      int64_t digits = rng.below(10000);
      char* group = out + g * 5;
      for (int d = 3; d >= 0; --d, digits /= 10) group[d] = static_cast<char>('0' + digits % 10);
      if (g < 3) group[4] = ' ';
    }
    card.append(buf, 19);
    const char* city_name = kCities[rng.below(count_of(kCities))];
    const size_t city_len = std::strlen(city_name);
    city.append(city_name, city_len);
    state.append(kStates[rng.below(count_of(kStates))], 2);
    const int64_t current = 8 + static_cast<int64_t>(name_len + email_len + 19 + city_len + 2);
    const int64_t len = extra_length(rng, current, M::kAvgPersonBytes);
    extra.append(letters_.data() + rng.below(pool - len), static_cast<size_t>(len));
  }
}

NexmarkPerson NexmarkGenerator::person(int64_t event) const {
  auto cols = make_columns(*nexmark_schema(NexmarkTable::kPerson));
  append_persons(&event, 1, cols);
  NexmarkPerson p;
  p.id = cols[0].ints[0];
  p.name = std::string(cols[1].string_at(0));
  p.email_address = std::string(cols[2].string_at(0));
  p.credit_card = std::string(cols[3].string_at(0));
  p.city = std::string(cols[4].string_at(0));
  p.state = std::string(cols[5].string_at(0));
  p.date_time = cols[6].ints[0];
  p.extra = std::string(cols[7].string_at(0));
  return p;
}

NexmarkAuction NexmarkGenerator::auction(int64_t event) const {
  auto cols = make_columns(*nexmark_schema(NexmarkTable::kAuction));
  append_auctions(&event, 1, cols);
  NexmarkAuction a;
  a.id = cols[0].ints[0];
  a.item_name = std::string(cols[1].string_at(0));
  a.description = std::string(cols[2].string_at(0));
  a.initial_bid = cols[3].ints[0];
  a.reserve = cols[4].ints[0];
  a.date_time = cols[5].ints[0];
  a.expires = cols[6].ints[0];
  a.seller = cols[7].ints[0];
  a.category = cols[8].ints[0];
  a.extra = std::string(cols[9].string_at(0));
  return a;
}

NexmarkBid NexmarkGenerator::bid(int64_t event) const {
  auto cols = make_columns(*nexmark_schema(NexmarkTable::kBid));
  append_bids(&event, 1, cols);
  NexmarkBid b;
  b.auction = cols[0].ints[0];
  b.bidder = cols[1].ints[0];
  b.price = cols[2].ints[0];
  b.channel = std::string(cols[3].string_at(0));
  b.url = std::string(cols[4].string_at(0));
  b.date_time = cols[5].ints[0];
  b.extra = std::string(cols[6].string_at(0));
  return b;
}

}  // namespace eddy
