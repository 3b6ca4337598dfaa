// Nexmark reader: picks the events of its table out of its share, then lets
// the generator write them into the batch's columns in one call.
#include "connectors/nexmark_source.h"

#include <algorithm>
#include <limits>

namespace eddy {
namespace {

using M = NexmarkModel;

NexmarkEventKind kind_of_table(NexmarkTable table) {
  switch (table) {
    case NexmarkTable::kPerson: return NexmarkEventKind::kPerson;
    case NexmarkTable::kAuction: return NexmarkEventKind::kAuction;
    case NexmarkTable::kBid: break;
  }
  return NexmarkEventKind::kBid;
}

/// The first event >= `event` of kind `kind`.
int64_t next_of_kind(int64_t event, NexmarkEventKind kind) {
  const int64_t offset = event % M::kTotalProportion;
  const int64_t group = event - offset;
  switch (kind) {
    case NexmarkEventKind::kPerson:
      return offset < M::kPersonProportion ? event : group + M::kTotalProportion;
    case NexmarkEventKind::kAuction:
      if (offset < M::kPersonProportion) return group + M::kPersonProportion;
      if (offset < M::kPersonProportion + M::kAuctionProportion) return event;
      return group + M::kTotalProportion + M::kPersonProportion;
    case NexmarkEventKind::kBid:
      return offset < M::kPersonProportion + M::kAuctionProportion
                 ? group + M::kPersonProportion + M::kAuctionProportion
                 : event;
  }
  return event;
}

}  // namespace

Status validate_nexmark_config(const NexmarkConfig& config) {
  if (config.block_events <= 0) return Status::invalid("nexmark: block_events must be positive");
  if (config.events_per_second < 0) return Status::invalid("nexmark: events_per_second must be >= 0");
  if (config.inter_event_delay_us < 0) return Status::invalid("nexmark: inter_event_delay_us must be >= 0");
  if (config.inter_event_delay_us == 0 && config.first_event_rate <= 0)
    return Status::invalid("nexmark: first_event_rate must be positive");
  return Status::ok();
}

std::unique_ptr<SplitEnumerator> make_nexmark_enumerator(const NexmarkConfig&) {
  return std::make_unique<ShareEnumerator>();
}

std::unique_ptr<SourceReader> make_nexmark_reader(const NexmarkConfig& config) {
  return std::make_unique<NexmarkReader>(config);
}

NexmarkReader::NexmarkReader(const NexmarkConfig& config)
    : config_(config), schema_(nexmark_schema(config.table)),
      config_status_(validate_nexmark_config(config)), generator_(config),
      kind_(kind_of_table(config.table)) {}

Status NexmarkReader::open_split(const Split& split) {
  EDDY_RETURN_IF_ERROR(config_status_);
  EDDY_RETURN_IF_ERROR(make_block_share(split, config_.block_events, config_.events, share_));
  share_size_ = share_.size();
  open_ = true;
  split_ = split;
  seek(split.position);
  return Status::ok();
}

Split NexmarkReader::resume_split() const {
  Split s = split_;
  s.position = position_;
  return s;
}

void NexmarkReader::seek(int64_t position) {
  position = std::max<int64_t>(0, position);
  if (share_size_ >= 0) position = std::min(position, share_size_);
  position_ = position;
  const double rate = static_cast<double>(config_.events_per_second);
  pacer_.reset(rate > 0 ? rate / share_.count : 0);
}

int64_t NexmarkReader::collect(int64_t max_rows, int64_t max_events) {
  constexpr int64_t kMaxRun = int64_t{1} << 40;  // keeps unbounded runs from overflowing
  events_.clear();
  int64_t p = position_;
  int64_t left = max_events;
  while (left > 0) {
    const int64_t run = std::min({share_.contiguous(p), left, kMaxRun});
    const int64_t first = share_.global(p), end = first + run;
    for (int64_t e = next_of_kind(first, kind_); e < end; e = next_of_kind(e + 1, kind_)) {
      events_.push_back(e);
      if (static_cast<int64_t>(events_.size()) == max_rows) return p + (e - first + 1) - position_;
    }
    p += run;
    left -= run;
  }
  return p - position_;
}

Result<SourcePoll> NexmarkReader::poll(size_t max_rows) {
  EDDY_RETURN_IF_ERROR(config_status_);
  if (!open_) return Status::internal("nexmark: poll before open_split");
  const int64_t remaining =
      share_size_ < 0 ? std::numeric_limits<int64_t>::max() : share_size_ - position_;
  if (remaining <= 0) return SourcePoll::end();
  int64_t max_events = remaining;
  if (pacer_.limited()) {
    const int64_t budget = pacer_.budget(remaining);
    if (budget == 0) return SourcePoll::idle(pacer_.retry_after_us(remaining));
    max_events = std::min(max_events, budget);
  }
  const int64_t rows_cap = poll_row_cap(max_rows);
  const int64_t walked = collect(rows_cap, max_events);
  position_ += walked;
  if (pacer_.limited()) pacer_.consume(walked);
  if (events_.empty()) {
    // The events walked held none of this table (a paced person reader, say).
    if (share_size_ >= 0 && position_ >= share_size_) return SourcePoll::end();
    return SourcePoll::idle(pacer_.limited() ? pacer_.retry_after_us(remaining) : 1);
  }
  auto batch = std::make_shared<RecordBatch>();
  batch->schema = schema_;
  batch->columns = make_columns(*schema_);
  batch->num_rows = events_.size();
  switch (config_.table) {
    case NexmarkTable::kPerson: generator_.append_persons(events_.data(), events_.size(), batch->columns); break;
    case NexmarkTable::kAuction: generator_.append_auctions(events_.data(), events_.size(), batch->columns); break;
    case NexmarkTable::kBid: generator_.append_bids(events_.data(), events_.size(), batch->columns); break;
  }
  return SourcePoll::of(std::move(batch));
}

}  // namespace eddy
